package routing

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sweepAsDue plays the SLA sweep as the store runs it: at every SLADueAt the
// lead asks for, up to until.
func sweepAsDue(t *testing.T, h *Handoff, pool Pool, s SLA, until time.Time) {
	t.Helper()
	for range 1000 {
		due := h.Work.SLADueAt
		if due.IsZero() || due.After(until) {
			return
		}
		sweep(t, h, pool, s, due)
		require.True(t, h.Work.SLADueAt.IsZero() || h.Work.SLADueAt.After(due), "the sweep moves on")
	}
	require.Fail(t, "the sweep never settles")
}

// TestScheduleCallbackKeepsTheSweepInStep: a callback time moves the start
// of the owner's clocks (RunningClocks starts them at ScheduledFor), so the
// sweep must look at the lead again: the new deadlines are breached when
// they pass, and the breaches of the clocks the callback replaced clear.
func TestScheduleCallbackKeepsTheSweepInStep(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	day := 24 * hr

	t.Run("callback moved earlier", func(t *testing.T) {
		t.Parallel()
		h := claimedBy("U2", T)
		h.State = StateScheduled
		c, err := ScheduleCallback(h, slaPool, "U0", T.Add(30*day), T.Add(time.Minute))
		require.NoError(t, err)
		h = c.Handoff
		sweepAsDue(t, &h, slaPool, s, T.Add(time.Hour))
		require.Equal(t, T.Add(31*day), h.Work.SLADueAt)

		// The prospect asks for tomorrow instead.
		c, err = ScheduleCallback(h, slaPool, "U0", T.Add(day), T.Add(2*hr))
		require.NoError(t, err)
		h = c.Handoff
		sweepAsDue(t, &h, slaPool, s, T.Add(40*day))
		require.NotEmpty(t, h.Work.Breaches)
		for _, b := range h.Work.Breaches {
			requireSameInstant(t, b.DueAt, b.BreachedAt, "%s from the callback is breached when due, not weeks later", b.Clock)
		}
		require.Equal(t, []string{breachKey("U2", ClockOutcome, T.Add(day), "open"), breachKey("U2", ClockFirstTouch, T.Add(day), "open")},
			breachKeys(h.Work.Breaches), "the outcome (due a day after the callback) breaches first")
	})

	t.Run("callback set after every breach was told", func(t *testing.T) {
		t.Parallel()
		h := claimedBy("U2", T)
		h.State = StateScheduled
		sweepAsDue(t, &h, slaPool, s, T.Add(60*hr))
		require.Len(t, h.OpenBreaches(), 2)
		require.True(t, h.Work.SLADueAt.IsZero(), "breached and told: nothing left to look at")

		callback := T.Add(72 * hr)
		c, err := ScheduleCallback(h, slaPool, "U0", callback, T.Add(61*hr))
		require.NoError(t, err)
		h = c.Handoff
		sweepAsDue(t, &h, slaPool, s, T.Add(400*hr))
		require.Equal(t, []string{
			breachKey("U2", ClockOutcome, T, "cleared"),
			breachKey("U2", ClockFirstTouch, T, "cleared"),
			breachKey("U2", ClockOutcome, callback, "open"),
			breachKey("U2", ClockFirstTouch, callback, "open"),
		}, breachKeys(h.Work.Breaches), "the old runs clear and the runs from the callback are watched")
	})
}

// TestCancelledLeadBreachesClear: cancelling stops every clock; the breaches
// of a cancelled lead must not stay open, whether or not the sweep was still
// due to look at it.
func TestCancelledLeadBreachesClear(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U2", T)
	h.State = StateScheduled
	sweepAsDue(t, &h, slaPool, s, T.Add(60*hr))
	require.Len(t, h.OpenBreaches(), 2)

	c, err := Cancel(h, slaPool, "U0", "prospect went with a competitor", T.Add(61*hr))
	require.NoError(t, err)
	h = c.Handoff
	sweepAsDue(t, &h, slaPool, s, T.Add(1000*hr))
	require.Empty(t, h.OpenBreaches(), "a cancelled lead has no clock running, so no breach standing")
}

