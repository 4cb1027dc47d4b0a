package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// statsWorld is a small hand-built history around a report made at now,
// in New York: a week whose first midnight is in EST, a month whose first
// midnight is in EDT (daylight saving ended on 1 November 2026), with
// handoffs one second either side of each boundary.
type statsWorld struct {
	b        bundle
	closers  routing.Pool
	ent      routing.Pool
	sla      routing.SLA
	ny       *time.Location
	now      time.Time
	handoffs map[string]routing.Handoff
}

func newStatsWorld(t *testing.T) *statsWorld {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	w := &statsWorld{
		b:  setup(t),
		ny: ny,
		// 10:00 EST on Tuesday 10 November 2026.
		now: time.Date(2026, 11, 10, 15, 0, 0, 0, time.UTC),
		closers: routing.Pool{
			Name: "closers", Channel: "C0HANDOFF", Members: []string{"U1", "U2", "U3"}, Managers: []string{"UMGR"},
			// Nobody claims in the window: the lead is missed at once.
			Ladder:   routing.Ladder{{At: 0, Do: []routing.EscalationAction{routing.ActionMissed}}},
			Rotation: routing.Rotation{Settings: map[string]routing.MemberSettings{"U3": {Weight: 0.5}}},
		},
		ent:      routing.Pool{Name: "enterprise", Channel: "C0ENT", Members: []string{"U9"}},
		sla:      routing.DefaultSLA(),
		handoffs: map[string]routing.Handoff{},
	}
	return w
}

// open stores a live handoff of passer in pool, created at, and posts it
// unless told not to.
func (w *statsWorld) open(t *testing.T, key, passer string, pool routing.Pool, at time.Time, posted bool) routing.Handoff {
	t.Helper()
	policy := routing.Policy{Pools: []routing.Pool{w.closers, w.ent}, SLA: w.sla}
	lead := routing.Lead{Company: key + " Inc", ContactName: "Dana", Consent: true}
	in := policy.Open(key, passer, lead, pool, routing.Decide(pool, nil, at), at)
	h, created, err := w.b.store.CreateHandoff(w.b.ctx, in)
	require.NoError(t, err)
	require.True(t, created)
	if posted {
		require.NoError(t, w.b.store.SetMessageTS(w.b.ctx, h.ID, "1700000000."+key, at.Add(time.Second)))
	}
	w.handoffs[key] = h
	return h
}

func (w *statsWorld) claim(t *testing.T, key, user string, after time.Duration) {
	t.Helper()
	h := w.handoffs[key]
	_, won, err := w.b.store.Claim(w.b.ctx, h.ID, user, h.CreatedAt.Add(after))
	require.NoError(t, err)
	require.True(t, won)
}

func (w *statsWorld) apply(t *testing.T, key string, decide func(h routing.Handoff) (routing.Change, error)) routing.Handoff {
	t.Helper()
	c, err := w.b.store.Apply(w.b.ctx, w.handoffs[key].ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) { return decide(h) })
	require.NoError(t, err)
	return c.Handoff
}

func (w *statsWorld) outcome(t *testing.T, key string, kind routing.OutcomeKind, reason routing.DisqualifyReason, after time.Duration) {
	t.Helper()
	w.apply(t, key, func(h routing.Handoff) (routing.Change, error) {
		pool := w.closers
		if h.Pool == w.ent.Name {
			pool = w.ent
		}
		return routing.LogOutcome(h, pool, w.sla, h.OwnerID, routing.OutcomeInput{Kind: kind, Reason: reason}, h.CreatedAt.Add(after))
	})
}

// breach records a breach of clock against owner at at, as the SLA sweep
// does (an sla.breached event), or as a person's logged work does when
// viaWork (sla_breached in the detail of their event).
func (w *statsWorld) breach(t *testing.T, key string, clock routing.Clock, owner string, at time.Time, viaWork bool) {
	t.Helper()
	id := w.handoffs[key].ID
	b, err := json.Marshal([]routing.Breach{{Clock: clock, StartedAt: at.Add(-time.Hour), DueAt: at, BreachedAt: at, Owner: owner}})
	require.NoError(t, err)
	_, err = w.b.db.Exec(w.b.ctx, `UPDATE handoffs SET breaches = breaches || $2::jsonb WHERE id = $1`, id, string(b))
	require.NoError(t, err)
	kind, detail := routing.EventSLABreached, map[string]any{"owner": owner, "breached": []string{string(clock)}}
	if viaWork {
		kind, detail = routing.EventTouchLogged, map[string]any{"touch": "call_attempted", "sla_breached": []string{string(clock)}}
	}
	_, err = w.b.db.Exec(w.b.ctx, `INSERT INTO events (handoff_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)`, id, at, owner, kind, detail)
	require.NoError(t, err)
}

