package bot

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// ButtonClick is a click on a button that names a handoff (Claim, Cancel,
// Accept…), as plain input. HandoffID comes from the button's value and is
// only a claim to check against the store.
type ButtonClick struct {
	HandoffID int64
	UserID    string
	ChannelID string
	MessageTS string
	// TriggerID lets the click open a modal (a reason, a time).
	TriggerID string
	// ResponseURL answers the clicker privately on the clicked message.
	ResponseURL string
}

// replyTo is where a private answer to the click goes.
func (c ButtonClick) replyTo() replyTo {
	return replyTo{responseURL: c.ResponseURL, channel: c.ChannelID, user: c.UserID}
}

// ReasonSubmission is a submitted reason modal (cancel, hand back).
type ReasonSubmission struct {
	HandoffID int64
	UserID    string
	Code      string
	Note      string
}

// WorkSubmission is a submitted touch, outcome or reassignment modal.
// Which fields are set depends on the modal; routing refuses what is
// missing, with a sentence for the person.
type WorkSubmission struct {
	HandoffID int64
	UserID    string
	// Kind is the touch or the outcome; Reason the disqualification or
	// reassignment reason code.
	Kind, Reason, Note string
	// At is a booked meeting's time; To is the new owner a manager chose.
	At time.Time
	To string
}

// CallbackSubmission is a submitted callback-time modal.
type CallbackSubmission struct {
	HandoffID int64
	UserID    string
	At        time.Time
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
	get := func(block string) slack.BlockAction { return storable(values[block][render.ActionInput]) }
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
		a := storable(actions[render.ActionInput])
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
			Notes:   cmp.Or(storableText(richTextPlain(get(string(routing.FieldNotes)).RichTextValue)), text(routing.FieldNotes)),
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

// storableText is s as PostgreSQL can store it: text is kept as typed,
// mentions, links and control characters included (they are escaped on
// output), except NUL, which no PostgreSQL text or JSON column holds: left
// in, it failed the whole handoff as if the database were down. Invalid
// UTF-8 cannot arrive (JSON decoding turns it into U+FFFD) and is replaced
// the same way if it ever does.
func storableText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// storable is a on input with its typed strings made storable.
func storable(a slack.BlockAction) slack.BlockAction {
	a.Value = storableText(a.Value)
	a.SelectedOption.Value = storableText(a.SelectedOption.Value)
	a.SelectedDate = storableText(a.SelectedDate)
	a.SelectedUser = storableText(a.SelectedUser)
	if len(a.SelectedOptions) > 0 {
		opts := make([]slack.OptionBlockObject, len(a.SelectedOptions))
		for i, o := range a.SelectedOptions {
			o.Value = storableText(o.Value)
			opts[i] = o
		}
		a.SelectedOptions = opts
	}
	return a
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

// parseClick reads a click on a button whose value is a handoff id.
func parseClick(cb *slack.InteractionCallback, action *slack.BlockAction) (ButtonClick, error) {
	id, err := parseHandoffID(action.Value)
	if err != nil {
		return ButtonClick{}, fmt.Errorf("%w: %s value %q", errMalformed, action.ActionID, action.Value)
	}
	click := ButtonClick{
		HandoffID: id,
		UserID:    cb.User.ID,
		ChannelID: cmp.Or(cb.Container.ChannelID, cb.Channel.ID),
		MessageTS: cmp.Or(cb.Container.MessageTs, cb.Message.Timestamp),
		TriggerID: cb.TriggerID,
		// Not a response_urls entry: those are a modal's, for posting
		// into a conversation picked in it.
		ResponseURL: cb.ResponseURL,
	}
	if click.UserID == "" || click.ChannelID == "" {
		return ButtonClick{}, fmt.Errorf("%w: %s without user or channel", errMalformed, action.ActionID)
	}
	return click, nil
}

func parseHandoffID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errMalformed
	}
	return id, nil
}

// viewHandoff reads the handoff id a Baton modal carries in its
// private_metadata, and its submitter.
func viewHandoff(cb *slack.InteractionCallback) (id int64, user string, err error) {
	id, err = parseHandoffID(cb.View.PrivateMetadata)
	if err != nil || cb.User.ID == "" {
		return 0, "", fmt.Errorf("%w: %s view with metadata %q, user %q", errMalformed, cb.View.CallbackID, cb.View.PrivateMetadata, cb.User.ID)
	}
	return id, cb.User.ID, nil
}