// requireSLAInvariants holds what must be true of h after any step:
//   - a breach is recorded once per (owner, clock, start of the run);
//   - breaches are only added, and what is set on one never changes;
//   - a breach is recorded no earlier than its deadline (exactly at it when
//     the sweep runs whenever SLADueAt asks);
//   - managers are alerted only if there are any, after the grace period;
//   - every open breach is the current owner's and its clock still runs;
//   - the sweep will see every deadline still to come and every grace end.
//
// checked says h was just brought up to date at now (by the sweep or by
// withSLA), so nothing can be past due.
func requireSLAInvariants(t *testing.T, prev, h Handoff, pool Pool, s SLA, now time.Time, checked, punctual bool, trail []string) {
	t.Helper()
	msg := strings.Join(trail, "\n")
	running := s.RunningClocks(h, s.CalendarFor(pool, h.OwnerID))
	grace := cmp.Or(s.ManagerGrace, DefaultSLA().ManagerGrace)

	require.GreaterOrEqual(t, len(h.Work.Breaches), len(prev.Work.Breaches), msg)
	for i, b := range prev.Work.Breaches {
		nb := h.Work.Breaches[i]
		require.Equal(t, []any{b.Clock, b.StartedAt, b.DueAt, b.BreachedAt, b.Owner}, []any{nb.Clock, nb.StartedAt, nb.DueAt, nb.BreachedAt, nb.Owner}, msg)
		if !b.ClearedAt.IsZero() {
			require.Equal(t, b.ClearedAt, nb.ClearedAt, "cleared once: %s", msg)
		}
		if !b.ManagerAlertedAt.IsZero() {
			require.Equal(t, b.ManagerAlertedAt, nb.ManagerAlertedAt, "managers told once: %s", msg)
		}
	}

	seen := map[string]bool{}
	recorded := func(r Running) bool {
		return slices.ContainsFunc(h.Work.Breaches, func(b Breach) bool {
			return b.Owner == h.OwnerID && b.Clock == r.Clock && b.StartedAt.Equal(r.StartedAt)
		})
	}
	for _, b := range h.Work.Breaches {
		key := fmt.Sprintf("%s/%s/%s", b.Owner, b.Clock, b.StartedAt.UTC().Format(time.RFC3339Nano))
		require.False(t, seen[key], "breach %s recorded twice: %s", key, msg)
		seen[key] = true
		require.False(t, b.BreachedAt.Before(b.DueAt), "breach %s before its deadline: %s", key, msg)
		if punctual {
			requireSameInstant(t, b.DueAt, b.BreachedAt, "breach %s seen when due: %s", key, msg)
		}
		if !b.ManagerAlertedAt.IsZero() {
			require.NotEmpty(t, pool.Managers, "alerted nobody: %s", msg)
			require.False(t, b.ManagerAlertedAt.Before(b.BreachedAt.Add(grace)), "alerted within the grace: %s", msg)
		}
		if !b.ClearedAt.IsZero() {
			require.False(t, b.ClearedAt.Before(b.BreachedAt), msg)
		}
		if b.Open() {
			require.Equal(t, h.OwnerID, b.Owner, "open breach %s of a previous owner: %s", key, msg)
			require.True(t, slices.ContainsFunc(running, func(r Running) bool { return r.Clock == b.Clock && r.StartedAt.Equal(b.StartedAt) }),
				"open breach %s whose clock no longer runs (running: %v): %s", key, runs(running), msg)
			if len(pool.Managers) > 0 && b.ManagerAlertedAt.IsZero() {
				require.False(t, h.Work.SLADueAt.IsZero(), "nobody will tell the managers of %s: %s", key, msg)
				require.False(t, h.Work.SLADueAt.After(b.BreachedAt.Add(grace)), "the managers of %s are told late: %s", key, msg)
			}
		}
	}
	for _, r := range running {
		if recorded(r) {
			continue
		}
		if checked {
			require.True(t, r.DueAt.After(now), "clock %v past due and not breached: %s", runs([]Running{r}), msg)
		}
		require.False(t, h.Work.SLADueAt.IsZero(), "nobody will look at clock %v: %s", runs([]Running{r}), msg)
		require.False(t, h.Work.SLADueAt.After(r.DueAt), "the sweep looks after clock %v is due (at %s): %s", runs([]Running{r}), h.Work.SLADueAt, msg)
	}
}

