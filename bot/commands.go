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

// modalBudget is how long the work of opening a modal may take from its
// envelope's arrival: Slack honours a trigger_id for 3 s.
const modalBudget = 3 * time.Second

// openHandoffModal answers /handoff by opening the form, with the checklist
// of the pool whose channel it was typed in, or the default one. The
// trigger_id lives 3 s from the envelope's sending, so this runs in the
// prompt lane within modalBudget of received, never through the outbox;
// the form opens without the pool's availability rather than late.
func (e *Edge) openHandoffModal(ctx context.Context, received time.Time, cmd slack.SlashCommand, company string) {
	log := e.log.With().Str("user", cmd.UserID).Str("command", cmd.Command).Logger()
	tell := e.tellLater(ctx, log, commandReply(cmd))
	ctx, cancel := within(ctx, received, modalBudget)
	defer cancel()
	f, err := e.svc.Form(ctx, cmd.ChannelID)
	if err != nil {
		log.Warn().Err(err).Msg("form opens without the pool's availability")
	}
	form := render.Form{Pool: f.Pool, Checklist: f.Checklist, Company: company}
	if f.Offer != nil {
		form.Available = &render.Availability{Pool: f.RoutedTo, Available: f.Offer.Available, Members: f.Offer.Members, UpNext: f.Offer.UpNext}
	}
	e.openModal(ctx, log, received, cmd.TriggerID, render.HandoffModal(form), tell, render.OpenModalFailed)
}

// setAvailability answers /handoff away, back and available, privately.
func (e *Edge) setAvailability(ctx context.Context, cmd slack.SlashCommand, change routing.AvailabilityChange) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	log := e.log.With().Str("user", cmd.UserID).Bool("away", change.Away).Logger()
	tell := e.teller(ctx, log, commandReply(cmd))
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
	tell := e.teller(ctx, log, commandReply(cmd))
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
	if scope.Role == routing.RoleTeam {
		// A manager's report ends with the early-warning signals; without
		// them it is still worth sending.
		signals, err := e.svc.StatsSignals(ctx, scope, req.Days)
		if err != nil {
			log.Error().Err(err).Msg("signals not computed")
		} else {
			msg = render.WithSignals(msg, signals, req.Days)
		}
	}
	e.answer(ctx, log, commandReply(cmd), msg.Options()...)
	log.Info().Str("role", string(scope.Role)).Msg("stats answered")
}

// homeOpened answers app_home_opened: the person's Home is recorded and
// published.
func (e *Edge) homeOpened(ctx context.Context, user string) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	e.cfg.Homes.Opened(ctx, user)
}

// replyTo is where a private answer to a person goes: the response_url of
// their command or click, else an ephemeral message in the channel.
type replyTo struct {
	responseURL, channel, user string
}

// answer tells a person something privately where they typed or clicked.
// The response_url comes first: it reaches them in a DM between two people
// or a channel Baton is not in, where chat.postEphemeral answers
// channel_not_found or not_in_channel. It takes five messages within 30
// minutes, far more than one command or click is ever answered with; if
// it fails all the same, chat.postEphemeral is tried, which works wherever
// Baton is a member.
func (e *Edge) answer(ctx context.Context, log zerolog.Logger, to replyTo, opts ...slack.MsgOption) {
	if to.responseURL != "" {
		via := append([]slack.MsgOption{slack.MsgOptionResponseURL(to.responseURL, slack.ResponseTypeEphemeral)}, opts...)
		_, _, err := e.cfg.API.PostMessageContext(ctx, "", via...)
		if err == nil {
			return
		}
		log.Warn().Err(err).Msg("could not answer through the response_url; trying an ephemeral message")
	}
	if to.channel == "" {
		return
	}
	if _, err := e.cfg.API.PostEphemeralContext(ctx, to.channel, to.user, opts...); err != nil {
		log.Warn().Err(err).Msg("could not answer privately")
	}
}

// teller is answer for a sentence.
func (e *Edge) teller(ctx context.Context, log zerolog.Logger, to replyTo) func(string) {
	return func(text string) { e.answer(ctx, log, to, slack.MsgOptionText(text, false)) }
}

// tellLater is teller for work in the prompt lane: the sentence is sent
// from the follow-up lane, with its own handlerTimeout, so the prompt
// lane never waits on a private answer (nor on the trigger's spent 3 s
// context).
func (e *Edge) tellLater(ctx context.Context, log zerolog.Logger, to replyTo) func(string) {
	return func(text string) {
		e.spawn(e.followUp, func() {
			ctx, cancel := drain.Detached(ctx, handlerTimeout)
			defer cancel()
			e.teller(ctx, log, to)(text)
		})
	}
}

// commandReply is where the answer to a slash command goes.
func commandReply(cmd slack.SlashCommand) replyTo {
	return replyTo{responseURL: cmd.ResponseURL, channel: cmd.ChannelID, user: cmd.UserID}
}
