package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/batonhq/baton/bot/drain"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// Run connects to Slack over Socket Mode and handles envelopes until ctx is
// cancelled. It returns when the socket is closed and every handler in
// flight has finished.
//
// A stop (ctx cancelled: SIGTERM) drains rather than drops: /readyz says
// not ready at once; the envelopes already taken get their acks (a form's
// ack carries its answer, so its handler may take up to SubmitTimeout),
// and once every one is sent the socket is closed, so that Slack sends new
// envelopes to the app's other connections (another replica, or this
// app's next process). Slack resends only Events API envelopes: an
// interaction left unacked would show its person an error, so one that
// arrives before the close is acked and handled like any other. The
// handlers then finish their work without the socket. All of it within
// Config.ShutdownTimeout: then what still runs is cut off.
func (e *Edge) Run(ctx context.Context, smc *socketmode.Client) error {
	bound, cutOffDrain := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOffDrain()
	ctx = drain.WithBound(ctx, bound)

	// The socket outlives ctx: the envelopes taken before a stop still
	// have acks to send.
	socketCtx, closeSocket := context.WithCancel(context.WithoutCancel(ctx))
	defer closeSocket()
	runErr := make(chan error, 1)
	go func() { runErr <- smc.RunContext(socketCtx) }()

	stopping := ctx.Done()
	var err error
loop:
	for {
		select {
		case evt := <-smc.Events:
			e.dispatch(ctx, smc, evt)
		case <-stopping:
			stopping = nil
			e.online.Store(false)
			e.log.Info().Dur("bound", e.cfg.ShutdownTimeout).Msg("stopping: acking the envelopes taken, then closing the socket; finishing the work in flight")
			timeUp := time.AfterFunc(e.cfg.ShutdownTimeout, func() {
				e.log.Warn().Dur("bound", e.cfg.ShutdownTimeout).Msg("stopping: time is up; cutting off the work still in flight")
				cutOffDrain()
				closeSocket()
			})
			defer timeUp.Stop()
			go func() {
				e.unacked.wait(socketCtx)
				flushed(socketCtx, smc)
				e.log.Info().Msg("stopping: every envelope taken is acked; closing the socket so Slack sends new ones to other connections")
				closeSocket()
			}()
		case err = <-runErr:
			break loop
		}
	}
	e.online.Store(false)
	e.lost(smc)
	e.work.Wait()
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		e.log.Info().Msg("stopped: socket closed")
		return nil
	}
	var apiErr slack.SlackErrorResponse
	if errors.As(err, &apiErr) {
		return fmt.Errorf("SLACK_APP_TOKEN rejected by Slack (apps.connections.open): %w", err)
	}
	return fmt.Errorf("socket mode: %w", err)
}

// lost logs the envelopes slack-go read as the socket closed, which no
// ack can reach any more: Slack resends an event, but a command, click or
// form submission is lost, and its person sees an error.
func (e *Edge) lost(smc *socketmode.Client) {
	for {
		select {
		case evt := <-smc.Events:
			if evt.Request != nil && evt.Request.EnvelopeID != "" {
				e.log.Warn().Str("envelope", evt.Request.EnvelopeID).Str("type", string(evt.Type)).
					Msg("envelope arrived as the socket closed: it cannot be acked")
			}
		default:
			return
		}
	}
}