// slaAction is one random thing people do to a lead at now.
//
// checks says whether the action brings the SLA up to date (withSLA).
func slaAction(rng *rand.Rand, h Handoff, pool Pool, s SLA, now time.Time) (what string, c Change, checks bool, err error) {
	everyone := append(slices.Clone(pool.Members), pool.Managers...)
	worker := h.OwnerID
	switch n := rng.IntN(10); {
	case n == 0 && len(pool.Managers) > 0:
		worker = pool.Managers[rng.IntN(len(pool.Managers))]
	case n == 1:
		worker = everyone[rng.IntN(len(everyone))] // often refused
	}
	switch n := rng.IntN(100); {
	case n < 25:
		kind := []TouchKind{TouchCallAttempted, TouchReplyReceived, TouchTemplateEmail}[rng.IntN(3)]
		c, err := LogTouch(h, pool, s, worker, TouchInput{Kind: kind}, now)
		return fmt.Sprintf("%s touch %s by %s", now.Format(time.RFC3339), kind, worker), c, true, err
	case n < 40:
		at := now.Add(time.Duration(rng.IntN(11*24*60)-23*60) * time.Minute)
		c, err := LogTouch(h, pool, s, worker, TouchInput{Kind: TouchMeetingBooked, MeetingAt: at}, now)
		return fmt.Sprintf("%s meeting at %s by %s", now.Format(time.RFC3339), at.Format(time.RFC3339), worker), c, true, err
	case n < 50:
		kind := []OutcomeKind{OutcomeConnected, OutcomeMeetingHeld}[rng.IntN(2)]
		c, err := LogOutcome(h, pool, s, worker, OutcomeInput{Kind: kind}, now)
		return fmt.Sprintf("%s outcome %s by %s", now.Format(time.RFC3339), kind, worker), c, true, err
	case n < 62:
		c, err := LogOutcome(h, pool, s, worker, OutcomeInput{Kind: OutcomeNoShow}, now)
		return fmt.Sprintf("%s no-show by %s", now.Format(time.RFC3339), worker), c, true, err
	case n < 63:
		in := OutcomeInput{Kind: OutcomeDisqualified, Reason: DisqualifyReasons[rng.IntN(len(DisqualifyReasons))], Note: "n"}
		if rng.IntN(2) == 0 {
			in = OutcomeInput{Kind: OutcomeQualifiedSAL}
		}
		c, err := LogOutcome(h, pool, s, worker, in, now)
		return fmt.Sprintf("%s final %s by %s", now.Format(time.RFC3339), in.Kind, worker), c, true, err
	case n < 76:
		in := ReassignInput{Reason: ReassignReasons[rng.IntN(len(ReassignReasons)-1)]}
		user := h.OwnerID
		switch rng.IntN(3) {
		case 0:
			if len(pool.Managers) > 0 {
				user = pool.Managers[rng.IntN(len(pool.Managers))]
				if rng.IntN(2) == 0 {
					in.To = everyone[rng.IntN(len(everyone))]
				}
			}
		case 1:
			user = pool.Members[rng.IntN(len(pool.Members))] // a take-over, or refused while frozen
		}
		c, err := Reassign(h, pool, nil, s, user, in, now)
		return fmt.Sprintf("%s reassign by %s to %q (%s)", now.Format(time.RFC3339), user, in.To, in.Reason), c, true, err
	case n < 80:
		c, _, err := Accept(h, h.OwnerID, now)
		return fmt.Sprintf("%s accept", now.Format(time.RFC3339)), c, false, err
	default:
		return fmt.Sprintf("%s check", now.Format(time.RFC3339)), CheckSLA(h, pool, s, now), true, nil
	}
}

