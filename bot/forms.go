package bot

import (
	"context"
	"errors"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// The submit functions below run in the prompt lane with a context that
// ends SubmitTimeout after their envelope arrived (see interactive): each
// returns the ack of its form.

// submitHandoff validates and stores a submitted /handoff form and returns
// the ack: nil closes the modal, a response_action "errors" keeps it open
// with a sentence under each field to fix, and a response_action "update"
// shows the form again when the gates refuse a live transfer, offering to
// schedule the call for later. Storing happens before the ack on purpose:
// if the database is down, the passer sees it in the modal, with their
// answers intact, instead of a handoff silently lost.
func (e *Edge) submitHandoff(ctx context.Context, cb *slack.InteractionCallback) any {
	sub, err := parseSubmission(cb)
	if err != nil {
		e.log.Warn().Err(err).Msg("view submission dropped")
		return nil
	}
	log := e.log.With().Str("user", sub.UserID).Str("view", sub.ViewID).Logger()
	created, err := e.svc.Create(ctx, handoffs.Submission{
		ViewID: sub.ViewID, User: sub.UserID, Pool: sub.Meta.Pool, Checklist: sub.Meta.Checklist, Form: sub.Form})
	switch {
	case errors.Is(err, handoffs.ErrChecklistGone):
		log.Warn().Err(err).Msg("handoff form asked a checklist no longer configured")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{string(routing.FieldCompany): render.ChecklistChanged})
	case err != nil:
		log.Error().Err(err).Msg("handoff not saved")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{string(routing.FieldCompany): render.SaveFailed})
	case len(created.Problems) > 0:
		log.Info().Int("problems", len(created.Problems)).Msg("handoff form returned for fixes")
		return slack.NewErrorsViewSubmissionResponse(render.FieldErrors(created.Problems))
	case created.Later != nil:
		log.Info().Int("unmet_gates", len(created.Later.Unmet)).Msg("live transfer refused by the gates; schedule for later offered")
		view := render.LaterOffer(render.Form{Pool: sub.Meta.Pool, Checklist: created.Checklist}, *created.Later)
		if n := render.ViewBytes(view); n > render.MaxViewBytes {
			// The configuration keeps every form within Slack's limit for
			// what people type; only answers dense in <, > and &, which
			// JSON writes six bytes long, go beyond. The form stays as
			// typed, with the offer said under the transfer choice.
			log.Warn().Int("view_bytes", n).Msg("schedule-for-later form over Slack's view limit; offered under the transfer choice")
			return slack.NewErrorsViewSubmissionResponse(map[string]string{transferBlock(cb): render.LaterOfferInline})
		}
		return slack.NewUpdateViewSubmissionResponse(&view)
	}
	return nil
}

// transferBlock is the block of the submitted form that holds the choice
// between live and later (see render.BlockTransferOffered).
func transferBlock(cb *slack.InteractionCallback) string {
	if cb.View.State != nil {
		if _, offered := cb.View.State.Values[render.BlockTransferOffered]; offered {
			return render.BlockTransferOffered
		}
	}
	return render.BlockTransfer
}

// reasons are the reason codes each reason form offers.
var reasons = map[string][]render.Reason{
	render.CallbackCancel: render.CancelReasons, render.CallbackHandBack: render.HandBackReasons, render.CallbackPass: render.PassReasons,
}

// submitReason stores a cancel, pass or hand-back form. Its answer is the
// ack: nil closes the modal; a refusal stays in the modal as a sentence
// under the reason.
func (e *Edge) submitReason(ctx context.Context, cb *slack.InteractionCallback) any {
	sub, err := parseReason(cb)
	if err != nil {
		e.log.Warn().Err(err).Msg("reason submission dropped")
		return nil
	}
	log := e.log.With().Str("user", sub.UserID).Int64("handoff", sub.HandoffID).Str("view", cb.View.CallbackID).Logger()
	reason := ""
	if label, ok := render.ReasonLabel(reasons[cb.View.CallbackID], sub.Code); ok {
		reason = label
		if sub.Note != "" {
			reason += ": " + sub.Note
		}
	}
	switch cb.View.CallbackID {
	case render.CallbackCancel:
		err = e.svc.Cancel(ctx, sub.HandoffID, sub.UserID, reason)
	case render.CallbackPass:
		err = e.svc.Pass(ctx, sub.HandoffID, sub.UserID, reason)
	default:
		err = e.svc.HandBack(ctx, sub.HandoffID, sub.UserID, reason)
	}
	return e.stored(log, err, render.BlockReason)
}

// submitCallback stores the callback time a passer picked.
func (e *Edge) submitCallback(ctx context.Context, cb *slack.InteractionCallback) any {
	sub, err := parseCallback(cb)
	if err != nil {
		e.log.Warn().Err(err).Msg("callback submission dropped")
		return nil
	}
	log := e.log.With().Str("user", sub.UserID).Int64("handoff", sub.HandoffID).Logger()
	return e.stored(log, e.svc.ScheduleCallback(ctx, sub.HandoffID, sub.UserID, sub.At), render.BlockWhen)
}

// submitWork stores a touch, outcome or reassignment form. Its answer is
// the ack: nil closes the modal; a refusal stays in the modal as a
// sentence under the input it is about.
func (e *Edge) submitWork(ctx context.Context, cb *slack.InteractionCallback) any {
	sub, err := parseWork(cb)
	if err != nil {
		e.log.Warn().Err(err).Msg("work submission dropped")
		return nil
	}
	log := e.log.With().Str("user", sub.UserID).Int64("handoff", sub.HandoffID).Str("view", cb.View.CallbackID).
		Str("kind", sub.Kind).Str("reason", sub.Reason).Logger()
	switch cb.View.CallbackID {
	case render.CallbackTouch:
		err = e.svc.LogTouch(ctx, sub.HandoffID, sub.UserID, routing.TouchInput{Kind: routing.TouchKind(sub.Kind), MeetingAt: sub.At, Note: sub.Note})
	case render.CallbackOutcome:
		err = e.svc.LogOutcome(ctx, sub.HandoffID, sub.UserID, routing.OutcomeInput{
			Kind: routing.OutcomeKind(sub.Kind), Reason: routing.DisqualifyReason(sub.Reason), Note: sub.Note})
	default:
		err = e.svc.Reassign(ctx, sub.HandoffID, sub.UserID, routing.ReassignInput{
			Reason: routing.ReassignReason(sub.Reason), Note: sub.Note, To: sub.To})
	}
	return e.stored(log, err, workErrorBlock(cb.View.CallbackID, err))
}

// stored turns the outcome of a form's change into its ack.
func (e *Edge) stored(log zerolog.Logger, err error, block string) any {
	if text, refused := refusalText(err); refused {
		log.Info().Err(err).Msg("form refused")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{block: text})
	}
	if err != nil {
		log.Error().Err(err).Msg("form not saved")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{block: render.ActionFailed})
	}
	log.Info().Msg("form stored")
	return nil
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