// dispatch acks each envelope before any slow work, then hands the work to a
// lane (see lane) so the loop never waits on Slack or the database. The
// exception is a modal submission: its ack carries the answer (errors or
// close), so it is acked by its handler, in the prompt lane, within
// SubmitTimeout of the envelope's arrival.
func (e *Edge) dispatch(ctx context.Context, smc *socketmode.Client, evt socketmode.Event) {
	// The envelope's arrival, as near as Baton can tell: Slack's 3 s for a
	// form's ack and a trigger_id run from its sending, not from when a
	// handler starts.
	received := time.Now()
	if evt.Request != nil && evt.Request.EnvelopeID != "" {
		e.unacked.take() // every path below acks it once
	}
	if e.redelivered(smc, evt) {
		return
	}
	switch evt.Type {
	case socketmode.EventTypeConnected:
		e.online.Store(true)
		e.log.Info().Msg("socket mode connected")
	case socketmode.EventTypeConnecting:
		e.online.Store(false)
	case socketmode.EventTypeConnectionError:
		e.online.Store(false)
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			e.log.Warn().Err(ce.ErrorObj).Int("attempt", ce.Attempt).Dur("backoff", ce.Backoff).Msg("socket mode connection failed; retrying")
		}
	case socketmode.EventTypeInvalidAuth:
		e.online.Store(false)
		e.log.Error().Msg("Slack rejected SLACK_APP_TOKEN (invalid auth)")
	case socketmode.EventTypeSlashCommand:
		if evt.Request == nil {
			return
		}
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			e.ack(smc, evt.Request, nil)
			return
		}
		sub, arg := parseCommandText(cmd.Text)
		if sub == "help" {
			e.ack(smc, evt.Request, map[string]any{"response_type": "ephemeral", "text": helpText})
			return
		}
		if req, ok, err := routing.ParseStats(arg, e.svc.Policy().PoolNames()); ok {
			if err != nil {
				e.ack(smc, evt.Request, map[string]any{"response_type": "ephemeral", "text": didNotGet(err)})
				return
			}
			e.ack(smc, evt.Request, nil)
			e.spawn(e.followUp, func() { e.answerStats(ctx, cmd, req) })
			return
		}
		if change, ok, err := routing.ParseAvailability(arg, e.svc.Now(), e.svc.Policy().Location); ok {
			if err != nil {
				e.ack(smc, evt.Request, map[string]any{"response_type": "ephemeral", "text": didNotGet(err)})
				return
			}
			e.ack(smc, evt.Request, nil)
			e.spawn(e.followUp, func() { e.setAvailability(ctx, cmd, change) })
			return
		}
		e.ack(smc, evt.Request, nil)
		company := typedCompany(cmd.Text)
		e.spawn(e.prompt, func() { e.openHandoffModal(ctx, received, cmd, company) })
	case socketmode.EventTypeInteractive:
		if evt.Request == nil {
			return
		}
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			e.ack(smc, evt.Request, nil)
			return
		}
		e.interactive(ctx, received, smc, evt.Request, &cb)
	case socketmode.EventTypeEventsAPI:
		if evt.Request != nil {
			e.ack(smc, evt.Request, nil)
		}
		if api, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			if home, ok := api.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok && home.Tab == "home" {
				e.spawn(e.followUp, func() { e.homeOpened(ctx, home.User) })
			}
		}
	case socketmode.EventTypeErrorBadMessage:
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			e.log.Warn().Err(bad.Cause).Msg("unreadable socket mode message dropped")
		}
	}
}

// didNotGet answers a command Baton could not read (availability, stats). The
// error quotes what was typed, which is escaped like any user text: the
// answer is mrkdwn, where "<!channel>" would be a mention. It is cut to
// maxQuoted characters: the answer is the command's ack, which must stay
// under Slack's 20 KB (see maxAckBytes) whatever was typed.
func didNotGet(err error) string {
	return "I didn't get that: " + render.Truncate(render.Escape(render.Sanitize(err.Error())), maxQuoted) + "."
}

// maxQuoted bounds didNotGet's sentence: at six bytes of JSON a character
// at most, 1,000 characters fit an ack three times over.
const maxQuoted = 1000

// redelivered acks an envelope this process already took (Slack sends an
// envelope again, with the same envelope_id and a retry_attempt, when it
// saw no ack in time) and reports it, so that it does nothing twice: a
// second /handoff would spend its used trigger_id and tell the passer the
// form failed, a second click would be answered twice. Form submissions
// are left to submitOnce: their ack carries an answer that must be the
// first one's.
func (e *Edge) redelivered(smc *socketmode.Client, evt socketmode.Event) bool {
	req := evt.Request
	if req == nil || req.EnvelopeID == "" {
		return false
	}
	if cb, ok := evt.Data.(slack.InteractionCallback); ok && cb.Type == slack.InteractionTypeViewSubmission {
		return false
	}
	if e.envelopes.first(req.EnvelopeID) {
		return false
	}
	e.log.Info().Str("envelope", req.EnvelopeID).Int("retry_attempt", req.RetryAttempt).Str("retry_reason", req.RetryReason).
		Str("type", string(evt.Type)).Msg("envelope delivered again; acked, not handled twice")
	e.ack(smc, req, nil)
	return true
}

// submitOnce runs submit for a form submission once per view: a second
// submission of the same view while the first runs (a double click on
// Submit) waits for it and gets its answer, and one after it closed the
// form gets the same answer, closed, instead of logging a touch or a
// cancel twice. A submission answered with errors or an updated form is
// not remembered: the person corrects it and submits the same view again.
func (e *Edge) submitOnce(ctx context.Context, cb *slack.InteractionCallback, submit func(context.Context, *slack.InteractionCallback) any) any {
	if cb.View.ID == "" {
		return submit(ctx, cb)
	}
	answer, first := e.forms.do(cb.View.ID, func() (any, bool) {
		a := submit(ctx, cb)
		return a, a == nil
	})
	if !first {
		e.log.Info().Str("view", cb.View.ID).Str("callback", cb.View.CallbackID).Msg("form submitted again; answered as the first time")
	}
	return answer
}

