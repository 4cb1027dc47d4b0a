package routing_test

import (
	"testing"
	"time"

	"github.com/batonhq/baton/routing"
	"github.com/stretchr/testify/require"
)

var decisionTime = time.Date(2026, 3, 23, 10, 0, 0, 0, time.UTC) // a Monday

func closers(mode routing.Mode) routing.Pool {
	return routing.Pool{
		Name: "closers", Channel: "C1", Members: []string{"U1", "U2", "U3"},
		Rotation: routing.Rotation{
			Mode:     mode,
			Settings: map[string]routing.MemberSettings{"U1": {DailyCap: 2, OpenCap: 2}},
		},
	}
}

// ago is an assignment time before the decision, for the tie-breaks.
func ago(d time.Duration) time.Time { return decisionTime.Add(-d) }

func TestDecide(t *testing.T) {
	t.Parallel()
	// U1 is fairest: fewest leads. U2 and U3 follow by count.
	fair := []routing.MemberState{
		{User: "U1", Assigned: 1, LastAssigned: ago(time.Hour)},
		{User: "U2", Assigned: 2, LastAssigned: ago(2 * time.Hour)},
		{User: "U3", Assigned: 3, LastAssigned: ago(3 * time.Hour)},
	}
	with := func(user string, modify func(*routing.MemberState)) []routing.MemberState {
		out := append([]routing.MemberState(nil), fair...)
		for i := range out {
			if out[i].User == user {
				modify(&out[i])
			}
		}
		return out
	}
	// One state per reason a member is skipped, all on the fairest member.
	skips := []struct {
		reason routing.Reason
		states []routing.MemberState
	}{
		{routing.ReasonAway, with("U1", func(m *routing.MemberState) { m.AwayUntil = decisionTime.Add(time.Minute) })},
		{routing.ReasonLapsedOffers, with("U1", func(m *routing.MemberState) { m.LapsedOffers = 3 })},
		{routing.ReasonOutsideHours, with("U1", func(m *routing.MemberState) { m.Location = zone(t, "Asia/Tokyo") })},
		{routing.ReasonDailyCap, with("U1", func(m *routing.MemberState) { m.Today = 2 })},
		{routing.ReasonOpenCap, with("U1", func(m *routing.MemberState) { m.Open = 2 })},
	}
	withHours := func(p routing.Pool) routing.Pool {
		// 09:00-17:00 in each member's zone: 10:00 UTC is 19:00 in Tokyo.
		p.Hours = routing.WorkingHours{{Days: weekdays, Start: 9 * time.Hour, End: 17 * time.Hour}}
		return p
	}

	type want struct {
		upNext        string
		order         []string
		mayClaim      []string
		available     int
		escalate      bool
		priorityUntil time.Time
	}
	window := decisionTime.Add(routing.DefaultPriorityWindow)
	type decideCase struct {
		name   string
		pool   routing.Pool
		states []routing.MemberState
		want   want
	}
	tests := []decideCase{
		{"first to claim: everyone may claim, the fairest is shown", closers(""), fair,
			want{"U1", []string{"U1", "U2", "U3"}, []string{"U1", "U2", "U3"}, 3, false, time.Time{}}},
		{"round robin: the fairest has the priority window", closers(routing.ModeRoundRobin), fair,
			want{"U1", []string{"U1", "U2", "U3"}, []string{"U1"}, 3, false, window}},
		{"strict: only the next in line", closers(routing.ModeStrictRoundRobin), fair,
			want{"U1", []string{"U1"}, []string{"U1"}, 3, false, time.Time{}}},
		{"round robin with a configured window", func() routing.Pool {
			p := closers(routing.ModeRoundRobin)
			p.PriorityWindow = 5 * time.Second
			return p
		}(), fair, want{"U1", []string{"U1", "U2", "U3"}, []string{"U1"}, 3, false, decisionTime.Add(5 * time.Second)}},
		{"nobody available escalates in every mode", closers(routing.ModeRoundRobin), []routing.MemberState{
			{User: "U1", AwayUntil: decisionTime.Add(time.Hour)}, {User: "U2", LapsedOffers: 3}, {User: "U3", AwayUntil: decisionTime.Add(time.Hour)},
		}, want{"", nil, nil, 0, true, time.Time{}}},
		{"first to claim with nobody available", closers(""), []routing.MemberState{
			{User: "U1", AwayUntil: decisionTime.Add(time.Hour)}, {User: "U2", LapsedOffers: 3}, {User: "U3", AwayUntil: decisionTime.Add(time.Hour)},
		}, want{"", nil, nil, 0, true, time.Time{}}},
		{"an empty pool escalates", routing.Pool{Name: "empty", Rotation: routing.Rotation{Mode: routing.ModeStrictRoundRobin}}, nil,
			want{"", nil, nil, 0, true, time.Time{}}},
	}
	for _, skip := range skips {
		pool := func(mode routing.Mode) routing.Pool {
			p := closers(mode)
			if skip.reason == routing.ReasonOutsideHours {
				p = withHours(p)
			}
			return p
		}
		tests = append(tests,
			decideCase{"first to claim skips " + string(skip.reason), pool(routing.ModeFirstToClaim), skip.states,
				want{"U2", []string{"U2", "U3"}, []string{"U2", "U3"}, 2, false, time.Time{}}},
			decideCase{"round robin skips " + string(skip.reason), pool(routing.ModeRoundRobin), skip.states,
				want{"U2", []string{"U2", "U3"}, []string{"U2"}, 2, false, window}},
			decideCase{"strict does not skip " + string(skip.reason) + " and escalates", pool(routing.ModeStrictRoundRobin), skip.states,
				want{"U1", nil, nil, 2, true, time.Time{}}},
		)
	}
	for _, tt := range tests {
		offer := routing.Decide(tt.pool, tt.states, decisionTime)
		got := want{offer.UpNext, offer.Order, offer.MayClaim, offer.Available, offer.EscalateNow, offer.PriorityUntil}
		require.Equal(t, tt.want, got, tt.name)
		require.Equal(t, tt.pool.ModeOrDefault(), offer.Mode, tt.name)
		require.Len(t, offer.Ranked, len(tt.pool.Members), tt.name)
	}
	// The skipped member is still ranked first, with the reason, so the
	// passer can see who is up next and why they were passed over.
	for _, skip := range skips {
		pool := closers(routing.ModeRoundRobin)
		if skip.reason == routing.ReasonOutsideHours {
			pool = withHours(pool)
		}
		first := routing.Decide(pool, skip.states, decisionTime).Ranked[0]
		require.Equal(t, "U1", first.User)
		require.Equal(t, skip.reason, first.Reason)
	}
}

