package bot

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// Submission is a submitted /handoff modal, as plain input.
type Submission struct {
	// ViewID is Slack's id of the modal: the same for a double submit.
	ViewID string
	UserID string
	// Meta says which checklist the form asked, for which pool; both are
	// looked up in the configuration, never trusted.
	Meta render.FormMeta
	Form routing.Form
}

// ClaimClick is a click on a Claim button, as plain input. HandoffID comes
// from the button's value and is only a claim to check against the store.
type ClaimClick struct {
	HandoffID int64
	UserID    string
	ChannelID string
	MessageTS string
}

// errMalformed marks a payload that is not what Baton sent out; it is
// logged and dropped, never trusted.
var errMalformed = errors.New("malformed payload")

// parseSubmission reads the /handoff modal's answers. It reads what each
// block holds whatever element Slack reports, so the typing of answers is
// left to routing, which knows the questions.
func parseSubmission(cb *slack.InteractionCallback) (Submission, error) {
	if cb.View.CallbackID != render.CallbackHandoff {
		return Submission{}, fmt.Errorf("%w: view callback %q", errMalformed, cb.View.CallbackID)
	}
	if cb.View.ID == "" || cb.User.ID == "" {
		return Submission{}, fmt.Errorf("%w: view submission without view or user id", errMalformed)
	}
	var values map[string]map[string]slack.BlockAction
	if cb.View.State != nil {
		values = cb.View.State.Values
	}
	get := func(block string) slack.BlockAction { return values[block][render.ActionInput] }
	text := func(f routing.Field) string { return get(string(f)).Value }
	chosen := func(f routing.Field) string { return get(string(f)).SelectedOption.Value }

	sub := Submission{ViewID: cb.View.ID, UserID: cb.User.ID}
	// A form whose metadata is unreadable asks the default checklist: the
	// handler treats an unknown name the same way.
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &sub.Meta)

	consent := false
	for _, opt := range get(string(routing.FieldConsent)).SelectedOptions {
		if opt.Value == render.ConsentValue {
			consent = true
		}
	}
	// The transfer choice is in one of two blocks (see
	// render.BlockTransferOffered); anything but "later" is a live
	// transfer, the choice that asks the most of the form.
	transfer := cmp.Or(get(render.BlockTransferOffered).SelectedOption.Value, get(render.BlockTransfer).SelectedOption.Value)
	var scheduled time.Time
	if at := get(string(routing.FieldScheduledFor)).SelectedDateTime; at > 0 {
		scheduled = time.Unix(at, 0).UTC()
	}

	answers := map[string]routing.RawAnswer{}
	for block, actions := range values {
		id, ok := strings.CutPrefix(block, string(routing.QuestionField("")))
		if !ok {
			continue
		}
		a := actions[render.ActionInput]
		raw := routing.RawAnswer{Text: cmp.Or(a.Value, a.SelectedOption.Value, a.SelectedDate)}
		for _, opt := range a.SelectedOptions {
			raw.Choices = append(raw.Choices, opt.Value)
		}
		answers[id] = raw
	}

	sub.Form = routing.Form{
		Lead: routing.Lead{
			Company:      text(routing.FieldCompany),
			ContactName:  text(routing.FieldContactName),
			ContactTitle: text(routing.FieldContactTitle),
			Phone:        text(routing.FieldPhone),
			Email:        text(routing.FieldEmail),
			// A form opened before notes took rich text sends a value.
			Notes:   cmp.Or(richTextPlain(get(string(routing.FieldNotes)).RichTextValue), text(routing.FieldNotes)),
			Consent: consent,
			Context: routing.Context{
				Pain:         text(routing.FieldPain),
				Interest:     text(routing.FieldInterest),
				CurrentTools: text(routing.FieldCurrentTools),
				RecordingURL: text(routing.FieldRecordingURL),
				BestTime:     text(routing.FieldBestTime),
				BestChannel:  chosen(routing.FieldBestChannel),
				Personality:  text(routing.FieldPersonality),
			},
		},
		Answers:      answers,
		Live:         transfer != render.TransferLater,
		ScheduledFor: scheduled,
	}
	return sub, nil
}