// inputValue returns what the user entered in a modal's block.
func inputValue(cb *slack.InteractionCallback, block string) slack.BlockAction {
	if cb.View.State == nil {
		return slack.BlockAction{}
	}
	return storable(cb.View.State.Values[block][render.ActionInput])
}

// parseReason reads a submitted cancel or hand-back modal. An empty code
// is left to the domain to refuse, with a sentence for the person.
func parseReason(cb *slack.InteractionCallback) (ReasonSubmission, error) {
	id, user, err := viewHandoff(cb)
	if err != nil {
		return ReasonSubmission{}, err
	}
	return ReasonSubmission{
		HandoffID: id,
		UserID:    user,
		Code:      inputValue(cb, render.BlockReason).SelectedOption.Value,
		Note:      strings.TrimSpace(inputValue(cb, render.BlockNote).Value),
	}, nil
}

// parseWork reads a submitted touch, outcome or reassignment modal.
func parseWork(cb *slack.InteractionCallback) (WorkSubmission, error) {
	id, user, err := viewHandoff(cb)
	if err != nil {
		return WorkSubmission{}, err
	}
	sub := WorkSubmission{
		HandoffID: id,
		UserID:    user,
		Kind:      inputValue(cb, render.BlockKind).SelectedOption.Value,
		Reason:    inputValue(cb, render.BlockReason).SelectedOption.Value,
		Note:      strings.TrimSpace(inputValue(cb, render.BlockNote).Value),
		To:        inputValue(cb, render.BlockOwner).SelectedUser,
	}
	if ts := inputValue(cb, render.BlockMeeting).SelectedDateTime; ts > 0 {
		sub.At = time.Unix(ts, 0)
	}
	return sub, nil
}

// parseCallback reads a submitted callback-time modal. A missing time is
// the zero time, which the domain refuses as not in the future.
func parseCallback(cb *slack.InteractionCallback) (CallbackSubmission, error) {
	id, user, err := viewHandoff(cb)
	if err != nil {
		return CallbackSubmission{}, err
	}
	sub := CallbackSubmission{HandoffID: id, UserID: user}
	if ts := inputValue(cb, render.BlockWhen).SelectedDateTime; ts > 0 {
		sub.At = time.Unix(ts, 0)
	}
	return sub, nil
}

// slackEntities undoes the escaping Slack applies to slash command text
// (&, <, > arrive as entities), so "/handoff Acme & Co" prefills "Acme & Co"
// and not "Acme &amp; Co", which would be escaped again on output.
var slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// slackMarkup is what Slack writes in place of a link, an address, a user
// or a channel it recognised in command text (the app's manifest asks for
// should_escape): <target> or <target|what was typed>. Typed angle brackets
// arrive as entities, so a real one always opens Slack's own markup.
var slackMarkup = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)

// typedText is command text as the person typed it: Slack's markup turned
// back into what it replaced ("/handoff acme.io" arrives as
// "<http://acme.io|acme.io>"), then its entities undone.
func typedText(text string) string {
	text = slackMarkup.ReplaceAllStringFunc(text, func(m string) string {
		parts := slackMarkup.FindStringSubmatch(m)
		if parts[2] != "" {
			return parts[2]
		}
		return strings.TrimPrefix(parts[1], "mailto:")
	})
	return slackEntities.Replace(text)
}

// typedCompany is the company named in "/handoff" text, as it was typed,
// to prefill the form.
func typedCompany(text string) string { return strings.TrimSpace(typedText(text)) }

// parseCommandText splits "/handoff" text into a subcommand and its
// argument, with entities undone and Slack's markup kept: stats reads the
// user IDs in it. Anything that is not a known subcommand is a company
// name (see typedCompany).
func parseCommandText(text string) (sub, arg string) {
	text = strings.TrimSpace(slackEntities.Replace(text))
	first, rest, _ := strings.Cut(text, " ")
	switch strings.ToLower(first) {
	case "help", "?":
		return "help", strings.TrimSpace(rest)
	}
	return "", text
}
