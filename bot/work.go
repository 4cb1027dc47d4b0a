package bot

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// workButton answers Log touch, Log outcome and Reassign: the owner's
// buttons on a lead they hold (a manager's too, on an SLA alert or in the
// digest). Who may press is checked with the same routing rules that decide
// the change, before the modal opens so nobody fills one in for nothing,
// and again when it is stored.
func (b *Bot) workButton(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction) {
	received := time.Now()
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	click, h, log, tell, ok := b.clickedHandoff(ctx, cb, action, render.ActionFailed)
	if !ok {
		return
	}
	pool, sla, now := b.poolOf(h), b.slaOf(h.OwnerID), b.now()
	var modal slack.ModalViewRequest
	var refusal error
	switch action.ActionID {
	case render.ActionLogTouch:
		_, refusal = routing.LogTouch(h, pool, sla, click.UserID, routing.TouchInput{Kind: routing.TouchCallAttempted}, now)
		modal = render.TouchModal(h)
	case render.ActionLogOutcome:
		_, refusal = routing.LogOutcome(h, pool, sla, click.UserID, routing.OutcomeInput{Kind: routing.OutcomeConnected}, now)
		modal = render.OutcomeModal(h)
	case render.ActionReassign:
		// Rotation states are not needed to know whether someone may.
		_, refusal = routing.Reassign(h, pool, nil, sla, click.UserID, routing.ReassignInput{Reason: routing.ReassignOther, Note: "preview"}, now)
		if r := (*routing.Refusal)(nil); errors.As(refusal, &r) && r.Code == routing.RefusedOwnedByYou {
			refusal = nil // the rotation had nobody else: the modal lets a manager choose
		}
		modal = render.ReassignModal(h, pool.IsManager(click.UserID))
	default:
		return
	}
	if r := (*routing.Refusal)(nil); errors.As(refusal, &r) && r.Code == routing.RefusedFrozen && pool.IsMember(click.UserID) {
		tell(b.clock.ReassignFrozen(h.FrozenUntil(sla)))
		return
	}
	if text, refused := refusalText(refusal); refused {
		log.Info().Err(refusal).Msg("work action refused")
		tell(text)
		return
	}
	b.openModal(ctx, log, received, click.TriggerID, modal, tell, render.ActionFailed)
}

// submitWork stores a touch, outcome or reassignment modal. Its answer is
// the ack: nil closes the modal; a refusal stays in the modal as a sentence
// under the input it is about.
func (b *Bot) submitWork(ctx context.Context, cb *slack.InteractionCallback) any {
	ctx, cancel := detached(ctx, b.cfg.SubmitTimeout)
	defer cancel()
	sub, err := parseWork(cb)
	if err != nil {
		b.log.Warn().Err(err).Msg("work submission dropped")
		return nil
	}
	log := b.log.With().Str("user", sub.UserID).Int64("handoff", sub.HandoffID).Str("view", cb.View.CallbackID).Logger()
	_, err = b.cfg.Store.Apply(ctx, sub.HandoffID, func(h routing.Handoff, loads routing.Loads) (routing.Change, error) {
		pool, sla, now := b.poolOf(h), b.slaOf(h.OwnerID), b.now()
		switch cb.View.CallbackID {
		case render.CallbackTouch:
			return routing.LogTouch(h, pool, sla, sub.UserID, routing.TouchInput{Kind: routing.TouchKind(sub.Kind), MeetingAt: sub.At, Note: sub.Note}, now)
		case render.CallbackOutcome:
			return routing.LogOutcome(h, pool, sla, sub.UserID, routing.OutcomeInput{
				Kind: routing.OutcomeKind(sub.Kind), Reason: routing.DisqualifyReason(sub.Reason), Note: sub.Note}, now)
		}
		period, today := b.policy().RotationSince(pool, now)
		states, err := b.zoned(loads)(pool.Name, pool.Members, period, today)
		if err != nil {
			return routing.Change{}, err
		}
		return routing.Reassign(h, pool, states, sla, sub.UserID, routing.ReassignInput{
			Reason: routing.ReassignReason(sub.Reason), Note: sub.Note, To: sub.To}, now)
	})
	if err == nil {
		log.Info().Str("kind", sub.Kind).Str("reason", sub.Reason).Msg("work logged")
		b.wakeOutbox()
	}
	return b.stored(log, err, workErrorBlock(cb.View.CallbackID, err))
}

// workErrorBlock is the input a refusal is shown under.
func workErrorBlock(callback string, err error) string {
	var r *routing.Refusal
	errors.As(err, &r)
	switch {
	case r != nil && r.Code == routing.RefusedBadTime:
		return render.BlockMeeting
	case r != nil && r.Code == routing.RefusedNotMember, r != nil && r.Code == routing.RefusedOwnedByYou:
		return render.BlockOwner
	case r != nil && r.Code == routing.RefusedNoReason && callback == render.CallbackOutcome:
		return render.BlockReason
	case callback == render.CallbackReassign:
		return render.BlockReason
	}
	return render.BlockKind
}

// runningClocks are the SLA clocks running on h, for the DMs that show them.
func (b *Bot) runningClocks(h routing.Handoff) []routing.Running {
	sla := b.slaOf(h.OwnerID)
	return sla.RunningClocks(h, sla.CalendarFor(b.poolOf(h), h.OwnerID))
}

// slaOf is the SLA policy for owner's clocks: with business hours, their
// Slack profile zone (when known) stands in for the top-level timezone, so
// it comes after a zone configured for them or their pool (Rotation.Zone).
// A reassignment's new owner gets their clocks from the next SLA sweep,
// which reads their zone.
func (b *Bot) slaOf(owner string) routing.SLA {
	s := b.policy().SLA
	if b.cfg.Zones != nil {
		if loc := b.cfg.Zones.Zone(owner); loc != nil {
			s.Location = loc
		}
	}
	return s
}

// openBreaches are h's open breaches that concern recipient's notice: the
// owner's own, or (for managers) those taken to them.
func openBreaches(h routing.Handoff, managers bool) []routing.Breach {
	return slices.DeleteFunc(h.OpenBreaches(), func(x routing.Breach) bool {
		return x.Owner != h.OwnerID || (managers && x.ManagerAlertedAt.IsZero())
	})
}