func TestDecideRanking(t *testing.T) {
	t.Parallel()
	pool := routing.Pool{
		Name: "closers", Members: []string{"A", "B", "C", "D"},
		Rotation: routing.Rotation{Settings: map[string]routing.MemberSettings{"B": {Weight: 0.5}, "C": {Weight: 2}}},
	}
	ranked := func(states ...routing.MemberState) []string {
		var users []string
		for _, c := range routing.Decide(pool, states, decisionTime).Ranked {
			users = append(users, c.User)
		}
		return users
	}
	tests := []struct {
		name   string
		states []routing.MemberState
		want   []string
	}{
		{"no history: configuration order", nil, []string{"A", "B", "C", "D"}},
		{"lowest count per weight first", []routing.MemberState{
			// A: 2/1 = 2, B: 2/0.5 = 4, C: 2/2 = 1, D: 3/1 = 3.
			{User: "A", Assigned: 2, LastAssigned: ago(time.Hour)},
			{User: "B", Assigned: 2, LastAssigned: ago(time.Hour)},
			{User: "C", Assigned: 2, LastAssigned: ago(time.Hour)},
			{User: "D", Assigned: 3, LastAssigned: ago(time.Hour)},
		}, []string{"C", "A", "D", "B"}},
		{"equal ratios: whoever waited longest", []routing.MemberState{
			// All at 1 per unit of weight.
			{User: "A", Assigned: 1, LastAssigned: ago(time.Hour)},
			{User: "B", Assigned: 0},
			{User: "C", Assigned: 2, LastAssigned: ago(3 * time.Hour)},
			{User: "D", Assigned: 1, LastAssigned: ago(2 * time.Hour)},
		}, []string{"B", "C", "D", "A"}},
		{"never assigned before the longest wait", []routing.MemberState{
			{User: "A", Assigned: 0, LastAssigned: ago(100 * time.Hour)}, // credited back to zero
			{User: "B", Assigned: 0},
			{User: "C", Assigned: 0, LastAssigned: ago(200 * time.Hour)},
			{User: "D", Assigned: 0},
		}, []string{"B", "D", "C", "A"}},
		{"a credit-back below zero is owed first", []routing.MemberState{
			{User: "A", Assigned: -1, LastAssigned: ago(time.Minute)},
		}, []string{"A", "B", "C", "D"}},
		{"states of non-members are ignored", []routing.MemberState{
			{User: "Z", Assigned: -100},
			{User: "A", Assigned: 1, LastAssigned: ago(time.Hour)},
		}, []string{"B", "C", "D", "A"}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, ranked(tt.states...), tt.name)
	}

	twice := routing.Pool{Name: "twice", Members: []string{"A", "B", "A"}}
	require.Len(t, routing.Decide(twice, nil, decisionTime).Ranked, 2, "a member listed twice has one turn")
}

