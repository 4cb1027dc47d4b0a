package routing

import "time"

// Fields of the transfer choice.
const (
	// FieldTransfer is the choice between a live transfer and a call
	// scheduled for later.
	FieldTransfer Field = "transfer"
	// FieldScheduledFor is when the scheduled call is to happen.
	FieldScheduledFor Field = "scheduled_for"
)

// MaxScheduleAhead bounds how far ahead a call may be scheduled: a hot lead
// called back in three months is not a handoff any more.
const MaxScheduleAhead = 60 * 24 * time.Hour

// Form is the /handoff form as the passer submitted it, before validation.
type Form struct {
	// Lead holds the contact, the context, the notes and the consent as
	// typed; its Checklist and Answers are ignored.
	Lead Lead
	// Answers are the raw checklist answers by question id.
	Answers map[string]RawAnswer
	// Live is true for a live transfer now, false for a call scheduled
	// for later.
	Live bool
	// ScheduledFor is the time picked for a scheduled call; zero if none.
	ScheduledFor time.Time
}

// CheckedForm is a validated form, ready to open a handoff.
type CheckedForm struct {
	// Lead is cleaned, with the checklist it answered and typed answers.
	Lead Lead
	Live bool
	// ScheduledFor is zero for a live transfer.
	ScheduledFor time.Time
	// Unmet lists the gated questions the answers do not pass.
	Unmet []Question
}

// OffersLater reports whether the passer asked for a live transfer that the
// gates do not allow. That is not an error but a choice to put to them:
// schedule the call for later, or correct an answer.
func (c CheckedForm) OffersLater() bool { return c.Live && len(c.Unmet) > 0 }

// CheckForm validates a submitted form against the checklist it was asked
// with, at now. It returns the cleaned form and one sentence per field to
// fix; an empty FieldErrors means the form is valid, though OffersLater may
// still say that a live transfer is not allowed.
//
// Consent is required for a live transfer only: the prospect agreed to be
// put through now. A scheduled call needs a time in the future, within
// MaxScheduleAhead.
func CheckForm(c Checklist, f Form, now time.Time) (CheckedForm, FieldErrors) {
	lead, errs := ValidateLead(f.Lead)
	answers, answerErrs := ValidateAnswers(c, f.Answers)
	for field, msg := range answerErrs {
		errs[field] = msg
	}
	lead.Checklist, lead.Answers = c, answers
	out := CheckedForm{Lead: lead, Live: f.Live}
	if f.Live {
		if !lead.Consent {
			errs[FieldConsent] = "Ask the prospect whether they agree to be transferred now, and tick the box when they do."
		}
	} else {
		switch {
		case f.ScheduledFor.IsZero():
			errs[FieldScheduledFor] = "Pick when the closer should call the prospect."
		// A minute of slack: the picker has minute precision and the
		// passer may take a moment to press the button.
		case f.ScheduledFor.Before(now.Add(-time.Minute)):
			errs[FieldScheduledFor] = "Pick a time in the future."
		case f.ScheduledFor.After(now.Add(MaxScheduleAhead)):
			errs[FieldScheduledFor] = "Pick a time within the next 60 days."
		}
		out.ScheduledFor = f.ScheduledFor
	}
	if len(errs) == 0 {
		out.Unmet = c.Unmet(answers)
	}
	return out, errs
}
