package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func detailedLead() Lead {
	return Lead{
		Company: "Acme", ContactName: "Dana Reyes", ContactTitle: "VP Sales", Phone: "+14155550100", Email: "dana@acme.example",
		Notes: "call her cell", Consent: true,
		Context: Context{Pain: "slow callbacks", RecordingURL: "https://calls.example/r/1", Personality: "direct", BestTime: "after 3 pm"},
		Checklist: Checklist{Name: "custom", Questions: []Question{
			{ID: "employees", Type: TypeNumber}, {ID: "industry", Type: TypeSelect, Options: []string{"Retail"}},
			{ID: "assistant_email", Type: TypeEmail}, {ID: "mobile", Type: TypePhone}, {ID: "linkedin", Type: TypeURL},
			{ID: "about", Type: TypeLongText},
		}},
		Answers: []Answer{
			{QuestionID: "employees", Number: 600}, {QuestionID: "industry", Text: "Retail"},
			{QuestionID: "assistant_email", Text: "pa@acme.example"}, {QuestionID: "mobile", Text: "+14155550101"},
			{QuestionID: "linkedin", Text: "https://linkedin.example/dana"}, {QuestionID: "about", Text: "family business"},
		},
	}
}

// TestWithoutDetails blanks exactly the contact details and keeps what a
// closer decides with.
func TestWithoutDetails(t *testing.T) {
	t.Parallel()
	in := detailedLead()
	got := in.WithoutDetails()
	want := Lead{
		Company: "Acme", Consent: true,
		Context:   Context{Pain: "slow callbacks", BestTime: "after 3 pm"},
		Checklist: in.Checklist,
		Answers:   []Answer{{QuestionID: "employees", Number: 600}, {QuestionID: "industry", Text: "Retail"}, {QuestionID: "about", Text: "family business"}},
	}
	require.Equal(t, want, got)
	require.Len(t, in.Answers, 6, "the lead it was made from keeps its answers")
}

// TestIsContactDetail names the question types that are contact details.
func TestIsContactDetail(t *testing.T) {
	t.Parallel()
	for _, qt := range QuestionTypes {
		want := qt == TypeEmail || qt == TypePhone || qt == TypeURL
		require.Equal(t, want, qt.IsContactDetail(), qt)
	}
}

// TestShowsDetails shows the details to the owner and the passer alone,
// and to everyone when the pool does not hide them.
func TestShowsDetails(t *testing.T) {
	t.Parallel()
	h := Handoff{ID: 1, Pool: "closers", Channel: "C1", PasserID: "U0", OwnerID: "U1", Lead: detailedLead()}
	unclaimed := h
	unclaimed.OwnerID = ""
	for _, tt := range []struct {
		name      string
		h         Handoff
		hide      bool
		recipient string
		whole     bool
	}{
		{"pool shows details: the channel", h, false, "C1", true},
		{"pool shows details: a member", h, false, "U7", true},
		{"the owner", h, true, "U1", true},
		{"the passer", h, true, "U0", true},
		{"the channel, even claimed", h, true, "C1", false},
		{"another member", h, true, "U7", false},
		{"nobody owns it yet", unclaimed, true, "", false},
		{"a member, before the claim", unclaimed, true, "U7", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.whole, ShowsDetails(tt.h, tt.hide, tt.recipient))
		})
	}
}

// TestHidesDetails reads the pool's key from the policy in force.
func TestHidesDetails(t *testing.T) {
	t.Parallel()
	p := Policy{Pools: []Pool{{Name: "open"}, {Name: "private", HideDetails: true}}}
	require.False(t, p.HidesDetails(Handoff{Pool: "open"}))
	require.True(t, p.HidesDetails(Handoff{Pool: "private"}))
	require.False(t, p.HidesDetails(Handoff{Pool: "removed"}))
}

// TestCallLength defaults to 30 minutes.
func TestCallLength(t *testing.T) {
	t.Parallel()
	require.Equal(t, DefaultCallLength, CalendarLinks{}.CallLength())
	require.Equal(t, 45*time.Minute, CalendarLinks{Duration: 45 * time.Minute}.CallLength())
}
