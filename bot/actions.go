package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// previewWindow is how far ahead a callback time is assumed when checking,
// before the modal opens, whether someone may schedule at all.
const previewWindow = time.Hour

// handoffButton answers the buttons that act on a handoff after it was
// posted: Cancel (the passer's), Pick a callback time (the passer's), and
// Accept or Hand back (the owner's of a scheduled lead). Who may press what
// is decided from the stored handoff by the same routing rules that decide
// the change, checked before a modal opens so nobody fills one in for
// nothing, and again when it is stored.
func (b *Bot) handoffButton(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction) {
	received := time.Now()
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	click, h, log, tell, ok := b.clickedHandoff(ctx, cb, action, render.ActionFailed)
	if !ok {
		return
	}
	pool := b.poolOf(h)
	now := b.now()

	var modal slack.ModalViewRequest
	var refusal error
	switch action.ActionID {
	case render.ActionCancel:
		_, refusal = routing.Cancel(h, pool, click.UserID, "preview", now)
		modal = render.CancelModal(h)
	case render.ActionPickTime:
		_, refusal = routing.ScheduleCallback(h, pool, click.UserID, now.Add(previewWindow), now)
		modal = render.CallbackModal(h)
	case render.ActionHandBack:
		_, refusal = routing.HandBack(h, pool, nil, click.UserID, "preview", now)
		modal = render.HandBackModal(h)
	case render.ActionPass:
		_, refusal = routing.Pass(h, pool, nil, click.UserID, "preview", now)
		modal = render.PassModal(h)
	case render.ActionAccept:
		b.accept(ctx, log, tell, h.ID, click.UserID)
		return
	default:
		return
	}
	if text, refused := refusalText(refusal); refused {
		log.Info().Err(refusal).Msg("action refused")
		tell(text)
		return
	}
	b.openModal(ctx, log, received, click.TriggerID, modal, tell, render.ActionFailed)
}

// clickedHandoff reads a click on a button naming a handoff and loads that
// handoff, answering the clicker privately (with failed when Baton is at
// fault) when it can't; ok is false then. A malformed payload is dropped.
func (b *Bot) clickedHandoff(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction, failed string) (
	click ButtonClick, h routing.Handoff, log zerolog.Logger, tell func(string), ok bool) {
	click, err := parseClick(cb, action)
	if err != nil {
		b.log.Warn().Err(err).Msg("button click dropped")
		return click, h, log, nil, false
	}
	log = b.log.With().Str("user", click.UserID).Int64("handoff", click.HandoffID).Str("action", action.ActionID).Logger()
	tell = b.teller(ctx, log, click.ChannelID, click.UserID)
	h, err = b.cfg.Store.Handoff(ctx, click.HandoffID)
	switch {
	case errors.Is(err, routing.ErrNotFound):
		tell(render.HandoffGone)
		return click, h, log, tell, false
	case err != nil:
		log.Error().Err(err).Msg("load handoff")
		tell(failed)
		return click, h, log, tell, false
	}
	return click, h, log, tell, true
}

func (b *Bot) accept(ctx context.Context, log zerolog.Logger, tell func(string), id int64, user string) {
	c, err := b.cfg.Store.Apply(ctx, id, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		c, _, err := routing.Accept(h, user, b.now())
		return c, err
	})
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
	b.wakeOutbox()
	tell(fmt.Sprintf("Accepted: *%s* is yours, and the channel shows it.", render.Escape(c.Handoff.Lead.Company)))
}

