package handoffs

import (
	"context"
	"time"

	"github.com/batonhq/baton/routing"
)

// dueBatch is how many due deadlines one pass fires before it looks at the
// clock again.
const dueBatch = 50

// FireDue fires every deadline that is due now, each in its own
// transaction, and returns how many fired: the wait for a post that is not
// out (PostOverdue), the end of an up-next member's personal offer
// (OfferEnd) and the ladder's next rung (Rung). The store
// takes each handoff with a row lock other replicas skip, so each fires
// once however many replicas sweep.
func (s *Service) FireDue(ctx context.Context) (int, error) {
	fired := 0
	for {
		changes, err := s.cfg.Store.SweepDue(ctx, s.dueNow(), dueBatch, s.decideDeadline)
		fired += len(changes)
		for _, c := range changes {
			h := c.Handoff
			r, _ := h.LastRung()
			s.log.Info().Int64("handoff", h.ID).Int("step", r.Step).Int("steps", r.Steps).Int("repeat", r.Repeat).
				Str("state", string(h.State)).Str("owner", h.OwnerID).Interface("detail", c.Event.Detail).Msg(string(c.Event.Kind))
		}
		if len(changes) > 0 {
			s.committed(changes...)
		}
		if err != nil || len(changes) < dueBatch {
			return fired, err
		}
	}
}

// NextDeadline is the earliest deadline any handoff has (a post's wait, an
// offer's end or a ladder step); ok is false when none has one.
func (s *Service) NextDeadline(ctx context.Context) (at time.Time, ok bool, err error) {
	return s.cfg.Store.NextDeadline(ctx)
}

// decideDeadline handles the deadline of h that fell due at now: the wait
// for its post while it awaits it (nothing else runs then), else the end
// of the up-next member's personal offer (it is never later than the
// ladder's first rung), else the next rung. now is the time the store saw
// it due at, so the choice agrees with the store's: read from another
// clock, a deadline due by the database's could look not yet due here, and
// the next rung would fire in place of the offer's end.
func (s *Service) decideDeadline(h routing.Handoff, now time.Time, loads routing.Loads) (routing.Change, error) {
	if h.AwaitingPost() {
		return routing.PostOverdue(h, s.Policy().SLA, now)
	}
	if !h.OfferEndsAt.IsZero() && !h.OfferEndsAt.After(now) {
		return s.OfferEnd(h, now), nil
	}
	return s.Rung(h, now, loads)
}

// deadlinePool is the pool a deadline of h is decided with: as configured
// now (its available members are who is nudged and who may be given the
// lead). A pool removed from the configuration escalates with nobody to
// nudge, and the passer keeps the lead at the end.
func (s *Service) deadlinePool(h routing.Handoff) routing.Pool {
	pool, ok := s.Policy().Pool(h.Pool)
	if !ok {
		s.log.Error().Int64("handoff", h.ID).Str("pool", h.Pool).Msg("deadline of a handoff whose pool is no longer configured")
		return routing.Pool{Name: h.Pool, Channel: h.Channel}
	}
	return pool
}

// OfferEnd decides the end of the up-next member's personal offer on h at
// now: the lead opens to the pool, and a lapse counts against them. The
// store counts the lapse, so no member state is read here.
func (s *Service) OfferEnd(h routing.Handoff, now time.Time) routing.Change {
	return routing.OfferEnded(h, s.deadlinePool(h), now)
}

// Rung decides the next rung of h's escalation ladder, due at now.
func (s *Service) Rung(h routing.Handoff, now time.Time, loads routing.Loads) (routing.Change, error) {
	pool := s.deadlinePool(h)
	states, err := s.poolStates(loads, pool, now)
	if err != nil {
		return routing.Change{}, err
	}
	return routing.Escalate(h, pool, states, now)
}
