package handoffs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/routing"
)

// sample is one series of a metric: its name and label pairs.
type sample struct {
	name   string
	labels string // "k=v,k=v", sorted as Prometheus sorts them
}

// samples reads every baton_ counter of m with a non-zero value.
func samples(t *testing.T, m *metrics.Metrics) map[sample]float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	out := map[sample]float64{}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "baton_") {
			continue
		}
		for _, s := range f.GetMetric() {
			if s.GetCounter() == nil || s.GetCounter().GetValue() == 0 {
				continue
			}
			labels := ""
			for i, l := range s.GetLabel() {
				if i > 0 {
					labels += ","
				}
				labels += l.GetName() + "=" + l.GetValue()
			}
			out[sample{f.GetName(), labels}] = s.GetCounter().GetValue()
		}
	}
	return out
}

// TestCountChange: each committed change moves the counters its event
// stands for, and only those.
func TestCountChange(t *testing.T) {
	t.Parallel()
	ladder := routing.Escalation{Rungs: []routing.Rung{
		{Step: 1, Steps: 3, Do: []routing.EscalationAction{routing.ActionReping, routing.ActionNudgeMembers}},
		{Step: 2, Steps: 3, Do: []routing.EscalationAction{routing.ActionAlertManagers, routing.ActionFallback}},
		{Step: 3, Steps: 3, Do: []routing.EscalationAction{routing.ActionMissed}},
	}}
	afterRung := func(n int) routing.Handoff { return routing.Handoff{Escalation: ladder, Rung: n} }
	event := func(kind routing.EventKind, detail map[string]any) routing.Event {
		return routing.Event{Kind: kind, Detail: detail}
	}
	for _, tc := range []struct {
		name   string
		change routing.Change
		want   map[sample]float64
	}{
		{"nothing changed", routing.Change{Handoff: afterRung(1)}, map[sample]float64{}},
		{"first rung", routing.Change{Handoff: afterRung(1), Event: event(routing.EventEscalated, map[string]any{})},
			map[sample]float64{{"baton_escalations_total", "step=1"}: 1}},
		{"managers' rung", routing.Change{Handoff: afterRung(2), Event: event(routing.EventEscalated, map[string]any{})},
			map[sample]float64{{"baton_escalations_total", "step=2"}: 1, {"baton_manager_alerts_total", "cause=escalation"}: 1}},
		{"missed", routing.Change{Handoff: afterRung(3), Event: event(routing.EventMissed, map[string]any{})},
			map[sample]float64{{"baton_escalations_total", "step=3"}: 1, {"baton_handoffs_total", "outcome=missed"}: 1}},
		{"cancelled", routing.Change{Event: event(routing.EventCancelled, map[string]any{})},
			map[sample]float64{{"baton_handoffs_total", "outcome=cancelled"}: 1}},
		{"post delayed", routing.Change{Event: event(routing.EventPostDelayed, map[string]any{})},
			map[sample]float64{{"baton_handoffs_total", "outcome=post_delayed"}: 1}},
		{"window started without the post", routing.Change{Event: event(routing.EventWindowStarted, map[string]any{"posted": false})},
			map[sample]float64{{"baton_handoffs_total", "outcome=window_started_unposted"}: 1}},
		{"reassigned", routing.Change{Event: event(routing.EventReassigned, map[string]any{})},
			map[sample]float64{{"baton_handoffs_total", "outcome=reassigned"}: 1}},
		{"touch clearing a breach", routing.Change{Event: event(routing.EventTouchLogged, map[string]any{"touch": "call_attempted", "sla_cleared": []string{"first_touch"}})},
			map[sample]float64{{"baton_lead_touches_total", "touch=call_attempted"}: 1}},
		{"disqualified", routing.Change{
			Handoff: routing.Handoff{Work: routing.Work{Outcome: routing.Outcome{Kind: routing.OutcomeDisqualified, Reason: "no_budget"}}},
			Event:   event(routing.EventOutcomeLogged, map[string]any{"outcome": "disqualified"})},
			map[sample]float64{{"baton_lead_outcomes_total", "outcome=disqualified,reason=no_budget"}: 1}},
		{"sweep breaches two clocks", routing.Change{Event: event(routing.EventSLABreached, map[string]any{"breached": []string{"first_touch", "outcome"}})},
			map[sample]float64{{"baton_sla_breaches_total", "clock=first_touch"}: 1, {"baton_sla_breaches_total", "clock=outcome"}: 1}},
		{"sweep alerts the managers", routing.Change{Event: event(routing.EventSLAEscalate, map[string]any{"alerted": []string{"first_touch"}})},
			map[sample]float64{{"baton_manager_alerts_total", "cause=first_touch"}: 1}},
		{"a breach found during a person's change", routing.Change{Event: event(routing.EventTouchLogged, map[string]any{"touch": "email_sent", "sla_breached": []any{"reengage"}})},
			map[sample]float64{{"baton_lead_touches_total", "touch=email_sent"}: 1, {"baton_sla_breaches_total", "clock=reengage"}: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := metrics.New()
			countChange(m, tc.change)
			require.Equal(t, tc.want, samples(t, m))
		})
	}
}
