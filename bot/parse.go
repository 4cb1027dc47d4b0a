package bot

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// Submission is a submitted /handoff modal, as plain input.
type Submission struct {
	// ViewID is Slack's id of the modal: the same for a double submit.
	ViewID string
	UserID string
	Lead   routing.Lead
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

// parseSubmission reads the /handoff modal's answers.
func parseSubmission(cb *slack.InteractionCallback) (Submission, error) {
	if cb.View.CallbackID != render.CallbackHandoff {
		return Submission{}, fmt.Errorf("%w: view callback %q", errMalformed, cb.View.CallbackID)
	}
	if cb.View.ID == "" || cb.User.ID == "" {
		return Submission{}, fmt.Errorf("%w: view submission without view or user id", errMalformed)
	}
	values := cb.View.State
	text := func(f routing.Field) string {
		if values == nil {
			return ""
		}
		return values.Values[string(f)][render.ActionInput].Value
	}
	consent := false
	if values != nil {
		for _, opt := range values.Values[string(routing.FieldConsent)][render.ActionInput].SelectedOptions {
			if opt.Value == render.ConsentValue {
				consent = true
			}
		}
	}
	return Submission{
		ViewID: cb.View.ID,
		UserID: cb.User.ID,
		Lead: routing.Lead{
			Company:      text(routing.FieldCompany),
			ContactName:  text(routing.FieldContactName),
			ContactTitle: text(routing.FieldContactTitle),
			Phone:        text(routing.FieldPhone),
			Email:        text(routing.FieldEmail),
			Notes:        text(routing.FieldNotes),
			Consent:      consent,
		},
	}, nil
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
