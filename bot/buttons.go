package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/drain"
	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// claim decides a click on Claim and, unless the clicker won, tells them
// privately why not: who has it, that it is not their turn, that Baton
// failed.
func (e *Edge) claim(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	click, log, ok := e.clicked(cb, action)
	if !ok {
		return
	}
	h, err := e.svc.Claim(ctx, handoffs.Click{HandoffID: click.HandoffID, User: click.UserID, Channel: click.ChannelID,
		MessageTS: click.MessageTS, FromDigest: action.ActionID == render.ActionDigestClaim})
	var refused *handoffs.ClaimRefused
	var poolGone *handoffs.PoolGoneError
	answer := ""
	switch {
	case err == nil:
		return
	case errors.As(err, &refused):
		log.Info().Str("reason", string(refused.Code)).Msg("claim refused")
		answer = e.clock().ClaimRefused(refused.ClaimRefusal, refused.Pool, refused.Turn)
	case errors.As(err, &poolGone):
		log.Error().Str("pool", poolGone.Pool).Msg("claim on a handoff whose pool is no longer configured")
		answer = render.PoolGone(poolGone.Pool)
	case errors.Is(err, routing.ErrNotFound):
		log.Warn().Err(err).Msg("claim on no handoff of this channel")
		// A forged or stale button learns nothing of the lead it named.
		h, answer = routing.Handoff{}, render.HandoffGone
	default:
		log.Error().Err(err).Msg("claim failed")
		answer = render.ClaimFailed
	}
	e.teller(ctx, log, click.replyTo())(render.AboutLead(h, answer))
}

// clicked reads a click on a button that names a handoff, with a logger
// for it; a malformed payload is logged and dropped (ok false).
func (e *Edge) clicked(cb *slack.InteractionCallback, action *slack.BlockAction) (ButtonClick, zerolog.Logger, bool) {
	click, err := parseClick(cb, action)
	if err != nil {
		e.log.Warn().Err(err).Msg("button click dropped")
		return click, e.log, false
	}
	return click, e.log.With().Str("user", click.UserID).Int64("handoff", click.HandoffID).Str("action", action.ActionID).Logger(), true
}

// buttonActions are the buttons that start an action on a handoff, and the
// form each opens (none for Accept, which acts at once).
var buttonActions = map[string]handoffs.Action{
	render.ActionCancel:     handoffs.ActionCancel,
	render.ActionPickTime:   handoffs.ActionPickTime,
	render.ActionAccept:     handoffs.ActionAccept,
	render.ActionHandBack:   handoffs.ActionHandBack,
	render.ActionPass:       handoffs.ActionPass,
	render.ActionLogTouch:   handoffs.ActionLogTouch,
	render.ActionLogOutcome: handoffs.ActionLogOutcome,
	render.ActionReassign:   handoffs.ActionReassign,
}

// actionButton answers the buttons that act on a handoff after it was
// posted: Cancel and Pick a callback time (the passer's), Accept and Hand
// back (a scheduled lead's owner's), Pass (the up-next member's), Log
// touch, Log outcome and Reassign (the owner's, a manager's). Whether the
// clicker may is asked before the form opens, so nobody fills one in for
// nothing; it is decided again when the form is stored.
//
// It runs in the prompt lane, within modalBudget of the click's arrival
// (received), since the form must open on the click's trigger_id; what it
// says privately, and Accept's change, go to the follow-up lane.
func (e *Edge) actionButton(ctx context.Context, received time.Time, cb *slack.InteractionCallback, action *slack.BlockAction) {
	click, log, ok := e.clicked(cb, action)
	if !ok {
		return
	}
	handler := ctx
	ctx, cancel := within(ctx, received, modalBudget)
	defer cancel()
	act := buttonActions[action.ActionID]
	h, err := e.svc.May(ctx, click.HandoffID, click.UserID, act)
	privately := e.tellLater(handler, log, click.replyTo())
	tell := func(text string) { privately(render.AboutLead(h, text)) }
	var refusal *routing.Refusal
	switch {
	case errors.As(err, &refusal) && refusal.Code == routing.RefusedFrozen:
		// A member may take a stuck lead over once the freeze is over:
		// say when.
		tell(e.clock().ReassignFrozen(h.FrozenUntil(e.svc.SLAFor(h.OwnerID))))
		return
	case err != nil:
		if text, refused := refusalText(err); refused {
			log.Info().Err(err).Msg("action refused")
			tell(text)
			return
		}
		log.Error().Err(err).Msg("action not started")
		tell(render.ActionFailed)
		return
	}
	var modal slack.ModalViewRequest
	switch act {
	case handoffs.ActionAccept:
		e.spawn(e.followUp, func() {
			ctx, cancel := drain.Detached(handler, handlerTimeout)
			defer cancel()
			privately := e.teller(ctx, log, click.replyTo())
			e.accept(ctx, func(text string) { privately(render.AboutLead(h, text)) }, log, h.ID, click.UserID)
		})
		return
	case handoffs.ActionCancel:
		modal = render.CancelModal(h)
	case handoffs.ActionPickTime:
		modal = render.CallbackModal(h)
	case handoffs.ActionHandBack:
		modal = render.HandBackModal(h)
	case handoffs.ActionPass:
		modal = render.PassModal(h)
	case handoffs.ActionLogTouch:
		modal = render.TouchModal(h)
	case handoffs.ActionLogOutcome:
		modal = render.OutcomeModal(h)
	case handoffs.ActionReassign:
		modal = render.ReassignModal(h, e.svc.PoolOf(h).IsManager(click.UserID))
	}
	e.openModal(ctx, log, received, click.TriggerID, modal, tell, render.ActionFailed)
}

