package launcher_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// windowConfig is ladderConfig with the wait for a post cut short: the
// passer hears of a queued post after 1 s, and a lead whose post is not
// out after post_grace has its window started anyway.
func windowConfig(postGrace string) string {
	return strings.Replace(ladderConfig, "  claim_window: 2s\n",
		"  claim_window: 2s\n  post_delay_notice: 1s\n  post_grace: "+postGrace+"\n", 1)
}

// queuedDMs counts the passer's DMs about a queued post.
func queuedDMs(a *batontest.App) int { return a.DMs("U0SDR", "behind other posts") }

// refusedPosts counts the posts into channel Slack answered with an error.
func refusedPosts(fake *slackfake.Server, channel string) int {
	n := 0
	for _, c := range fake.Calls("chat.postMessage") {
		if c.Params["channel"] == channel && !strings.Contains(string(c.Response), `"ok":true`) {
			n++
		}
	}
	return n
}

// eventAt is when handoff id's first event of kind was recorded.
func eventAt(t *testing.T, a *batontest.App, id int64, kind routing.EventKind) time.Time {
	t.Helper()
	events, err := a.Store.Events(a.Ctx, id)
	require.NoError(t, err)
	for _, e := range events {
		if e.Kind == kind {
			return e.At
		}
	}
	t.Fatalf("handoff %d has no %s event", id, kind)
	return time.Time{}
}

// TestClaimWindowStartsAtThePost: Slack takes no post for a while (429s,
// as in a burst into one channel). The lead's window does not run: no
// rung fires while its post is refused, long after a window started at
// submission would have closed. The passer is told once that the post is
// queued. Once Slack takes posts again the lead is posted, its window runs
// from the post, and the ladder, when nobody claims, re-pings under it.
func TestClaimWindowStartsAtThePost(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: windowConfig("5m")})
	lift := a.Slack.Throttle("chat.postMessage", time.Second)
	a.OpenModal("U0SDR", "")
	require.Empty(t, a.Submit("U0SDR", batontest.ValidAnswers("Acme Corp")).Payload)
	h := a.Latest("U0SDR")
	require.True(t, h.AwaitingPost())

	a.Eventually(func() bool { return slices.Contains(a.Events(h.ID), routing.EventPostDelayed) }, "the delay is noticed")
	// Refused four times at one a second: past the 2 s window and the
	// first rung it would have had from the submission.
	a.Eventually(func() bool { return refusedPosts(a.Slack, batontest.Pool) >= 4 }, "the post is refused for a while")
	now := a.HandoffNow(h.ID)
	require.True(t, now.AwaitingPost(), "no window before the post")
	require.Empty(t, now.MessageTS)
	require.Zero(t, now.Rung)
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPostDelayed}, a.Events(h.ID), "no rung before the post")

	lift()
	h = a.Posted(h.ID)
	posted := eventAt(t, a, h.ID, routing.EventPosted)
	require.True(t, h.WindowAt.Equal(posted), "the window starts at the recorded post")
	require.True(t, h.ClaimDeadline.Equal(posted.Add(2*time.Second)), "a 2 s window from the post")
	require.True(t, h.ClaimDeadline.After(eventAt(t, a, h.ID, routing.EventPostDelayed)), "after the delay was noticed")

	a.Eventually(func() bool { return queuedDMs(a) == 1 }, "the passer is told the post was queued")
	a.Eventually(func() bool { return a.CountWhere(batontest.Pool, "<!here>") == 1 }, "the ladder re-pings under the post")
	require.False(t, eventAt(t, a, h.ID, routing.EventEscalated).Before(h.ClaimDeadline), "the first rung at the window's end, from the post")
	for _, m := range a.AllMessages(batontest.Pool) {
		if strings.Contains(m.Text, "<!here>") {
			require.Equal(t, h.MessageTS, m.ThreadTS, "a thread reply")
		}
	}
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateScheduled }, "the ladder ends with an owner")
	require.Equal(t, 1, queuedDMs(a), "told once")
}

// TestLeadNeverPostedGetsAnOwner: Baton is not in the pool's private
// channel, so the post never goes out. The passer is told once; at the end
// of the post grace the window starts anyway, and the ladder runs without
// re-pings (there is no post to reply under) to an owner. Once Baton is
// invited, the post goes out showing where the lead stands.
func TestLeadNeverPostedGetsAnOwner(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	fake.AddChannel(slackfake.Channel{ID: batontest.Pool, Name: "closers", Private: true})
	a := batontest.Start(t, batontest.Options{Fake: fake, Config: windowConfig("3s")})
	a.OpenModal("U0SDR", "")
	require.Empty(t, a.Submit("U0SDR", batontest.ValidAnswers("Acme Corp")).Payload)
	h := a.Latest("U0SDR")

	a.Eventually(func() bool { return queuedDMs(a) == 1 }, "the passer is told the post is queued")
	require.Contains(t, a.DMText("U0SDR"), "*Acme Corp* is queued behind other posts in <#"+batontest.Pool+">")
	a.Eventually(func() bool { return slices.Contains(a.Events(h.ID), routing.EventWindowStarted) }, "the grace ends without the post")
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateScheduled }, "the lead gets an owner")

	h = a.HandoffNow(h.ID)
	require.Equal(t, "U0AE1", h.OwnerID, "by rotation")
	require.Empty(t, h.MessageTS, "never posted")
	require.NotEmpty(t, h.FallbackTS, "the fallback pool's channel, which Baton is in, got its post")
	ladder := slices.DeleteFunc(a.Events(h.ID), func(k routing.EventKind) bool { return k == routing.EventPosted })
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPostDelayed, routing.EventWindowStarted,
		routing.EventEscalated, routing.EventEscalated, routing.EventMissed}, ladder)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "Nobody could take *Acme Corp* live") }, "the passer is asked for a callback")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "has been waiting") }, "the members were nudged")
	var repings int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM outbox WHERE handoff_id = $1 AND kind = 'reping'`, h.ID).Scan(&repings))
	require.Zero(t, repings, "no re-ping without a post")
	require.Equal(t, 1, queuedDMs(a), "told once")

	fake.InviteBot(batontest.Pool)
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, false)) == 1 }, "the post goes out once Baton is invited")
	a.Eventually(func() bool {
		return strings.Contains(string(a.Messages(batontest.Pool, false)[0].Blocks), "Missed for live transfer — scheduled with <@U0AE1>")
	}, "showing where the lead stands")
}
