package bot

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// handlerTimeout bounds the work of one interaction after its ack.
const handlerTimeout = 10 * time.Second

// detached gives a handler a context that outlives shutdown's cancel (so
// work already acked finishes) but not handlerTimeout.
func detached(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

// openHandoffModal answers /handoff by opening the form, with the checklist
// of the pool whose channel it was typed in, or the default one. The
// trigger_id lives 3 s, so this runs right after the ack and never through
// the outbox.
func (b *Bot) openHandoffModal(ctx context.Context, cmd slack.SlashCommand, company string) {
	ctx, cancel := detached(ctx, 3*time.Second)
	defer cancel()
	log := b.log.With().Str("user", cmd.UserID).Str("command", cmd.Command).Logger()
	pool, checklist := b.cfg.Policy.FormFor(cmd.ChannelID)
	form := render.Form{Pool: pool, Checklist: checklist, Company: company}
	if _, err := b.cfg.API.OpenViewContext(ctx, cmd.TriggerID, render.HandoffModal(form)); err != nil {
		log.Error().Err(err).Msg("views.open failed")
		if _, err := b.cfg.API.PostEphemeralContext(ctx, cmd.ChannelID, cmd.UserID, slack.MsgOptionText(render.OpenModalFailed, false)); err != nil {
			log.Warn().Err(err).Msg("could not tell the user the form failed to open")
		}
	}
}

// submitHandoff validates and stores a submitted modal and returns the ack
// payload: nil closes the modal, a response_action "errors" keeps it open
// with a sentence under each field to fix, and a response_action "update"
// shows the form again when the gates refuse a live transfer, offering to
// schedule the call for later. Storing happens before the ack on purpose: if
// the database is down, the passer sees it in the modal, with their answers
// intact, instead of a handoff silently lost.
func (b *Bot) submitHandoff(ctx context.Context, cb *slack.InteractionCallback) any {
	ctx, cancel := detached(ctx, b.cfg.SubmitTimeout)
	defer cancel()
	sub, err := parseSubmission(cb)
	if err != nil {
		b.log.Warn().Err(err).Msg("view submission dropped")
		return nil
	}
	log := b.log.With().Str("user", sub.UserID).Str("view", sub.ViewID).Logger()
	// A form without metadata asks the default checklist.
	checklist, ok := b.cfg.Policy.Checklist, true
	if sub.Meta.Checklist != "" {
		checklist, ok = b.cfg.Policy.ChecklistNamed(sub.Meta.Checklist)
	}
	if !ok {
		// The configuration changed while the form was open: its
		// questions are not the ones Baton would check now.
		log.Warn().Str("checklist", sub.Meta.Checklist).Msg("handoff form asked a checklist no longer configured")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{string(routing.FieldCompany): render.ChecklistChanged})
	}
	checked, problems := routing.CheckForm(checklist, sub.Form, b.now())
	if len(problems) > 0 {
		log.Info().Int("problems", len(problems)).Msg("handoff form returned for fixes")
		return slack.NewErrorsViewSubmissionResponse(render.FieldErrors(problems))
	}
	if checked.OffersLater() {
		log.Info().Int("unmet_gates", len(checked.Unmet)).Msg("live transfer refused by the gates; schedule for later offered")
		view := render.LaterOffer(render.Form{Pool: sub.Meta.Pool, Checklist: checklist}, checked)
		return slack.NewUpdateViewSubmissionResponse(&view)
	}
	pool := b.cfg.Policy.RouteForm(sub.Meta.Pool, checked.Lead)
	in := routing.Open(sub.ViewID, sub.UserID, checked.Lead, pool, b.cfg.Policy.SLA, b.now())
	if !checked.Live {
		in = in.Later(checked.ScheduledFor)
	}
	h, created, err := b.cfg.Store.CreateHandoff(ctx, in)
	if err != nil {
		log.Error().Err(err).Msg("handoff not saved")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{string(routing.FieldCompany): render.SaveFailed})
	}
	if created {
		log.Info().Int64("handoff", h.ID).Str("pool", pool.Name).Bool("live", h.Live).Msg("handoff created")
		b.wakeOutbox()
	} else {
		log.Info().Int64("handoff", h.ID).Msg("duplicate submission ignored")
	}
	return nil
}

// claim decides a click on Claim. Eligibility is checked against the stored
// handoff and the configured pool, never against what the button says; the
// race between eligible clickers is decided by the store's conditional update.
func (b *Bot) claim(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction) {
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	click, err := parseClaim(cb, action)
	if err != nil {
		b.log.Warn().Err(err).Msg("claim click dropped")
		return
	}
	log := b.log.With().Str("user", click.UserID).Int64("handoff", click.HandoffID).Logger()
	tell := func(text string) {
		if _, err := b.cfg.API.PostEphemeralContext(ctx, click.ChannelID, click.UserID, slack.MsgOptionText(text, false)); err != nil {
			log.Warn().Err(err).Msg("could not answer the claim privately")
		}
	}

	h, err := b.cfg.Store.Handoff(ctx, click.HandoffID)
	switch {
	case errors.Is(err, routing.ErrNotFound):
		tell(render.HandoffGone)
		return
	case err != nil:
		log.Error().Err(err).Msg("claim: load handoff")
		tell(render.ClaimFailed)
		return
	}
	// A button whose value names a handoff posted elsewhere is forged or
	// stale: refuse it as if the handoff did not exist.
	if h.Channel != click.ChannelID || (h.MessageTS != "" && click.MessageTS != "" && h.MessageTS != click.MessageTS) {
		log.Warn().Str("channel", click.ChannelID).Msg("claim button does not match its handoff")
		tell(render.HandoffGone)
		return
	}
	pool, ok := b.cfg.Policy.Pool(h.Pool)
	if !ok {
		log.Error().Str("pool", h.Pool).Msg("claim on a handoff whose pool is no longer configured")
		tell(render.PoolGone(h.Pool))
		return
	}
	if refusal := routing.CheckClaim(h, pool, click.UserID); refusal != nil {
		log.Info().Str("reason", string(refusal.Code)).Msg("claim refused")
		tell(render.ClaimRefused(refusal, pool))
		return
	}

	h, won, err := b.cfg.Store.Claim(ctx, h.ID, click.UserID, b.now())
	if err != nil {
		log.Error().Err(err).Msg("claim failed")
		tell(render.ClaimFailed)
		return
	}
	if !won {
		// Someone else's update landed first.
		refusal := routing.CheckClaim(h, pool, click.UserID)
		if refusal == nil {
			refusal = &routing.ClaimRefusal{Code: routing.RefusedAlreadyClaimed, Owner: h.OwnerID}
		}
		tell(render.ClaimRefused(refusal, pool))
		return
	}
	log.Info().Dur("time_to_claim", h.TimeToClaim()).Msg("handoff claimed")
	b.wakeOutbox()
}

// publishHome shows the App Home tab.
func (b *Bot) publishHome(ctx context.Context, user string) {
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	if _, err := b.cfg.API.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: render.HomeView()}); err != nil {
		b.log.Warn().Err(err).Str("user", user).Msg("views.publish failed")
	}
}