// seed writes the history. Each handoff's comment says what it is for.
func (w *statsWorld) seed(t *testing.T) {
	t.Helper()
	weekStart := time.Date(2026, 11, 4, 5, 0, 0, 0, time.UTC) // midnight EST
	t0 := time.Date(2026, 11, 5, 14, 0, 0, 0, time.UTC)
	day := 24 * time.Hour

	// A: claimed in 10 s, the closer connected live (a warm transfer), then SQL.
	w.open(t, "A", "P1", w.closers, t0, true)
	w.claim(t, "A", "U1", 10*time.Second)
	w.outcome(t, "A", routing.OutcomeConnected, "", time.Hour)
	w.outcome(t, "A", routing.OutcomeQualifiedSQL, "", 2*day)
	// B: claimed in 30 s, meeting held, disqualified for no budget.
	w.open(t, "B", "P1", w.closers, t0.Add(time.Hour), true)
	w.claim(t, "B", "U2", 30*time.Second)
	w.outcome(t, "B", routing.OutcomeMeetingHeld, "", day)
	w.outcome(t, "B", routing.OutcomeDisqualified, routing.DisqualifyNoBudget, day+time.Hour)
	// C: claimed late, after 90 s; the prospect did not show.
	w.open(t, "C", "P2", w.closers, t0.Add(2*time.Hour), true)
	w.claim(t, "C", "U1", 90*time.Second)
	w.outcome(t, "C", routing.OutcomeNoShow, "", day)
	// D: nobody claimed: missed, an owner by rotation, disqualified.
	w.open(t, "D", "P2", w.closers, t0.Add(3*time.Hour), true)
	d := w.apply(t, "D", func(h routing.Handoff) (routing.Change, error) {
		return routing.Escalate(h, w.closers, nil, h.ClaimDeadline)
	})
	require.Equal(t, routing.StateScheduled, d.State)
	require.Equal(t, "U1", d.OwnerID, "the rotation's first member, everyone at zero")
	w.outcome(t, "D", routing.OutcomeDisqualified, routing.DisqualifyWrongTitle, day)
	// E: the passer withdrew it 20 s in: never offered the whole window.
	w.open(t, "E", "P1", w.closers, t0.Add(4*time.Hour), true)
	w.apply(t, "E", func(h routing.Handoff) (routing.Change, error) {
		return routing.Cancel(h, w.closers, "P1", "prospect_dropped", h.CreatedAt.Add(20*time.Second))
	})
	// F: a call scheduled for later from the form: never offered.
	policy := routing.Policy{Pools: []routing.Pool{w.closers}, SLA: w.sla}
	fAt := t0.Add(5 * time.Hour)
	in := policy.Open("F", "P2", routing.Lead{Company: "F Inc"}, w.closers, routing.Offer{}, fAt).Later(fAt.Add(day), "U2")
	f, _, err := w.b.store.CreateHandoff(w.b.ctx, in)
	require.NoError(t, err)
	require.NoError(t, w.b.store.SetMessageTS(w.b.ctx, f.ID, "1700000000.F", fAt))
	// G: offered 30 s ago, its window still open: no breach yet.
	w.open(t, "G", "P1", w.closers, w.now.Add(-30*time.Second), true)
	// H: live, but its post never reached the channel: not offered.
	w.open(t, "H", "P1", w.closers, t0.Add(6*time.Hour), false)
	// Edge: created on the week's first midnight (EST), claimed in 20 s.
	w.open(t, "Edge", "P2", w.closers, weekStart, true)
	w.claim(t, "Edge", "U2", 20*time.Second)
	// Before: one second before that midnight (still the 4th in UTC).
	w.open(t, "Before", "P1", w.closers, weekStart.Add(-time.Second), true)
	w.claim(t, "Before", "U1", 5*time.Second)
	// X: another pool's lead, passed by P1, accepted (SAL).
	w.open(t, "X", "P1", w.ent, t0, true)
	w.claim(t, "X", "U9", 40*time.Second)
	w.outcome(t, "X", routing.OutcomeQualifiedSAL, "", day)
	// The 30-day period starts at midnight EDT, 04:00 UTC on 12 October.
	w.open(t, "Month", "P1", w.closers, time.Date(2026, 10, 12, 4, 0, 0, 0, time.UTC), true)
	w.claim(t, "Month", "U2", 15*time.Second)
	w.open(t, "BeforeMonth", "P1", w.closers, time.Date(2026, 10, 12, 3, 59, 59, 0, time.UTC), true)

	// Breaches of the clocks after the claim, by when they ran out.
	w.breach(t, "B", routing.ClockFirstTouch, "U2", t0.Add(2*day), false)
	w.breach(t, "Before", routing.ClockOutcome, "U1", t0.Add(day), true) // an old lead, breached this week
	w.breach(t, "C", routing.ClockReengage, "U1", t0.Add(3*day), false)
	w.breach(t, "X", routing.ClockOutcome, "U9", t0.Add(day), false)
	w.breach(t, "Month", routing.ClockFirstTouch, "U2", time.Date(2026, 10, 14, 12, 0, 0, 0, time.UTC), false) // last month
}

