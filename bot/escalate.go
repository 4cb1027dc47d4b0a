package bot

import (
	"context"
	"time"

	"github.com/batonhq/baton/routing"
)

// escalationBatch is how many due rungs one sweep fires before it looks at
// the clock again.
const escalationBatch = 50

// minSweepWait is the shortest sleep between sweeps.
const minSweepWait = 50 * time.Millisecond

// escalateLoop fires the ladder's rungs as they fall due, until ctx ends.
// The deadlines live in the database; this loop only decides when to look.
// It sleeps until the earliest deadline it knows of (so a step fires within
// milliseconds of it), or SweepInterval at most (so deadlines it could not
// know of, set by another replica or before a restart, are not late by more
// than that), or until this process creates a handoff.
func (b *Bot) escalateLoop(ctx context.Context) {
	for {
		if _, err := b.EscalateDue(ctx); err != nil && ctx.Err() == nil {
			b.log.Error().Err(err).Msg("escalation sweep failed; retrying")
		}
		wait := b.cfg.SweepInterval
		if next, ok, err := b.cfg.Store.NextDeadline(ctx); err == nil && ok {
			// A deadline already past is one this pass could not fire (a
			// failed decision, a row another replica holds): look again
			// soon, not in a busy loop.
			wait = min(wait, max(next.Sub(b.now()), minSweepWait))
		} else if err != nil && ctx.Err() == nil {
			b.log.Warn().Err(err).Msg("could not read the next escalation deadline")
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-b.rewind:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// EscalateDue fires every rung that is due now and returns how many fired.
// The store takes each handoff with a row lock that other replicas skip, so
// each rung fires once however many replicas sweep.
func (b *Bot) EscalateDue(ctx context.Context) (int, error) {
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	fired := 0
	for {
		changes, err := b.cfg.Store.SweepDue(ctx, b.now(), escalationBatch, b.decideDeadline)
		fired += len(changes)
		for _, c := range changes {
			h := c.Handoff
			r, _ := h.LastRung()
			b.log.Info().Int64("handoff", h.ID).Int("step", r.Step).Int("steps", r.Steps).Int("repeat", r.Repeat).
				Str("state", string(h.State)).Str("owner", h.OwnerID).Interface("detail", c.Event.Detail).Msg(string(c.Event.Kind))
		}
		if len(changes) > 0 {
			b.wakeOutbox()
		}
		if err != nil || len(changes) < escalationBatch {
			return fired, err
		}
	}
}

// decideDeadline handles the deadline of h that fell due: the end of the
// up-next member's personal offer first (it is never later than the ladder's
// first rung), else the next rung of the ladder, with the pool as configured
// now (its available members are who is nudged and who may be given the
// lead). A pool removed from the configuration escalates with nobody to
// nudge, and the passer keeps the lead at the end.
func (b *Bot) decideDeadline(h routing.Handoff, loads routing.Loads) (routing.Change, error) {
	loads = b.zoned(loads)
	pool, ok := b.policy().Pool(h.Pool)
	if !ok {
		b.log.Error().Int64("handoff", h.ID).Str("pool", h.Pool).Msg("sweeping a handoff whose pool is no longer configured")
		pool = routing.Pool{Name: h.Pool, Channel: h.Channel}
	}
	now := b.now()
	period, today := b.policy().RotationSince(pool, now)
	if !h.OfferEndsAt.IsZero() && !h.OfferEndsAt.After(now) {
		states, err := loads(pool.Name, []string{h.Turn.UpNext}, period, today)
		if err != nil {
			return routing.Change{}, err
		}
		upNext := routing.MemberState{User: h.Turn.UpNext}
		if len(states) > 0 {
			upNext = states[0]
		}
		return routing.OfferEnded(h, pool, upNext, now), nil
	}
	states, err := loads(pool.Name, pool.Members, period, today)
	if err != nil {
		return routing.Change{}, err
	}
	return routing.Escalate(h, pool, states, now)
}

// rewindSweeper wakes the escalation sweeper after a new deadline was set.
func (b *Bot) rewindSweeper() {
	select {
	case b.rewind <- struct{}{}:
	default:
	}
}
