package faulttest

import (
	"context"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// pendingNotices lists the kinds of handoff id's notices not yet
// delivered, checking that none is leased or abandoned: left for the next
// process, due.
func pendingNotices(t *testing.T, a *batontest.App, id int64) []string {
	t.Helper()
	rows, err := a.DB.Query(a.Ctx, `SELECT kind, leased_until IS NULL OR leased_until <= now(), abandoned_at IS NULL
		FROM outbox WHERE handoff_id = $1 AND delivered_at IS NULL ORDER BY id`, id)
	require.NoError(t, err)
	defer rows.Close()
	var kinds []string
	for rows.Next() {
		var kind string
		var free, kept bool
		require.NoError(t, rows.Scan(&kind, &free, &kept))
		require.True(t, free, "%s is not held by the stopped process's lease", kind)
		require.True(t, kept, "%s is not abandoned", kind)
		kinds = append(kinds, kind)
	}
	require.NoError(t, rows.Err())
	return kinds
}

// TestFaultSIGTERM: SIGTERM while work is in flight: a claim's message
// update hung in Slack (a delivery in flight), a new handoff's notices
// queued behind Slack's 429s, and a click's private answer hung in Slack
// (a handler in flight). Baton says not ready and, every envelope it took
// being acked, closes the socket at once, so that Slack gives new ones to
// another connection instead of leaving them unacked; the handler goes on
// without the socket until it is cut off at BATON_SHUTDOWN_TIMEOUT, the
// cut-off delivery is put back in the outbox, and Baton exits 0. The next
// process delivers everything left, once.
func TestFaultSIGTERM(t *testing.T) {
	t.Parallel()
	// Slack calls are not cut off by their own timeout here: only the
	// shutdown's bound ends them.
	// The bound leaves the socket's close, which needs no more than the
	// acks in flight, ample time to happen first on a busy machine.
	env := map[string]string{"SLACK_API_TIMEOUT": "2m", "BATON_SHUTDOWN_TIMEOUT": "15s"}
	a := batontest.Start(t, batontest.Options{Process: true, Env: env})
	h := a.Handoff("U0SDR", "Acme")
	a.Drained()

	// 1. A delivery in flight: the claim's message update hangs.
	a.Slack.Hang("chat.update", 1)
	a.Click("U0AE1", h)
	slackfaketest.WaitFor(t, a.Slack, "chat.update", nil, 15*time.Second)
	a.Eventually(func() bool { return a.DMs("U0AE1", "You own") == 1 && a.DMs("U0SDR", "claimed") == 1 }, "the claim's DMs")

	// 2. Notices queued: Slack refuses every post of a new handoff.
	lift := a.Slack.Throttle("chat.postMessage", 2*time.Second)
	a.OpenModal("U0SDR2", "")
	require.Empty(t, a.Submit("U0SDR2", batontest.ValidAnswers("Globex")).Payload, "stored")
	h2 := a.Latest("U0SDR2")
	a.Eventually(func() bool { return len(channelPosts(a, batontest.Pool)) >= 2 }, "its post is tried and refused")

	// 3. A handler in flight: a late click is answered privately, and
	// that answer hangs.
	a.Slack.Hang("response_url", 1)
	a.Click("U0AE2", h)
	slackfaketest.WaitFor(t, a.Slack, "response_url", nil, 15*time.Second)

	// 4. SIGTERM.
	a.Signal(syscall.SIGTERM)
	a.Eventually(func() bool { return strings.Contains(a.Log.String(), "stopping: acking the envelopes taken") }, "the stop begins")
	code, body := a.Ready()
	require.Equal(t, http.StatusServiceUnavailable, code, "not ready while stopping: %s", body)
	// Every envelope taken was acked: the socket closes while the handler
	// still hangs, and a /handoff typed now is Slack's to give to another
	// connection (here there is none).
	a.Eventually(func() bool { return a.Slack.Connected() == 0 }, "the socket closes")
	require.NotContains(t, a.Log.String(), "stopping: time is up", "closed before the bound, the handler still running")
	ctx, cancel := context.WithTimeout(a.Ctx, 2*time.Second)
	_, err := a.Slack.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", UserID: "U0SDR3", ChannelID: batontest.Sales})
	cancel()
	require.ErrorContains(t, err, "no live Socket Mode connection")
	require.Empty(t, a.Slack.Unacked(), "every envelope sent to Baton was acked")

	exit, exited := a.WaitExit(60 * time.Second)
	require.True(t, exited, "baton exits by itself; log:\n%s", a.Log.String())
	require.Zero(t, exit, "exit status")
	require.Zero(t, a.Slack.Connected(), "the socket is closed")
	log := a.Log.String()
	// The edge and the outbox worker drain side by side, each within the
	// bound: the socket may close before or after the delivery is cut
	// off, but both happen before Baton says it stopped.
	require.Contains(t, log, "stopped: socket closed")
	order := []string{"stopping: acking the envelopes taken", "stopping: every envelope taken is acked; closing the socket", "stopping: time is up",
		"stopping: delivery cut off; left in the outbox", "baton stopped"}
	at := 0
	for _, line := range order {
		i := strings.Index(log[at:], line)
		require.GreaterOrEqual(t, i, 0, "%q after %q; log:\n%s", line, log[:at], log)
		at += i
	}

	// Nothing lost: the hung update and the queued notices are in the
	// outbox, due, for the next process.
	require.Equal(t, []string{string(routing.NoticeChannelMessage)}, pendingNotices(t, a, h.ID))
	require.Contains(t, pendingNotices(t, a, h2.ID), string(routing.NoticeChannelMessage))
	require.Equal(t, 1, batontest.Count(a.Events(h.ID), routing.EventClaimed))

	// 5. The next process delivers what was left, once.
	lift()
	next := batontest.Start(t, batontest.Options{Process: true, Fake: a.Slack, DBURL: a.DBURL, DB: a.DB})
	next.Drained()
	require.Empty(t, pendingNotices(t, next, h.ID))
	require.Empty(t, pendingNotices(t, next, h2.ID))
	posts := next.Messages(batontest.Pool, false)
	require.Len(t, posts, 2, "each handoff posted once")
	require.True(t, strings.HasPrefix(posts[0].Text, "Claimed by <@U0AE1>"), posts[0].Text)
	require.Equal(t, 1, posts[0].Updated, "updated once: Slack never saw the hung call")
	require.Len(t, next.Messages(batontest.Pool, true), 2, "each brief once")
	require.Equal(t, 1, next.DMs("U0SDR2", "is out in"))
	require.Equal(t, 1, next.DMs("U0AE1", "You own"))
	require.Equal(t, 1, next.DMs("U0SDR", "claimed"))
	require.NotContains(t, next.Events(h2.ID), routing.EventNoticeAbandoned)
}
