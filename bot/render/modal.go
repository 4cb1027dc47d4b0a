package render

import (
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// HandoffModal is the form /handoff opens: the lead, the contact, the notes
// and the prospect's consent to be transferred. company prefills the company
// field (from "/handoff Acme Corp").
func HandoffModal(company string) slack.ModalViewRequest {
	input := func(field routing.Field, label, placeholder string, maxLen int) *slack.InputBlock {
		el := slack.NewPlainTextInputBlockElement(plain(placeholder), ActionInput).WithMaxLength(maxLen)
		return slack.NewInputBlock(string(field), plain(label), nil, el)
	}

	co := input(routing.FieldCompany, "Company", "Acme Corp", routing.MaxNameLength)
	if company != "" {
		co.Element.(*slack.PlainTextInputBlockElement).InitialValue = Truncate(Sanitize(company), routing.MaxNameLength)
	}
	title := input(routing.FieldContactTitle, "Contact's title", "VP of Sales", routing.MaxNameLength)
	title.Optional = true
	phone := input(routing.FieldPhone, "Phone", "+1 415 555 0100", 40)
	phone.Hint = plain("With the country code, so the closer can call back if the line drops.")
	notesEl := slack.NewPlainTextInputBlockElement(plain("Pain, what caught their interest, current tools, best time to reach them…"), ActionInput).
		WithMaxLength(routing.MaxNotesLength).WithMultiline(true)
	notes := slack.NewInputBlock(string(routing.FieldNotes), plain("Notes for the closer"), nil, notesEl)
	notes.Optional = true
	consent := slack.NewInputBlock(string(routing.FieldConsent), plain("Consent"), nil,
		slack.NewCheckboxGroupsBlockElement(ActionInput,
			slack.NewOptionBlockObject(ConsentValue, plain("The prospect agreed to be transferred now"), nil)))

	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: CallbackHandoff,
		Title:      plain("Hot handoff"),
		Submit:     plain("Transfer now"),
		Close:      plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			contextLine("Fill this in while the prospect is on the line. Closers see it the moment you press *Transfer now*."),
			co,
			input(routing.FieldContactName, "Contact name", "Dana Reyes", routing.MaxNameLength),
			title,
			phone,
			input(routing.FieldEmail, "Email", "dana@acme.com", routing.MaxEmailLength),
			notes,
			consent,
		}},
	}
}

// FieldErrors turns per-field validation errors into the map Slack expects
// in a response_action "errors" answer, keyed by block_id.
func FieldErrors(errs routing.FieldErrors) map[string]string {
	out := make(map[string]string, len(errs))
	for field, msg := range errs {
		out[string(field)] = msg
	}
	return out
}
