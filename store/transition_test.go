package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// escalate is the decision the bot makes, with the test's pool.
// sweepers runs n deadline sweeps at once, as n replicas would, and
// returns how many changes they made in all.
func (b bundle) sweepers(t *testing.T, n int, at time.Time, decide routing.DecideDue) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	fired := 0
	for range n {
		wg.Go(func() {
			changes, err := b.store.SweepDue(b.ctx, at, 10, decide)
			assert.NoError(t, err) // require would stop only this goroutine
			mu.Lock()
			fired += len(changes)
			mu.Unlock()
		})
	}
	wg.Wait()
	return fired
}

func (b bundle) escalate(now time.Time) routing.DecideDue {
	return func(h routing.Handoff, _ time.Time, loads routing.Loads) (routing.Change, error) {
		l, err := loads(b.pool.Name, b.pool.Members, now.Add(-30*24*time.Hour), now.Add(-24*time.Hour))
		if err != nil {
			return routing.Change{}, err
		}
		return routing.Escalate(h, b.pool, l, now)
	}
}

func (b bundle) kinds(t *testing.T, id int64) []routing.EventKind {
	t.Helper()
	events, err := b.store.Events(b.ctx, id)
	require.NoError(t, err)
	var out []routing.EventKind
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}

func TestEscalateDueFiresEachRungOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.createPosted(t, b.newHandoff("V1"))
	require.WithinDuration(t, b.now.Add(time.Minute), h.NextStepAt, 0, "the first rung is due when the window closes")
	require.Len(t, h.Escalation.Rungs, 3, "the ladder is frozen onto the handoff")

	next, ok, err := b.store.NextDeadline(b.ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.WithinDuration(t, h.NextStepAt, next, 0)

	// Nothing is due before the deadline.
	changes, err := b.store.SweepDue(b.ctx, b.now.Add(59*time.Second), 10, b.escalate(b.now))
	require.NoError(t, err)
	require.Empty(t, changes)

	// Ten sweepers at the deadline: rung 1 fires once.
	at := b.now.Add(time.Minute)
	require.Equal(t, 1, b.sweepers(t, 10, at, b.escalate(at)))
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, 1, h.Rung)
	require.WithinDuration(t, b.now.Add(2*time.Minute), h.NextStepAt, 0)

	// Far past every deadline, concurrent sweepers still fire each rung once
	// and in order, ending with an owner.
	late := b.now.Add(time.Hour)
	require.Equal(t, 2, b.sweepers(t, 5, late, b.escalate(late)))
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateScheduled, h.State)
	require.Equal(t, "U1", h.OwnerID)
	require.WithinDuration(t, late, h.MissedAt, 0)
	require.True(t, h.NextStepAt.IsZero())
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPosted, routing.EventEscalated, routing.EventEscalated, routing.EventMissed}, b.kinds(t, h.ID))

	_, ok, err = b.store.NextDeadline(b.ctx)
	require.NoError(t, err)
	require.False(t, ok, "nothing left to escalate")

	var notices int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM outbox WHERE kind = 'reping'`).Scan(&notices))
	require.Equal(t, 1, notices, "one re-ping, not one per sweeper")
}

func TestClaimStopsTheLadder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.createPosted(t, b.newHandoff("V1"))
	at := b.now.Add(time.Minute)
	_, err := b.store.SweepDue(b.ctx, at, 10, b.escalate(at))
	require.NoError(t, err)

	// A late claim: allowed, flagged, and the ladder stops.
	claimedAt := b.now.Add(75 * time.Second)
	h, won, err := b.store.Claim(b.ctx, h.ID, "U2", claimedAt)
	require.NoError(t, err)
	require.True(t, won)
	require.True(t, h.ClaimedLate())
	require.True(t, h.NextStepAt.IsZero())
	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	claim := events[len(events)-1]
	require.Equal(t, routing.EventClaimed, claim.Kind)
	require.Equal(t, true, claim.Detail["late"])
	require.InDelta(t, 75, claim.Detail["seconds_to_claim"], 0.001)

	changes, err := b.store.SweepDue(b.ctx, b.now.Add(time.Hour), 10, b.escalate(b.now.Add(time.Hour)))
	require.NoError(t, err)
	require.Empty(t, changes, "a claimed handoff never escalates")
}

func TestEscalateDueSkipsAFailingHandoff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	bad := b.createPosted(t, b.newHandoff("V1"))
	good := b.createPosted(t, b.newHandoff("V2"))
	at := b.now.Add(time.Minute)
	boom := errors.New("boom")
	changes, err := b.store.SweepDue(b.ctx, at, 10, func(h routing.Handoff, _ time.Time, loads routing.Loads) (routing.Change, error) {
		if h.ID == bad.ID {
			return routing.Change{}, boom
		}
		return b.escalate(at)(h, at, loads)
	})
	require.ErrorIs(t, err, boom)
	require.Len(t, changes, 1, "the other handoff still escalates")
	require.Equal(t, good.ID, changes[0].Handoff.ID)
	bad, err = b.store.Handoff(b.ctx, bad.ID)
	require.NoError(t, err)
	require.Zero(t, bad.Rung, "the failed decision changed nothing")
}

func TestApplySerialisesAndRecords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)

	// A refusal comes back typed and changes nothing.
	_, err = b.store.Apply(b.ctx, h.ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.Cancel(h, b.pool, "U1", "not mine", b.now)
	})
	var refusal *routing.Refusal
	require.ErrorAs(t, err, &refusal)
	require.Equal(t, routing.RefusedNotPasser, refusal.Code)

	// The passer cancels: the ladder stops, the event and the notice are written.
	c, err := b.store.Apply(b.ctx, h.ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.Cancel(h, b.pool, "UPASS", "The prospect dropped off the call", b.now.Add(10*time.Second))
	})
	require.NoError(t, err)
	require.Equal(t, routing.StateCancelled, c.Handoff.State)
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateCancelled, h.State)
	require.Equal(t, "UPASS", h.CancelledBy)
	require.Equal(t, "The prospect dropped off the call", h.CancelReason)
	require.True(t, h.NextStepAt.IsZero())
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventCancelled}, b.kinds(t, h.ID))
	_, ok, err := b.store.NextDeadline(b.ctx)
	require.NoError(t, err)
	require.False(t, ok)

	_, err = b.store.Apply(b.ctx, 999, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.Change{}, nil
	})
	require.ErrorIs(t, err, routing.ErrNotFound)
}

func TestLoadsCountTheCurrentOwnerInThePeriod(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.pool.Members = []string{"U1", "U2", "U3"}
	// U1 claimed two leads, one of them before the period; U2 one.
	for i, c := range []struct {
		user string
		at   time.Time
	}{{"U1", b.now.Add(-40 * 24 * time.Hour)}, {"U1", b.now.Add(-time.Hour)}, {"U2", b.now.Add(-2 * time.Hour)}} {
		h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff(string(rune('a'+i))))
		require.NoError(t, err)
		_, won, err := b.store.Claim(b.ctx, h.ID, c.user, c.at)
		require.NoError(t, err)
		require.True(t, won)
	}
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V-probe"))
	require.NoError(t, err)
	var got []routing.MemberState
	_, err = b.store.Apply(b.ctx, h.ID, func(h routing.Handoff, loads routing.Loads) (routing.Change, error) {
		var err error
		got, err = loads(b.pool.Name, []string{"U1", "U2", "U3"}, b.now.Add(-30*24*time.Hour), b.now.Add(-90*time.Minute))
		return routing.Change{}, err
	})
	require.NoError(t, err)
	for i := range got {
		got[i].LastAssigned = got[i].LastAssigned.UTC()
	}
	require.ElementsMatch(t, []routing.MemberState{
		{User: "U1", Assigned: 1, LastAssigned: b.now.Add(-time.Hour), Today: 1, Open: 1}, // 40 days old: no longer open
		{User: "U2", Assigned: 1, LastAssigned: b.now.Add(-2 * time.Hour), Today: 0, Open: 1},
	}, got, "U3 has none, so no row")

	// So the rotation picks U3, and then, at a tie between U1 and U2, U2
	// who waited longest.
	owner, _ := routing.PickOwner(b.pool, got, nil, b.now)
	require.Equal(t, "U3", owner)
	owner, _ = routing.PickOwner(b.pool, got, []string{"U3"}, b.now)
	require.Equal(t, "U2", owner)
}

func TestAvailabilityAndLapses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.pool.Mode = routing.ModeRoundRobin
	require.NoError(t, b.store.SetAvailability(b.ctx, "U2", b.now.Add(time.Hour), b.now))
	states, err := b.store.MemberStates(b.ctx, b.pool.Name, []string{"U1", "U2"}, b.now.Add(-time.Hour), b.now.Add(-time.Hour))
	require.NoError(t, err)
	require.Len(t, states, 1)
	require.Equal(t, "U2", states[0].User)
	require.WithinDuration(t, b.now.Add(time.Hour), states[0].AwayUntil, 0)

	// A round-robin lead offered to U1 (U2 is away); U1 lets it lapse and
	// the sweep records it once.
	policy := routing.Policy{Pools: []routing.Pool{b.pool}, SLA: routing.DefaultSLA()}
	offer := routing.Decide(b.pool, states, b.now)
	require.Equal(t, "U1", offer.UpNext)
	h := b.createPosted(t, policy.Open("V1", "UPASS", routing.Lead{Company: "Acme"}, b.pool, offer, b.now))
	require.Equal(t, offer.Turn.UpNext, h.Turn.UpNext)
	require.WithinDuration(t, b.now.Add(routing.DefaultPriorityWindow), h.OfferEndsAt, 0)
	next, _, err := b.store.NextDeadline(b.ctx)
	require.NoError(t, err)
	require.WithinDuration(t, h.OfferEndsAt, next, 0, "the offer ends before the ladder starts")

	end := h.OfferEndsAt
	sweep := func(h routing.Handoff, _ time.Time, _ routing.Loads) (routing.Change, error) {
		return routing.OfferEnded(h, b.pool, end), nil
	}
	changes, err := b.store.SweepDue(b.ctx, end, 10, sweep)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	changes, err = b.store.SweepDue(b.ctx, end, 10, sweep)
	require.NoError(t, err)
	require.Empty(t, changes, "handled once")
	states, err = b.store.MemberStates(b.ctx, b.pool.Name, []string{"U1"}, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, 1, states[0].LapsedOffers)

	// Coming back clears the lapses and the away.
	require.NoError(t, b.store.SetAvailability(b.ctx, "U1", time.Time{}, b.now))
	require.NoError(t, b.store.SetAvailability(b.ctx, "U2", time.Time{}, b.now))
	states, err = b.store.MemberStates(b.ctx, b.pool.Name, []string{"U1", "U2"}, time.Time{}, time.Time{})
	require.NoError(t, err)
	for _, s := range states {
		require.Zero(t, s.LapsedOffers)
		require.True(t, s.AwayUntil.IsZero())
	}
	var kinds []string
	rows, err := b.db.Query(b.ctx, `SELECT kind FROM events WHERE handoff_id IS NULL ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		kinds = append(kinds, k)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"member.away", "member.back", "member.back"}, kinds)
}

