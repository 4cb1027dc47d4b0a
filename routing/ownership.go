package routing

import (
	"slices"
	"time"
)

// The events of ownership: what the owner did with the lead, and who holds it.
const (
	EventTouchLogged   EventKind = "lead.touch_logged"
	EventOutcomeLogged EventKind = "lead.outcome_logged"
	EventReassigned    EventKind = "lead.reassigned"
)

// More refusal codes, for the owner's work on a lead.
const (
	// RefusedClosed: the lead has its final outcome; nothing more is logged.
	RefusedClosed RefusalCode = "closed"
	// RefusedFrozen: ownership is frozen; only a manager or the owner may
	// reassign until Handoff.FrozenUntil.
	RefusedFrozen RefusalCode = "frozen"
	// RefusedBadChoice: a touch, outcome or reason code Baton does not know.
	RefusedBadChoice RefusalCode = "bad_choice"
	// RefusedNotMember: a reassignment to someone outside the pool.
	RefusedNotMember RefusalCode = "not_member"
)

// TouchKind is a follow-up the owner logs.
type TouchKind string

// The touches. Only the first three are meaningful: a templated one-line
// email can be logged but does not stop the first-touch clock, because the
// seed's failure mode is exactly an SLA "honoured" by templates.
const (
	TouchCallAttempted TouchKind = "call_attempted"
	TouchReplyReceived TouchKind = "reply_received"
	TouchMeetingBooked TouchKind = "meeting_booked"
	TouchTemplateEmail TouchKind = "templated_email"
)

// TouchKinds lists the touches in the order the form offers them.
var TouchKinds = []TouchKind{TouchCallAttempted, TouchReplyReceived, TouchMeetingBooked, TouchTemplateEmail}

// Meaningful reports whether the touch counts for the SLA clocks.
func (k TouchKind) Meaningful() bool {
	return k != TouchTemplateEmail && slices.Contains(TouchKinds, k)
}

// Label is how people read the touch.
func (k TouchKind) Label() string {
	switch k {
	case TouchCallAttempted:
		return "Call attempted"
	case TouchReplyReceived:
		return "Reply received"
	case TouchMeetingBooked:
		return "Meeting booked"
	case TouchTemplateEmail:
		return "Templated email (does not stop the clock)"
	}
	return string(k)
}

// OutcomeKind is what became of a lead.
type OutcomeKind string

// The outcomes. Qualified and disqualified are final: they close the lead.
const (
	OutcomeConnected    OutcomeKind = "connected_live"
	OutcomeMeetingHeld  OutcomeKind = "meeting_held"
	OutcomeNoShow       OutcomeKind = "no_show"
	OutcomeQualifiedSAL OutcomeKind = "qualified_sal"
	OutcomeQualifiedSQL OutcomeKind = "qualified_sql"
	OutcomeDisqualified OutcomeKind = "disqualified"
)

// OutcomeKinds lists the outcomes in the order the form offers them.
var OutcomeKinds = []OutcomeKind{OutcomeConnected, OutcomeMeetingHeld, OutcomeNoShow, OutcomeQualifiedSAL, OutcomeQualifiedSQL, OutcomeDisqualified}

// Final reports whether the outcome closes the lead.
func (k OutcomeKind) Final() bool {
	return k == OutcomeQualifiedSAL || k == OutcomeQualifiedSQL || k == OutcomeDisqualified
}

// Label is how people read the outcome.
func (k OutcomeKind) Label() string {
	switch k {
	case OutcomeConnected:
		return "Connected live"
	case OutcomeMeetingHeld:
		return "Meeting held"
	case OutcomeNoShow:
		return "No-show"
	case OutcomeQualifiedSAL:
		return "Qualified (SAL)"
	case OutcomeQualifiedSQL:
		return "Qualified (SQL)"
	case OutcomeDisqualified:
		return "Disqualified"
	}
	return string(k)
}

// DisqualifyReason is why the owner disqualified a lead.
type DisqualifyReason string

