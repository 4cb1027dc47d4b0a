package webhook

import (
	"context"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

// FuzzBodyFromUserText: whatever a passer typed (company, contact, notes,
// a text answer), the body is JSON a receiver decodes back to the same
// text, and its signature checks.
func FuzzBodyFromUserText(f *testing.F) {
	f.Add("Acme Corp", "Dana <!everyone>", "line\nbreak \"quoted\" \\ back", "Salesforce")
	f.Add("\xff\xfe", "\u2028\u2029", "</script>", "&lt;")
	f.Add("", "", "", "")
	checklist, _ := routing.Template(routing.DefaultTemplate)
	f.Fuzz(func(t *testing.T, company, contact, notes, answer string) {
		h := routing.Handoff{ID: 7, State: routing.StateOpen, Pool: "closers", Channel: "C0HANDOFF", PasserID: "U0SDR",
			CreatedAt: time.Unix(1_800_000_000, 0),
			Lead: routing.Lead{Company: company, ContactName: contact, Notes: notes, Checklist: checklist,
				Answers: []routing.Answer{{QuestionID: "crm", Text: answer}}}}
		d := store.WebhookDelivery{DeliveryID: "d", Type: routing.WebhookHandoffCreated, EventID: 1, Handoff: h}
		raw, err := json.Marshal(builder{}.body(context.Background(), d))
		require.NoError(t, err)
		var got Body
		require.NoError(t, json.Unmarshal(raw, &got))
		for _, c := range []struct{ typed, received string }{
			{company, got.Handoff.Company}, {contact, got.Handoff.Contact.Name}, {notes, got.Handoff.Notes},
		} {
			// encoding/json writes each invalid byte as U+FFFD, as []rune does.
			require.Equal(t, string([]rune(c.typed)), c.received)
			require.True(t, utf8.ValidString(c.received))
		}
		if q, ok := checklist.Question("crm"); ok && q.Type != "" {
			require.Contains(t, got.Handoff.Answers, "crm")
		}
		sig := Sign("secret", 1_800_000_000, raw)
		require.Equal(t, sig, Sign("secret", 1_800_000_000, raw))
		require.NotEqual(t, sig, Sign("secret", 1_800_000_001, raw), "the timestamp is signed")
	})
}
