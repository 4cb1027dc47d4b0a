package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// signalsWorld is a week of two pools built so that the team's signals
// sit exactly on their thresholds (not flagged) while one pool crosses
// some of them.
type signalsWorld struct {
	*statsWorld
	from, to time.Time
}

func newSignalsWorld(t *testing.T) *signalsWorld {
	t.Helper()
	w := &signalsWorld{statsWorld: newStatsWorld(t)}
	w.ent.Managers = []string{"UENT"}
	w.from = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	w.to = w.from.Add(7 * 24 * time.Hour)
	return w
}

// event appends an event to key's handoff, as the use cases would.
func (w *signalsWorld) event(t *testing.T, key string, at time.Time, actor string, kind routing.EventKind, detail map[string]any) {
	t.Helper()
	_, err := w.b.db.Exec(w.b.ctx, `INSERT INTO events (handoff_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)`,
		w.handoffs[key].ID, at, actor, kind, detail)
	require.NoError(t, err)
}

func (w *signalsWorld) refuse(t *testing.T, view, pool string, at time.Time) {
	t.Helper()
	require.NoError(t, w.b.store.RecordGatesRefused(w.b.ctx, view, "P1", pool, []string{"budget"}, at))
}

// seed writes the week. Closers: ten live handoffs L0–L9, all claimed;
// enterprise: ten calls scheduled for later E0–E9, owned by U9.
func (w *signalsWorld) seed(t *testing.T) {
	t.Helper()
	t0 := w.from.Add(10 * time.Hour)
	day := 24 * time.Hour
	// The forms of L0 and L1 were refused by the gates before they were
	// stored; L2's late on the eve of the week.
	w.refuse(t, "L0", w.closers.Name, t0.Add(-time.Minute))
	w.refuse(t, "L1", w.closers.Name, t0.Add(time.Hour-time.Minute))
	w.refuse(t, "L2", w.closers.Name, w.from.Add(-time.Hour))
	for i := range 10 {
		key := fmt.Sprintf("L%d", i)
		at := t0.Add(time.Duration(i) * time.Hour)
		w.open(t, key, "P1", w.closers, at, true)
		// L0–L5 claimed within the window, L6–L9 late.
		after := 10 * time.Second
		if i >= 6 {
			after = 10 * time.Minute
		}
		w.claim(t, key, []string{"U1", "U2"}[i%2], after)
		// First touches: L0–L2 a templated email; the others a call
		// (L3 then a templated email, which is no first touch).
		first := routing.TouchCallAttempted
		if i < 3 {
			first = routing.TouchTemplateEmail
		}
		w.event(t, key, at.Add(time.Hour), "U1", routing.EventTouchLogged, map[string]any{"touch": string(first)})
		if i == 3 {
			w.event(t, key, at.Add(2*time.Hour), "U1", routing.EventTouchLogged, map[string]any{"touch": string(routing.TouchTemplateEmail)})
		}
	}
	// L6 claimed late, but the closer connected live: joined (7 of 10).
	w.outcome(t, "L6", routing.OutcomeConnected, "", time.Hour)
	// SQL: 3 of the 10 taken. L3 is qualified as a SAL only: accepted,
	// not (yet) an SQL.
	for _, k := range []string{"L0", "L1", "L2"} {
		w.outcome(t, k, routing.OutcomeQualifiedSQL, "", day)
	}
	w.outcome(t, "L3", routing.OutcomeQualifiedSAL, "", day)
	// Disqualified: two of four for no budget, half: not over half.
	w.outcome(t, "L4", routing.OutcomeDisqualified, routing.DisqualifyNoBudget, day)
	w.outcome(t, "L5", routing.OutcomeDisqualified, routing.DisqualifyNoBudget, day)
	w.outcome(t, "L6", routing.OutcomeDisqualified, routing.DisqualifyWrongTitle, day)
	w.outcome(t, "L7", routing.OutcomeDisqualified, routing.DisqualifyBadTiming, day)
	// Declines: L8 and L9 passed on before the claim.
	w.event(t, "L8", t0.Add(8*time.Hour+time.Second), "U3", routing.EventPassed, map[string]any{"reason": "busy"})
	w.event(t, "L9", t0.Add(9*time.Hour+time.Second), "U3", routing.EventPassed, map[string]any{"reason": "busy"})
	// L7 reassigned by the pool's manager within the week: two owners.
	w.event(t, "L7", t0.Add(7*time.Hour+day), "UMGR", routing.EventReassigned, map[string]any{"from": "U2", "to": "U1", "reason": "stuck"})
	// A form refused and never stored.
	w.refuse(t, "R1", w.closers.Name, t0.Add(2*day))
	w.refuse(t, "R1", w.closers.Name, t0.Add(2*day+time.Minute)) // sent again: one form

	policy := routing.Policy{Pools: []routing.Pool{w.closers, w.ent}, SLA: w.sla}
	for i := range 10 {
		key := fmt.Sprintf("E%d", i)
		at := t0.Add(time.Duration(i) * time.Hour)
		in := policy.Open(key, "P2", routing.Lead{Company: key + " Inc"}, w.ent, routing.Offer{}, at).Later(at.Add(day), "U9")
		h, _, err := w.b.store.CreateHandoff(w.b.ctx, in)
		require.NoError(t, err)
		w.handoffs[key] = h
	}
	// E0 handed back within the week: declined, and two owners.
	w.event(t, "E0", t0.Add(day), "U9", routing.EventHandedBack, map[string]any{"reason": "busy", "to": "UENT"})
	// E1 reassigned by its owner, not a manager, eight days in.
	w.event(t, "E1", t0.Add(time.Hour+8*day), "U9", routing.EventReassigned, map[string]any{"from": "U9", "to": "UENT", "reason": "other"})
	// A form refused for enterprise, never stored; one refused the week
	// before, never stored: not this week's.
	w.refuse(t, "R2", w.ent.Name, t0.Add(3*day))
	w.refuse(t, "R0", w.ent.Name, w.from.Add(-3*day))
	// Before the week: not counted.
	w.open(t, "Old", "P1", w.closers, w.from.Add(-time.Second), true)
	w.event(t, "Old", w.from.Add(time.Hour), "U1", routing.EventPassed, map[string]any{"reason": "busy"})
}

