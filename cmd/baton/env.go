package main

import (
	"cmp"
	"fmt"
	"strings"
)

// Env is the process environment Baton reads: the outside contract of
// DESIGN.md section 5. Tokens are kept here and nowhere else, and never
// printed.
type Env struct {
	BotToken    string // SLACK_BOT_TOKEN, xoxb-…
	AppToken    string // SLACK_APP_TOKEN, xapp-…
	APIURL      string // SLACK_API_URL, default https://slack.com/api/
	DatabaseURL string // DATABASE_URL; unset: a local PostgreSQL
	ConfigPath  string // BATON_CONFIG, default ./baton.yaml
	HTTPAddr    string // BATON_HTTP_ADDR, default 127.0.0.1:8080
	LogLevel    string // LOG_LEVEL: debug, info (default), warn, error
	LogFormat   string // LOG_FORMAT: json (default) or console
}

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

func readEnv(getenv func(string) string) Env {
	apiURL := cmp.Or(getenv("SLACK_API_URL"), DefaultAPIURL)
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/" // slack-go appends method names to it
	}
	return Env{
		BotToken:    strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		AppToken:    strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		APIURL:      apiURL,
		DatabaseURL: getenv("DATABASE_URL"),
		ConfigPath:  cmp.Or(getenv("BATON_CONFIG"), "./baton.yaml"),
		HTTPAddr:    cmp.Or(getenv("BATON_HTTP_ADDR"), "127.0.0.1:8080"),
		LogLevel:    cmp.Or(getenv("LOG_LEVEL"), "info"),
		LogFormat:   cmp.Or(getenv("LOG_FORMAT"), "json"),
	}
}

// checkTokens stops start-up when a token is missing or of the wrong kind,
// naming the variable. A wrong-kind token would fail later with Slack's
// terse "not_allowed_token_type".
func (e Env) checkTokens() error {
	for _, t := range []struct{ name, value, prefix, what string }{
		{"SLACK_BOT_TOKEN", e.BotToken, "xoxb-", "the Bot User OAuth Token from the app's OAuth & Permissions page"},
		{"SLACK_APP_TOKEN", e.AppToken, "xapp-", "an App-Level Token with the connections:write scope"},
	} {
		if t.value == "" {
			return fmt.Errorf("%s is not set: it must hold %s (%s…)", t.name, t.what, t.prefix)
		}
		if !strings.HasPrefix(t.value, t.prefix) {
			return fmt.Errorf("%s does not start with %s: it must hold %s", t.name, t.prefix, t.what)
		}
	}
	return nil
}
