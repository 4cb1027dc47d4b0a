package render_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// teamWeek is the figures of a team's week, as the store test's history
// gives them.
func teamWeek() routing.Stats {
	from := time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC)
	return routing.Stats{
		From: from, To: from.Add(7 * 24 * time.Hour),
		Handoffs: 9, Offered: 6, Claimed: 4, ClaimedInWindow: 3,
		MedianToClaim: 25 * time.Second, P90ToClaim: 72 * time.Second, WarmTransfers: 1,
		Breaches: []routing.ClockCount{
			{Clock: routing.ClockClaimWindow, Count: 2}, {Clock: routing.ClockFirstTouch, Count: 1},
			{Clock: routing.ClockOutcome, Count: 1}, {Clock: routing.ClockReengage, Count: 0},
		},
		Qualified:    1,
		Disqualified: []routing.ReasonCount{{Reason: routing.DisqualifyNoBudget, Count: 3}, {Reason: routing.DisqualifyWrongTitle, Count: 1}},
		Meetings:     2, NoShows: 1,
		Passers:   []routing.PasserStats{{User: "U0SDR", Handoffs: 5, Accepted: 1}, {User: "U0SDR2", Handoffs: 4, Accepted: 0}},
		Receivers: []routing.ReceiverStats{{User: "U0AE1", Leads: 5, Expected: 2.4}, {User: "U0AE2", Leads: 3, Expected: 2.4}, {User: "U0AE3", Leads: 0, Expected: 1.2}},
	}
}

func TestBar(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value, max float64
		want       string
	}{
		{0, 10, "`░░░░░░░░░░`"},
		{10, 10, "`██████████`"},
		{4, 6, "`██████▋░░░`"},
		{1, 16, "`▋░░░░░░░░░`"},
		{20, 10, "`██████████`"},
		{3, 0, "`░░░░░░░░░░`"},
	} {
		require.Equal(t, tc.want, render.Bar(tc.value, tc.max), "%v of %v", tc.value, tc.max)
	}
}

// TestGoldenStats renders /handoff stats for a team, a receiver and a
// passer, and the weekly review with its movements.
func TestGoldenStats(t *testing.T) {
	t.Parallel()
	s := teamWeek()
	team := routing.StatsScope{Role: routing.RoleTeam, Title: "closers & <friends>"}
	m := clock.StatsReport(team, 7, s)
	validMessage(t, m)
	golden(t, "stats_team", m)
	require.NotContains(t, string(mustJSON(t, m)), "<friends>", "a pool name is escaped")

	receiver := routing.StatsScope{Role: routing.RoleReceiver, User: "U0AE1", Title: "<@U0AE1>"}
	r := s
	r.Claimed, r.ClaimedInWindow, r.Receivers = 2, 1, s.Receivers[:1]
	m = clock.StatsReport(receiver, 30, r)
	validMessage(t, m)
	golden(t, "stats_receiver", m)

	passer := routing.StatsScope{Role: routing.RolePasser, User: "U0SDR", Title: "<@U0SDR>"}
	p := routing.Stats{From: s.From, To: s.To, Breaches: s.Breaches[:0]}
	m = clock.StatsReport(passer, 7, p)
	validMessage(t, m)
	golden(t, "stats_passer_empty", m)

	previous := s
	previous.From, previous.To = s.From.Add(-7*24*time.Hour), s.From
	previous.Handoffs, previous.Offered, previous.Claimed, previous.WarmTransfers = 9, 8, 4, 3
	previous.MedianToClaim = 40 * time.Second
	m = clock.WeeklyReview(routing.WeeklyReview{Tick: reviewTick, Last: s, Previous: previous, Signals: flaggedSignals()})
	validMessage(t, m)
	golden(t, "weekly_review", m)
	blocks := string(mustJSON(t, m.Blocks))
	for _, want := range []string{
		"Acceptance rate (claimed / offered): *67 % ▲ 17 pts (was 50 %)*",
		"Time to claim, median: *25 s ▼ 15 s (was 40 s)*",
		"Warm transfers (connected live): *1 ▼ 2 (was 3)*",
		"Handoffs: 9 = (was 9)",
	} {
		require.Contains(t, blocks, want)
	}
}

// TestStatsFitSlackWithManyPeople: a hundred passers and receivers are
// cut to a list and "and N more", within Slack's limits.
func TestStatsFitSlackWithManyPeople(t *testing.T) {
	t.Parallel()
	s := teamWeek()
	s.Passers, s.Receivers = nil, nil
	for i := range 100 {
		id := "U" + strings.Repeat("X", 10) + string(rune('A'+i%26)) + string(rune('A'+i/26))
		s.Passers = append(s.Passers, routing.PasserStats{User: id, Handoffs: 100 - i})
		s.Receivers = append(s.Receivers, routing.ReceiverStats{User: id, Leads: 100 - i, Expected: 50})
	}
	m := clock.StatsReport(routing.StatsScope{Role: routing.RoleTeam, Title: "closers"}, 90, s)
	validMessage(t, m)
	require.Contains(t, string(mustJSON(t, m.Blocks)), "and 88 more")
	validMessage(t, clock.WeeklyReview(routing.WeeklyReview{Tick: reviewTick, Last: s, Previous: s, Signals: manyFlags()}))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return []byte(unescapeJSON(string(raw)))
}
