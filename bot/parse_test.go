package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

const submissionJSON = `{"type":"view_submission","user":{"id":"U0SDR"},"view":{"id":"V123","callback_id":"handoff_submit",
"private_metadata":"{\"checklist\":\"bant\",\"pool\":\"enterprise\"}",
"state":{"values":{
 "company":{"input":{"type":"plain_text_input","value":"Acme Corp"}},
 "contact_name":{"input":{"type":"plain_text_input","value":"Dana"}},
 "phone":{"input":{"type":"plain_text_input","value":"+1 415 555 0100"}},
 "email":{"input":{"type":"email_text_input","value":"dana@acme.example"}},
 "q.employees":{"input":{"type":"number_input","value":"600"}},
 "q.uses_salesforce":{"input":{"type":"radio_buttons","selected_option":{"value":"yes"}}},
 "q.level":{"input":{"type":"static_select","selected_option":{"value":"VP"}}},
 "q.channels":{"input":{"type":"checkboxes","selected_options":[{"value":"Online"},{"value":"Retail"}]}},
 "q.go_live":{"input":{"type":"datepicker","selected_date":"2027-02-28"}},
 "q.website":{"input":{"type":"url_text_input","value":"https://acme.example"}},
 "pain":{"input":{"type":"plain_text_input","value":"Slow callbacks"}},
 "interest":{"input":{"type":"plain_text_input","value":"Routing"}},
 "current_tools":{"input":{"type":"plain_text_input","value":"Salesforce"}},
 "best_time":{"input":{"type":"plain_text_input","value":"Mornings"}},
 "best_channel":{"input":{"type":"radio_buttons","selected_option":{"value":"Email"}}},
 "personality":{"input":{"type":"plain_text_input","value":"Direct"}},
 "recording_url":{"input":{"type":"url_text_input","value":"https://calls.example/1"}},
 "notes":{"input":{"type":"rich_text_input","rich_text_value":{"type":"rich_text","elements":[
   {"type":"rich_text_section","elements":[{"type":"text","text":"Call "},{"type":"user","user_id":"U0BOSS"},{"type":"text","text":" first "},{"type":"emoji","name":"fire"},{"type":"text","text":"\n"}]},
   {"type":"rich_text_list","style":"bullet","elements":[
     {"type":"rich_text_section","elements":[{"type":"link","url":"https://acme.example","text":"site"}]},
     {"type":"rich_text_section","elements":[{"type":"broadcast","range":"here"},{"type":"text","text":" & "},{"type":"channel","channel_id":"C0X"}]}]},
   {"type":"rich_text_list","style":"ordered","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"one"}]}]},
   {"type":"rich_text_quote","elements":[{"type":"text","text":"quoted"}]},
   {"type":"rich_text_preformatted","elements":[{"type":"text","text":"code"}]}]}}},
 "transfer":{"input":{"type":"radio_buttons","selected_option":{"value":"live"}}},
 "scheduled_for":{"input":{"type":"datetimepicker","selected_date_time":null}},
 "consent":{"input":{"type":"checkboxes","selected_options":[{"value":"agreed"}]}}}}}}`

func TestParseSubmission(t *testing.T) {
	t.Parallel()
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal([]byte(submissionJSON), &cb))
	sub, err := parseSubmission(&cb)
	require.NoError(t, err)
	require.Equal(t, Submission{ViewID: "V123", UserID: "U0SDR", Meta: render.FormMeta{Checklist: "bant", Pool: "enterprise"}, Form: routing.Form{
		Lead: routing.Lead{
			Company: "Acme Corp", ContactName: "Dana", Phone: "+1 415 555 0100", Email: "dana@acme.example", Consent: true,
			Notes: "Call @U0BOSS first :fire:\n• site (https://acme.example)\n• @here & #C0X\n1. one\n> quoted\ncode",
			Context: routing.Context{Pain: "Slow callbacks", Interest: "Routing", CurrentTools: "Salesforce", BestTime: "Mornings",
				BestChannel: "Email", Personality: "Direct", RecordingURL: "https://calls.example/1"},
		},
		Answers: map[string]routing.RawAnswer{
			"employees": {Text: "600"}, "uses_salesforce": {Text: "yes"}, "level": {Text: "VP"},
			"channels": {Choices: []string{"Online", "Retail"}}, "go_live": {Text: "2027-02-28"}, "website": {Text: "https://acme.example"},
		},
		Live: true,
	}}, sub)

	cb.View.CallbackID = "something_else"
	_, err = parseSubmission(&cb)
	require.ErrorIs(t, err, errMalformed)
}

