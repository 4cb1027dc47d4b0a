package render

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// MaxModalBlocks is how many blocks Slack allows in a modal.
const MaxModalBlocks = 100

// maxHintText is the longest hint (or label) Slack shows under an input.
const maxHintText = 2000

// maxRadioOptions is the most options radio buttons and checkboxes hold;
// beyond it a question becomes a drop-down (static select).
const maxRadioOptions = 10

// Form says what the /handoff form asks.
type Form struct {
	// Pool is the pool the form is for (see routing.Policy.FormFor), or "".
	Pool      string
	Checklist routing.Checklist
	// Company prefills the company field ("/handoff Acme Corp").
	Company string
	// Available, when set, says how many of the pool's members could take
	// a live transfer right now, so the passer knows before submitting.
	Available *Availability
}

// Availability is who in a pool can take a lead now.
type Availability struct {
	Pool               string
	Available, Members int
	UpNext             string
}

// HandoffModal is the form /handoff opens: the lead and contact, the
// qualification checklist, the context the closer needs, and the transfer:
// live now (with the prospect's consent) or scheduled for later.
func HandoffModal(f Form) slack.ModalViewRequest {
	return modal(f, nil)
}

// LaterOffer is the form shown again when the passer asked for a live
// transfer that the gates do not allow. It keeps every answer, says which
// criteria are unmet, and starts on Schedule for later; the passer may still
// correct an answer that was wrong and go live.
func LaterOffer(f Form, checked routing.CheckedForm) slack.ModalViewRequest {
	return modal(f, &checked)
}

// modal builds the form; prefill, when set, is a form that came back and is
// shown again with its answers and the unmet gates.
func modal(f Form, prefill *routing.CheckedForm) slack.ModalViewRequest {
	var lead routing.Lead
	if prefill != nil {
		lead = prefill.Lead
	} else {
		lead.Company = Truncate(Sanitize(f.Company), routing.MaxNameLength)
	}
	meta, _ := json.Marshal(FormMeta{Checklist: f.Checklist.Name, Pool: f.Pool})

	phone := textInput(routing.FieldPhone, "Phone", "+1 415 555 0100", lead.Phone, 40, false)
	phone.Hint = plain("With the country code, so the closer can call back if the line drops.")
	blocks := []slack.Block{
		contextLine("Fill this in while the prospect is on the line. Closers see it the moment you press *Hand off*."),
		slack.NewHeaderBlock(plain("Lead")),
		textInput(routing.FieldCompany, "Company", "Acme Corp", lead.Company, routing.MaxNameLength, false),
		textInput(routing.FieldContactName, "Contact name", "Dana Reyes", lead.ContactName, routing.MaxNameLength, false),
		optional(textInput(routing.FieldContactTitle, "Contact's title", "VP of Sales", lead.ContactTitle, routing.MaxNameLength, false)),
		phone,
		emailInput(routing.FieldEmail, "Email", lead.Email),
		slack.NewHeaderBlock(plain("Qualification")),
	}
	for _, q := range f.Checklist.Questions {
		a, answered := routing.FindAnswer(lead.Answers, q.ID)
		blocks = append(blocks, questionInput(q, a, answered))
	}
	blocks = append(blocks, slack.NewHeaderBlock(plain("Context for the closer")))
	blocks = append(blocks, contextInputs(lead)...)
	blocks = append(blocks, slack.NewHeaderBlock(plain("Transfer")))
	nobody := false
	if av := f.Available; av != nil && prefill == nil {
		line := fmt.Sprintf("👥 %d of %d in *%s* available now", av.Available, av.Members, userText(av.Pool, 100))
		if av.UpNext != "" {
			line += fmt.Sprintf(" · up next: <@%s>", av.UpNext)
		}
		if nobody = av.Available == 0; nobody {
			line = fmt.Sprintf("⚠️ Nobody in *%s* is available right now, so *Schedule for later* is chosen: pick when a closer should call. Choose *Live transfer now* only if you know someone is free.", userText(av.Pool, 100))
		}
		blocks = append(blocks, contextLine(line))
	}
	blocks = append(blocks, transferInputs(prefill, nobody)...)

	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackHandoff,
		PrivateMetadata: string(meta),
		Title:           plain("Hot handoff"),
		Submit:          plain("Hand off"),
		Close:           plain("Cancel"),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func input(field routing.Field, label string, el slack.BlockElement) *slack.InputBlock {
	return slack.NewInputBlock(string(field), plain(label), nil, el)
}

func optional(b *slack.InputBlock) *slack.InputBlock {
	b.Optional = true
	return b
}

// textInput is a plain text input; an empty placeholder shows none.
func textInput(field routing.Field, label, placeholder, initial string, maxLen int, multiline bool) *slack.InputBlock {
	var ph *slack.TextBlockObject
	if placeholder != "" {
		ph = plain(placeholder)
	}
	el := slack.NewPlainTextInputBlockElement(ph, ActionInput).WithMaxLength(maxLen).WithMultiline(multiline)
	el.InitialValue = initial
	return input(field, label, el)
}

func emailInput(field routing.Field, label, initial string) *slack.InputBlock {
	el := slack.NewEmailTextInputBlockElement(plain("name@company.com"), ActionInput)
	el.InitialValue = initial
	return input(field, label, el)
}

func urlInput(field routing.Field, label, initial string) *slack.InputBlock {
	el := slack.NewURLTextInputBlockElement(plain("https://"), ActionInput)
	el.InitialValue = initial
	return input(field, label, el)
}

func option(value string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(value, plain(value), nil)
}

func options(values []string) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, len(values))
	for i, v := range values {
		out[i] = option(v)
	}
	return out
}

