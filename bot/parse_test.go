package bot

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

const submissionJSON = `{"type":"view_submission","user":{"id":"U0SDR"},"view":{"id":"V123","callback_id":"handoff_submit",
"state":{"values":{
 "company":{"input":{"type":"plain_text_input","value":"Acme Corp"}},
 "contact_name":{"input":{"type":"plain_text_input","value":"Dana"}},
 "phone":{"input":{"type":"plain_text_input","value":"+1 415 555 0100"}},
 "email":{"input":{"type":"plain_text_input","value":"dana@acme.example"}},
 "consent":{"input":{"type":"checkboxes","selected_options":[{"value":"agreed"}]}}}}}}`

func TestParseSubmission(t *testing.T) {
	t.Parallel()
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal([]byte(submissionJSON), &cb))
	sub, err := parseSubmission(&cb)
	require.NoError(t, err)
	require.Equal(t, Submission{ViewID: "V123", UserID: "U0SDR", Lead: routing.Lead{
		Company: "Acme Corp", ContactName: "Dana", Phone: "+1 415 555 0100", Email: "dana@acme.example", Consent: true,
	}}, sub)

	cb.View.CallbackID = "something_else"
	_, err = parseSubmission(&cb)
	require.ErrorIs(t, err, errMalformed)
}

func TestParseSubmissionWithoutConsent(t *testing.T) {
	t.Parallel()
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal([]byte(`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"handoff_submit","state":{"values":{"consent":{"input":{"selected_options":[{"value":"forged"}]}}}}}}`), &cb))
	sub, err := parseSubmission(&cb)
	require.NoError(t, err)
	require.False(t, sub.Lead.Consent, "only Baton's own option value counts as consent")
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
	} {
		sub, arg := parseCommandText(tt.text)
		require.Equal(t, tt.sub, sub, tt.text)
		require.Equal(t, tt.arg, arg, tt.text)
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
	f.Fuzz(func(t *testing.T, data []byte) {
		var cb slack.InteractionCallback
		if json.Unmarshal(data, &cb) != nil {
			return
		}
		if sub, err := parseSubmission(&cb); err == nil {
			require.NotEmpty(t, sub.ViewID)
			require.NotEmpty(t, sub.UserID)
			routing.ValidateLead(sub.Lead)
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
		parseCommandText(string(data))
	})
}