// The disqualification reason codes.
const (
	DisqualifyNoBudget   DisqualifyReason = "no_budget"
	DisqualifyWrongTitle DisqualifyReason = "wrong_title"
	DisqualifyNotDecider DisqualifyReason = "not_decision_maker"
	DisqualifyBadTiming  DisqualifyReason = "bad_timing"
	DisqualifyDuplicate  DisqualifyReason = "duplicate"
	DisqualifyOther      DisqualifyReason = "other"
)

// DisqualifyReasons lists the reason codes in the order the form offers them.
var DisqualifyReasons = []DisqualifyReason{DisqualifyNoBudget, DisqualifyWrongTitle, DisqualifyNotDecider, DisqualifyBadTiming, DisqualifyDuplicate, DisqualifyOther}

// CreditsBack reports whether a lead disqualified for this reason is given
// back to its owner's fairness count: the lead was a bad fit (no budget, the
// wrong title, nobody who decides) or not a new lead at all (a duplicate), so
// the owner did not really get one. Bad timing and "other" are real leads
// that did not work out, and keep counting.
func (r DisqualifyReason) CreditsBack() bool {
	return r == DisqualifyNoBudget || r == DisqualifyWrongTitle || r == DisqualifyNotDecider || r == DisqualifyDuplicate
}

// Label is how people read the reason.
func (r DisqualifyReason) Label() string {
	switch r {
	case DisqualifyNoBudget:
		return "No budget"
	case DisqualifyWrongTitle:
		return "Wrong title"
	case DisqualifyNotDecider:
		return "Not a decision maker"
	case DisqualifyBadTiming:
		return "Bad timing"
	case DisqualifyDuplicate:
		return "Duplicate"
	case DisqualifyOther:
		return "Other"
	}
	return string(r)
}

// CreditBackReasons are the reason codes that CreditsBack, for queries.
func CreditBackReasons() []string {
	var out []string
	for _, r := range DisqualifyReasons {
		if r.CreditsBack() {
			out = append(out, string(r))
		}
	}
	return out
}

// ReassignReason is the reason code a reassignment needs.
type ReassignReason string

// The reassignment reason codes.
const (
	ReassignOutOfOffice ReassignReason = "out_of_office"
	ReassignCapacity    ReassignReason = "capacity"
	ReassignTerritory   ReassignReason = "territory"
	ReassignBetterFit   ReassignReason = "better_fit"
	ReassignProspect    ReassignReason = "prospect_request"
	ReassignOther       ReassignReason = "other"
)

// ReassignReasons lists the reason codes in the order the form offers them.
var ReassignReasons = []ReassignReason{ReassignOutOfOffice, ReassignCapacity, ReassignTerritory, ReassignBetterFit, ReassignProspect, ReassignOther}

// Label is how people read the reason.
func (r ReassignReason) Label() string {
	switch r {
	case ReassignOutOfOffice:
		return "Owner out of office"
	case ReassignCapacity:
		return "Owner at capacity"
	case ReassignTerritory:
		return "Territory or segment"
	case ReassignBetterFit:
		return "Better fit elsewhere"
	case ReassignProspect:
		return "Prospect asked"
	case ReassignOther:
		return "Other"
	}
	return string(r)
}

// Outcome is the last outcome logged on a lead.
type Outcome struct {
	Kind   OutcomeKind
	Reason DisqualifyReason
	Note   string
	At     time.Time
	By     string
}

// Work is what happened to a lead since it got an owner: the facts the SLA
// clocks are read from. It is kept on the handoff; the event log has the
// whole history.
type Work struct {
	// OwnerSince is when the current owner got the lead (claim, assignment
	// or reassignment); every clock of theirs starts from it.
	OwnerSince time.Time
	// LastTouchAt and LastTouch are the latest meaningful touch.
	LastTouchAt time.Time
	LastTouch   TouchKind
	// MeetingAt is the meeting booked with the latest meeting_booked touch,
	// logged at MeetingBookedAt.
	MeetingAt       time.Time
	MeetingBookedAt time.Time
	Outcome         Outcome
	// ClosedAt is when a final outcome closed the lead.
	ClosedAt time.Time
	// The latest reassignment: who did it, from whom, why.
	ReassignedAt   time.Time
	ReassignedBy   string
	PreviousOwner  string
	ReassignReason ReassignReason
	ReassignNote   string
	// Breaches are every SLA clock that ran out on this lead, open or
	// cleared; SLADueAt is when the SLA sweep must look at it next (zero:
	// nothing to watch).
	Breaches []Breach
	SLADueAt time.Time
}