// choiceInput is one choice among options: radio buttons while they fit,
// a drop-down beyond.
func choiceInput(field routing.Field, label string, opts []*slack.OptionBlockObject, initial *slack.OptionBlockObject) *slack.InputBlock {
	if len(opts) <= maxRadioOptions {
		el := slack.NewRadioButtonsBlockElement(ActionInput, opts...)
		el.InitialOption = initial
		return input(field, label, el)
	}
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose…"), ActionInput, opts...)
	el.InitialOption = initial
	return input(field, label, el)
}

// questionInput is the input block for one checklist question, showing a
// as its initial answer when answered. The gate, if any, is spelled out in
// the hint, so the passer knows the criterion before pressing the button.
func questionInput(q routing.Question, a routing.Answer, answered bool) *slack.InputBlock {
	field := routing.QuestionField(q.ID)
	var b *slack.InputBlock
	switch q.Type {
	case routing.TypeYesNo:
		yes := slack.NewOptionBlockObject(AnswerYes, plain("Yes"), nil)
		no := slack.NewOptionBlockObject(AnswerNo, plain("No"), nil)
		var initial *slack.OptionBlockObject
		if answered {
			initial = no
			if a.Yes {
				initial = yes
			}
		}
		b = choiceInput(field, q.Label, []*slack.OptionBlockObject{yes, no}, initial)
	case routing.TypeNumber:
		el := slack.NewNumberInputBlockElement(nil, ActionInput, q.Decimals)
		if q.Min != nil {
			el.MinValue = routing.FormatNumber(*q.Min)
		}
		if q.Max != nil {
			el.MaxValue = routing.FormatNumber(*q.Max)
		}
		if answered {
			el.InitialValue = routing.FormatNumber(a.Number)
		}
		b = input(field, q.Label, el)
	case routing.TypeSelect:
		var initial *slack.OptionBlockObject
		if answered {
			initial = option(a.Text)
		}
		b = choiceInput(field, q.Label, options(q.Options), initial)
	case routing.TypeMultiSelect:
		var initial []*slack.OptionBlockObject
		if answered {
			initial = options(a.Choices)
		}
		if len(q.Options) <= maxRadioOptions {
			el := slack.NewCheckboxGroupsBlockElement(ActionInput, options(q.Options)...)
			el.InitialOptions = initial
			b = input(field, q.Label, el)
		} else {
			el := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Choose…"), ActionInput, options(q.Options)...)
			el.InitialOptions = initial
			b = input(field, q.Label, el)
		}
	case routing.TypeLongText:
		b = textInput(field, q.Label, "", a.Text, routing.MaxLongTextAnswer, true)
	case routing.TypeEmail:
		b = emailInput(field, q.Label, a.Text)
	case routing.TypePhone:
		b = textInput(field, q.Label, "+1 415 555 0100", a.Text, 40, false)
	case routing.TypeURL:
		b = urlInput(field, q.Label, a.Text)
	case routing.TypeDate:
		el := slack.NewDatePickerBlockElement(ActionInput)
		if answered {
			el.InitialDate = a.Date.Format(routing.DateLayout)
		}
		b = input(field, q.Label, el)
	default: // routing.TypeText, and anything a newer configuration adds
		b = textInput(field, q.Label, "", a.Text, routing.MaxTextAnswer, false)
	}
	b.Optional = !q.Required
	hint := q.Hint
	if q.Gate != nil {
		hint = strings.TrimSpace(hint + " Live transfer needs: " + gateText(q) + ".")
	}
	if hint != "" {
		b.Hint = plain(Truncate(hint, maxHintText))
	}
	return b
}

