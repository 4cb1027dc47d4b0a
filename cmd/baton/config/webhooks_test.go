package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
)

func TestParseWebhooks(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(minimal + `
webhooks:
  - url: https://hooks.example.com/baton
    secret_env: BATON_WEBHOOK_SECRET
    events: [handoff.created, handoff.claimed]
  - url: http://127.0.0.1:8088/crm?token=abc
    secret_env: LOCAL_HOOK_SECRET
`))
	require.NoError(t, err)
	require.Equal(t, []config.Webhook{
		{URL: "https://hooks.example.com/baton", SecretEnv: "BATON_WEBHOOK_SECRET",
			Events: []routing.WebhookType{routing.WebhookHandoffCreated, routing.WebhookHandoffClaimed}},
		{URL: "http://127.0.0.1:8088/crm?token=abc", SecretEnv: "LOCAL_HOOK_SECRET"},
	}, cfg.Webhooks)

	none, err := config.Parse([]byte(minimal))
	require.NoError(t, err)
	require.Empty(t, none.Webhooks)
}

func TestParseWebhookErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, yaml, want string }{
		{"no url", "- {secret_env: S}", "webhooks[0].url: required"},
		{"relative url", "- {url: /baton, secret_env: S}", `webhooks[0].url: "/baton" is not an absolute URL`},
		{"not a url", "- {url: 'hooks example', secret_env: S}", `webhooks[0].url: "hooks example" is not an absolute URL`},
		{"plain http", "- {url: 'http://hooks.example.com/baton', secret_env: S}", "use https (plain http only to localhost)"},
		{"other scheme", "- {url: 'ftp://hooks.example.com/baton', secret_env: S}", "the scheme must be https"},
		{"password in url", "- {url: 'https://u:p@hooks.example.com/', secret_env: S}", "carries a user or password"},
		{"twice", "- {url: 'https://h.example/', secret_env: S}\n  - {url: 'https://h.example/', secret_env: T}", "webhooks[1].url: https://h.example/ is listed twice"},
		{"no secret_env", "- {url: 'https://h.example/'}", "webhooks[0].secret_env: required"},
		{"the secret itself", "- {url: 'https://h.example/', secret_env: 'whsec-9f8e7d'}", `"whsec-9f8e7d" is not an environment variable's name`},
		{"unknown event", "- {url: 'https://h.example/', secret_env: S, events: [handoff.created, lead.touch_logged]}",
			`webhooks[0].events[1]: "lead.touch_logged" is not an event type; the types are handoff.created, handoff.posted, handoff.claimed`},
		{"event twice", "- {url: 'https://h.example/', secret_env: S, events: [sla.breached, sla.breached]}", "webhooks[0].events[1]: sla.breached is listed twice"},
		{"empty events", "- {url: 'https://h.example/', secret_env: S, events: []}", "webhooks[0].events: empty"},
		{"unknown key", "- {url: 'https://h.example/', secret: abc}", "webhooks[0].secret: unknown key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(minimal + "webhooks:\n  " + c.yaml + "\n"))
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestWebhookSecrets(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(minimal + `
webhooks:
  - {url: 'https://a.example/', secret_env: A_SECRET}
  - {url: 'https://b.example/', secret_env: B_SECRET}
`))
	require.NoError(t, err)
	env := map[string]string{"A_SECRET": "aaa", "B_SECRET": "bbb"}
	secrets, err := cfg.WebhookSecrets(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, []string{"aaa", "bbb"}, secrets)

	delete(env, "B_SECRET")
	_, err = cfg.WebhookSecrets(func(k string) string { return env[k] })
	require.EqualError(t, err, "webhooks[1].secret_env: the environment variable B_SECRET is not set (or empty); set it to the secret shared with the endpoint, or remove the endpoint")
	require.NotContains(t, err.Error(), "aaa", "no secret in the sentence")
}
