package handoffs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// availabilityBudget bounds the lookup of who is available before the
// /handoff form opens: its trigger_id lives 3 s.
const availabilityBudget = 300 * time.Millisecond

// Form is what the /handoff form asks, for a command typed in a channel.
type Form struct {
	// Pool is the pool whose checklist it asks ("" for the default), and
	// Checklist that checklist.
	Pool      string
	Checklist routing.Checklist
	// RoutedTo is the pool the lead would go to as routing decides now,
	// and Offer who there could take it live. Offer is nil when that could
	// not be read in time: the form opens without it rather than late.
	RoutedTo string
	Offer    *routing.Offer
}

// Form is the /handoff form for a command typed in channel: the checklist
// of the pool whose channel it is, or the default one, and who could take
// the lead live now. Nothing is answered yet, so no rule matches: this is
// the default pool, and a rule may still send the lead elsewhere on
// submit (the passer's DM then says where).
func (s *Service) Form(ctx context.Context, channel string) (Form, error) {
	policy := s.Policy()
	poolName, checklist := policy.FormFor(channel)
	form := Form{Pool: poolName, Checklist: checklist}
	pool := policy.RouteForm(poolName, routing.Lead{Checklist: checklist})
	form.RoutedTo = pool.Name
	ctx, cancel := context.WithTimeout(ctx, availabilityBudget)
	defer cancel()
	states, err := s.previews.states(ctx, pool.Name, func(ctx context.Context) ([]routing.MemberState, error) {
		return s.MemberStates(ctx, pool, s.Now())
	})
	if err != nil {
		return form, fmt.Errorf("availability of pool %s: %w", pool.Name, err)
	}
	offer := routing.Decide(pool, states, s.Now())
	form.Offer = &offer
	return form, nil
}

// Submission is a submitted /handoff form.
type Submission struct {
	// ViewID is Slack's id of the form: the same for a double submit, and
	// so the handoff's submission key.
	ViewID string
	User   string
	// Pool and Checklist are what the form said it asked; both are looked
	// up in the configuration, never trusted.
	Pool, Checklist string
	Form            routing.Form
}

// Created is what became of a submission.
type Created struct {
	// Problems, when set, are the fields to fix: nothing was stored.
	Problems routing.FieldErrors
	// Later, when set, says the gates refused a live transfer: nothing was
	// stored, and the passer is offered to schedule the call for later
	// with Checklist.
	Later     *routing.CheckedForm
	Checklist routing.Checklist
	// Handoff is the stored handoff; New is false for a double submit,
	// which returns the first one's handoff and changes nothing.
	Handoff routing.Handoff
	New     bool
}

// ErrChecklistGone refuses a form whose checklist is no longer configured:
// its questions are not the ones Baton would check now.
var ErrChecklistGone = errors.New("the form's checklist is no longer configured")

// Create validates a submitted form and, when it passes, routes the lead
// and stores the handoff with its creation event and the notices that
// announce it. The pool is chosen once, here, from the answers and the
// rules in force, and stored with the handoff: nothing routes it again.
func (s *Service) Create(ctx context.Context, sub Submission) (Created, error) {
	policy := s.Policy()
	checklist, ok := policy.Checklist, true
	if sub.Checklist != "" {
		checklist, ok = policy.ChecklistNamed(sub.Checklist)
	}
	if !ok {
		return Created{}, fmt.Errorf("form %s asked checklist %q: %w", sub.ViewID, sub.Checklist, ErrChecklistGone)
	}
	checked, problems := routing.CheckForm(checklist, sub.Form, s.Now())
	if len(problems) > 0 {
		return Created{Problems: problems, Checklist: checklist}, nil
	}
	if checked.OffersLater() {
		s.gatesRefused(ctx, sub, policy.RouteForm(sub.Pool, checked.Lead).Name, checked.Unmet)
		return Created{Later: &checked, Checklist: checklist}, nil
	}
	pool := policy.RouteForm(sub.Pool, checked.Lead)
	now := s.Now()
	states, err := s.MemberStates(ctx, pool, now)
	if err != nil {
		return Created{}, fmt.Errorf("route form %s: %w", sub.ViewID, err)
	}
	in := policy.Open(sub.ViewID, sub.User, checked.Lead, pool, routing.Decide(pool, states, now), now)
	if !checked.Live {
		// A call for later is not offered for claiming: the rotation
		// gives it an owner now (the passer, if the pool is empty).
		owner, ok := routing.PickOwner(pool, states, nil, now)
		if !ok {
			owner = sub.User
		}
		in = in.Later(checked.ScheduledFor, owner)
	}
	h, created, err := s.cfg.Store.CreateHandoff(ctx, in)
	if err != nil {
		return Created{}, fmt.Errorf("store form %s: %w", sub.ViewID, err)
	}
	log := s.log.With().Str("user", sub.User).Str("view", sub.ViewID).Int64("handoff", h.ID).Logger()
	if !created {
		log.Info().Msg("duplicate submission ignored")
		return Created{Handoff: h, Checklist: checklist}, nil
	}
	log.Info().Str("pool", pool.Name).Str("rule", in.Rule).Bool("live", h.Live).Msg("handoff created")
	if m := s.cfg.Metrics; m != nil {
		if h.Live {
			m.Handoff("created")
		} else {
			m.Handoff("created_later")
		}
	}
	s.committed()
	s.cfg.DeadlineSet.Notify()
	return Created{Handoff: h, New: true, Checklist: checklist}, nil
}

// gatesRefused records that the gates refused sub's live transfer (bound
// for pool), for the first-pass signal. The passer's form comes first: a
// record that fails is logged, and the form still offers to schedule the
// call for later.
func (s *Service) gatesRefused(ctx context.Context, sub Submission, pool string, unmet []routing.Question) {
	ids := make([]string, len(unmet))
	for i, q := range unmet {
		ids[i] = q.ID
	}
	if err := s.cfg.Store.RecordGatesRefused(ctx, sub.ViewID, sub.User, pool, ids, s.Now()); err != nil {
		s.log.Warn().Err(err).Str("view", sub.ViewID).Msg("gate refusal not recorded; the first-pass signal will miss it")
	}
}