// submitReason stores a cancel or hand-back modal. Its answer is the ack:
// nil closes the modal; a refusal stays in the modal as a sentence under
// the reason.
func (b *Bot) submitReason(ctx context.Context, cb *slack.InteractionCallback) any {
	ctx, cancel := detached(ctx, b.cfg.SubmitTimeout)
	defer cancel()
	sub, err := parseReason(cb)
	if err != nil {
		b.log.Warn().Err(err).Msg("reason submission dropped")
		return nil
	}
	log := b.log.With().Str("user", sub.UserID).Int64("handoff", sub.HandoffID).Str("view", cb.View.CallbackID).Logger()
	reasons := map[string][]render.Reason{
		render.CallbackCancel: render.CancelReasons, render.CallbackHandBack: render.HandBackReasons, render.CallbackPass: render.PassReasons,
	}[cb.View.CallbackID]
	reason := ""
	if label, ok := render.ReasonLabel(reasons, sub.Code); ok {
		reason = label
		if sub.Note != "" {
			reason += ": " + sub.Note
		}
	}
	_, err = b.cfg.Store.Apply(ctx, sub.HandoffID, func(h routing.Handoff, loads routing.Loads) (routing.Change, error) {
		pool := b.poolOf(h)
		now := b.now()
		if cb.View.CallbackID == render.CallbackCancel {
			return routing.Cancel(h, pool, sub.UserID, reason, now)
		}
		period, today := b.policy().RotationSince(pool, now)
		states, err := b.zoned(loads)(pool.Name, pool.Members, period, today)
		if err != nil {
			return routing.Change{}, err
		}
		if cb.View.CallbackID == render.CallbackPass {
			return routing.Pass(h, pool, states, sub.UserID, reason, now)
		}
		return routing.HandBack(h, pool, states, sub.UserID, reason, now)
	})
	if err == nil && cb.View.CallbackID == render.CallbackPass {
		b.rewindSweeper() // a pass can start the ladder now or move the offer's end
	}
	return b.stored(log, err, render.BlockReason)
}

// setAvailability answers /handoff away, back and available, privately.
func (b *Bot) setAvailability(ctx context.Context, cmd slack.SlashCommand, change routing.AvailabilityChange) {
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	log := b.log.With().Str("user", cmd.UserID).Bool("away", change.Away).Logger()
	tell := b.teller(ctx, log, cmd.ChannelID, cmd.UserID)
	if err := b.changeAvailability(ctx, log, cmd.UserID, change.Until); err != nil {
		tell(render.AvailabilityFailed)
		return
	}
	if change.Away {
		tell(b.clock.AwaySet(change.Until))
		return
	}
	tell(render.BackSet)
}

// changeAvailability stores a member's away (until a time) or back (zero)
// with its event, and the refresh of their App Home, for /handoff away and
// back and the Home's own buttons alike.
func (b *Bot) changeAvailability(ctx context.Context, log zerolog.Logger, user string, until time.Time) error {
	if err := b.cfg.Store.SetAvailability(ctx, user, until, b.now()); err != nil {
		log.Error().Err(err).Msg("availability not saved")
		return err
	}
	log.Info().Time("until", until).Msg("availability set")
	b.wakeOutbox()
	return nil
}

// submitCallback stores the callback time a passer picked.
func (b *Bot) submitCallback(ctx context.Context, cb *slack.InteractionCallback) any {
	ctx, cancel := detached(ctx, b.cfg.SubmitTimeout)
	defer cancel()
	sub, err := parseCallback(cb)
	if err != nil {
		b.log.Warn().Err(err).Msg("callback submission dropped")
		return nil
	}
	log := b.log.With().Str("user", sub.UserID).Int64("handoff", sub.HandoffID).Logger()
	_, err = b.cfg.Store.Apply(ctx, sub.HandoffID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.ScheduleCallback(h, b.poolOf(h), sub.UserID, sub.At, b.now())
	})
	return b.stored(log, err, render.BlockWhen)
}

// stored turns the outcome of a modal's change into its ack.
func (b *Bot) stored(log zerolog.Logger, err error, block string) any {
	if text, refused := refusalText(err); refused {
		log.Info().Err(err).Msg("modal action refused")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{block: text})
	}
	if err != nil {
		log.Error().Err(err).Msg("modal action not saved")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{block: render.ActionFailed})
	}
	log.Info().Msg("modal action stored")
	b.wakeOutbox()
	return nil
}

// refusalText is the sentence for a refused action; refused is false for
// any other error (or none).
func refusalText(err error) (text string, refused bool) {
	var r *routing.Refusal
	if errors.As(err, &r) {
		return render.Refused(r), true
	}
	if errors.Is(err, routing.ErrNotFound) {
		return render.HandoffGone, true
	}
	return "", false
}

// poolOf is h's pool as configured now, or a pool with no members or
// managers when it was removed: its passer can still act on it.
func (b *Bot) poolOf(h routing.Handoff) routing.Pool {
	if pool, ok := b.policy().Pool(h.Pool); ok {
		return pool
	}
	return routing.Pool{Name: h.Pool, Channel: h.Channel}
}

// teller answers user privately where they clicked.
func (b *Bot) teller(ctx context.Context, log zerolog.Logger, channel, user string) func(string) {
	return func(text string) {
		if _, err := b.cfg.API.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(text, false)); err != nil {
			log.Warn().Err(err).Msg("could not answer privately")
		}
	}
}