// TestSignalsOnAKnownHistory checks every count of the signals per pool,
// the team's sums, and the flags they raise at the thresholds' edges.
func TestSignalsOnAKnownHistory(t *testing.T) {
	t.Parallel()
	w := newSignalsWorld(t)
	w.seed(t)
	policy := routing.Policy{Pools: []routing.Pool{w.closers, w.ent}}
	mp, m := policy.ManagerPairs()
	got, err := w.b.store.Signals(w.b.ctx, routing.SignalsQuery{From: w.from, To: w.to, ManagerPools: mp, Managers: m})
	require.NoError(t, err)

	closers := routing.SignalCounts{
		Offered: 10, Joined: 7, Reached: 10, Declined: 2, FirstTouches: 10, Templated: 3,
		Claimed: 10, SAL: 10, SQL: 3,
		Reasons: []routing.ReasonCount{
			{Reason: routing.DisqualifyNoBudget, Count: 2}, {Reason: routing.DisqualifyWrongTitle, Count: 1}, {Reason: routing.DisqualifyBadTiming, Count: 1},
		},
		// L0, L1, L2 refused, R1 never stored.
		Submissions: 11, FirstPass: 7,
		Owned: 10, MultiOwner: 1, Reassigned: 1, Unmanaged: 0,
	}
	ent := routing.SignalCounts{
		Reached: 10, Declined: 1, Submissions: 11, FirstPass: 10,
		Owned: 10, MultiOwner: 1, Reassigned: 1, Unmanaged: 1,
	}
	require.Equal(t, []routing.PoolSignals{{Pool: "closers", SignalCounts: closers}, {Pool: "enterprise", SignalCounts: ent}}, got.Pools)

	team := got.Team()
	require.Equal(t, [2]int{3, 20}, [2]int{team.Declined, team.Reached}, "15 % exactly")
	require.Equal(t, [2]int{2, 20}, [2]int{team.MultiOwner, team.Owned}, "10 % exactly")

	flags := routing.DefaultSignalThresholds.Flags(got)
	var names []string
	for _, f := range flags {
		names = append(names, cmp(f.Pool)+":"+string(f.Reading.Signal))
	}
	// The team: joined 70 %, declined 15 %, templated 30 %, acceptance
	// 100 % with SAL→SQL 30 %, reasons 50 %, first pass 17 of 22, owners
	// 10 %: all on or inside their edges; one reassignment without a
	// manager. Closers declined 2 of 10; enterprise's reassignment.
	require.Equal(t, []string{"team:unmanaged_reassign", "closers:declined", "enterprise:unmanaged_reassign"}, names)

	t.Run("one pool", func(t *testing.T) {
		t.Parallel()
		got, err := w.b.store.Signals(w.b.ctx, routing.SignalsQuery{From: w.from, To: w.to, Pools: []string{"closers"}})
		require.NoError(t, err)
		require.Len(t, got.Pools, 1)
		closers := closers
		closers.Unmanaged = 1 // no managers given: every reassignment is without one
		require.Equal(t, closers, got.Pools[0].SignalCounts)
	})

	t.Run("the week before", func(t *testing.T) {
		t.Parallel()
		got, err := w.b.store.Signals(w.b.ctx, routing.SignalsQuery{From: w.from.Add(-7 * 24 * time.Hour), To: w.from})
		require.NoError(t, err)
		// Old, passed on; R0 refused and never stored.
		require.Equal(t, []routing.PoolSignals{
			{Pool: "closers", SignalCounts: routing.SignalCounts{Offered: 1, Reached: 1, Declined: 1, Submissions: 1, FirstPass: 1}},
			{Pool: "enterprise", SignalCounts: routing.SignalCounts{Submissions: 1}},
		}, got.Pools)
	})
}