func TestParseSubmissionWithoutConsent(t *testing.T) {
	t.Parallel()
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal([]byte(`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"handoff_submit","private_metadata":"not json","state":{"values":{"consent":{"input":{"selected_options":[{"value":"forged"}]}}}}}}`), &cb))
	sub, err := parseSubmission(&cb)
	require.NoError(t, err)
	require.False(t, sub.Form.Lead.Consent, "only Baton's own option value counts as consent")
	require.True(t, sub.Form.Live, "without a choice, the form is checked as a live transfer, which asks the most")
	require.Equal(t, render.FormMeta{}, sub.Meta, "unreadable metadata asks nothing")
}

func TestParseTransferChoice(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 16, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		block, value string
		live         bool
	}{
		{render.BlockTransfer, render.TransferLive, true},
		{render.BlockTransfer, render.TransferLater, false},
		{render.BlockTransferOffered, render.TransferLater, false},
		{render.BlockTransferOffered, render.TransferLive, true},
		{render.BlockTransfer, "forged", true},
	} {
		payload := fmt.Sprintf(`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"handoff_submit","state":{"values":{
			%q:{"input":{"type":"radio_buttons","selected_option":{"value":%q}}},
			"scheduled_for":{"input":{"type":"datetimepicker","selected_date_time":%d}}}}}}`, tt.block, tt.value, at.Unix())
		var cb slack.InteractionCallback
		require.NoError(t, json.Unmarshal([]byte(payload), &cb))
		sub, err := parseSubmission(&cb)
		require.NoError(t, err)
		require.Equal(t, tt.live, sub.Form.Live, "%s=%s", tt.block, tt.value)
		require.Equal(t, at, sub.Form.ScheduledFor)
	}
}

func TestParsePlainNotes(t *testing.T) {
	t.Parallel()
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal([]byte(`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"handoff_submit","state":{"values":{"notes":{"input":{"type":"plain_text_input","value":"typed in an older form"}}}}}}`), &cb))
	sub, err := parseSubmission(&cb)
	require.NoError(t, err)
	require.Equal(t, "typed in an older form", sub.Form.Lead.Notes)
}

func TestRichTextPlainEmpty(t *testing.T) {
	t.Parallel()
	require.Empty(t, richTextPlain(slack.RichTextBlock{}))
	var rt slack.RichTextBlock
	require.NoError(t, json.Unmarshal([]byte(`null`), &rt))
	require.Empty(t, richTextPlain(rt))
}

func TestParseClaim(t *testing.T) {
	t.Parallel()
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal([]byte(`{"type":"block_actions","user":{"id":"U0AE1"},
		"container":{"type":"message","channel_id":"C0HANDOFF","message_ts":"1.0001"},
		"actions":[{"block_id":"handoff_actions","action_id":"claim","value":"42"}]}`), &cb))
	click, err := parseClick(&cb, cb.ActionCallback.BlockActions[0])
	require.NoError(t, err)
	require.Equal(t, ButtonClick{HandoffID: 42, UserID: "U0AE1", ChannelID: "C0HANDOFF", MessageTS: "1.0001"}, click)

	for _, value := range []string{"", "abc", "-1", "0", "99999999999999999999"} {
		_, err := parseClick(&cb, &slack.BlockAction{ActionID: render.ActionClaim, Value: value})
		require.ErrorIs(t, err, errMalformed, value)
	}
}

func TestParseCommandText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, sub, arg string }{
		{"", "", ""},
		{"  Acme Corp  ", "", "Acme Corp"},
		{"help", "help", ""},
		{"HELP me", "help", "me"},
		{"Helpful Things Inc", "", "Helpful Things Inc"},
		{"Acme &amp; Co &lt;EU&gt;", "", "Acme & Co <EU>"},
		{"stats <@U0AE1|ae1>", "", "stats <@U0AE1|ae1>"}, // stats reads the ID
	} {
		sub, arg := parseCommandText(tt.text)
		require.Equal(t, tt.sub, sub, tt.text)
		require.Equal(t, tt.arg, arg, tt.text)
	}
}