func TestCheckEligibility(t *testing.T) {
	t.Parallel()
	open := routing.Handoff{ID: 1, State: routing.StateOpen, Pool: "closers", CreatedAt: decisionTime, ClaimDeadline: decisionTime.Add(time.Minute)}
	claimed := open
	claimed.State, claimed.OwnerID = routing.StateClaimed, "U2"
	rr := routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U1", PriorityUntil: decisionTime.Add(15 * time.Second)}
	strict := routing.Turn{Mode: routing.ModeStrictRoundRobin, UpNext: "U1"}
	first := routing.Turn{UpNext: "U1"}
	inWindow, afterWindow := decisionTime.Add(5*time.Second), decisionTime.Add(15*time.Second)
	away := routing.MemberState{User: "U1", AwayUntil: afterWindow.Add(time.Hour)}
	lapsed := routing.MemberState{User: "U3", LapsedOffers: 3}

	tests := []struct {
		name    string
		pool    routing.Pool
		h       routing.Handoff
		turn    routing.Turn
		clicker routing.MemberState
		now     time.Time
		code    routing.RefusalCode // "" for allowed
	}{
		{"first to claim: any member", closers(""), open, first, routing.MemberState{User: "U3"}, inWindow, ""},
		{"round robin: up next inside the window", closers(routing.ModeRoundRobin), open, rr, routing.MemberState{User: "U1"}, inWindow, ""},
		{"round robin: another member inside the window", closers(routing.ModeRoundRobin), open, rr, routing.MemberState{User: "U2"}, inWindow, routing.RefusedPriorityWindow},
		{"round robin: another member once the window closed", closers(routing.ModeRoundRobin), open, rr, routing.MemberState{User: "U2"}, afterWindow, ""},
		{"round robin with nobody up next is open", closers(routing.ModeRoundRobin), open, routing.Turn{Mode: routing.ModeRoundRobin}, routing.MemberState{User: "U2"}, inWindow, ""},
		{"strict: the next in line", closers(routing.ModeStrictRoundRobin), open, strict, routing.MemberState{User: "U1"}, afterWindow, ""},
		{"strict: anyone else, ever", closers(routing.ModeStrictRoundRobin), open, strict, routing.MemberState{User: "U2"}, open.ClaimDeadline.Add(time.Hour), routing.RefusedNotYourTurn},
		{"not your turn comes before away", closers(routing.ModeStrictRoundRobin), open, strict, routing.MemberState{User: "U2", AwayUntil: afterWindow}, inWindow, routing.RefusedNotYourTurn},
		{"away", closers(""), open, first, away, inWindow, routing.RefusedAway},
		{"away even when up next", closers(routing.ModeRoundRobin), open, rr, away, inWindow, routing.RefusedAway},
		{"set away for lapsed offers", closers(""), open, first, lapsed, inWindow, routing.RefusedAway},
		{"away has run out", closers(""), open, first, routing.MemberState{User: "U1", AwayUntil: inWindow}, inWindow, ""},
		{"daily cap", closers(""), open, first, routing.MemberState{User: "U1", Today: 2}, inWindow, routing.RefusedCapped},
		{"open cap", closers(""), open, first, routing.MemberState{User: "U1", Open: 2}, inWindow, routing.RefusedCapped},
		{"capped comes before the priority window", closers(routing.ModeRoundRobin), open, rr, routing.MemberState{User: "U1", Open: 2}, inWindow, routing.RefusedCapped},
		{"away comes before the priority window", closers(routing.ModeRoundRobin), open, rr, routing.MemberState{User: "U2", AwayUntil: afterWindow}, inWindow, routing.RefusedAway},
		// Working hours decide who is asked, not who may help.
		{"outside working hours may still claim", func() routing.Pool {
			p := closers("")
			p.Hours = routing.WorkingHours{{Days: []time.Weekday{time.Saturday}, Start: 0, End: 24 * time.Hour}}
			return p
		}(), open, first, routing.MemberState{User: "U2"}, inWindow, ""},
		// CheckClaim's rules still apply, first.
		{"outsider", closers(routing.ModeStrictRoundRobin), open, strict, routing.MemberState{User: "UX"}, inWindow, routing.RefusedNotInPool},
		{"already claimed beats away", closers(""), claimed, first, away, inWindow, routing.RefusedAlreadyClaimed},
		{"already claimed beats not your turn", closers(routing.ModeStrictRoundRobin), claimed, strict, routing.MemberState{User: "U3"}, inWindow, routing.RefusedAlreadyClaimed},
	}
	for _, tt := range tests {
		got := routing.CheckEligibility(tt.h, tt.pool, tt.turn, tt.clicker, tt.now)
		if tt.code == "" {
			require.Nil(t, got, tt.name)
			continue
		}
		require.NotNil(t, got, tt.name)
		require.Equal(t, tt.code, got.Code, tt.name)
		require.Contains(t, got.Error(), string(tt.code), tt.name)
	}
}

