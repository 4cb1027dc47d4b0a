package launcher_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/cmd/baton/drive"
	"github.com/batonhq/baton/cmd/baton/launcher"
)

// TestStartRidesOutSlackBlip starts Baton while Slack fails its first
// calls (auth.test answering 503 or not at all, apps.connections.open
// answering 503): it retries, says so in the log each time, and comes up
// once Slack answers.
func TestStartRidesOutSlackBlip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		fail  func(*slackfake.Server)
		env   map[string]string
		say   string // the log line of each retry
		tries int
	}{
		{"auth.test answers 503", func(f *slackfake.Server) { f.FailNext("auth.test", 2, http.StatusServiceUnavailable) }, nil,
			"cannot reach Slack; retrying", 2},
		{"auth.test does not answer", func(f *slackfake.Server) { f.Hang("auth.test", 1) }, map[string]string{"SLACK_API_TIMEOUT": "300ms"},
			"cannot reach Slack; retrying", 1},
		{"apps.connections.open answers 503", func(f *slackfake.Server) { f.FailNext("apps.connections.open", 2, http.StatusServiceUnavailable) }, nil,
			"socket mode connection failed; retrying", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := slackfaketest.New(t)
			tt.fail(fake)
			a := batontest.Start(t, batontest.Options{Fake: fake, Env: tt.env})
			require.Equal(t, tt.tries, strings.Count(a.Log.String(), tt.say), "each retry is logged; log:\n%s", a.Log.String())
			h := a.Handoff("U0SDR", "Acme")
			a.Click("U0AE1", h)
			a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "You own") }, "Baton works once Slack answers")
		})
	}
}

// TestStartRetriesUnreachableSlackUntilStopped points SLACK_API_URL at a
// host no DNS resolves and at a closed port: Baton retries, logging each
// attempt with the URL and the error, until it is stopped, and then
// stops cleanly.
func TestStartRetriesUnreachableSlackUntilStopped(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]string{
		"a host no DNS resolves": "http://baton-test.invalid/api/", // .invalid never resolves (RFC 6761)
		"a closed port":          "http://127.0.0.1:1/api/",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			log := &drive.Log{}
			m := launcher.New()
			m.Stdout, m.Stderr = log, log
			m.Getenv = drive.Getenv(map[string]string{
				"BATON_CONFIG": batontest.WriteConfig(t, batontest.DefaultConfig), "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1",
				"SLACK_API_URL": url, "SLACK_API_TIMEOUT": "2s", "BATON_HTTP_ADDR": "127.0.0.1:0",
			})
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			exited := make(chan error, 1)
			go func() { exited <- m.Run(ctx, []string{"run"}) }()
			require.Eventually(t, func() bool {
				return len(exited) > 0 || strings.Count(log.String(), "cannot reach Slack; retrying") >= 2
			},
				20*time.Second, 10*time.Millisecond, "retried; log:\n%s", log.String())
			select {
			case err := <-exited:
				t.Fatalf("Baton gave up on a Slack it could not reach: %v", err)
			default:
			}
			out := log.String()
			require.Contains(t, out, `"url":"`+url+`"`)
			require.Contains(t, out, `"method":"auth.test"`)
			require.Contains(t, out, `"retry_in":`)
			require.NotContains(t, out, "xoxb-1", "never the token")

			stop()
			select {
			case err := <-exited:
				require.NoError(t, err, "a stop while Slack is unreachable is a clean stop")
			case <-time.After(10 * time.Second):
				t.Fatal("Baton did not stop while retrying")
			}
			require.Contains(t, log.String(), "stopped before Slack could be reached")
		})
	}
}
