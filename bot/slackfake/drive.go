package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// SlashCommand is a user invoking a slash command. Empty fields get defaults:
// UserID DefaultUserID, UserName the lower-cased UserID, ChannelID
// DefaultChannelID, TeamID TeamID.
type SlashCommand struct {
	Command     string // e.g. "/handoff"
	Text        string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	TeamID      string
}

// Click is a user clicking an interactive element in a message (or, with
// ViewID set, in a modal).
type Click struct {
	UserID    string
	ChannelID string // optional: the message is looked up by MessageTS alone
	MessageTS string // the bot's message (or ephemeral message) holding the element
	ViewID    string // instead of a message, the modal holding the element
	ActionID  string // required
	// BlockID is optional; it is filled in from the message.
	BlockID string
	// Value overrides the button's value. For select-like elements it is
	// the value of the chosen option.
	Value string
}

// Submit is a user pressing a modal's submit button.
type Submit struct {
	// UserID defaults to the user whose trigger_id opened the view.
	UserID string
	// ViewID defaults to the most recently opened view that is still open.
	ViewID string
	// Values maps block_id -> action_id -> what the user entered. Inputs
	// left out keep their initial value, as in Slack.
	Values map[string]map[string]InputValue
}

// InputValue is what a user entered in one element of a modal, shaped like an
// entry of view.state.values (which slack-go decodes as slack.BlockAction).
// Type is filled in from the view when empty; option texts are filled in from
// the element's options. Use TextInput, SelectedOption and SelectedOptions to
// build the common cases.
type InputValue struct {
	Type                 string                    `json:"type,omitempty"`
	Value                string                    `json:"value,omitempty"`
	SelectedOption       *slack.OptionBlockObject  `json:"selected_option,omitempty"`
	SelectedOptions      []slack.OptionBlockObject `json:"selected_options,omitempty"`
	SelectedUser         string                    `json:"selected_user,omitempty"`
	SelectedUsers        []string                  `json:"selected_users,omitempty"`
	SelectedChannel      string                    `json:"selected_channel,omitempty"`
	SelectedConversation string                    `json:"selected_conversation,omitempty"`
	SelectedDate         string                    `json:"selected_date,omitempty"`
	SelectedTime         string                    `json:"selected_time,omitempty"`
	SelectedDateTime     int64                     `json:"selected_date_time,omitempty"`
	RichTextValue        *slack.RichTextBlock      `json:"rich_text_value,omitempty"`
}

// TextInput is text typed into a plain_text_input (or number, email or URL input).
func TextInput(value string) InputValue { return InputValue{Value: value} }

// DatePicked is a date picked in a datepicker, as YYYY-MM-DD.
func DatePicked(date string) InputValue { return InputValue{SelectedDate: date} }

// DateTimePicked is a date and time picked in a datetimepicker.
func DateTimePicked(t time.Time) InputValue { return InputValue{SelectedDateTime: t.Unix()} }

// RichText is text typed in a rich_text_input, one paragraph per line, as
// Slack sends it: a rich_text block of sections of text elements.
func RichText(text string) InputValue {
	var sections []slack.RichTextElement
	for line := range strings.Lines(text) {
		sections = append(sections, slack.NewRichTextSection(slack.NewRichTextSectionTextElement(line, nil)))
	}
	return InputValue{RichTextValue: slack.NewRichTextBlock("", sections...)}
}

// SelectedOption is the option with value chosen in a static_select or
// radio_buttons element.
func SelectedOption(value string) InputValue {
	return InputValue{SelectedOption: &slack.OptionBlockObject{Value: value}}
}

// SelectedOptions are the options with these values ticked in a checkboxes
// or multi_static_select element.
func SelectedOptions(values ...string) InputValue {
	opts := make([]slack.OptionBlockObject, len(values))
	for i, v := range values {
		opts[i].Value = v
	}
	return InputValue{SelectedOptions: opts}
}

// ErrNotNotified is returned by CloseView for a view without
// notify_on_close: Slack sends no view_closed event for it, so neither does
// the fake.
var ErrNotNotified = errors.New("slackfake: view has notify_on_close=false; Slack sends no view_closed")

func (s *Server) envelopeIDLocked() string {
	n := s.nextIDLocked()
	return fmt.Sprintf("%08x-fa4e-4e5d-8000-%012x", n, n)
}

func userJSON(id string) map[string]any {
	name := strings.ToLower(id)
	return map[string]any{"id": id, "username": name, "name": name, "team_id": TeamID}
}

