package handoffs

import (
	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/routing"
)

// handoffStages are the events that move a handoff from one stage of its
// life to another, with their outcome in baton_handoffs_total.
var handoffStages = map[routing.EventKind]string{
	routing.EventMissed:      "missed",
	routing.EventCancelled:   "cancelled",
	routing.EventScheduled:   "callback_scheduled",
	routing.EventAccepted:    "accepted",
	routing.EventHandedBack:  "handed_back",
	routing.EventPassed:      "passed",
	routing.EventOfferLapsed: "offer_lapsed",
	routing.EventReassigned:  "reassigned",
	// A post slow to go out (a burst into one channel), and one that
	// never did before the post grace ended.
	routing.EventPostDelayed:   "post_delayed",
	routing.EventWindowStarted: "window_started_unposted",
}

// expectMetrics creates the series the bot will count at zero (see
// metrics.Known).
func expectMetrics(m *metrics.Metrics, p routing.Policy) {
	k := metrics.Known{Handoffs: []string{"created", "created_later", "claimed", "claimed_late"}, AlertCauses: []string{"escalation"}}
	for _, outcome := range handoffStages {
		k.Handoffs = append(k.Handoffs, outcome)
	}
	for _, touch := range routing.TouchKinds {
		k.Touches = append(k.Touches, string(touch))
	}
	for _, clock := range []routing.Clock{routing.ClockFirstTouch, routing.ClockOutcome, routing.ClockReengage} {
		k.Clocks = append(k.Clocks, string(clock))
		k.AlertCauses = append(k.AlertCauses, string(clock))
	}
	for _, pool := range p.Pools {
		for _, r := range p.Escalation(pool).Rungs {
			k.Steps = max(k.Steps, r.Step)
		}
	}
	m.Expect(k)
}

// countChange records a committed change in the metrics. A change without
// an event changed nothing and counts for nothing.
func countChange(m *metrics.Metrics, c routing.Change) {
	if m == nil || c.Event.Kind == "" {
		return
	}
	if outcome, ok := handoffStages[c.Event.Kind]; ok {
		m.Handoff(outcome)
	}
	switch c.Event.Kind {
	case routing.EventEscalated, routing.EventMissed:
		if r, ok := c.Handoff.LastRung(); ok {
			m.Escalated(r.Step)
			if r.Has(routing.ActionAlertManagers) {
				m.ManagersAlerted("escalation")
			}
		}
	case routing.EventTouchLogged:
		if touch, ok := c.Event.Detail["touch"].(string); ok {
			m.Touch(touch)
		}
	case routing.EventOutcomeLogged:
		o := c.Handoff.Work.Outcome
		m.Outcome(string(o.Kind), string(o.Reason))
	}
	// The SLA check runs in the sweep (its own event) and inside a
	// person's change (folded into their event's detail).
	for _, key := range []string{"breached", "sla_breached"} {
		for _, clock := range clocks(c.Event.Detail[key]) {
			m.SLABreached(clock)
		}
	}
	for _, key := range []string{"alerted", "sla_alerted"} {
		for _, clock := range clocks(c.Event.Detail[key]) {
			m.ManagersAlerted(clock)
		}
	}
}

// clocks reads a list of SLA clocks from an event's detail.
func clocks(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