// Owned reports whether h has an owner whose work is being watched: claimed
// or scheduled, and not closed by a final outcome.
func (h Handoff) Owned() bool {
	return (h.State == StateClaimed || h.State == StateScheduled) && h.OwnerID != "" && h.Work.ClosedAt.IsZero()
}

// FrozenUntil is when the owner's lock on the lead ends: until then only a
// manager or the owner may reassign it.
func (h Handoff) FrozenUntil(s SLA) time.Time {
	return h.ownerSince().Add(s.ownershipFreeze())
}

// ownerSince is when the current owner got the lead: Work.OwnerSince, or the
// claim for a lead whose OwnerSince was never set.
func (h Handoff) ownerSince() time.Time {
	if h.Work.OwnerSince.IsZero() {
		return h.ClaimedAt
	}
	return h.Work.OwnerSince
}

// giveTo makes owner the lead's owner from now: their clocks start, the
// previous owner's breaches are cleared by the next SLA check, and the
// sweep looks at the lead at once to set its first deadline.
func (h *Handoff) giveTo(owner string, now time.Time) {
	h.OwnerID = owner
	h.Work.OwnerSince = now
	h.Work.SLADueAt = now
}

// MayLogWork says whether user may log a touch or an outcome on h: its
// owner, or a manager of its pool, while it is owned and not closed.
func MayLogWork(h Handoff, pool Pool, user string) *Refusal {
	switch {
	case h.State != StateClaimed && h.State != StateScheduled:
		return &Refusal{Code: RefusedState, State: h.State}
	case !h.Work.ClosedAt.IsZero():
		return &Refusal{Code: RefusedClosed, State: h.State}
	case user != h.OwnerID && !pool.IsManager(user):
		return &Refusal{Code: RefusedNotOwner, State: h.State}
	}
	return nil
}

// TouchInput is a touch as the owner logs it.
type TouchInput struct {
	Kind TouchKind
	// MeetingAt is required for a meeting_booked touch.
	MeetingAt time.Time
	Note      string
}

// LogTouch records a follow-up by the owner (or a manager on their behalf).
// A meaningful touch stops the first-touch clock and re-engages a no-show;
// a booked meeting starts the outcome clock at the meeting. A templated
// email is recorded and changes no clock.
func LogTouch(h Handoff, pool Pool, s SLA, user string, in TouchInput, now time.Time) (Change, error) {
	if r := MayLogWork(h, pool, user); r != nil {
		return Change{}, r
	}
	if !slices.Contains(TouchKinds, in.Kind) {
		return Change{}, &Refusal{Code: RefusedBadChoice, State: h.State}
	}
	next := h
	detail := map[string]any{"touch": string(in.Kind), "meaningful": in.Kind.Meaningful()}
	if in.Kind == TouchMeetingBooked {
		// A meeting logged a day late is still the truth; one more than the
		// callback horizon ahead is a typo.
		if in.MeetingAt.IsZero() || in.MeetingAt.Before(now.Add(-24*time.Hour)) || in.MeetingAt.Sub(now) > MaxCallbackAhead {
			return Change{}, &Refusal{Code: RefusedBadTime, State: h.State}
		}
		next.Work.MeetingAt, next.Work.MeetingBookedAt = in.MeetingAt, now
		detail["meeting_at"] = in.MeetingAt.UTC().Format(time.RFC3339)
	}
	if in.Kind.Meaningful() {
		next.Work.LastTouchAt, next.Work.LastTouch = now, in.Kind
	}
	if in.Note != "" {
		detail["note"] = in.Note
	}
	if h.State == StateScheduled && h.AcceptedAt.IsZero() && user == h.OwnerID {
		// Working the lead is accepting it.
		next.AcceptedAt = now
	}
	change := Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: user, Kind: EventTouchLogged, Detail: detail},
		Notices: []Notice{{Kind: NoticeWorkLogged, HandoffID: h.ID, Recipient: user, Detail: map[string]string{"touch": string(in.Kind)}}},
	}
	if !next.AcceptedAt.Equal(h.AcceptedAt) {
		change.Notices = append(change.Notices, statusNotices(next)...)
	}
	if in.Kind == TouchMeetingBooked {
		// Whoever logged it has the calendar links in their confirmation;
		// the others who take part learn of the meeting with the same.
		for _, to := range []string{h.OwnerID, h.PasserID} {
			if to != "" && to != user && !slices.ContainsFunc(change.Notices, func(n Notice) bool { return n.Kind == NoticeMeetingBooked && n.Recipient == to }) {
				change.Notices = append(change.Notices, Notice{Kind: NoticeMeetingBooked, HandoffID: h.ID, Recipient: to})
			}
		}
	}
	return withSLA(change, pool, s, now), nil
}