func cmp(pool string) string {
	if pool == "" {
		return "team"
	}
	return pool
}

// TestReviewsMarkedAndUnreviewedWeeks checks the Reviewed button's
// record: first press wins with its event and the message's update, a
// press from another message is refused, and the weeks in a row nobody
// pressed it.
func TestReviewsMarkedAndUnreviewedWeeks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	week := 7 * 24 * time.Hour
	t0 := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	ticks := []time.Time{t0, t0.Add(week), t0.Add(2 * week), t0.Add(3 * week)}
	for i, tick := range ticks {
		ts := fmt.Sprintf("1700000000.%d", i)
		require.NoError(t, b.store.ReviewPosted(b.ctx, tick, "C0DIGEST", ts, tick))
		require.NoError(t, b.store.ReviewPosted(b.ctx, tick, "C0DIGEST", "1799999999.9", tick), "a retried record keeps the first")
	}
	unreviewed := func(before time.Time) int {
		t.Helper()
		s, err := b.store.Signals(b.ctx, routing.SignalsQuery{From: before, To: before, Before: before})
		require.NoError(t, err)
		return s.UnreviewedWeeks
	}
	require.Equal(t, 0, unreviewed(t0), "none before the first")
	require.Equal(t, 4, unreviewed(t0.Add(4*week)), "none pressed")

	_, _, err := b.store.MarkReviewed(b.ctx, ticks[1], "C0DIGEST", "1700000000.0", "UMGR", t0.Add(week+time.Hour))
	require.ErrorIs(t, err, routing.ErrNotFound, "a button from another message")
	_, _, err = b.store.MarkReviewed(b.ctx, t0.Add(time.Hour), "C0DIGEST", "1700000000.0", "UMGR", t0)
	require.ErrorIs(t, err, routing.ErrNotFound, "no review at that tick")

	r, first, err := b.store.MarkReviewed(b.ctx, ticks[1], "C0DIGEST", "1700000000.1", "UMGR", t0.Add(week+time.Hour))
	require.NoError(t, err)
	require.True(t, first)
	require.Equal(t, "UMGR", r.ReviewedBy)
	r, first, err = b.store.MarkReviewed(b.ctx, ticks[1], "C0DIGEST", "1700000000.1", "UBOSS", t0.Add(week+2*time.Hour))
	require.NoError(t, err)
	require.False(t, first, "the first press counts")
	require.Equal(t, "UMGR", r.ReviewedBy)
	require.True(t, r.ReviewedAt.Equal(t0.Add(week+time.Hour)))

	require.Equal(t, 2, unreviewed(t0.Add(4*week)), "the two after the reviewed one")
	require.Equal(t, 0, unreviewed(ticks[2]), "right after a reviewed one")

	var events, updates int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM events WHERE kind = $1 AND actor = 'UMGR'`, routing.EventReviewed).Scan(&events))
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM outbox WHERE kind = $1 AND recipient = 'C0DIGEST' AND detail->>'ts' = '1700000000.1'`,
		routing.NoticeReviewUpdate).Scan(&updates))
	require.Equal(t, [2]int{1, 1}, [2]int{events, updates}, "one event, one update: the second press changed nothing")
	var posted int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM events WHERE kind = $1`, routing.EventReviewPosted).Scan(&posted))
	require.Equal(t, 4, posted)

	got, err := b.store.Review(b.ctx, ticks[1])
	require.NoError(t, err)
	require.Equal(t, "1700000000.1", got.MessageTS)
	_, err = b.store.Review(b.ctx, t0.Add(time.Minute))
	require.ErrorIs(t, err, routing.ErrNotFound)
}
