package launcher_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/cmd/baton/batontest"
)

// statsReply waits for the private answer to user's /handoff text in
// C0SALES, and returns its text and blocks as Slack reads them.
func statsReply(a *batontest.App, user, text string) string {
	a.T.Helper()
	before := len(a.Slack.Ephemerals("C0SALES", user))
	ack := a.Command(user, text)
	require.Empty(a.T, ack.Payload, "acked at once, answered privately")
	var got string
	a.Eventually(func() bool {
		eph := a.Slack.Ephemerals("C0SALES", user)
		if len(eph) <= before {
			return false
		}
		got = eph[len(eph)-1].Text + "\n" + batontest.SlackText(string(eph[len(eph)-1].Blocks))
		return true
	}, user+" is answered")
	return got
}

// TestStatsCommandByRole: after a handoff claimed by U0AE1, /handoff stats
// shows the receiver their claim, the passer their handoff, the manager the
// team (and a member's numbers), and refuses a receiver asking for a
// colleague's.
func TestStatsCommandByRole(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: quietDigest})
	claimed(a, "U0SDR", "Acme Corp", "U0AE1")

	receiver := statsReply(a, "U0AE1", "stats")
	for _, want := range []string{"Handoff stats — <@U0AE1>, last 7 days", "Handoffs in your pools: *1*", "You claimed `██████████` 100 % (1 of 1)", "*Your share*", "<@U0AE1>: 1 · fair share 0.3"} {
		require.Contains(t, receiver, want)
	}

	passer := statsReply(a, "U0SDR", "stats 30d")
	for _, want := range []string{"Handoff stats — <@U0SDR>, last 30 days", "Acceptance `██████████` 100 % (1 of 1)", "*Who took these leads*", "<@U0AE1>: 1"} {
		require.Contains(t, passer, want)
	}
	require.NotContains(t, passer, "fair share", "a passer is not shown the closers' shares")

	team := statsReply(a, "U0MGR", "stats")
	for _, want := range []string{"Handoff stats — team closers", "*Distribution*", "<@U0AE1>: 1 · fair share 0.3", "<@U0AE2>: 0 · fair share 0.3", "<@U0SDR>: 0 of 1 accepted"} {
		require.Contains(t, team, want)
	}
	member := statsReply(a, "U0MGR", "stats 90d <@U0AE1|ae1>")
	require.Contains(t, member, "Handoff stats — <@U0AE1>, last 90 days")
	require.Contains(t, member, "You claimed")

	refused := statsReply(a, "U0AE2", "stats <@U0AE1|ae1>")
	require.Contains(t, refused, "Only a pool's managers can see someone else's numbers")
	require.NotContains(t, refused, "Handoff stats")

	bad := a.Command("U0AE2", "stats 14d")
	require.Contains(t, string(bad.Payload), "the period is 7d, 30d or 90d")
}

// TestWeeklyReviewPostsOncePerTickAcrossReplicas runs two replicas with a
// review every 2 s: each tick is posted once in the digest's channel, with
// the leading signals.
func TestWeeklyReviewPostsOncePerTickAcrossReplicas(t *testing.T) {
	t.Parallel()
	config := quietDigest + "reports:\n  weekly_schedule: \"@every 2s\"\n"
	a := batontest.Start(t, batontest.Options{Config: config})
	batontest.Start(t, batontest.Options{Config: config, Fake: a.Slack, DBURL: a.DBURL, DB: a.DB})

	reviews := func() []string {
		var out []string
		for _, m := range a.AllMessages("C0DIGEST") {
			if strings.Contains(m.Text, "Weekly handoff review") {
				out = append(out, batontest.SlackText(string(m.Blocks)))
			}
		}
		return out
	}
	a.Eventually(func() bool { return len(reviews()) > 0 }, "a review is posted")
	first := reviews()[0]
	for _, want := range []string{"Weekly handoff review", "*Leading signals*", "Acceptance rate (claimed / offered)", "Time to claim, median", "Warm transfers (connected live)", "*The team's week*"} {
		require.Contains(t, first, want)
	}

	a.Eventually(func() bool {
		n, err := a.Store.JobRuns(a.Ctx, handoffs.JobWeeklyReview)
		return err == nil && n >= 3
	}, "three ticks run")
	a.Eventually(func() bool { n, _ := a.Store.PendingCount(a.Ctx); return n == 0 }, "the outbox drains")
	runs, err := a.Store.JobRuns(a.Ctx, handoffs.JobWeeklyReview)
	require.NoError(t, err)
	require.GreaterOrEqual(t, runs, 3)
	require.Len(t, reviews(), runs, "one review per tick across two replicas")
}
