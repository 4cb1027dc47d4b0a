package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// TestHandoffRoundTrip: every field of a handoff survives a write and a
// read, and a change that changes nothing. The handoff sets every field, and the test checks that it does: a
// field added to routing.Handoff fails here until it is given a value, and
// then until the store maps it to a column and back.
func TestHandoffRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	T, hr := b.now, time.Hour
	num := func(f float64) *float64 { return &f }
	h := routing.Handoff{
		ID: 1, State: routing.StateClaimed, Pool: "closers", Channel: "C0HANDOFF", MessageTS: "1700000000.000100", PasserID: "UPASS",
		Lead: routing.Lead{
			Company: "Acme Corp", ContactName: "Dana", ContactTitle: "CTO", Phone: "+14155550100", Email: "d@acme.example",
			Notes: "notes", Consent: true,
			Context: routing.Context{Pain: "pain", Interest: "interest", CurrentTools: "tools", RecordingURL: "https://rec.example/1",
				BestTime: "mornings", BestChannel: "phone", Personality: "direct"},
			Checklist: routing.Checklist{Name: "enterprise", Questions: []routing.Question{
				{ID: "employees", Label: "Employees", Type: routing.TypeNumber, Required: true, Hint: "about", Min: num(1), Max: num(1e6),
					Gate: &routing.Gate{AtLeast: num(500)}},
				{ID: "tools", Label: "Tools", Type: routing.TypeMultiSelect, Options: []string{"crm", "erp"}},
				{ID: "start", Label: "Start", Type: routing.TypeDate},
			}},
			Answers: []routing.Answer{
				{QuestionID: "employees", Number: 800},
				{QuestionID: "tools", Choices: []string{"crm"}},
				{QuestionID: "start", Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
			},
		},
		CreatedAt: T, ClaimDeadline: T.Add(time.Minute), OwnerID: "U1", ClaimedAt: T.Add(2 * time.Minute),
		WindowAt: T.Add(time.Second), PostCheckAt: T.Add(10 * time.Second), PostDelayTold: true,
		Escalation: routing.Escalation{
			Rungs:    []routing.Rung{{Step: 1, Steps: 1, Repeat: 2, After: time.Minute, Do: []routing.EscalationAction{routing.ActionReping}}},
			Fallback: "overflow", FallbackChannel: "C0OVERFLOW",
		},
		Rung: 1, NextStepAt: T.Add(3 * time.Minute), FallbackOpen: true, FallbackTS: "1700000000.000200",
		MissedAt: T.Add(4 * time.Minute), Live: true, ScheduledFor: T.Add(48 * hr), AcceptedAt: T.Add(5 * time.Minute),
		DeclinedBy:  []string{"U2"},
		Turn:        routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U1", PriorityUntil: T.Add(30 * time.Second), Available: 2, Members: 3},
		OfferEndsAt: T.Add(30 * time.Second), CancelledBy: "UM", CancelReason: "duplicate", CancelledAt: T.Add(6 * time.Minute),
		Work: routing.Work{
			OwnerSince: T.Add(2 * time.Minute), LastTouchAt: T.Add(hr), LastTouch: routing.TouchCallAttempted,
			MeetingAt: T.Add(72 * hr), MeetingBookedAt: T.Add(2 * hr),
			Outcome: routing.Outcome{Kind: routing.OutcomeDisqualified, Reason: routing.DisqualifyNoBudget, Note: "later",
				At: T.Add(3 * hr), By: "U1"},
			ClosedAt: T.Add(3 * hr), ReassignedAt: T.Add(90 * time.Minute), ReassignedBy: "UM", PreviousOwner: "U2",
			ReassignReason: routing.ReassignTerritory, ReassignNote: "west",
			Breaches: []routing.Breach{{Clock: routing.ClockFirstTouch, StartedAt: T, DueAt: T.Add(hr), BreachedAt: T.Add(hr),
				Owner: "U1", ManagerAlertedAt: T.Add(2 * hr), ClearedAt: T.Add(3 * hr)}},
			SLADueAt: T.Add(4 * hr),
		},
	}
	requireSet(t, reflect.ValueOf(h), "Handoff")

	id, err := b.store.PutHandoff(b.ctx, h)
	require.NoError(t, err)
	got, err := b.store.Handoff(b.ctx, id)
	require.NoError(t, err)
	h.ID = id // the database numbers its rows
	inUTC(reflect.ValueOf(&got).Elem())
	require.Equal(t, h, got)

	// A change writes back what it read, column for column.
	_, err = b.store.Apply(b.ctx, id, func(cur routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.Change{Handoff: cur, Event: routing.Event{At: T.Add(5 * hr), Actor: "U1", Kind: routing.EventTouchLogged}}, nil
	})
	require.NoError(t, err)
	got, err = b.store.Handoff(b.ctx, id)
	require.NoError(t, err)
	inUTC(reflect.ValueOf(&got).Elem())
	require.Equal(t, h, got)
}

// requireSet fails unless every field of the struct v, and of the structs
// in it, is set; a slice or a pointer counts as set when it is not empty
// or nil, whatever it holds.
func requireSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	if _, ok := v.Interface().(time.Time); ok || v.Kind() != reflect.Struct {
		require.False(t, v.IsZero(), "%s is not set", path)
		return
	}
	for i := range v.NumField() {
		requireSet(t, v.Field(i), path+"."+v.Type().Field(i).Name)
	}
}

// inUTC sets every time in v to UTC: PostgreSQL hands timestamps back in
// the local zone.
func inUTC(v reflect.Value) {
	if tm, ok := v.Interface().(time.Time); ok {
		v.Set(reflect.ValueOf(tm.UTC()))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			inUTC(v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			inUTC(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			inUTC(v.Elem())
		}
	}
}
