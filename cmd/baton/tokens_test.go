package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
)

func TestTokenFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	bot, app := file("bot", "xoxb-from-file\n"), file("app", "xapp-from-file\r\n")
	for _, tt := range []struct {
		name string
		vars map[string]string
		err  string
	}{
		{"both from files, newline trimmed", map[string]string{"SLACK_BOT_TOKEN_FILE": bot, "SLACK_APP_TOKEN_FILE": app}, ""},
		{"one from the environment, one from a file", map[string]string{"SLACK_BOT_TOKEN": "xoxb-from-file", "SLACK_APP_TOKEN_FILE": app}, ""},
		{"a variable and its file", map[string]string{"SLACK_BOT_TOKEN": "xoxb-env", "SLACK_BOT_TOKEN_FILE": bot, "SLACK_APP_TOKEN_FILE": app},
			"SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set"},
		{"the app token and its file", map[string]string{"SLACK_BOT_TOKEN_FILE": bot, "SLACK_APP_TOKEN": "xapp-env", "SLACK_APP_TOKEN_FILE": app},
			"SLACK_APP_TOKEN and SLACK_APP_TOKEN_FILE are both set"},
		{"a missing file", map[string]string{"SLACK_BOT_TOKEN_FILE": filepath.Join(dir, "nope"), "SLACK_APP_TOKEN_FILE": app},
			"SLACK_BOT_TOKEN_FILE: cannot read " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"an empty file", map[string]string{"SLACK_BOT_TOKEN_FILE": bot, "SLACK_APP_TOKEN_FILE": file("empty", "\n")},
			"SLACK_APP_TOKEN_FILE: " + filepath.Join(dir, "empty") + " is empty"},
		{"the wrong token in a file", map[string]string{"SLACK_BOT_TOKEN_FILE": app, "SLACK_APP_TOKEN_FILE": app},
			"SLACK_BOT_TOKEN does not start with xoxb-"},
		{"none at all", map[string]string{}, "SLACK_BOT_TOKEN is not set (nor SLACK_BOT_TOKEN_FILE)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := readEnv(env(tt.vars))
			err := e.checkTokens()
			if tt.err == "" {
				require.NoError(t, err)
				require.Equal(t, "xoxb-from-file", e.BotToken)
				require.Equal(t, "xapp-from-file", e.AppToken)
				return
			}
			require.ErrorContains(t, err, tt.err)
			for _, secret := range []string{"from-file", "xoxb-env", "xapp-env"} {
				require.NotContains(t, err.Error(), secret, "a token is never echoed")
			}
		})
	}
}

// TestTokensFromFilesNeverLogged runs Baton with its tokens in files (as a
// Kubernetes secret mounts them) and a password in DATABASE_URL, at debug
// level, through a handoff, a claim, Slack failing a post (logged with the
// failed call) and a form that fails to open, then greps every line of the
// log for the secrets.
func TestTokensFromFilesNeverLogged(t *testing.T) {
	t.Parallel()
	const password = "pg-s3cret-Pa55"
	var bot, app string
	// A sweep every second, so debug lines ("job ran") are written.
	config := strings.Replace(testConfig, "sla:\n", "sla:\n  sweep_schedule: \"@every 1s\"\n", 1)
	a := start(t, options{config: config, env: func(vars map[string]string) {
		dir := t.TempDir()
		bot, app = vars["SLACK_BOT_TOKEN"], vars["SLACK_APP_TOKEN"]
		for name, token := range map[string]string{"SLACK_BOT_TOKEN": bot, "SLACK_APP_TOKEN": app} {
			path := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(path, []byte(token+"\n"), 0o600))
			vars[name+"_FILE"] = path
			delete(vars, name)
		}
		// The test server trusts local connections, so the password is
		// carried and ignored: enough to see whether it is ever printed.
		url := vars["DATABASE_URL"]
		switch {
		case !strings.Contains(url, "://"):
			url += " password=" + password
		case strings.Contains(url, "?"):
			url += "&password=" + password
		default:
			url += "?password=" + password
		}
		vars["DATABASE_URL"] = url
	}})

	a.slack.FailNext("chat.postMessage", 1, http.StatusInternalServerError)
	h := a.handoff("U0SDR", "Acme")
	a.click("U0AE1", h, "")
	a.eventually(func() bool { return strings.Contains(a.dmText("U0AE1"), "You own") }, "claimed")
	a.slack.FailNext("views.open", 1, http.StatusInternalServerError)
	a.openModalFails("U0SDR2")

	a.eventually(func() bool { return strings.Contains(a.log.String(), `"level":"debug"`) }, "debug lines are logged")
	log := a.log.String()
	require.Contains(t, log, "handoff claimed", "the log was captured")
	require.Contains(t, log, "views.open failed", "the Slack error was logged")
	require.Contains(t, log, "notice delivery failed", "the failed post was logged")
	for _, secret := range []string{bot, app, password, "xoxb-", "xapp-"} {
		require.NotContains(t, log, secret)
	}
}

// openModalFails types /handoff while views.open is made to fail, and waits
// for the apology.
func (a *app) openModalFails(user string) {
	a.t.Helper()
	_, err := a.slack.SlashCommand(a.ctx, slackfake.SlashCommand{Command: "/handoff", UserID: user, ChannelID: "C0HANDOFF"})
	require.NoError(a.t, err)
	a.eventually(func() bool { return len(a.ephemeralTexts(user)) == 1 }, "the user is told the form did not open")
}
