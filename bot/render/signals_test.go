package render_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// reviewTick is the Monday 09:00 tick of the reviews rendered here.
var reviewTick = time.Date(2026, 11, 9, 9, 0, 0, 0, time.UTC)

// signalsWeek are two pools' counts: closers with warm transfers slipping
// and templated first touches; enterprise with a reason cluster and a
// reassignment without a manager.
func signalsWeek() routing.Signals {
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	return routing.Signals{From: from, To: from.Add(7 * 24 * time.Hour), UnreviewedWeeks: 2, Pools: []routing.PoolSignals{
		{Pool: "closers", SignalCounts: routing.SignalCounts{
			Offered: 10, Joined: 5, Reached: 10, Declined: 1, FirstTouches: 10, Templated: 4,
			Claimed: 10, SAL: 10, SQL: 2, Submissions: 12, FirstPass: 9, Owned: 10, MultiOwner: 1, Reassigned: 1,
		}},
		{Pool: "enterprise", SignalCounts: routing.SignalCounts{
			Offered: 5, Joined: 5, Reached: 6, FirstTouches: 5, Claimed: 5, SAL: 5, SQL: 3,
			Reasons:     []routing.ReasonCount{{Reason: routing.DisqualifyNoBudget, Count: 4}, {Reason: routing.DisqualifyWrongTitle, Count: 1}},
			Submissions: 6, FirstPass: 6, Owned: 6, Reassigned: 2, Unmanaged: 1,
		}},
	}}
}

func signalsReport(cur, prev routing.Signals) routing.SignalsReport {
	th := routing.DefaultSignalThresholds
	return routing.SignalsReport{Signals: cur, Previous: prev, Flags: th.Flags(cur), Thresholds: th}
}

// flaggedSignals is a week with flags against a quieter week before.
func flaggedSignals() routing.SignalsReport {
	prev := signalsWeek()
	prev.UnreviewedWeeks = 1
	prev.Pools = prev.Pools[:1]
	prev.Pools[0].Joined, prev.Pools[0].Templated = 8, 1
	return signalsReport(signalsWeek(), prev)
}

// manyFlags flags every signal in sixty pools whose names are long.
func manyFlags() routing.SignalsReport {
	bad := routing.SignalCounts{Offered: 999, Reached: 999, Declined: 999, FirstTouches: 999, Templated: 999, Claimed: 999,
		SAL: 999, Submissions: 999, Owned: 999, MultiOwner: 999, Reassigned: 999, Unmanaged: 999,
		Reasons: []routing.ReasonCount{{Reason: routing.DisqualifyOther, Count: 999}}}
	s := routing.Signals{UnreviewedWeeks: 99}
	for i := range 60 {
		s.Pools = append(s.Pools, routing.PoolSignals{Pool: fmt.Sprintf("%s-%d", strings.Repeat("<&>", 20), i), SignalCounts: bad})
	}
	return signalsReport(s, s)
}

// TestGoldenSignals renders the weekly review with its flags and the
// Reviewed button, the same review once pressed in a quiet week, and a
// manager's stats with their signals.
func TestGoldenSignals(t *testing.T) {
	t.Parallel()
	s := teamWeek()
	sig := flaggedSignals()
	m := clock.WeeklyReview(routing.WeeklyReview{Tick: reviewTick, Last: s, Previous: s, Signals: sig})
	validMessage(t, m)
	golden(t, "weekly_review_flags", m)
	blocks := string(mustJSON(t, m.Blocks))
	for _, want := range []string{
		// The team: 10 of 15 joined is 66.7 %.
		"⚠️ *Closer joined the live call* (team): *67 %* (10 of 15), below the 70 % minimum",
		"→ hold closers to handoff attendance as to forecast calls, and put attendance in their quarterly scorecard",
		"⚠️ *Weekly reviews nobody marked reviewed, in a row* (team): *2* weeks in a row, more than 1",
		// Each flag with its pool's value the week before: the closers
		// had 8 of 10 and 1 of 10; enterprise had nothing.
		"⚠️ *Closer joined the live call* (pool closers): *50 %* (5 of 10), below the 70 % minimum; the week before: 80 %",
		"(pool closers): *40 %* (4 of 10), above the 30 % maximum; the week before: 10 %",
		"⚠️ *Disqualification reasons clustering* (pool enterprise): *No budget*: *80 %* of the disqualified (4 of 5), over 50 %; the week before: —",
		"⚠️ *Acceptance without conversion* (pool closers): acceptance *100 %* (10 of 10), above 90 %, while SAL→SQL is *20 %* (2 of 10), below 30 %",
		`"text":"Reviewed","emoji":false},"action_id":"review_done","value":"2026-11-09T09:00:00Z","style":"primary"`,
	} {
		require.Contains(t, blocks, want)
	}
	require.NotContains(t, blocks, render.QuietWeek)

	quiet := routing.WeeklyReview{Tick: reviewTick, Last: s, Previous: s, Signals: signalsReport(routing.Signals{}, routing.Signals{}),
		ReviewedBy: "U0MGR", ReviewedAt: reviewTick.Add(2 * time.Hour)}
	m = clock.WeeklyReview(quiet)
	validMessage(t, m)
	golden(t, "weekly_review_reviewed", m)
	blocks = string(mustJSON(t, m.Blocks))
	require.Contains(t, blocks, render.QuietWeek)
	require.Contains(t, blocks, "✅ Reviewed by <@U0MGR>")
	require.NotContains(t, blocks, render.ActionReviewed, "no button once reviewed")

	team := routing.StatsScope{Role: routing.RoleTeam, Title: "closers, enterprise"}
	m = render.WithSignals(clock.StatsReport(team, 7, s), sig, 7)
	validMessage(t, m)
	golden(t, "stats_team_signals", m)
	require.Contains(t, string(mustJSON(t, m.Blocks)), "(your pools; the 7 days before in brackets)")
}

// TestEverySignalHasALabelAndAFix keeps the tables complete.
func TestEverySignalHasALabelAndAFix(t *testing.T) {
	t.Parallel()
	for _, s := range routing.SignalOrder {
		require.NotEmpty(t, render.SignalLabel(s), s)
		require.NotEmpty(t, render.SignalFix(s), s)
	}
}

// TestClusterAgainstTheSameReason: a cluster flagged on one reason is
// compared with that reason's share the week before, not with the share
// of the reason that led then.
func TestClusterAgainstTheSameReason(t *testing.T) {
	t.Parallel()
	pool := func(reasons ...routing.ReasonCount) routing.Signals {
		return routing.Signals{Pools: []routing.PoolSignals{{Pool: "closers", SignalCounts: routing.SignalCounts{Reasons: reasons}}}}
	}
	now := pool(routing.ReasonCount{Reason: routing.DisqualifyNoBudget, Count: 4}, routing.ReasonCount{Reason: routing.DisqualifyWrongTitle, Count: 1})
	before := pool(routing.ReasonCount{Reason: routing.DisqualifyWrongTitle, Count: 3}, routing.ReasonCount{Reason: routing.DisqualifyNoBudget, Count: 1})
	m := clock.WeeklyReview(routing.WeeklyReview{Tick: reviewTick, Last: teamWeek(), Previous: teamWeek(), Signals: signalsReport(now, before)})
	require.Contains(t, blocksJSON(t, m.Blocks), "*No budget*: *80 %* of the disqualified (4 of 5), over 50 %; the week before: 25 %")
}