func teamJSON() map[string]any { return map[string]any{"id": TeamID, "domain": TeamName} }

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// envelope encodes a Socket Mode envelope.
func envelope(id, typ string, acceptsResponse bool, payload any) []byte {
	b, _ := json.Marshal(map[string]any{
		"envelope_id":              id,
		"type":                     typ,
		"accepts_response_payload": acceptsResponse,
		"payload":                  payload,
	})
	return b
}

// SlashCommand delivers a slash_commands envelope with a fresh trigger_id and
// waits for the bot's ack (at most 3 s without a ctx deadline).
func (s *Server) SlashCommand(ctx context.Context, cmd SlashCommand) (Ack, error) {
	if !strings.HasPrefix(cmd.Command, "/") {
		return Ack{}, fmt.Errorf("slackfake: command %q must start with /", cmd.Command)
	}
	user := orDefault(cmd.UserID, DefaultUserID)
	channel := orDefault(cmd.ChannelID, DefaultChannelID)
	s.mu.Lock()
	trig := s.issueTriggerLocked(user)
	id := s.envelopeIDLocked()
	payload := map[string]any{
		"token":        verificationToken,
		"team_id":      orDefault(cmd.TeamID, TeamID),
		"team_domain":  TeamName,
		"channel_id":   channel,
		"channel_name": orDefault(cmd.ChannelName, strings.ToLower(channel)),
		"user_id":      user,
		"user_name":    orDefault(cmd.UserName, strings.ToLower(user)),
		"command":      cmd.Command,
		"text":         cmd.Text,
		"api_app_id":   AppID,
		"response_url": s.responseURLLocked(channel, user, ""),
		"trigger_id":   trig,
	}
	s.mu.Unlock()
	return s.deliver(ctx, id, trig, envelope(id, "slash_commands", true, payload))
}

// ClickButton delivers a block_actions envelope for a click on the element
// with c.ActionID in a stored message (or view) and waits for the ack. It
// fails if no such element exists, because Slack could not send that click.
func (s *Server) ClickButton(ctx context.Context, c Click) (Ack, error) {
	if c.ActionID == "" {
		return Ack{}, errors.New("slackfake: Click.ActionID is required")
	}
	user := orDefault(c.UserID, DefaultUserID)
	s.mu.Lock()
	payload := map[string]any{
		"type":                  "block_actions",
		"token":                 verificationToken,
		"api_app_id":            AppID,
		"team":                  teamJSON(),
		"user":                  userJSON(user),
		"is_enterprise_install": false,
		"state":                 map[string]any{"values": map[string]any{}},
	}
	var blocks json.RawMessage
	switch {
	case c.ViewID != "":
		v := s.findViewLocked(c.ViewID)
		if v == nil {
			s.mu.Unlock()
			return Ack{}, fmt.Errorf("slackfake: no view %s", c.ViewID)
		}
		blocks = v.Blocks
		payload["container"] = map[string]any{"type": "view", "view_id": v.ID}
		payload["view"] = s.renderViewLocked(v, nil)
	default:
		var where, ts string
		if m := s.findMessageLocked(c.ChannelID, c.MessageTS); m != nil {
			where, ts = m.Channel, m.TS
			blocks = m.Blocks
			payload["container"] = map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false}
			payload["channel"] = map[string]any{"id": m.Channel, "name": strings.ToLower(m.Channel)}
			payload["message"] = messageJSON(m)
		} else if e := s.findEphemeralLocked(c.ChannelID, c.MessageTS); e != nil {
			// Slack does not include an ephemeral message in the payload.
			where = e.Channel
			blocks = e.Blocks
			payload["container"] = map[string]any{"type": "message", "message_ts": e.TS, "channel_id": e.Channel, "is_ephemeral": true}
			payload["channel"] = map[string]any{"id": e.Channel, "name": strings.ToLower(e.Channel)}
		} else {
			s.mu.Unlock()
			return Ack{}, fmt.Errorf("slackfake: no message %q in channel %q", c.MessageTS, c.ChannelID)
		}
		payload["response_url"] = s.responseURLLocked(where, user, ts)
	}
	action, err := clickedAction(blocks, c)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	action["action_ts"] = s.nextTSLocked()
	payload["actions"] = []any{action}
	trig := s.issueTriggerLocked(user)
	payload["trigger_id"] = trig
	id := s.envelopeIDLocked()
	s.mu.Unlock()
	return s.deliver(ctx, id, trig, envelope(id, "interactive", false, payload))
}