// accept takes a scheduled lead on for its owner, and says so.
func (e *Edge) accept(ctx context.Context, tell func(string), log zerolog.Logger, id int64, user string) {
	h, err := e.svc.Accept(ctx, id, user)
	if text, refused := refusalText(err); refused {
		tell(text)
		return
	}
	if err != nil {
		log.Error().Err(err).Msg("accept failed")
		tell(render.ActionFailed)
		return
	}
	log.Info().Msg("scheduled lead accepted")
	tell(fmt.Sprintf("Accepted: *%s* is yours, and the channel shows it.", render.Escape(h.Lead.Company)))
}

// homeAvailability answers the App Home's Away / I'm back buttons: the
// same change as /handoff away and back; the Home is refreshed through the
// outbox like after any change, and a failure is said on the Home itself.
func (e *Edge) homeAvailability(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	user := cb.User.ID
	if user == "" {
		return
	}
	until := time.Time{}
	if action.ActionID == render.ActionAwayHour {
		until = e.svc.Now().Add(routing.DefaultAway)
	}
	log := e.log.With().Str("user", user).Bool("away", !until.IsZero()).Str("from", "home").Logger()
	if err := e.svc.SetAvailability(ctx, user, until); err != nil {
		log.Error().Err(err).Msg("availability not saved")
		if err := e.cfg.Homes.ShowProblem(ctx, user); err != nil {
			log.Warn().Err(err).Msg("could not tell the member their availability was not saved")
		}
	}
}

// wholeBrief opens the Read the whole brief button's modal: the brief of
// the handoff the button names, whole. Whoever sees a cut brief may read
// it whole, with the contact details only if the pool lets them see those
// (routing.ShowsDetails): the owner and the passer, or everyone when the
// pool hides nothing. It runs in the prompt lane, within modalBudget of
// the click's arrival, as the modal opens on the click's trigger_id.
func (e *Edge) wholeBrief(ctx context.Context, received time.Time, cb *slack.InteractionCallback, action *slack.BlockAction) {
	click, log, ok := e.clicked(cb, action)
	if !ok {
		return
	}
	handler := ctx
	ctx, cancel := within(ctx, received, modalBudget)
	defer cancel()
	tell := e.tellLater(handler, log, click.replyTo())
	h, err := e.svc.Handoff(ctx, click.HandoffID)
	switch {
	case errors.Is(err, routing.ErrNotFound):
		log.Warn().Err(err).Msg("whole brief of no handoff")
		tell(render.BriefGone)
		return
	case err != nil:
		log.Error().Err(err).Msg("whole brief not read")
		tell(render.BriefFailed)
		return
	}
	clock := e.clock()
	if !routing.ShowsDetails(h, e.svc.Policy().HidesDetails(h), click.UserID) {
		h.Lead, clock.DetailsHidden = h.Lead.WithoutDetails(), true
	}
	e.openModal(ctx, log, received, click.TriggerID, clock.WholeBrief(h), func(text string) { tell(render.AboutLead(h, text)) }, render.BriefFailed)
}