// TestClaimDuringLapseIsNotLost: U1 lets an offer lapse in one pool while
// claiming a lead in another. The sweep of the lapse holds its handoff and
// its pool's rotation; the claim holds neither, and resets U1's lapses
// between the sweep's reading of U1's state and its write. The lapse must
// count from the reset, not from the count before it: U1 just showed up,
// and must not be set away.
func TestClaimDuringLapseIsNotLost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.pool.Mode = routing.ModeRoundRobin
	other := b
	other.pool = routing.Pool{Name: "others", Channel: "C0OTHER", Members: []string{"U1"}}
	_, err := b.db.Exec(b.ctx, `INSERT INTO members (user_id, lapsed_offers, updated_at) VALUES ('U1', 2, $1)`, b.now)
	require.NoError(t, err)

	policy := routing.Policy{Pools: []routing.Pool{b.pool, other.pool}, SLA: routing.DefaultSLA()}
	offer := routing.Decide(b.pool, nil, b.now)
	require.Equal(t, "U1", offer.UpNext)
	offered, _, err := b.store.CreateHandoff(b.ctx, policy.Open("V1", "UPASS", routing.Lead{Company: "Acme"}, b.pool, offer, b.now))
	require.NoError(t, err)
	elsewhere, _, err := b.store.CreateHandoff(b.ctx, other.newHandoff("V2"))
	require.NoError(t, err)
	// The offer runs from the post; the other lead is out too.
	require.NoError(t, b.store.SetMessageTS(b.ctx, offered.ID, "1700000000.000100", b.now))
	require.NoError(t, b.store.SetMessageTS(b.ctx, elsewhere.ID, "1700000000.000200", b.now))
	offered, err = b.store.Handoff(b.ctx, offered.ID)
	require.NoError(t, err)

	end := offered.OfferEndsAt
	require.False(t, end.IsZero(), "the post started the offer")
	claimed := false
	sweep := func(h routing.Handoff, _ time.Time, loads routing.Loads) (routing.Change, error) {
		s, err := loads(b.pool.Name, []string{h.Turn.UpNext}, time.Time{}, time.Time{})
		if err != nil {
			return routing.Change{}, err
		}
		require.Equal(t, 2, s[0].LapsedOffers)
		// Meanwhile, on another connection, U1 claims elsewhere.
		_, won, err := b.store.Claim(b.ctx, elsewhere.ID, "U1", end)
		if err != nil {
			return routing.Change{}, err
		}
		claimed = won
		return routing.OfferEnded(h, b.pool, end), nil
	}
	changes, err := b.store.SweepDue(b.ctx, end, 10, sweep)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	require.True(t, claimed)

	states, err := b.store.MemberStates(b.ctx, b.pool.Name, []string{"U1"}, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, 1, states[0].LapsedOffers, "one lapse since the claim")
	require.True(t, b.pool.Availability(states[0], end).Available(), "U1 is not away")
	var setAway int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM outbox WHERE kind = $1`, routing.NoticeSetAway).Scan(&setAway))
	require.Zero(t, setAway, "U1 is not told they were set away")
	events, err := b.store.Events(b.ctx, offered.ID)
	require.NoError(t, err)
	last := events[len(events)-1]
	require.Equal(t, routing.EventOfferLapsed, last.Kind)
	require.Equal(t, false, last.Detail["set_away"])
	require.EqualValues(t, 1, last.Detail["lapsed_in_a_row"])
}