// clickedAction builds the "actions" entry for a click on the element named by c.
func clickedAction(blocks json.RawMessage, c Click) (map[string]any, error) {
	var found map[string]any
	var blockID string
	walkElements(blocks, func(bid string, el map[string]any, _ bool) {
		if found == nil && str(el, "action_id") == c.ActionID && (c.BlockID == "" || c.BlockID == bid) {
			found, blockID = el, bid
		}
	})
	if found == nil {
		return nil, fmt.Errorf("slackfake: no element with action_id %q (block_id %q) to click", c.ActionID, c.BlockID)
	}
	typ := str(found, "type")
	action := map[string]any{"type": typ, "action_id": c.ActionID, "block_id": blockID}
	switch typ {
	case "button":
		action["text"] = found["text"]
		action["value"] = orDefault(c.Value, str(found, "value"))
	case "static_select", "radio_buttons", "overflow":
		opt, ok := findOption(found, c.Value)
		if !ok {
			return nil, fmt.Errorf("slackfake: %s %q has no option %q", typ, c.ActionID, c.Value)
		}
		action["selected_option"] = opt
	default:
		if c.Value != "" {
			action["value"] = c.Value
		}
	}
	return action, nil
}

// SubmitView delivers a view_submission envelope for a stored view, waits
// for the ack and applies its response_action to the stored views (no
// action or "clear" closes, "update" replaces, "push" stacks a new view,
// "errors" keeps the view open). A view in the ack that real Slack would
// reject is reported as an error together with the Ack.
func (s *Server) SubmitView(ctx context.Context, sub Submit) (Ack, error) {
	s.mu.Lock()
	v := s.pickViewLocked(sub.ViewID)
	if v == nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: no open view %q to submit", sub.ViewID)
	}
	values, err := stateValues(v.Blocks, sub.Values)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: view %s: %w", v.ID, err)
	}
	user := orDefault(sub.UserID, orDefault(v.UserID, DefaultUserID))
	trig := s.issueTriggerLocked(user)
	payload := map[string]any{
		"type":                  "view_submission",
		"token":                 verificationToken,
		"api_app_id":            AppID,
		"team":                  teamJSON(),
		"user":                  userJSON(user),
		"view":                  s.renderViewLocked(v, values),
		"trigger_id":            trig,
		"response_urls":         []any{},
		"is_enterprise_install": false,
	}
	id := s.envelopeIDLocked()
	s.mu.Unlock()

	ack, err := s.deliver(ctx, id, trig, envelope(id, "interactive", true, payload))
	if err != nil {
		return ack, err
	}
	return ack, s.applyResponseAction(v, ack.Payload)
}

// CloseView delivers a view_closed envelope for a view (empty viewID: the
// latest open one) closed by user (empty: its opener), marks it closed and
// waits for the ack. Views without notify_on_close are closed silently and
// ErrNotNotified is returned, since Slack would not tell the bot.
func (s *Server) CloseView(ctx context.Context, viewID, userID string) (Ack, error) {
	s.mu.Lock()
	v := s.pickViewLocked(viewID)
	if v == nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: no open view %q to close", viewID)
	}
	v.Closed = true
	s.notifyLocked()
	var f struct {
		NotifyOnClose bool `json:"notify_on_close"`
	}
	_ = json.Unmarshal(v.Raw, &f)
	if !f.NotifyOnClose {
		s.mu.Unlock()
		return Ack{}, ErrNotNotified
	}
	user := orDefault(userID, orDefault(v.UserID, DefaultUserID))
	payload := map[string]any{
		"type":                  "view_closed",
		"token":                 verificationToken,
		"api_app_id":            AppID,
		"team":                  teamJSON(),
		"user":                  userJSON(user),
		"view":                  s.renderViewLocked(v, nil),
		"is_cleared":            false,
		"is_enterprise_install": false,
	}
	id := s.envelopeIDLocked()
	s.mu.Unlock()
	return s.deliver(ctx, id, "", envelope(id, "interactive", false, payload))
}

// pickViewLocked finds an open view by id, or the latest open view.
func (s *Server) pickViewLocked(id string) *View {
	if id == "" {
		return s.latestOpenViewLocked("")
	}
	if v := s.findViewLocked(id); v != nil && !v.Closed {
		return v
	}
	return nil
}

