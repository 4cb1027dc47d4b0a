package routing_test

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/routing"
	"github.com/stretchr/testify/require"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typed, want string
		ok          bool
	}{
		{"+1 (415) 555-0100", "+14155550100", true},
		{"+44 20 7946 0958", "+442079460958", true},
		{"0044 20 7946 0958", "+442079460958", true},
		{"+49.30.1234.5678", "+493012345678", true},
		{"  +33 1 23 45 67 89 ", "+33123456789", true},
		{"415 555 0100", "", false},    // no country code: refused, not guessed
		{"+1 415 CALL NOW", "", false}, // letters
		{"+1234", "", false},           // too short
		{"+1234567890123456", "", false},
		{"+0 415 555 0100", "", false}, // country codes never start with 0
		{"", "", false},
		{"1+415", "", false}, // + only at the start
	}
	for _, tt := range tests {
		got, msg := routing.NormalizePhone(tt.typed)
		require.Equal(t, tt.want, got, tt.typed)
		require.Equal(t, tt.ok, msg == "", "%q: %s", tt.typed, msg)
	}
}

func validLead() routing.Lead {
	return routing.Lead{
		Company: "Acme Corp", ContactName: "Dana Reyes", ContactTitle: "VP Sales",
		Phone: "+1 415 555 0100", Email: "dana@acme.example", Notes: "Uses Salesforce", Consent: true,
	}
}

func TestValidateLead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*routing.Lead)
		field  routing.Field // the one field expected to be flagged; "" for none
	}{
		{"valid", func(*routing.Lead) {}, ""},
		{"company missing", func(l *routing.Lead) { l.Company = "  " }, routing.FieldCompany},
		{"contact missing", func(l *routing.Lead) { l.ContactName = "" }, routing.FieldContactName},
		{"company too long", func(l *routing.Lead) { l.Company = strings.Repeat("a", 151) }, routing.FieldCompany},
		{"title too long", func(l *routing.Lead) { l.ContactTitle = strings.Repeat("é", 151) }, routing.FieldContactTitle},
		{"email missing", func(l *routing.Lead) { l.Email = "" }, routing.FieldEmail},
		{"email invalid", func(l *routing.Lead) { l.Email = "dana at acme" }, routing.FieldEmail},
		{"email with display name", func(l *routing.Lead) { l.Email = "Dana <dana@acme.example>" }, routing.FieldEmail},
		{"email without domain dot", func(l *routing.Lead) { l.Email = "dana@localhost" }, routing.FieldEmail},
		{"phone missing", func(l *routing.Lead) { l.Phone = "" }, routing.FieldPhone},
		{"phone invalid", func(l *routing.Lead) { l.Phone = "call me" }, routing.FieldPhone},
		{"no consent is CheckForm's business", func(l *routing.Lead) { l.Consent = false }, ""},
		{"notes too long", func(l *routing.Lead) { l.Notes = strings.Repeat("n", routing.MaxNotesLength+1) }, routing.FieldNotes},
		{"notes of 5,000 characters", func(l *routing.Lead) { l.Notes = strings.Repeat("n", 5000) }, ""},
		{"pain too long", func(l *routing.Lead) { l.Context.Pain = strings.Repeat("p", routing.MaxPainLength+1) }, routing.FieldPain},
		{"interest too long", func(l *routing.Lead) { l.Context.Interest = strings.Repeat("i", 301) }, routing.FieldInterest},
		{"tools too long", func(l *routing.Lead) { l.Context.CurrentTools = strings.Repeat("t", 301) }, routing.FieldCurrentTools},
		{"best time too long", func(l *routing.Lead) { l.Context.BestTime = strings.Repeat("b", 151) }, routing.FieldBestTime},
		{"personality too long", func(l *routing.Lead) { l.Context.Personality = strings.Repeat("p", 1001) }, routing.FieldPersonality},
		{"recording link not http", func(l *routing.Lead) { l.Context.RecordingURL = "javascript:alert(1)" }, routing.FieldRecordingURL},
		{"recording link https", func(l *routing.Lead) { l.Context.RecordingURL = "https://calls.example/r/42" }, ""},
		{"forged best channel", func(l *routing.Lead) { l.Context.BestChannel = "Carrier pigeon" }, routing.FieldBestChannel},
		{"best channel", func(l *routing.Lead) { l.Context.BestChannel = "Text message" }, ""},
	}
	for _, tt := range tests {
		lead := validLead()
		tt.modify(&lead)
		_, errs := routing.ValidateLead(lead)
		if tt.field == "" {
			require.Empty(t, errs, tt.name)
			continue
		}
		require.Len(t, errs, 1, "%s: %v", tt.name, errs)
		require.NotEmpty(t, errs[tt.field], tt.name)
	}
}

func TestValidateLeadCleans(t *testing.T) {
	t.Parallel()
	lead := validLead()
	lead.Company = "  Acme Corp \n"
	lead.Notes = strings.Repeat("x", routing.MaxNotesLength)
	lead.Context.Personality = "  prefers texting\n"
	got, errs := routing.ValidateLead(lead)
	require.Empty(t, errs)
	require.Equal(t, "Acme Corp", got.Company)
	require.Equal(t, "prefers texting", got.Context.Personality)
	require.Equal(t, "+14155550100", got.Phone)
	require.Len(t, got.Notes, routing.MaxNotesLength, "notes are stored whole")
}