// richTextPlain turns what was typed in a rich text box into plain text,
// which is what Baton stores and escapes on output: lists become bullets,
// links their text and address, mentions and emoji their names. Mentions
// are written without Slack's <…> on purpose, so a note never pings anyone.
func richTextPlain(rt slack.RichTextBlock) string {
	var b strings.Builder
	line := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	}
	for _, el := range rt.Elements {
		switch e := el.(type) {
		case *slack.RichTextSection:
			line()
			writeRichText(&b, e.Elements)
		case *slack.RichTextList:
			for i, item := range e.Elements {
				line()
				b.WriteString(strings.Repeat("  ", max(e.Indent, 0)))
				if e.Style == slack.RTEListOrdered {
					fmt.Fprintf(&b, "%d. ", e.Offset+i+1)
				} else {
					b.WriteString("• ")
				}
				if s, ok := item.(*slack.RichTextSection); ok {
					writeRichText(&b, s.Elements)
				}
			}
		case *slack.RichTextQuote:
			line()
			b.WriteString("> ")
			writeRichText(&b, e.Elements)
		case *slack.RichTextPreformatted:
			line()
			writeRichText(&b, e.Elements)
		}
	}
	return b.String()
}

func writeRichText(b *strings.Builder, elements []slack.RichTextSectionElement) {
	for _, el := range elements {
		switch e := el.(type) {
		case *slack.RichTextSectionTextElement:
			b.WriteString(e.Text)
		case *slack.RichTextSectionLinkElement:
			if e.Text != "" && e.Text != e.URL {
				b.WriteString(e.Text + " (" + e.URL + ")")
			} else {
				b.WriteString(e.URL)
			}
		case *slack.RichTextSectionUserElement:
			b.WriteString("@" + e.UserID)
		case *slack.RichTextSectionChannelElement:
			b.WriteString("#" + e.ChannelID)
		case *slack.RichTextSectionUserGroupElement:
			b.WriteString("@" + e.UsergroupID)
		case *slack.RichTextSectionBroadcastElement:
			b.WriteString("@" + e.Range)
		case *slack.RichTextSectionEmojiElement:
			b.WriteString(":" + e.Name + ":")
		case *slack.RichTextSectionDateElement:
			if e.Fallback != nil {
				b.WriteString(*e.Fallback)
			}
		}
	}
}

// parseClaim reads a click on a Claim button.
func parseClaim(cb *slack.InteractionCallback, action *slack.BlockAction) (ClaimClick, error) {
	id, err := strconv.ParseInt(action.Value, 10, 64)
	if err != nil || id <= 0 {
		return ClaimClick{}, fmt.Errorf("%w: claim value %q", errMalformed, action.Value)
	}
	click := ClaimClick{
		HandoffID: id,
		UserID:    cb.User.ID,
		ChannelID: cmp.Or(cb.Container.ChannelID, cb.Channel.ID),
		MessageTS: cmp.Or(cb.Container.MessageTs, cb.Message.Timestamp),
	}
	if click.UserID == "" || click.ChannelID == "" {
		return ClaimClick{}, fmt.Errorf("%w: claim without user or channel", errMalformed)
	}
	return click, nil
}

// slackEntities undoes the escaping Slack applies to slash command text
// (&, <, > arrive as entities), so "/handoff Acme & Co" prefills "Acme & Co"
// and not "Acme &amp; Co", which would be escaped again on output.
var slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// parseCommandText splits "/handoff" text into a subcommand and its
// argument. Anything that is not a known subcommand is a company name.
func parseCommandText(text string) (sub, arg string) {
	text = strings.TrimSpace(slackEntities.Replace(text))
	first, rest, _ := strings.Cut(text, " ")
	switch strings.ToLower(first) {
	case "help", "?":
		return "help", strings.TrimSpace(rest)
	}
	return "", text
}