// contextInputs are what the closer needs so the prospect never repeats
// themselves. The notes take a rich text box: unlike a plain one, it has no
// 3,000-character cap, and notes are stored whole.
func contextInputs(l routing.Lead) []slack.Block {
	c := l.Context
	var channel *slack.OptionBlockObject
	if c.BestChannel != "" {
		channel = option(c.BestChannel)
	}
	notes := slack.NewRichTextInputBlockElement(plain("Anything else the closer should know"), ActionInput)
	if l.Notes != "" {
		notes.InitialValue = slack.NewRichTextBlock("", slack.NewRichTextSection(slack.NewRichTextSectionTextElement(l.Notes, nil)))
	}
	return []slack.Block{
		optional(textInput(routing.FieldPain, "Pain or need", "What problem are they trying to solve?", c.Pain, routing.MaxPainLength, true)),
		optional(textInput(routing.FieldInterest, "Feature that caught their interest", "Round-robin routing", c.Interest, routing.MaxShortContext, false)),
		optional(textInput(routing.FieldCurrentTools, "Current tools", "Salesforce, Outreach, spreadsheets…", c.CurrentTools, routing.MaxShortContext, false)),
		optional(textInput(routing.FieldBestTime, "Best time to reach them", "Weekdays after 3 pm ET", c.BestTime, routing.MaxBestTimeLength, false)),
		optional(choiceInput(routing.FieldBestChannel, "Best way to reach them", options(routing.ReachChannels), channel)),
		optional(textInput(routing.FieldPersonality, "Personality notes", "Prefers texting; very direct", c.Personality, routing.MaxPersonalityLength, true)),
		optional(urlInput(routing.FieldRecordingURL, "Call recording link", c.RecordingURL)),
		optional(input(routing.FieldNotes, "Notes for the closer", notes)),
	}
}

// transferInputs are the choice between live now and later, the time of a
// later call, and the consent a live transfer needs. After a refused live
// transfer (prefill with unmet gates) they say why and start on later; when
// nobody is available they start on later too.
func transferInputs(prefill *routing.CheckedForm, nobody bool) []slack.Block {
	live := slack.NewOptionBlockObject(TransferLive, plain("Live transfer now"), plain("The prospect is on the line and agreed to be put through"))
	later := slack.NewOptionBlockObject(TransferLater, plain("Schedule for later"), plain("A closer calls the prospect at the time you pick"))
	choice := slack.NewRadioButtonsBlockElement(ActionInput, live, later)
	choice.InitialOption = live
	if nobody {
		choice.InitialOption = later
	}
	blockID := BlockTransfer
	var blocks []slack.Block
	when := slack.NewDateTimePickerBlockElement(ActionInput)
	consent := slack.NewCheckboxGroupsBlockElement(ActionInput,
		slack.NewOptionBlockObject(ConsentValue, plain("The prospect agreed to be transferred now"), nil))

	if prefill != nil {
		if !prefill.ScheduledFor.IsZero() {
			when.InitialDateTime = prefill.ScheduledFor.Unix()
		}
		if prefill.Lead.Consent {
			consent.InitialOptions = consent.Options
		}
		if prefill.OffersLater() {
			choice.InitialOption, blockID = later, BlockTransferOffered
			blocks = append(blocks, section(unmetText(prefill.Lead, prefill.Unmet)))
		}
	}
	whenBlock := optional(input(routing.FieldScheduledFor, "When should the closer call?", when))
	whenBlock.Hint = plain("Needed for Schedule for later.")
	consentBlock := optional(input(routing.FieldConsent, "Consent", consent))
	consentBlock.Hint = plain("Needed for a live transfer: ask the prospect first.")
	return append(blocks,
		slack.NewInputBlock(blockID, plain("How to hand off"), nil, choice),
		whenBlock,
		consentBlock,
	)
}

// unmetText tells the passer which criteria stand between the lead and a
// live transfer, and what they can do.
func unmetText(l routing.Lead, unmet []routing.Question) string {
	var b strings.Builder
	fmt.Fprintf(&b, "⚠️ *Not ready for a live transfer — %s.* A live transfer needs every criterion below; these are unmet:\n", userText(l.Company, MaxHeaderText))
	for _, q := range unmet {
		a, answered := routing.FindAnswer(l.Answers, q.ID)
		fmt.Fprintf(&b, "• *%s*: %s\n", userText(q.Label, 300), gateVerdict(q, a, answered, 200))
	}
	b.WriteString("*Schedule for later* is chosen below: pick when the closer should call. If an answer was wrong, correct it and choose *Live transfer now* again.")
	return b.String()
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