func TestTurnLapsed(t *testing.T) {
	t.Parallel()
	deadline := decisionTime.Add(time.Minute)
	open := routing.Handoff{State: routing.StateOpen, CreatedAt: decisionTime, ClaimDeadline: deadline}
	claimedBy := func(user string, at time.Time) routing.Handoff {
		h := open
		h.State, h.OwnerID, h.ClaimedAt = routing.StateClaimed, user, at
		return h
	}
	windowEnd := decisionTime.Add(15 * time.Second)
	rr := routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U1", PriorityUntil: windowEnd}
	strict := routing.Turn{Mode: routing.ModeStrictRoundRobin, UpNext: "U1"}
	cancelled := open
	cancelled.State = routing.StateCancelled
	tests := []struct {
		name   string
		turn   routing.Turn
		h      routing.Handoff
		now    time.Time
		ends   time.Time
		lapsed bool
	}{
		{"round robin, window still running", rr, open, windowEnd.Add(-time.Nanosecond), windowEnd, false},
		{"round robin, window over, unclaimed", rr, open, windowEnd, windowEnd, true},
		{"round robin, claimed by someone else after the window", rr, claimedBy("U2", windowEnd.Add(time.Second)), deadline, windowEnd, true},
		{"round robin, up next claimed in time", rr, claimedBy("U1", decisionTime.Add(3*time.Second)), deadline, windowEnd, false},
		{"round robin, up next claimed late: they showed up", rr, claimedBy("U1", windowEnd.Add(10*time.Second)), deadline, windowEnd, false},
		{"cancelled is nobody's lapse", rr, cancelled, deadline, windowEnd, false},
		{"strict, the whole claim window is theirs", strict, open, windowEnd, deadline, false},
		{"strict, deadline passed", strict, open, deadline, deadline, true},
		{"first to claim offers nobody personally", routing.Turn{UpNext: "U1"}, open, deadline.Add(time.Hour), time.Time{}, false},
		{"nobody was up next", routing.Turn{Mode: routing.ModeRoundRobin}, open, deadline, time.Time{}, false},
	}
	for _, tt := range tests {
		require.True(t, tt.ends.Equal(tt.turn.OfferEnds(tt.h)), tt.name)
		require.Equal(t, tt.lapsed, tt.turn.Lapsed(tt.h, tt.now), tt.name)
	}
}

func TestTurnExclusive(t *testing.T) {
	t.Parallel()
	until := decisionTime.Add(15 * time.Second)
	rr := routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U1", PriorityUntil: until}
	require.True(t, rr.Exclusive(decisionTime))
	require.False(t, rr.Exclusive(until), "the window ends at PriorityUntil")
	require.True(t, routing.Turn{Mode: routing.ModeStrictRoundRobin, UpNext: "U1"}.Exclusive(until.Add(time.Hour)))
	require.False(t, routing.Turn{UpNext: "U1"}.Exclusive(decisionTime))
}
