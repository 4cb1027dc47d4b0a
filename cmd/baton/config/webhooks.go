package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/batonhq/baton/routing"
)

// Webhook is one configured webhook endpoint. Its secret is not read
// here: SecretEnv names the variable that holds it, read at start-up and
// at each reload (see Config.WebhookSecrets), so the file can be shared
// and committed.
type Webhook struct {
	URL       string
	SecretEnv string
	// Events are the public types the endpoint is sent; empty: all.
	Events []routing.WebhookType
}

// webhook mirrors one item of `webhooks`.
type webhook struct {
	URL       string   `yaml:"url"`
	SecretEnv string   `yaml:"secret_env"`
	Events    []string `yaml:"events"`
}

// envName is what a POSIX shell accepts as a variable's name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// webhooks converts and validates the configured endpoints.
func webhooks(in []webhook) ([]Webhook, error) {
	var out []Webhook
	seen := map[string]bool{}
	for i, w := range in {
		key := fmt.Sprintf("webhooks[%d]", i)
		if err := checkWebhookURL(w.URL); err != nil {
			return nil, fmt.Errorf("%s.url: %w", key, err)
		}
		if seen[w.URL] {
			return nil, fmt.Errorf("%s.url: %s is listed twice (an endpoint is known by its URL)", key, w.URL)
		}
		seen[w.URL] = true
		switch {
		case w.SecretEnv == "":
			return nil, fmt.Errorf("%s.secret_env: required: the name of the environment variable holding the endpoint's shared secret, such as BATON_WEBHOOK_SECRET", key)
		case !envName.MatchString(w.SecretEnv):
			return nil, fmt.Errorf("%s.secret_env: %q is not an environment variable's name (letters, digits and _, such as BATON_WEBHOOK_SECRET); give the variable's name, not the secret", key, w.SecretEnv)
		}
		hook := Webhook{URL: w.URL, SecretEnv: w.SecretEnv}
		if w.Events != nil && len(w.Events) == 0 {
			return nil, fmt.Errorf("%s.events: empty: leave the key out to send every event, or list the types", key)
		}
		for j, e := range w.Events {
			if !routing.IsWebhookType(e) {
				return nil, fmt.Errorf("%s.events[%d]: %q is not an event type; the types are %s", key, j, e, typeList())
			}
			if slices.Contains(hook.Events, routing.WebhookType(e)) {
				return nil, fmt.Errorf("%s.events[%d]: %s is listed twice", key, j, e)
			}
			hook.Events = append(hook.Events, routing.WebhookType(e))
		}
		out = append(out, hook)
	}
	return out, nil
}

func typeList() string {
	names := make([]string, len(routing.WebhookTypes))
	for i, t := range routing.WebhookTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// checkWebhookURL accepts https URLs, and http to this machine only (a
// receiver beside Baton, a test): a lead's phone and email must not cross
// a network in clear text.
func checkWebhookURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("required, such as https://hooks.example.com/baton")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an absolute URL such as https://hooks.example.com/baton", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q carries a user or password: Baton signs each request with secret_env's secret instead", raw)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%q has a #fragment, which is never sent", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if host := u.Hostname(); host == "localhost" || net.ParseIP(host).IsLoopback() {
			return nil
		}
		return fmt.Errorf("%q: use https (plain http only to localhost): the body carries the lead's phone and email", raw)
	}
	return fmt.Errorf("%q: the scheme must be https", raw)
}

// MissingWebhookSecret is the error of a webhook whose secret_env is
// unset or empty.
type MissingWebhookSecret struct {
	Index int
	URL   string
	Env   string
}

func (e *MissingWebhookSecret) Error() string {
	// No URL: a hook's URL may hold a token of its own (Zapier's, n8n's).
	return fmt.Sprintf("webhooks[%d].secret_env: the environment variable %s is not set (or empty); set it to the secret shared with the endpoint, or remove the endpoint",
		e.Index, e.Env)
}

// WebhookSecrets reads each endpoint's secret with getenv, in the order
// of c.Webhooks. A variable unset or empty is an error that names it:
// Baton refuses to start (or to reload) rather than send unsigned
// requests. The secrets are never part of an error or a log.
func (c Config) WebhookSecrets(getenv func(string) string) ([]string, error) {
	secrets := make([]string, len(c.Webhooks))
	for i, w := range c.Webhooks {
		secrets[i] = getenv(w.SecretEnv)
		if secrets[i] == "" {
			return nil, &MissingWebhookSecret{Index: i, URL: w.URL, Env: w.SecretEnv}
		}
	}
	return secrets, nil
}
