package faulttest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// channelPosts are the calls that post a message at the top of channel
// (not in a thread), in the order they arrived.
func channelPosts(a *batontest.App, channel string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range a.Slack.Calls("chat.postMessage") {
		if c.Params["channel"] == channel && c.Params["thread_ts"] == "" {
			out = append(out, c)
		}
	}
	return out
}

// refused reports whether Slack turned c away.
func refused(c slackfake.Call) bool { return strings.Contains(string(c.Response), `"ok":false`) }

// requireSpaced checks that each call came at least gap after the one
// before: a lower bound the outbox guarantees by waiting, not a timing
// threshold that a slow machine could break.
func requireSpaced(t *testing.T, calls []slackfake.Call, gaps ...time.Duration) {
	t.Helper()
	require.Greater(t, len(calls), len(gaps))
	for i, gap := range gaps {
		require.GreaterOrEqual(t, calls[i+1].At.Sub(calls[i].At), gap, "attempt %d came %s after the one before", i+2, calls[i+1].At.Sub(calls[i].At))
	}
}

// TestFaultSlack429: Slack answers 429 with Retry-After to chat.postMessage,
// then to chat.update, then to views.open. The outbox waits what Slack asks
// and delivers everything once it lets up, in order per message; the acks
// are not held back by it; a form whose views.open is rate limited opens if
// the wait fits in its trigger_id's 3 s, else the person is told when to
// try again.
func TestFaultSlack429(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Process: true})

	// 1. Every chat.postMessage is refused while the form is submitted.
	lift := a.Slack.Throttle("chat.postMessage", time.Second)
	a.OpenModal("U0SDR", "")
	ack := a.Submit("U0SDR", batontest.ValidAnswers("Acme"))
	require.Empty(t, ack.Payload, "the form closes: the handoff is stored")
	h := a.Latest("U0SDR")
	// The ack came while Slack still refused every post: it did not wait
	// for the outbox, which can deliver nothing until the throttle lifts.
	require.Empty(t, a.Slack.Messages(batontest.Pool))
	a.Eventually(func() bool { return len(channelPosts(a, batontest.Pool)) >= 3 }, "the outbox tries the post again and again")
	lift()
	h = a.Posted(h.ID)
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 1 }, "the thread brief follows")
	a.Eventually(func() bool { return a.DMs("U0SDR", "is out in") == 1 }, "the passer's DM")

	posts := channelPosts(a, batontest.Pool)
	for _, c := range posts[:len(posts)-1] {
		require.True(t, refused(c), "only the last try got through")
	}
	require.False(t, refused(posts[len(posts)-1]))
	// Each try waited out the Retry-After of the one before.
	requireSpaced(t, posts[:3], time.Second, time.Second)
	require.Len(t, a.Messages(batontest.Pool, false), 1, "posted once")
	// In order: the brief went into the thread after its post.
	brief := a.Messages(batontest.Pool, true)[0]
	require.Equal(t, h.MessageTS, brief.ThreadTS)
	for _, c := range a.Slack.Calls("chat.postMessage") {
		if c.Params["thread_ts"] != "" {
			require.True(t, c.At.After(posts[len(posts)-1].At), "no thread reply was tried before the post was out")
		}
	}

	// 2. chat.update is refused while the lead is claimed: the click's ack
	// is not held back, the DMs go, the message shows the claim later.
	lift = a.Slack.Throttle("chat.update", time.Second)
	a.Click("U0AE1", h)
	a.Eventually(func() bool { return a.DMs("U0AE1", "You own") == 1 }, "the owner's brief goes meanwhile")
	a.Eventually(func() bool { return len(a.Slack.Calls("chat.update")) >= 2 }, "the update is tried again")
	require.NotContains(t, a.Messages(batontest.Pool, false)[0].Text, "Claimed by", "not updated while refused")
	lift()
	a.Eventually(func() bool {
		return strings.HasPrefix(a.Messages(batontest.Pool, false)[0].Text, "Claimed by <@U0AE1>")
	}, "the claim shows")
	requireSpaced(t, a.Slack.Calls("chat.update")[:2], time.Second)
	require.Equal(t, 1, a.Messages(batontest.Pool, false)[0].Updated, "updated once, when Slack took it")
	a.Drained()

	// 3a. views.open is rate limited for 1 s: the form opens on a second
	// try with the same trigger_id, within its 3 s.
	a.Slack.RateLimit("views.open", 1, time.Second)
	cmd := a.Command("U0SDR2", "")
	slackfaketest.WaitFor(t, a.Slack, "views.open", func(c slackfake.Call) bool {
		return c.Params["trigger_id"] == cmd.TriggerID && strings.Contains(string(c.Response), `"ok":true`)
	}, 10*time.Second)
	var tries []slackfake.Call
	for _, c := range a.Slack.Calls("views.open") {
		if c.Params["trigger_id"] == cmd.TriggerID {
			tries = append(tries, c)
		}
	}
	require.Len(t, tries, 2)
	require.True(t, refused(tries[0]))
	requireSpaced(t, tries, time.Second)
	require.Empty(t, a.Ephemerals(batontest.Sales, "U0SDR2"), "nothing to apologise for")

	// 3b. views.open is rate limited for longer than a trigger_id lives:
	// the form can't open late, so the passer is told when to try again.
	lift = a.Slack.Throttle("views.open", 5*time.Second)
	cmd = a.Command("U0SDR3", "")
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Sales, "U0SDR3")) == 1 }, "the passer is told")
	require.Equal(t, render.SlackBusy(5*time.Second), a.Ephemerals(batontest.Sales, "U0SDR3")[0])
	n := 0
	for _, c := range a.Slack.Calls("views.open") {
		if c.Params["trigger_id"] == cmd.TriggerID {
			n++
		}
	}
	require.Equal(t, 1, n, "no second try that could only come after the trigger_id died")
	lift()
	a.OpenModal("U0SDR3", "") // typing /handoff again works

	limited := 0 // the channel post's and the DM's
	for _, c := range a.Slack.Calls("chat.postMessage") {
		if refused(c) {
			limited++
		}
	}
	require.Greater(t, limited, len(posts)-1)
	require.Equal(t, float64(limited), a.Metric(`baton_slack_api_rate_limited_total{method="chat.postMessage"}`))
	require.GreaterOrEqual(t, a.Metric(`baton_slack_api_rate_limited_total{method="views.open"}`), 2.0)
	require.Zero(t, a.Metric(`baton_outbox_abandoned_total{kind="channel_message"}`))
}

