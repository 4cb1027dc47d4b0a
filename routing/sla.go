package routing

import (
	"cmp"
	"slices"
	"time"
)

// The events of the SLA clocks.
const (
	EventSLABreached EventKind = "sla.breached"
	EventSLAEscalate EventKind = "sla.manager_alerted"
	EventSLACleared  EventKind = "sla.cleared"
)

// Clock names an SLA clock that runs on an owned lead.
type Clock string

// The clocks after the claim. The claim window itself is the escalation
// ladder's business (a missed handoff), not one of these.
const (
	// ClockFirstTouch runs from the owner getting the lead (or its
	// callback time) until a meaningful touch: sla.first_touch.
	ClockFirstTouch Clock = "first_touch"
	// ClockOutcome runs from the claim, or from a booked meeting, until an
	// outcome is logged: sla.outcome_due.
	ClockOutcome Clock = "outcome"
	// ClockReengage runs from a no-show until a meaningful touch
	// re-engages the prospect: sla.reengage.
	ClockReengage Clock = "reengage"
)

// Label is how people read the clock.
func (c Clock) Label() string {
	switch c {
	case ClockFirstTouch:
		return "no meaningful touch"
	case ClockOutcome:
		return "no outcome"
	case ClockReengage:
		return "no-show not re-engaged"
	}
	return string(c)
}

// Breach is one SLA clock that ran out, recorded once. It is cleared when
// the work is done (or the clock stops counting: the lead was closed or
// moved to another owner); the owner is told when it happens, the pool's
// managers after the grace period.
type Breach struct {
	Clock Clock `json:"clock"`
	// StartedAt identifies the run of the clock that ran out: a clock that
	// restarts (a new meeting, a new owner) can breach again, once.
	StartedAt        time.Time `json:"started_at"`
	DueAt            time.Time `json:"due_at"`
	BreachedAt       time.Time `json:"breached_at"`
	Owner            string    `json:"owner"`
	ManagerAlertedAt time.Time `json:"manager_alerted_at,omitzero"`
	ClearedAt        time.Time `json:"cleared_at,omitzero"`
}

// Open reports whether the breach still stands.
func (b Breach) Open() bool { return b.ClearedAt.IsZero() }

// OpenBreaches returns h's breaches that still stand.
func (h Handoff) OpenBreaches() []Breach {
	var out []Breach
	for _, b := range h.Work.Breaches {
		if b.Open() {
			out = append(out, b)
		}
	}
	return out
}

// Running is one SLA clock counting on a lead: not met yet, breached or not.
type Running struct {
	Clock     Clock
	StartedAt time.Time
	DueAt     time.Time
}

// DefaultBusinessHours are the hours the clocks count under
// sla.business_hours for an owner whose pool names none: Monday to Friday,
// 09:00 to 17:00.
var DefaultBusinessHours = WorkingHours{{
	Days:  []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
	Start: 9 * time.Hour, End: 17 * time.Hour,
}}

// Calendar turns a clock's duration into its deadline: on the wall clock,
// or counting only working hours.
type Calendar struct {
	// Hours empty counts every hour.
	Hours    WorkingHours
	Location *time.Location
}

// Add is the instant d of counted time after start.
func (c Calendar) Add(start time.Time, d time.Duration) time.Time {
	if len(c.Hours) == 0 || d <= 0 {
		return start.Add(d)
	}
	return c.Hours.add(start.In(cmp.Or(c.Location, time.UTC)), d)
}

// CalendarFor is the calendar of owner's clocks in pool: every hour, or with
// BusinessHours the owner's working hours (their own, else the pool's, else
// DefaultBusinessHours) in their zone (see Rotation.Zone).
func (s SLA) CalendarFor(pool Pool, owner string) Calendar {
	if !s.BusinessHours {
		return Calendar{}
	}
	hours := pool.Rotation.SettingsFor(owner).Hours
	if len(hours) == 0 {
		hours = DefaultBusinessHours
	}
	return Calendar{Hours: hours, Location: pool.Rotation.Zone(owner, s.Location)}
}

// RunningClocks are the clocks counting on h at now, from the facts of its
// work: what the owner logged and when they got it. A closed or unowned
// lead has none.
func (s SLA) RunningClocks(h Handoff, cal Calendar) []Running {
	if !h.Owned() {
		return nil
	}
	w := h.Work
	since := h.ownerSince()
	// A callback booked for later starts the clocks at the callback.
	start := since
	if h.ScheduledFor.After(start) {
		start = h.ScheduledFor
	}
	touched := !w.LastTouchAt.Before(since) && !w.LastTouchAt.IsZero()
	outcome := !w.Outcome.At.IsZero() && !w.Outcome.At.Before(since)
	var out []Running
	if !touched && !outcome {
		out = append(out, Running{Clock: ClockFirstTouch, StartedAt: start, DueAt: cal.Add(start, s.FirstTouch)})
	}
	booked := !w.MeetingBookedAt.IsZero() && !w.MeetingBookedAt.Before(since)
	switch {
	case booked && (!outcome || w.Outcome.At.Before(w.MeetingBookedAt)):
		// The outcome of the meeting is due after the meeting.
		out = append(out, Running{Clock: ClockOutcome, StartedAt: w.MeetingAt, DueAt: cal.Add(w.MeetingAt, s.OutcomeDue)})
	case !outcome:
		out = append(out, Running{Clock: ClockOutcome, StartedAt: start, DueAt: cal.Add(start, s.OutcomeDue)})
	}
	if outcome && w.Outcome.Kind == OutcomeNoShow && !w.LastTouchAt.After(w.Outcome.At) {
		out = append(out, Running{Clock: ClockReengage, StartedAt: w.Outcome.At, DueAt: cal.Add(w.Outcome.At, cmp.Or(s.Reengage, DefaultSLA().Reengage))})
	}
	return out
}

