package bot

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/drain"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// handlerTimeout bounds the work of one interaction after its ack.
const handlerTimeout = 10 * time.Second

// openHandoffModal answers /handoff by opening the form, with the checklist
// of the pool whose channel it was typed in, or the default one. The
// trigger_id lives 3 s, so this runs right after the ack and never through
// the outbox; the form opens without the pool's availability rather than
// late.
func (e *Edge) openHandoffModal(ctx context.Context, cmd slack.SlashCommand, company string) {
	received := time.Now()
	ctx, cancel := drain.Detached(ctx, 3*time.Second)
	defer cancel()
	log := e.log.With().Str("user", cmd.UserID).Str("command", cmd.Command).Logger()
	f, err := e.svc.Form(ctx, cmd.ChannelID)
	if err != nil {
		log.Warn().Err(err).Msg("form opens without the pool's availability")
	}
	form := render.Form{Pool: f.Pool, Checklist: f.Checklist, Company: company}
	if f.Offer != nil {
		form.Available = &render.Availability{Pool: f.RoutedTo, Available: f.Offer.Available, Members: f.Offer.Members, UpNext: f.Offer.UpNext}
	}
	tell := func(text string) {
		// Not the form's 3 s context: it may be spent.
		ctx, cancel := drain.Detached(ctx, handlerTimeout)
		defer cancel()
		e.teller(ctx, log, cmd.ChannelID, cmd.UserID)(text)
	}
	e.openModal(ctx, log, received, cmd.TriggerID, render.HandoffModal(form), tell, render.OpenModalFailed)
}

// setAvailability answers /handoff away, back and available, privately.
func (e *Edge) setAvailability(ctx context.Context, cmd slack.SlashCommand, change routing.AvailabilityChange) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	log := e.log.With().Str("user", cmd.UserID).Bool("away", change.Away).Logger()
	tell := e.teller(ctx, log, cmd.ChannelID, cmd.UserID)
	if err := e.svc.SetAvailability(ctx, cmd.UserID, change.Until); err != nil {
		log.Error().Err(err).Msg("availability not saved")
		tell(render.AvailabilityFailed)
		return
	}
	if change.Away {
		tell(e.clock().AwaySet(change.Until))
		return
	}
	tell(render.BackSet)
}

// answerStats answers /handoff stats privately with the asker's report:
// their own numbers, or as a manager their team's, someone's or a pool's.
// Asking for someone else without managing them is refused in a sentence.
func (e *Edge) answerStats(ctx context.Context, cmd slack.SlashCommand, req routing.StatsRequest) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	log := e.log.With().Str("user", cmd.UserID).Str("command", "stats").Int("days", req.Days).Logger()
	tell := e.teller(ctx, log, cmd.ChannelID, cmd.UserID)
	scope, stats, err := e.svc.Stats(ctx, cmd.UserID, req)
	var refused *routing.Refusal
	switch {
	case errors.As(err, &refused):
		log.Info().Str("asked_user", req.User).Str("asked_pool", req.Pool).Msg("stats refused")
		tell(render.StatsRefused)
		return
	case err != nil:
		log.Error().Err(err).Msg("stats not computed")
		tell(render.StatsFailed)
		return
	}
	msg := e.clock().StatsReport(scope, req.Days, stats)
	if _, err := e.cfg.API.PostEphemeralContext(ctx, cmd.ChannelID, cmd.UserID, msg.Options()...); err != nil {
		log.Warn().Err(err).Msg("could not answer stats privately")
		return
	}
	log.Info().Str("role", string(scope.Role)).Msg("stats answered")
}

// homeOpened answers app_home_opened: the person's Home is recorded and
// published.
func (e *Edge) homeOpened(ctx context.Context, user string) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	e.cfg.Homes.Opened(ctx, user)
}

// teller answers user privately where they clicked or typed.
func (e *Edge) teller(ctx context.Context, log zerolog.Logger, channel, user string) func(string) {
	return func(text string) {
		if _, err := e.cfg.API.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(text, false)); err != nil {
			log.Warn().Err(err).Msg("could not answer privately")
		}
	}
}