// OutcomeInput is an outcome as the owner logs it.
type OutcomeInput struct {
	Kind   OutcomeKind
	Reason DisqualifyReason
	Note   string
}

// LogOutcome records what became of the lead. The passer is told (the
// feedback loop: they learn which of their leads were good); a final
// outcome closes the lead and stops every clock. A disqualification needs a
// reason code, and "other" needs a note.
func LogOutcome(h Handoff, pool Pool, s SLA, user string, in OutcomeInput, now time.Time) (Change, error) {
	if r := MayLogWork(h, pool, user); r != nil {
		return Change{}, r
	}
	if !slices.Contains(OutcomeKinds, in.Kind) {
		return Change{}, &Refusal{Code: RefusedBadChoice, State: h.State}
	}
	if in.Kind == OutcomeDisqualified {
		switch {
		case in.Reason == "" || (in.Reason == DisqualifyOther && in.Note == ""):
			return Change{}, &Refusal{Code: RefusedNoReason, State: h.State}
		case !slices.Contains(DisqualifyReasons, in.Reason):
			return Change{}, &Refusal{Code: RefusedBadChoice, State: h.State}
		}
	} else {
		in.Reason = ""
	}
	next := h
	next.Work.Outcome = Outcome{Kind: in.Kind, Reason: in.Reason, Note: in.Note, At: now, By: user}
	detail := map[string]any{"outcome": string(in.Kind), "final": in.Kind.Final()}
	if in.Reason != "" {
		detail["reason"] = string(in.Reason)
		detail["credited_back"] = in.Reason.CreditsBack()
	}
	if in.Note != "" {
		detail["note"] = in.Note
	}
	if in.Kind.Final() {
		next.Work.ClosedAt = now
	}
	if h.State == StateScheduled && h.AcceptedAt.IsZero() && user == h.OwnerID {
		next.AcceptedAt = now
	}
	notices := append(statusNotices(next),
		Notice{Kind: NoticeWorkLogged, HandoffID: h.ID, Recipient: user, Detail: map[string]string{"outcome": string(in.Kind)}})
	if h.PasserID != user {
		notices = append(notices, Notice{Kind: NoticePasserOutcome, HandoffID: h.ID, Recipient: h.PasserID})
	}
	change := Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: user, Kind: EventOutcomeLogged, Detail: detail},
		Notices: notices,
	}
	return withSLA(change, pool, s, now), nil
}

