package launcher_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
)

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
	config := strings.Replace(batontest.DefaultConfig, "sla:\n", "sla:\n  sweep_schedule: \"@every 1s\"\n", 1)
	a := batontest.Start(t, batontest.Options{Config: config, EditEnv: func(vars map[string]string) {
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

	a.Slack.FailNext("chat.postMessage", 1, http.StatusInternalServerError)
	h := a.Handoff("U0SDR", "Acme")
	a.Click("U0AE1", h)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "You own") }, "claimed")
	a.Slack.FailNext("views.open", 1, http.StatusInternalServerError)
	openModalFails(a, "U0SDR2")

	a.Eventually(func() bool { return strings.Contains(a.Log.String(), `"level":"debug"`) }, "debug lines are logged")
	log := a.Log.String()
	require.Contains(t, log, "handoff claimed", "the log was captured")
	require.Contains(t, log, "views.open failed", "the Slack error was logged")
	require.Contains(t, log, "notice delivery failed", "the failed post was logged")
	for _, secret := range []string{bot, app, password, "xoxb-", "xapp-"} {
		require.NotContains(t, log, secret)
	}
}

// openModalFails types /handoff while views.open is made to fail, and waits
// for the apology.
func openModalFails(a *batontest.App, user string) {
	a.T.Helper()
	_, err := a.Slack.SlashCommand(a.Ctx, slackfake.SlashCommand{Command: "/handoff", UserID: user, ChannelID: "C0HANDOFF"})
	require.NoError(a.T, err)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, user)) == 1 }, "the user is told the form did not open")
}