// TestFaultSlack500AndTimeout: Slack answers 500 to every post for a while,
// then a message update hangs until Baton's SLACK_API_TIMEOUT cuts it off.
// Each notice is retried with a backoff that doubles, every failure is
// logged and counted, and nothing is dropped or sent twice.
func TestFaultSlack500AndTimeout(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Process: true, Env: map[string]string{"SLACK_API_TIMEOUT": "1s"}})

	// 1. Every chat.postMessage fails with a 500 while the form is submitted.
	lift := a.Slack.FailWhile("chat.postMessage", http.StatusInternalServerError)
	a.OpenModal("U0SDR", "")
	require.Empty(t, a.Submit("U0SDR", batontest.ValidAnswers("Acme")).Payload, "stored, whatever Slack does")
	h := a.Latest("U0SDR")
	a.Eventually(func() bool { return len(channelPosts(a, batontest.Pool)) >= 3 }, "the post is retried")
	lift()
	h = a.Posted(h.ID)
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 1 }, "the thread brief")
	a.Eventually(func() bool { return a.DMs("U0SDR", "is out in") == 1 }, "the passer's DM")
	// The backoff doubles: 1 s, then 2 s.
	requireSpaced(t, channelPosts(a, batontest.Pool)[:3], time.Second, 2*time.Second)

	// 2. The message update hangs: SLACK_API_TIMEOUT (1 s) cuts it off and
	// the outbox tries again; Slack never saw the lost call.
	a.Slack.Hang("chat.update", 1)
	a.Click("U0AE1", h)
	a.Eventually(func() bool {
		return strings.HasPrefix(a.Messages(batontest.Pool, false)[0].Text, "Claimed by <@U0AE1>")
	}, "the claim shows")
	updates := a.Slack.Calls("chat.update")
	require.Len(t, updates, 2)
	require.Contains(t, string(updates[0].Response), "no_answer")
	requireSpaced(t, updates, time.Second)
	a.Eventually(func() bool { return a.DMs("U0AE1", "You own") == 1 && a.DMs("U0SDR", "claimed") == 1 }, "the claim's DMs")
	a.Drained()

	// Nothing dropped, nothing twice.
	require.Len(t, a.Messages(batontest.Pool, false), 1)
	require.Equal(t, 1, a.Messages(batontest.Pool, false)[0].Updated)
	require.Len(t, a.Messages(batontest.Pool, true), 1)
	require.Equal(t, 1, a.DMs("U0SDR", "is out in"))
	require.Equal(t, 1, a.DMs("U0AE1", "You own"))
	require.Equal(t, 1, a.DMs("U0SDR", "claimed"))
	require.NotContains(t, a.Events(h.ID), routing.EventNoticeAbandoned)

	// Logged and counted.
	log := a.Log.String()
	require.Contains(t, log, "notice delivery failed; will retry")
	require.Contains(t, log, "500 Internal Server Error")
	// net/http words the cut-off by where the call was when the timeout
	// struck: "context deadline exceeded" or "Client.Timeout exceeded
	// while awaiting headers".
	require.Regexp(t, `/api/chat\.update\\": (context deadline exceeded|net/http: request canceled \(Client\.Timeout exceeded)`, log,
		"the lost update, cut off by SLACK_API_TIMEOUT")
	failed := 0
	for _, c := range a.Slack.Calls("chat.postMessage") {
		if refused(c) {
			failed++
		}
	}
	require.Equal(t, float64(failed), a.Metric(`baton_slack_api_errors_total{error="500",method="chat.postMessage"}`))
	require.Equal(t, 1.0, a.Metric(`baton_slack_api_errors_total{error="timeout",method="chat.update"}`))
	require.GreaterOrEqual(t, a.Metric(`baton_outbox_delivery_failures_total{kind="channel_message"}`), 3.0, "two failed posts, one lost update")
	require.Zero(t, a.Metric(`baton_outbox_abandoned_total{kind="channel_message"}`))
	require.Zero(t, a.Metric(`baton_outbox_depth`))
}