// CheckSLA brings h's breaches up to date at now: a clock past its deadline
// is breached (once: a breach is keyed by its clock and the start of that
// run), a breach whose clock no longer runs is cleared, and a breach still
// open after the grace period is taken to the pool's managers (once). It
// also sets when to look again. The change has no event when nothing
// happened but that date.
func CheckSLA(h Handoff, pool Pool, s SLA, now time.Time) Change {
	next := h
	next.Work.Breaches = slices.Clone(h.Work.Breaches)
	running := s.RunningClocks(h, s.CalendarFor(pool, h.OwnerID))
	var breached, alerted, cleared []string
	stillRuns := func(b Breach) bool {
		return b.Owner == h.OwnerID && slices.ContainsFunc(running, func(r Running) bool {
			return r.Clock == b.Clock && r.StartedAt.Equal(b.StartedAt)
		})
	}
	for i, b := range next.Work.Breaches {
		if b.Open() && !stillRuns(b) {
			next.Work.Breaches[i].ClearedAt = now
			cleared = append(cleared, string(b.Clock))
		}
	}
	recorded := func(r Running) bool {
		return slices.ContainsFunc(next.Work.Breaches, func(b Breach) bool {
			return b.Owner == h.OwnerID && b.Clock == r.Clock && b.StartedAt.Equal(r.StartedAt)
		})
	}
	var due time.Time
	earliest := func(t time.Time) {
		if due.IsZero() || t.Before(due) {
			due = t
		}
	}
	for _, r := range running {
		switch {
		case recorded(r):
		case !now.Before(r.DueAt):
			next.Work.Breaches = append(next.Work.Breaches, Breach{Clock: r.Clock, StartedAt: r.StartedAt, DueAt: r.DueAt, BreachedAt: now, Owner: h.OwnerID})
			breached = append(breached, string(r.Clock))
		default:
			earliest(r.DueAt)
		}
	}
	grace := cmp.Or(s.ManagerGrace, DefaultSLA().ManagerGrace)
	for i, b := range next.Work.Breaches {
		if !b.Open() || !b.ManagerAlertedAt.IsZero() || len(pool.Managers) == 0 {
			continue
		}
		if at := b.BreachedAt.Add(grace); now.Before(at) {
			earliest(at)
			continue
		}
		next.Work.Breaches[i].ManagerAlertedAt = now
		alerted = append(alerted, string(b.Clock))
	}
	next.Work.SLADueAt = due

	change := Change{Handoff: next}
	detail := map[string]any{"owner": h.OwnerID}
	for key, clocks := range map[string][]string{"breached": breached, "alerted": alerted, "cleared": cleared} {
		if len(clocks) > 0 {
			detail[key] = clocks
		}
	}
	switch {
	case len(breached) > 0:
		change.Event.Kind = EventSLABreached
		change.Notices = append(change.Notices, Notice{Kind: NoticeSLABreach, HandoffID: h.ID, Recipient: h.OwnerID})
	case len(alerted) > 0:
		change.Event.Kind = EventSLAEscalate
	case len(cleared) > 0:
		change.Event.Kind = EventSLACleared
	default:
		return change
	}
	if len(alerted) > 0 {
		for _, m := range pool.Managers {
			change.Notices = append(change.Notices, Notice{Kind: NoticeSLAManagerAlert, HandoffID: h.ID, Recipient: m})
		}
	}
	change.Event.HandoffID, change.Event.At, change.Event.Actor, change.Event.Detail = h.ID, now, actorBaton, detail
	return change
}

// withSLA folds the SLA check into a change made by a person: the work they
// logged clears what it meets, and the next look is rescheduled. Their event
// stays the change's event; what the check cleared is added to its detail.
func withSLA(c Change, pool Pool, s SLA, now time.Time) Change {
	checked := CheckSLA(c.Handoff, pool, s, now)
	c.Handoff = checked.Handoff
	if cleared, ok := checked.Event.Detail["cleared"]; ok {
		c.Event.Detail["sla_cleared"] = cleared
	}
	// A breach found at the same moment is still told to the owner.
	for _, n := range checked.Notices {
		c.Notices = append(c.Notices, n)
	}
	if b, ok := checked.Event.Detail["breached"]; ok {
		c.Event.Detail["sla_breached"] = b
	}
	if a, ok := checked.Event.Detail["alerted"]; ok {
		c.Event.Detail["sla_alerted"] = a
	}
	return c
}

// BreachesToTell are h's open breaches that an SLA notice reports: the
// current owner's own, or (for managers) those taken to them.
func (h Handoff) BreachesToTell(managers bool) []Breach {
	return slices.DeleteFunc(h.OpenBreaches(), func(x Breach) bool {
		return x.Owner != h.OwnerID || (managers && x.ManagerAlertedAt.IsZero())
	})
}
