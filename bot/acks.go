package bot

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/batonhq/baton/bot/drain"
	"github.com/batonhq/baton/bot/render"
)

// maxAckBytes bounds a Socket Mode ack, envelope_id and payload together,
// as slack-go encodes it (json.Marshal of socketmode.Response). Slack drops
// a Socket Mode response of 20 KB or more without a word, and slack-go
// refuses to send one (socketmode's maxResponseSize, 20,480 bytes): the
// envelope is then never acknowledged, and a form's passer waits for
// nothing. The kilobyte of margin keeps an ack Baton measured as fitting
// from failing if slack-go's encoding grows a field.
const maxAckBytes = 20*1024 - 1024

// ackBytes is the size of the ack of envelope with payload, as slack-go
// measures it before sending.
func ackBytes(envelope string, payload any) int {
	return render.ViewBytes(socketmode.Response{EnvelopeID: envelope, Payload: payload})
}

// answerForm sends the answer to a form submission as its ack, within
// maxAckBytes. An updated form too large for the ack (the schedule-for-later
// offer of a long checklist, or one with long answers) is shown in two
// steps: the ack updates the form to a short "preparing" view that carries
// a fresh external_id, then views.update, whose limit is Slack's 250 KB for
// any view, replaces that view by the offer (see showOffer). Errors too
// many and too long for the ack (a checklist of 40 number questions
// bounded by 300-digit numbers) are cut to fit (see fitErrors). Nothing
// else Baton answers a form with can reach the limit; were it to, it is
// logged and the envelope left unacknowledged, so that Slack tells the
// person it failed and their form stays open as typed.
func (e *Edge) answerForm(ctx context.Context, smc *socketmode.Client, req *socketmode.Request, cb *slack.InteractionCallback, answer any) {
	n := ackBytes(req.EnvelopeID, answer)
	if n <= maxAckBytes {
		e.ack(smc, req, answer)
		return
	}
	log := e.log.With().Str("view", cb.View.ID).Str("envelope", req.EnvelopeID).Int("ack_bytes", n).Logger()
	resp, ok := answer.(*slack.ViewSubmissionResponse)
	if ok && resp.ResponseAction == slack.RAErrors {
		log.Warn().Int("errors", len(resp.Errors)).Msg("form errors too long for a Socket Mode ack; cut to fit")
		e.ack(smc, req, slack.NewErrorsViewSubmissionResponse(fitErrors(req.EnvelopeID, resp.Errors)))
		return
	}
	if !ok || resp.ResponseAction != slack.RAUpdate || resp.View == nil {
		log.Error().Msg("form answer too large for a Socket Mode ack; left unacknowledged")
		e.unacked.acked() // no ack will come: a stop must not wait for one
		return
	}
	// The external_id names this one "preparing" view, unique on the team
	// as Slack requires: a double submit acks its own, with its own id.
	ext := "baton-offer-" + rand.Text()
	pending := render.LaterOfferPending(ext)
	e.ack(smc, req, slack.NewUpdateViewSubmissionResponse(&pending))
	log.Info().Str("external_id", ext).Msg("form answer too large for the ack; shown with views.update")
	// The ack is sent: what remains waits on Slack, in the follow-up lane,
	// not holding a slot meant for acks and trigger_ids.
	e.spawn(e.followUp, func() { e.showOffer(ctx, log, ext, *resp.View) })
}

// showOffer replaces the "preparing" view named ext with view, once Slack
// shows it. The update names the view by its external_id rather than by
// view_id: Slack applies the ack's update and this call in no promised
// order, and an update by view_id that arrived first would be overwritten
// by the "preparing" view, leaving the passer before it for good. By
// external_id, the update finds the view only once it is the "preparing"
// one (Slack answers not_found until then) and never the offer itself,
// which has no external_id: an older update cannot undo a newer answer.
// It has handlerTimeout of its own, not what is left of the form's budget.
// The hash argument cannot serve here: the hash of the "preparing" view
// is Slack's, and the ack's answer does not tell it.
func (e *Edge) showOffer(ctx context.Context, log zerolog.Logger, ext string, view slack.ModalViewRequest) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	wait := 20 * time.Millisecond
	for {
		_, err := e.cfg.API.UpdateViewContext(ctx, view, ext, "", "")
		var limited *slack.RateLimitedError
		var slackErr slack.SlackErrorResponse
		switch {
		case err == nil:
			log.Info().Msg("schedule-for-later form shown")
			return
		case errors.As(err, &limited):
			wait = limited.RetryAfter
		case errors.As(err, &slackErr) && slackErr.Err == "not_found":
			// The ack's update is not applied yet: try again shortly.
		default:
			log.Error().Err(err).Msg("schedule-for-later form not shown")
			if _, err := e.cfg.API.UpdateViewContext(ctx, render.LaterOfferFailed(), ext, "", ""); err != nil {
				log.Warn().Err(err).Msg("could not tell the passer the form failed")
			}
			return
		}
		select {
		case <-ctx.Done():
			log.Error().Err(ctx.Err()).Msg("schedule-for-later form not shown: Slack never showed the preparing view")
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// fitErrors cuts the messages of a response_action "errors" answer so that
// its ack fits maxAckBytes: each message gets an equal share of the room
// left by the envelope and the block ids, and one longer than its share is
// cut to as many characters as surely fit (six bytes of JSON each, the
// most one takes). Short messages, all Baton's usual ones, are kept whole.
func fitErrors(envelope string, errs map[string]string) map[string]string {
	if len(errs) == 0 {
		return errs
	}
	room := maxAckBytes - ackBytes(envelope, slack.NewErrorsViewSubmissionResponse(map[string]string{}))
	for block := range errs {
		room -= render.ViewBytes(block) + 2 // the key, its colon and a comma
	}
	share := max(room/len(errs), 0)
	out := make(map[string]string, len(errs))
	for block, msg := range errs {
		if render.ViewBytes(msg) > share {
			msg = render.Truncate(msg, max(share/6-2, 1)) // less the quotes
		}
		out[block] = msg
	}
	return out
}