// MayReassign says whether user may move h to another owner now: a
// manager of its pool or its owner while it is owned and open, and any
// member of the pool once the ownership freeze is over (see Reassign).
func MayReassign(h Handoff, pool Pool, s SLA, user string, now time.Time) *Refusal {
	if h.State != StateClaimed && h.State != StateScheduled {
		return &Refusal{Code: RefusedState, State: h.State}
	}
	if !h.Work.ClosedAt.IsZero() {
		return &Refusal{Code: RefusedClosed, State: h.State}
	}
	if pool.IsManager(user) || user == h.OwnerID {
		return nil
	}
	if !pool.IsMember(user) {
		return &Refusal{Code: RefusedNotInPool, State: h.State}
	}
	if now.Before(h.FrozenUntil(s)) {
		return &Refusal{Code: RefusedFrozen, State: h.State}
	}
	return nil
}

// ReassignInput is a reassignment as asked for.
type ReassignInput struct {
	Reason ReassignReason
	Note   string
	// To is the new owner a manager chose; empty lets the rotation pick.
	To string
}

// Reassign moves an owned lead to another owner, with a reason code that is
// logged. Ownership is frozen for sla.ownership_freeze after the owner got
// the lead: until then a pool manager may reassign it (to a member of their
// choice or the next in the rotation) and the owner may hand it back (the
// rotation picks, never them again). After the freeze any member of the
// pool may also take a stuck lead over. Nothing else moves an owned lead:
// routing is frozen at the claim.
func Reassign(h Handoff, pool Pool, states []MemberState, s SLA, user string, in ReassignInput, now time.Time) (Change, error) {
	if r := MayReassign(h, pool, s, user, now); r != nil {
		return Change{}, r
	}
	manager, owner := pool.IsManager(user), user == h.OwnerID
	takeOver := !manager && !owner
	switch {
	case in.Reason == "" || (in.Reason == ReassignOther && in.Note == ""):
		return Change{}, &Refusal{Code: RefusedNoReason, State: h.State}
	case !slices.Contains(ReassignReasons, in.Reason):
		return Change{}, &Refusal{Code: RefusedBadChoice, State: h.State}
	}
	declined := h.DeclinedBy
	if !slices.Contains(declined, h.OwnerID) {
		declined = append(slices.Clone(declined), h.OwnerID)
	}
	var to string
	switch {
	case takeOver:
		to = user
	case manager && in.To != "":
		if !pool.IsMember(in.To) && !pool.IsManager(in.To) {
			return Change{}, &Refusal{Code: RefusedNotMember, State: h.State}
		}
		to = in.To
	default:
		picked, ok := PickOwner(pool, states, declined, now)
		if !ok || slices.Contains(declined, picked) {
			// Everyone has had it: a manager keeps it, or else the passer.
			picked = h.PasserID
			if manager && !owner {
				picked = user
			}
		}
		to = picked
	}
	if to == h.OwnerID {
		return Change{}, &Refusal{Code: RefusedOwnedByYou, State: h.State}
	}
	next := h
	next.DeclinedBy = declined
	next.giveTo(to, now)
	if h.State == StateScheduled {
		next.ClaimedAt, next.AcceptedAt = now, time.Time{}
	}
	next.Work.ReassignedAt, next.Work.ReassignedBy, next.Work.PreviousOwner = now, user, h.OwnerID
	next.Work.ReassignReason, next.Work.ReassignNote = in.Reason, in.Note
	detail := map[string]any{"from": h.OwnerID, "to": to, "reason": string(in.Reason)}
	if in.Note != "" {
		detail["note"] = in.Note
	}
	notices := append(statusNotices(next), Notice{Kind: NoticeOwnerReassigned, HandoffID: h.ID, Recipient: to})
	if h.OwnerID != user {
		notices = append(notices, Notice{Kind: NoticeOwnerReleased, HandoffID: h.ID, Recipient: h.OwnerID})
	}
	if h.PasserID != user && h.PasserID != to {
		notices = append(notices, Notice{Kind: NoticePasserReassigned, HandoffID: h.ID, Recipient: h.PasserID})
	}
	change := Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: user, Kind: EventReassigned, Detail: detail},
		Notices: notices,
	}
	return withSLA(change, pool, s, now), nil
}
