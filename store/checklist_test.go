package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

func num(f float64) *float64 { return &f }

// qualifiedLead answers a checklist with one question of every type.
func qualifiedLead() routing.Lead {
	c := routing.Checklist{Name: "custom", Questions: []routing.Question{
		{ID: "employees", Label: "Employees", Type: routing.TypeNumber, Required: true, Min: num(1), Gate: &routing.Gate{AtLeast: num(500)}},
		{ID: "uses_salesforce", Label: "Uses Salesforce?", Type: routing.TypeYesNo, Gate: &routing.Gate{Equals: "yes"}},
		{ID: "level", Label: "Level", Type: routing.TypeSelect, Options: []string{"Manager", "VP"}, Gate: &routing.Gate{In: []string{"VP"}}},
		{ID: "channels", Label: "Channels", Type: routing.TypeMultiSelect, Options: []string{"Online", "Retail"}},
		{ID: "summary", Label: "Summary", Type: routing.TypeText, Hint: "One line."},
		{ID: "story", Label: "Story", Type: routing.TypeLongText},
		{ID: "champion_email", Label: "Champion email", Type: routing.TypeEmail},
		{ID: "champion_phone", Label: "Champion phone", Type: routing.TypePhone},
		{ID: "website", Label: "Website", Type: routing.TypeURL},
		{ID: "go_live", Label: "Go-live", Type: routing.TypeDate},
		{ID: "seats", Label: "Seats", Type: routing.TypeNumber, Decimals: true},
		{ID: "unanswered", Label: "Left empty", Type: routing.TypeText},
	}}
	return routing.Lead{
		Company: "Acme Corp", ContactName: "Dana", Phone: "+14155550100", Email: "d@acme.example", Consent: true,
		Notes: strings.Repeat("A whole note, kept whole. ", 200), // 5,200 characters
		Context: routing.Context{
			Pain: "Leads wait a day for a callback", Interest: "Round robin", CurrentTools: "Salesforce, Outreach",
			RecordingURL: "https://calls.example/r/42?t=1&u=2", BestTime: "Tue after 3pm ET", BestChannel: "Text message",
			Personality: "Prefers texting; <!here> jokes",
		},
		Checklist: c,
		Answers: []routing.Answer{
			{QuestionID: "employees", Number: 600},
			{QuestionID: "uses_salesforce", Yes: true},
			{QuestionID: "level", Text: "VP"},
			{QuestionID: "channels", Choices: []string{"Online", "Retail"}},
			{QuestionID: "summary", Text: "Wants routing"},
			{QuestionID: "story", Text: "Line one\nLine two"},
			{QuestionID: "champion_email", Text: "sam@acme.example"},
			{QuestionID: "champion_phone", Text: "+442079460958"},
			{QuestionID: "website", Text: "https://acme.example"},
			{QuestionID: "go_live", Date: time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC)},
			{QuestionID: "seats", Number: 2.5},
		},
	}
}

func TestChecklistAnswersRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lead := qualifiedLead()
	h, created, err := b.store.CreateHandoff(b.ctx, routing.Policy{Pools: []routing.Pool{b.pool}, SLA: routing.DefaultSLA()}.Open("V1", "UPASS", lead, b.pool, routing.Offer{}, b.now))
	require.NoError(t, err)
	require.True(t, created)
	require.True(t, h.Live)
	require.Zero(t, h.ScheduledFor)
	require.Equal(t, lead, h.Lead, "the checklist, the typed answers, the context and the 5,200-character note come back whole")

	got, err := b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, h, got)

	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, "custom", events[0].Detail["checklist"])
	require.Equal(t, true, events[0].Detail["live"])
	require.NotContains(t, events[0].Detail, "unmet_gates")
}

// TestAnswersAreQueryable shows what rules and reports can ask of the
// answers in SQL: numbers compare as numbers, yes/no as booleans.
func TestAnswersAreQueryable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	small := qualifiedLead()
	small.Answers[0].Number = 80
	small.Answers[1].Yes = false
	for key, lead := range map[string]routing.Lead{"V1": qualifiedLead(), "V2": small} {
		_, _, err := b.store.CreateHandoff(b.ctx, routing.Policy{Pools: []routing.Pool{b.pool}, SLA: routing.DefaultSLA()}.Open(key, "UPASS", lead, b.pool, routing.Offer{}, b.now))
		require.NoError(t, err)
	}
	var keys []string
	rows, err := b.db.Query(b.ctx, `SELECT submission_key FROM handoffs
		WHERE (answers->>'employees')::numeric >= 500 AND answers @> '{"uses_salesforce": true, "channels": ["Online"]}'`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		keys = append(keys, k)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"V1"}, keys)

	var date, ctxChannel string
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT answers->>'go_live', context->>'best_channel' FROM handoffs WHERE submission_key = 'V1'`).Scan(&date, &ctxChannel))
	require.Equal(t, "2027-02-28", date)
	require.Equal(t, "Text message", ctxChannel)
}

func TestScheduledHandoffIsStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lead := qualifiedLead()
	lead.Answers[0].Number = 120 // misses the employees gate
	at := b.now.Add(26 * time.Hour)
	h, _, err := b.store.CreateHandoff(b.ctx, routing.Policy{Pools: []routing.Pool{b.pool}, SLA: routing.DefaultSLA()}.Open("V1", "UPASS", lead, b.pool, routing.Offer{}, b.now).Later(at, "U1"))
	require.NoError(t, err)
	require.False(t, h.Live)
	require.True(t, h.ScheduledFor.Equal(at))
	require.Equal(t, []string{"employees"}, routing.QuestionIDs(h.Lead.Unmet()))

	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, false, events[0].Detail["live"])
	require.Equal(t, []any{"employees"}, events[0].Detail["unmet_gates"], "why it was not live-qualified, as judged then")
}

func TestLeadWithoutChecklist(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	require.Empty(t, h.Lead.Checklist.Questions)
	require.Empty(t, h.Lead.Answers)
	require.Equal(t, routing.Context{}, h.Lead.Context)
	var answers, context string
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT answers::text, context::text FROM handoffs WHERE id = $1`, h.ID).Scan(&answers, &context))
	require.Equal(t, "{}", answers)
	require.Equal(t, "{}", context)
}

func TestAnswerToAQuestionNotAskedIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lead := qualifiedLead()
	lead.Answers = append(lead.Answers, routing.Answer{QuestionID: "forged", Text: "x"})
	_, _, err := b.store.CreateHandoff(b.ctx, routing.Policy{Pools: []routing.Pool{b.pool}, SLA: routing.DefaultSLA()}.Open("V1", "UPASS", lead, b.pool, routing.Offer{}, b.now))
	require.ErrorContains(t, err, `answer to "forged"`)
}