// TestTypedCompany: with should_escape, Slack turns what it recognises in
// command text into markup; the form is prefilled with what was typed.
func TestTypedCompany(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"  Acme Corp ":                                "Acme Corp",
		"<http://acme.io|acme.io>":                    "acme.io",
		"<https://acme.io>":                           "https://acme.io",
		"<mailto:dana@acme.io|dana@acme.io> &amp; Co": "dana@acme.io & Co",
		"Acme &lt;http://x|y&gt;":                     "Acme <http://x|y>",
	} {
		require.Equal(t, want, typedCompany(text), text)
	}
}

// FuzzParseInteraction feeds arbitrary payloads through the same decoding
// Socket Mode does and then through Baton's parsers: nothing may panic, and
// whatever parses must carry the ids the handlers rely on.
func FuzzParseInteraction(f *testing.F) {
	f.Add([]byte(submissionJSON))
	f.Add([]byte(`{"type":"block_actions","user":{"id":"U1"},"channel":{"id":"C1"},"actions":[{"block_id":"b","action_id":"claim","value":"1"}]}`))
	f.Add([]byte(`{"type":"view_submission","view":{"state":null}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"touch_submit","private_metadata":"7","state":{"values":{"kind":{"input":{"selected_option":{"value":"meeting_booked"}}},"meeting":{"input":{"selected_date_time":1795000000}},"owner":{"input":{"selected_user":"U2"}},"note":{"input":{"value":" hi "}}}}}}`))
	f.Add([]byte(`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"handoff_submit","state":{"values":{"notes":{"input":{"rich_text_value":{"type":"rich_text","elements":[{"type":"rich_text_list","elements":[{"type":"rich_text_quote"}]}]}}},"q.x":{"input":{"selected_date":"2026-02-30","selected_options":[{}]}}}}}}`))
	now := time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var cb slack.InteractionCallback
		if json.Unmarshal(data, &cb) != nil {
			return
		}
		if sub, err := parseSubmission(&cb); err == nil {
			require.NotEmpty(t, sub.ViewID)
			require.NotEmpty(t, sub.UserID)
			l := sub.Form.Lead
			for _, text := range []string{l.Company, l.ContactName, l.ContactTitle, l.Phone, l.Email, l.Notes, l.Context.Pain, l.Context.Personality} {
				require.NotContains(t, text, "\x00", "PostgreSQL stores no NUL")
			}
			for _, a := range sub.Form.Answers {
				require.NotContains(t, a.Text+strings.Join(a.Choices, ""), "\x00")
			}
			// Whatever came in, the checks answer with a verdict, and a
			// valid form's answers are typed by the questions asked.
			for _, name := range routing.TemplateNames() {
				c, _ := routing.Template(name)
				checked, errs := routing.CheckForm(c, sub.Form, now)
				if len(errs) == 0 {
					for _, a := range checked.Lead.Answers {
						_, ok := c.Question(a.QuestionID)
						require.True(t, ok)
					}
				}
			}
		}
		for _, action := range cb.ActionCallback.BlockActions {
			if action == nil {
				continue // the dispatcher skips nil actions before parsing
			}
			if click, err := parseClick(&cb, action); err == nil {
				require.Positive(t, click.HandoffID)
				require.NotEmpty(t, click.ChannelID)
			}
		}
		if sub, err := parseReason(&cb); err == nil {
			require.Positive(t, sub.HandoffID)
			require.NotEmpty(t, sub.UserID)
		}
		if sub, err := parseCallback(&cb); err == nil {
			require.Positive(t, sub.HandoffID)
			require.NotEmpty(t, sub.UserID)
		}
		if sub, err := parseWork(&cb); err == nil {
			require.Positive(t, sub.HandoffID)
			require.NotEmpty(t, sub.UserID)
			require.Equal(t, sub.Note, strings.TrimSpace(sub.Note))
		}
		parseCommandText(string(data))
	})
}