func breaches(cw, ft, oc, re int) []routing.ClockCount {
	return []routing.ClockCount{
		{Clock: routing.ClockClaimWindow, Count: cw}, {Clock: routing.ClockFirstTouch, Count: ft},
		{Clock: routing.ClockOutcome, Count: oc}, {Clock: routing.ClockReengage, Count: re},
	}
}

// TestStatsOnAKnownHistory checks every figure of a team's, a receiver's
// and a passer's report on the hand-built history, and the period
// boundaries in a zone that is not UTC.
func TestStatsOnAKnownHistory(t *testing.T) {
	t.Parallel()
	w := newStatsWorld(t)
	w.seed(t)

	from, to := routing.StatsPeriod(7, w.now, w.ny)
	require.Equal(t, time.Date(2026, 11, 4, 5, 0, 0, 0, time.UTC), from.UTC(), "seven days from midnight in New York")
	team := routing.StatsScope{Role: routing.RoleTeam, Pools: []routing.Pool{w.closers}}

	t.Run("team", func(t *testing.T) {
		t.Parallel()
		got, err := w.b.store.Stats(w.b.ctx, team.Query(from, to))
		require.NoError(t, err)
		want := routing.Stats{
			From: from, To: to,
			// A B C D E F G H Edge; not Before, X, Month.
			Handoffs: 9,
			// A B C D G Edge: not E (withdrawn), F (for later), H (never posted).
			Offered: 6, Claimed: 4, ClaimedInWindow: 3,
			// 10, 20, 30, 90 s.
			MedianToClaim: 25 * time.Second, P90ToClaim: 72 * time.Second,
			WarmTransfers: 1,
			// C late and D missed; G's window is still open.
			Breaches:     breaches(2, 1, 1, 1),
			Qualified:    1,
			Disqualified: []routing.ReasonCount{{Reason: routing.DisqualifyNoBudget, Count: 1}, {Reason: routing.DisqualifyWrongTitle, Count: 1}},
			Meetings:     2, NoShows: 1,
			Passers: []routing.PasserStats{{User: "P1", Handoffs: 5, Accepted: 1}, {User: "P2", Handoffs: 4, Accepted: 0}},
			// Six owned leads: 6 × 1/2.5 = 2.4 each, and 1.2 for the half weight.
			Receivers: []routing.ReceiverStats{{User: "U1", Leads: 3, Expected: 2.4}, {User: "U2", Leads: 3, Expected: 2.4}, {User: "U3", Leads: 0, Expected: 1.2}},
		}
		requireStats(t, want, got)
		rate, ok := got.AcceptanceRate()
		require.True(t, ok)
		require.InDelta(t, 4.0/6, rate, 1e-9)
		rate, _ = got.NoShowRate()
		require.InDelta(t, 0.5, rate, 1e-9)
	})

	t.Run("receiver", func(t *testing.T) {
		t.Parallel()
		scope, err := routing.Policy{Pools: []routing.Pool{w.closers, w.ent}}.ScopeStats("U1", routing.StatsRequest{Days: 7})
		require.NoError(t, err)
		require.Equal(t, routing.RoleReceiver, scope.Role)
		got, err := w.b.store.Stats(w.b.ctx, scope.Query(from, to))
		require.NoError(t, err)
		requireStats(t, routing.Stats{
			From: from, To: to,
			Handoffs: 9, Offered: 6,
			// A in 10 s, C late in 90 s.
			Claimed: 2, ClaimedInWindow: 1, MedianToClaim: 50 * time.Second, P90ToClaim: 82 * time.Second,
			WarmTransfers: 1,
			// Only the breaches held against U1; the claim window is the pool's.
			Breaches:     breaches(0, 0, 1, 1),
			Qualified:    1,
			Disqualified: []routing.ReasonCount{{Reason: routing.DisqualifyWrongTitle, Count: 1}},
			Meetings:     1, NoShows: 1,
			Passers:   []routing.PasserStats{{User: "P2", Handoffs: 2, Accepted: 0}, {User: "P1", Handoffs: 1, Accepted: 1}},
			Receivers: []routing.ReceiverStats{{User: "U1", Leads: 3, Expected: 2.4}},
		}, got)
	})

	t.Run("passer", func(t *testing.T) {
		t.Parallel()
		scope, err := routing.Policy{Pools: []routing.Pool{w.closers, w.ent}}.ScopeStats("P1", routing.StatsRequest{Days: 7})
		require.NoError(t, err)
		require.Equal(t, routing.RolePasser, scope.Role)
		got, err := w.b.store.Stats(w.b.ctx, scope.Query(from, to))
		require.NoError(t, err)
		requireStats(t, routing.Stats{
			From: from, To: to,
			// A B E G H X, in both pools.
			Handoffs: 6, Offered: 4, Claimed: 3, ClaimedInWindow: 3,
			// 10, 30, 40 s.
			MedianToClaim: 30 * time.Second, P90ToClaim: 38 * time.Second,
			WarmTransfers: 1,
			// B's first touch; Before's and X's outcome (P1 passed both).
			Breaches:     breaches(0, 1, 2, 0),
			Qualified:    2,
			Disqualified: []routing.ReasonCount{{Reason: routing.DisqualifyNoBudget, Count: 1}},
			Meetings:     1, NoShows: 0,
			Passers:   []routing.PasserStats{{User: "P1", Handoffs: 6, Accepted: 2}},
			Receivers: []routing.ReceiverStats{{User: "U1", Leads: 1}, {User: "U2", Leads: 1}, {User: "U9", Leads: 1}},
		}, got)
	})

	t.Run("month across daylight saving", func(t *testing.T) {
		t.Parallel()
		from, to := routing.StatsPeriod(30, w.now, w.ny)
		require.Equal(t, time.Date(2026, 10, 12, 4, 0, 0, 0, time.UTC), from.UTC(), "midnight EDT")
		got, err := w.b.store.Stats(w.b.ctx, team.Query(from, to))
		require.NoError(t, err)
		require.Equal(t, 11, got.Handoffs, "the week's nine, Before and Month; not BeforeMonth")
		require.Equal(t, breaches(2, 2, 1, 1), got.Breaches, "C and D (BeforeMonth is out of the period); Month's first touch")
		require.Equal(t, 6, got.Claimed)
	})

	t.Run("a week before", func(t *testing.T) {
		t.Parallel()
		last, previous := routing.ReviewWeeks(time.Date(2026, 11, 9, 14, 0, 0, 0, time.UTC), w.ny) // Monday 09:00 EST
		require.Equal(t, time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC), last[0].UTC())
		require.Equal(t, time.Date(2026, 11, 9, 5, 0, 0, 0, time.UTC), last[1].UTC())
		require.Equal(t, time.Date(2026, 10, 26, 4, 0, 0, 0, time.UTC), previous[0].UTC(), "the week before began in EDT")
		q := team.Query(last[0], last[1])
		q.At = w.now
		got, err := w.b.store.Stats(w.b.ctx, q)
		require.NoError(t, err)
		require.Equal(t, 9, got.Handoffs, "the week's nine but G (today), plus Before")
		empty, err := w.b.store.Stats(w.b.ctx, team.Query(previous[0], previous[1]))
		require.NoError(t, err)
		require.Zero(t, empty.Handoffs)
		_, ok := empty.AcceptanceRate()
		require.False(t, ok, "no rate of nothing")
	})
}

// requireStats compares reports, the distribution's shares to 1e-9.
func requireStats(t *testing.T, want, got routing.Stats) {
	t.Helper()
	require.Len(t, got.Receivers, len(want.Receivers), "receivers: %+v", got.Receivers)
	for i := range want.Receivers {
		require.Equal(t, want.Receivers[i].User, got.Receivers[i].User, "receiver %d", i)
		require.Equal(t, want.Receivers[i].Leads, got.Receivers[i].Leads, "leads of %s", want.Receivers[i].User)
		require.InDelta(t, want.Receivers[i].Expected, got.Receivers[i].Expected, 1e-9, "share of %s", want.Receivers[i].User)
	}
	want.Receivers, got.Receivers = nil, nil
	require.True(t, want.From.Equal(got.From) && want.To.Equal(got.To))
	want.From, want.To, got.From, got.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if want.Disqualified == nil {
		want.Disqualified = []routing.ReasonCount{}
	}
	if got.Disqualified == nil {
		got.Disqualified = []routing.ReasonCount{}
	}
	require.Equal(t, want, got)
}