// stateKeys maps element types to the state.values field that holds their
// value and the element field holding its initial value.
var stateKeys = map[string][2]string{
	"plain_text_input":           {"value", "initial_value"},
	"number_input":               {"value", "initial_value"},
	"email_text_input":           {"value", "initial_value"},
	"url_text_input":             {"value", "initial_value"},
	"static_select":              {"selected_option", "initial_option"},
	"external_select":            {"selected_option", "initial_option"},
	"radio_buttons":              {"selected_option", "initial_option"},
	"checkboxes":                 {"selected_options", "initial_options"},
	"multi_static_select":        {"selected_options", "initial_options"},
	"multi_external_select":      {"selected_options", "initial_options"},
	"users_select":               {"selected_user", "initial_user"},
	"multi_users_select":         {"selected_users", "initial_users"},
	"conversations_select":       {"selected_conversation", "initial_conversation"},
	"multi_conversations_select": {"selected_conversations", "initial_conversations"},
	"channels_select":            {"selected_channel", "initial_channel"},
	"multi_channels_select":      {"selected_channels", "initial_channels"},
	"datepicker":                 {"selected_date", "initial_date"},
	"timepicker":                 {"selected_time", "initial_time"},
	"datetimepicker":             {"selected_date_time", "initial_date_time"},
	"rich_text_input":            {"rich_text_value", "initial_value"},
}

// stateValues builds view.state.values: every stateful element of every
// input block, with the user's entries from given and initial values
// elsewhere. Entries for elements that do not exist are an error, because a
// real user could not have filled them in.
func stateValues(blocks json.RawMessage, given map[string]map[string]InputValue) (map[string]map[string]map[string]any, error) {
	out := map[string]map[string]map[string]any{}
	used := 0
	var firstErr error
	walkElements(blocks, func(blockID string, el map[string]any, inInput bool) {
		actionID, typ := str(el, "action_id"), str(el, "type")
		keys, stateful := stateKeys[typ]
		if !stateful || actionID == "" {
			return
		}
		in, ok := given[blockID][actionID]
		if !ok && !inInput {
			return
		}
		entry := map[string]any{"type": typ}
		if ok {
			used++
			in.Type = typ
			if err := checkInput(el, keys[0], &in); err != nil && firstErr == nil {
				firstErr = fmt.Errorf("%s/%s: %w", blockID, actionID, err)
			}
			b, _ := json.Marshal(in)
			_ = json.Unmarshal(b, &entry)
		} else if initial, has := el[keys[1]]; has {
			entry[keys[0]] = initial
		}
		if _, has := entry[keys[0]]; !has {
			// Slack sends the field even when nothing was entered.
			entry[keys[0]] = nil
			if strings.HasSuffix(keys[0], "s") {
				entry[keys[0]] = []any{}
			}
		}
		if out[blockID] == nil {
			out[blockID] = map[string]map[string]any{}
		}
		out[blockID][actionID] = entry
	})
	if firstErr != nil {
		return nil, firstErr
	}
	total := 0
	for _, m := range given {
		total += len(m)
	}
	if used != total {
		for bid, m := range given {
			for aid := range m {
				if _, ok := out[bid][aid]; !ok {
					return nil, fmt.Errorf("no input with block_id %q and action_id %q", bid, aid)
				}
			}
		}
	}
	return out, nil
}

// checkInput verifies that v sets the field the element's type uses, and
// replaces option values with the element's full option objects, which is
// what Slack sends.
func checkInput(el map[string]any, field string, v *InputValue) error {
	b, _ := json.Marshal(v)
	var set map[string]any
	_ = json.Unmarshal(b, &set)
	for k := range set {
		if k != "type" && k != field {
			return fmt.Errorf("a %s holds %s, not %s", str(el, "type"), field, k)
		}
	}
	external := strings.Contains(str(el, "type"), "external")
	resolve := func(o *slack.OptionBlockObject) error {
		if o.Text != nil {
			return nil
		}
		if raw, found := findOption(el, o.Value); found {
			b, _ := json.Marshal(raw)
			return json.Unmarshal(b, o)
		}
		if external {
			o.Text = slack.NewTextBlockObject(slack.PlainTextType, o.Value, false, false)
			return nil
		}
		return fmt.Errorf("no option with value %q", o.Value)
	}
	if v.SelectedOption != nil {
		if err := resolve(v.SelectedOption); err != nil {
			return err
		}
	}
	for i := range v.SelectedOptions {
		if err := resolve(&v.SelectedOptions[i]); err != nil {
			return err
		}
	}
	return nil
}