// TestPropertySLABreachesOnceWhileRunning plays random lives of a lead:
// touches, meetings, outcomes, no-shows, reassignments and checks at
// increasing times, with the sweep running whenever SLADueAt asks (or, in
// some runs, down now and then), and holds requireSLAInvariants after every
// step: above all, CheckSLA never records two breaches with the same owner,
// clock and start, and every open breach's clock is still running.
func TestPropertySLABreachesOnceWhileRunning(t *testing.T) {
	t.Parallel()
	ny := loadZone(t, "America/New_York")
	const seeds, steps = 200, 50
	breaches, cleared, alerted, moved, restarted := 0, 0, 0, 0, 0
	for seed := uint64(1); seed <= seeds; seed++ {
		rng := rand.New(rand.NewPCG(seed, 6))
		pool := slaPool
		if seed%3 == 0 {
			pool.Managers = nil
		}
		s := DefaultSLA()
		if seed%2 == 0 {
			s.BusinessHours, s.Location = true, ny
		}
		if seed%5 < 3 {
			s.OwnershipFreeze = 72 * time.Hour // so that take-overs happen
		}
		punctual := seed%4 != 1
		now := slaT0.Add(time.Duration(rng.IntN(7*24*60)) * time.Minute)
		h := claimedBy(pool.Members[rng.IntN(len(pool.Members))], now)
		if rng.IntN(3) == 0 {
			h.State = StateScheduled
			if rng.IntN(2) == 0 {
				h.ScheduledFor = now.Add(time.Duration(rng.IntN(3*24*60)) * time.Minute)
			}
		}
		trail := []string{fmt.Sprintf("seed %d: %s owner %s since %s callback %s, business hours %v, managers %v, punctual %v",
			seed, h.State, h.OwnerID, now.Format(time.RFC3339), h.ScheduledFor.Format(time.RFC3339), s.BusinessHours, pool.Managers, punctual)}
		for range steps {
			next := now.Add(time.Duration(1+rng.IntN(36*60)) * time.Minute)
			if punctual || rng.IntN(4) != 0 {
				for !h.Work.SLADueAt.IsZero() && !h.Work.SLADueAt.After(next) {
					at := h.Work.SLADueAt
					if at.Before(now) {
						at = now // back from downtime
					}
					prev := h
					c := sweep(t, &h, pool, s, at)
					now = at
					trail = append(trail, fmt.Sprintf("%s sweep: %s %v", at.Format(time.RFC3339), c.Event.Kind, c.Event.Detail))
					requireSLAInvariants(t, prev, h, pool, s, now, true, punctual, trail)
				}
			}
			now = next
			prev := h
			what, c, checks, err := slaAction(rng, h, pool, s, now)
			if err != nil {
				var r *Refusal
				require.True(t, errors.As(err, &r), "%s: want a refusal, got %v", what, err)
				what += " refused: " + string(r.Code)
				checks = false
			} else {
				if c.Handoff.OwnerID != h.OwnerID {
					moved++
				}
				h = c.Handoff
				what += fmt.Sprintf(": %s %v, owner %s", c.Event.Kind, c.Event.Detail, h.OwnerID)
			}
			trail = append(trail, what)
			requireSLAInvariants(t, prev, h, pool, s, now, checks, punctual, trail)
		}
		for i, b := range h.Work.Breaches {
			if slices.ContainsFunc(h.Work.Breaches[:i], func(a Breach) bool { return a.Owner == b.Owner && a.Clock == b.Clock }) {
				restarted++
			}
			breaches++
			if !b.Open() {
				cleared++
			}
			if !b.ManagerAlertedAt.IsZero() {
				alerted++
			}
		}
	}
	// The walk must reach the interesting cases, or it proves little.
	require.Greater(t, breaches, seeds, "breaches recorded")
	require.Greater(t, cleared, seeds/2, "breaches cleared")
	require.Greater(t, alerted, seeds/4, "managers alerted")
	require.Greater(t, moved, seeds, "leads reassigned")
	require.Greater(t, restarted, seeds/4, "restarted clocks breached again")
	t.Logf("breaches %d, cleared %d, alerted %d, restarted %d, owners changed %d", breaches, cleared, alerted, restarted, moved)
}