func (e *Edge) interactive(ctx context.Context, received time.Time, smc *socketmode.Client, req *socketmode.Request, cb *slack.InteractionCallback) {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		submit := e.submitHandoff
		switch cb.View.CallbackID {
		case render.CallbackCancel, render.CallbackHandBack, render.CallbackPass:
			submit = e.submitReason
		case render.CallbackCallback:
			submit = e.submitCallback
		case render.CallbackTouch, render.CallbackOutcome, render.CallbackReassign:
			submit = e.submitWork
		}
		e.spawn(e.prompt, func() {
			ctx, cancel := within(ctx, received, e.cfg.SubmitTimeout)
			defer cancel()
			e.answerForm(ctx, smc, req, cb, e.submitOnce(ctx, cb, submit))
		})
	case slack.InteractionTypeBlockActions:
		e.ack(smc, req, nil)
		for _, action := range cb.ActionCallback.BlockActions {
			if action == nil {
				continue
			}
			switch action.ActionID {
			case render.ActionClaim, render.ActionDigestClaim:
				e.spawn(e.followUp, func() { e.claim(ctx, cb, action) })
			case render.ActionCancel, render.ActionPickTime, render.ActionAccept, render.ActionHandBack, render.ActionPass,
				render.ActionLogTouch, render.ActionLogOutcome, render.ActionReassign:
				e.spawn(e.prompt, func() { e.actionButton(ctx, received, cb, action) })
			case render.ActionAwayHour, render.ActionBack:
				e.spawn(e.followUp, func() { e.homeAvailability(ctx, cb, action) })
			case render.ActionReviewed:
				e.spawn(e.followUp, func() { e.reviewed(ctx, cb, action) })
			case render.ActionWholeBrief:
				e.spawn(e.prompt, func() { e.wholeBrief(ctx, received, cb, action) })
			}
		}
	default:
		e.ack(smc, req, nil)
	}
}

// ack answers an envelope. A failed ack is logged: Slack will redeliver or
// show the user a timeout, and the handlers are idempotent either way.
func (e *Edge) ack(smc *socketmode.Client, req *socketmode.Request, payload any) {
	// Bounded: during shutdown nobody may be left to send it, and a handler
	// must not hang on that.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if req.EnvelopeID != "" {
		defer e.unacked.acked()
	}
	if err := smc.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		e.log.Warn().Err(err).Str("envelope", req.EnvelopeID).Msg("ack failed")
	}
}

const helpText = "*Baton* passes a hot lead to a closer while the prospect is on the line.\n" +
	"• `/handoff` opens the handoff form; `/handoff Acme Corp` fills in the company.\n" +
	"• The form asks the lead and contact, the *qualification checklist* (concrete criteria, each live-transfer criterion shown under its question), " +
	"the context the closer needs so the prospect never repeats themselves (pain, interest, current tools, best time and way to reach them, personality, call recording, notes), " +
	"and how to hand off.\n" +
	"• *Live transfer now* needs the prospect's consent and every live-transfer criterion. If one is unmet, Baton says which and offers " +
	"*Schedule for later* instead: pick when a closer should call, and Baton gives the lead an owner by fair rotation.\n" +
	"• Typed in the channel of a pool that has its own checklist, `/handoff` asks that checklist and the lead goes to that pool.\n" +
	"• Closers click *Claim* in the pool's channel; the first eligible click wins. The whole brief is in the thread under the post and in the owner's DM.\n" +
	"• Nobody claims in time? Baton re-pings, DMs the closers and managers, then assigns an owner and asks you for a callback time.\n" +
	"• The prospect dropped off? Press *Cancel handoff* in Baton's DM to you.\n" +
	"• Closers: `/handoff away 30m` (or `2h`, `until 17:00`) stops leads coming to you; `/handoff back` restarts them.\n" +
	"• Up next on a round-robin lead and can't take it? Press *Pass* with a reason and it moves on at once.\n" +
	"• Own a lead? Use *Log touch* (a call, a reply, a booked meeting) and *Log outcome* in Baton's DM: a meaningful touch is due within 48 h and the outcome within 24 h; " +
	"Baton tells you, then your manager, when a clock runs out. *Reassign* needs a reason code.\n" +
	"• Every weekday morning Baton posts the stuck leads (unclaimed, untouched, no outcome, no-shows) in the channel, and every Monday the weekly review.\n" +
	"• `/handoff stats` (or `stats 30d`, `stats 90d`) shows your numbers of the last 7 days: as a closer your claims, time to claim and share; as a rep your handoffs and how many were accepted. " +
	"Managers see their team, and may add `@someone` or a pool's name.\n" +
	"• Baton's *Home* tab shows your open leads and their next deadline, your week, where your handoffs stand and, for managers, the team board.\n" +
	"• `/handoff help` shows this."
