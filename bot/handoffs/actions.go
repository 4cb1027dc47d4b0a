package handoffs

import (
	"context"
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// Action is something a person may start on a handoff with a button, and
// finish in a form.
type Action string

// The actions May answers for.
const (
	ActionCancel     Action = "cancel"
	ActionPickTime   Action = "pick_time"
	ActionAccept     Action = "accept"
	ActionHandBack   Action = "hand_back"
	ActionPass       Action = "pass"
	ActionLogTouch   Action = "log_touch"
	ActionLogOutcome Action = "log_outcome"
	ActionReassign   Action = "reassign"
)

// May reads handoff id and says whether user may start action on it now,
// so nobody fills in a form for nothing: nil, or a *routing.Refusal (or
// routing.ErrNotFound, or a failure to read). It asks routing's
// predicates, the same that guard each change when it is stored.
func (s *Service) May(ctx context.Context, id int64, user string, action Action) (routing.Handoff, error) {
	h, err := s.cfg.Store.Handoff(ctx, id)
	if err != nil {
		return h, fmt.Errorf("%s on %d: %w", action, id, err)
	}
	pool := s.PoolOf(h)
	var refusal *routing.Refusal
	switch action {
	case ActionCancel:
		refusal = routing.MayCancel(h, pool, user)
	case ActionPickTime:
		refusal = routing.MaySchedule(h, pool, user)
	case ActionAccept, ActionHandBack:
		refusal = routing.MayHandBack(h, user)
	case ActionPass:
		refusal = routing.MayPass(h, user, s.Now())
	case ActionLogTouch, ActionLogOutcome:
		refusal = routing.MayLogWork(h, pool, user)
	case ActionReassign:
		refusal = routing.MayReassign(h, pool, s.SLAFor(h.OwnerID), user, s.Now())
	default:
		return h, fmt.Errorf("%s on %d: unknown action", action, id)
	}
	if refusal != nil {
		return h, refusal
	}
	return h, nil
}

// apply stores the change decide makes of handoff id, in one transaction,
// and tells the outbox.
func (s *Service) apply(ctx context.Context, id int64, what string, decide routing.DecideChange) (routing.Change, error) {
	c, err := s.cfg.Store.Apply(ctx, id, decide)
	if err != nil {
		return c, fmt.Errorf("%s %d: %w", what, id, err)
	}
	s.committed(c)
	return c, nil
}

// Cancel stops handoff id at the passer's (or a manager's) request, with
// a reason: the ladder stops and the messages say why.
func (s *Service) Cancel(ctx context.Context, id int64, user, reason string) error {
	_, err := s.apply(ctx, id, "cancel", func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.Cancel(h, s.PoolOf(h), user, reason, s.Now())
	})
	return err
}

// Pass lets the member a round-robin lead is offered to decline it with a
// reason; the offer moves on at once.
func (s *Service) Pass(ctx context.Context, id int64, user, reason string) error {
	_, err := s.apply(ctx, id, "pass", func(h routing.Handoff, loads routing.Loads) (routing.Change, error) {
		pool, now := s.PoolOf(h), s.Now()
		states, err := s.poolStates(loads, pool, now)
		if err != nil {
			return routing.Change{}, err
		}
		return routing.Pass(h, pool, states, user, reason, now)
	})
	if err == nil {
		s.cfg.DeadlineSet.Notify() // a pass can start the ladder now or move the offer's end
	}
	return err
}

// HandBack lets the owner of a scheduled lead pass it on with a reason: the
// next member by fair rotation gets it.
func (s *Service) HandBack(ctx context.Context, id int64, user, reason string) error {
	_, err := s.apply(ctx, id, "hand back", func(h routing.Handoff, loads routing.Loads) (routing.Change, error) {
		pool, now := s.PoolOf(h), s.Now()
		states, err := s.poolStates(loads, pool, now)
		if err != nil {
			return routing.Change{}, err
		}
		return routing.HandBack(h, pool, states, user, reason, now)
	})
	return err
}

// ScheduleCallback records the time the passer agreed with the prospect
// for a scheduled lead.
func (s *Service) ScheduleCallback(ctx context.Context, id int64, user string, at time.Time) error {
	_, err := s.apply(ctx, id, "schedule callback", func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.ScheduleCallback(h, s.PoolOf(h), user, at, s.Now())
	})
	return err
}

// Accept records that the owner of a scheduled lead takes it on. Accepting
// twice changes nothing.
func (s *Service) Accept(ctx context.Context, id int64, user string) (routing.Handoff, error) {
	c, err := s.apply(ctx, id, "accept", func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		c, _, err := routing.Accept(h, user, s.Now())
		return c, err
	})
	return c.Handoff, err
}

// LogTouch records a follow-up by the owner (or a manager for them).
func (s *Service) LogTouch(ctx context.Context, id int64, user string, in routing.TouchInput) error {
	_, err := s.apply(ctx, id, "log touch", func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.LogTouch(h, s.PoolOf(h), s.SLAFor(h.OwnerID), user, in, s.Now())
	})
	return err
}

// LogOutcome records what became of the lead.
func (s *Service) LogOutcome(ctx context.Context, id int64, user string, in routing.OutcomeInput) error {
	_, err := s.apply(ctx, id, "log outcome", func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.LogOutcome(h, s.PoolOf(h), s.SLAFor(h.OwnerID), user, in, s.Now())
	})
	return err
}

// Reassign moves an owned lead to another owner, with a reason code.
func (s *Service) Reassign(ctx context.Context, id int64, user string, in routing.ReassignInput) error {
	_, err := s.apply(ctx, id, "reassign", func(h routing.Handoff, loads routing.Loads) (routing.Change, error) {
		pool, now := s.PoolOf(h), s.Now()
		states, err := s.poolStates(loads, pool, now)
		if err != nil {
			return routing.Change{}, err
		}
		return routing.Reassign(h, pool, states, s.SLAFor(h.OwnerID), user, in, now)
	})
	return err
}
