package routing

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The events of the escalation ladder and what follows it.
const (
	EventEscalated  EventKind = "handoff.escalated"
	EventMissed     EventKind = "handoff.missed"
	EventCancelled  EventKind = "handoff.cancelled"
	EventScheduled  EventKind = "handoff.callback_scheduled"
	EventAccepted   EventKind = "handoff.accepted"
	EventHandedBack EventKind = "handoff.handed_back"
)

// actorBaton is the actor of the events Baton causes by itself.
const actorBaton = "baton"

// Change is a decided state change of a handoff: the handoff as it becomes,
// the event that records it and the notices it causes. The store writes all
// three in one transaction; routing only decides.
type Change struct {
	Handoff Handoff
	Event   Event
	Notices []Notice
	// Member is set when the change also changes a member's availability.
	Member *MemberChange
}

// Loads gives the rotation state of each of members of pool: the leads they
// got in pool since period (the start of the fairness period) and when
// they last got one there, the leads they got in any pool since today (the
// start of the day, for daily caps), how many they hold open, and their
// availability. The store provides it inside the transaction that holds
// the handoff's row lock, so the rotation decides from the truth. Members
// with nothing on record have no entry.
type Loads func(pool string, members []string, period, today time.Time) ([]MemberState, error)

// DecideChange computes the change to a handoff from its current, locked
// state. A Change without an event changes nothing.
type DecideChange func(h Handoff, loads Loads) (Change, error)

// DecideDue computes the change a deadline of h calls for, at now: the time
// the database saw it due, so that the change and the decision that it was
// due read one clock.
type DecideDue func(h Handoff, now time.Time, loads Loads) (Change, error)

// PickOwner chooses who gets a lead by fair rotation rather than by a
// click: the fairest available member (see Decide's ranking: count per
// weight, then the longest wait, then config order). Members in exclude
// (those who handed the lead back) are passed over. When nobody is
// available, the fairest member not excluded still gets it, then the pool's
// first manager not excluded, then the fairest member at all: a lead must
// never be left without an owner.
func PickOwner(pool Pool, states []MemberState, exclude []string, now time.Time) (string, bool) {
	ranked := pool.rank(states)
	for _, s := range ranked {
		if !slices.Contains(exclude, s.state.User) && pool.Availability(s.state, now).Available() {
			return s.state.User, true
		}
	}
	for _, s := range ranked {
		if !slices.Contains(exclude, s.state.User) {
			return s.state.User, true
		}
	}
	for _, m := range pool.Managers {
		if !slices.Contains(exclude, m) {
			return m, true
		}
	}
	if len(ranked) > 0 {
		return ranked[0].state.User, true
	}
	return "", false
}

// AvailableMembers are the pool's members who can take a lead at now, in
// the configured order.
func AvailableMembers(pool Pool, states []MemberState, now time.Time) []string {
	byUser := make(map[string]MemberState, len(states))
	for _, s := range states {
		byUser[s.User] = s
	}
	var out []string
	for _, m := range pool.Members {
		st := byUser[m]
		st.User = m
		if pool.Availability(st, now).Available() && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// Escalate fires the next rung of h's ladder at now. pool is the handoff's
// pool as configured now: its available members are who is nudged, and
// its rotation picks the owner when the rung ends the live transfer; states
// are the members' rotation states.
func Escalate(h Handoff, pool Pool, states []MemberState, now time.Time) (Change, error) {
	if h.State != StateOpen {
		return Change{}, fmt.Errorf("escalate handoff %d: it is %s, not open", h.ID, h.State)
	}
	if h.Rung >= len(h.Escalation.Rungs) {
		return Change{}, fmt.Errorf("escalate handoff %d: its ladder is done", h.ID)
	}
	if h.AwaitingPost() {
		return Change{}, fmt.Errorf("escalate handoff %d: its claim window has not started", h.ID)
	}
	rung := h.Escalation.Rungs[h.Rung]
	next := h
	next.Rung++
	next.NextStepAt, _ = h.Escalation.NextRungAt(h.ClaimDeadline, next.Rung)

	detail := map[string]any{"step": rung.Step, "steps": rung.Steps, "repeat": rung.Repeat, "do": rung.Do, "waited_seconds": now.Sub(h.CreatedAt).Seconds()}
	var notices []Notice
	for _, a := range rung.Do {
		switch a {
		case ActionReping:
			if h.MessageTS == "" {
				// A re-ping is a reply under the post, which is not out
				// (the window started at the end of the post grace).
				detail["reping"] = "skipped: not posted"
				continue
			}
			notices = append(notices, Notice{Kind: NoticeReping, HandoffID: h.ID, Recipient: h.Channel})
		case ActionNudgeMembers:
			for _, m := range AvailableMembers(pool, states, now) {
				notices = append(notices, Notice{Kind: NoticeMemberNudge, HandoffID: h.ID, Recipient: m})
			}
		case ActionAlertManagers:
			for _, m := range pool.Managers {
				notices = append(notices, Notice{Kind: NoticeManagerAlert, HandoffID: h.ID, Recipient: m})
			}
		case ActionFallback:
			if h.Escalation.Fallback != "" {
				next.FallbackOpen = true
				detail["fallback"] = h.Escalation.Fallback
			}
		case ActionMissed:
			// Nobody who passed on it is made its owner.
			owner, ok := PickOwner(pool, states, h.DeclinedBy, now)
			if !ok {
				// The pool was emptied or removed since: the passer, who
				// knows the prospect, keeps the lead rather than nobody.
				owner = h.PasserID
			}
			next.State, next.ClaimedAt, next.MissedAt = StateScheduled, now, now
			next.giveTo(owner, now)
			next.NextStepAt, next.OfferEndsAt = time.Time{}, time.Time{}
			detail["owner"] = owner
			notices = append(notices,
				Notice{Kind: NoticeOwnerAssigned, HandoffID: h.ID, Recipient: owner},
				Notice{Kind: NoticePasserMissed, HandoffID: h.ID, Recipient: h.PasserID})
		}
	}
	// The channel message shows where the handoff stands after every rung.
	notices = append(notices, statusNotices(next)...)
	kind := EventEscalated
	if next.State == StateScheduled {
		kind = EventMissed
	}
	return Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: actorBaton, Kind: kind, Detail: detail},
		Notices: notices,
	}, nil
}

// statusNotices bring every channel message of h up to date: its own
// channel's and, once offered, the fallback pool's.
func statusNotices(h Handoff) []Notice {
	out := []Notice{{Kind: NoticeChannelMessage, HandoffID: h.ID, Recipient: h.Channel}}
	if h.FallbackOpen {
		out = append(out, Notice{Kind: NoticeFallbackMessage, HandoffID: h.ID, Recipient: h.Escalation.FallbackChannel})
	}
	return out
}

// Reasons an action other than a claim is refused. The claim's own codes
// (RefusedNotInPool and the rest) are in claim.go.
const (
	RefusedNotPasser RefusalCode = "not_passer"
	RefusedNotOwner  RefusalCode = "not_owner"
	RefusedState     RefusalCode = "wrong_state"
	RefusedBadTime   RefusalCode = "bad_time"
	RefusedNoReason  RefusalCode = "no_reason"
	// RefusedNotOffered: only the member a lead is offered to, during
	// their personal offer, may pass on it.
	RefusedNotOffered RefusalCode = "not_offered"
)

// Refusal is the typed error for an action someone may not take on a
// handoff, or not now. State is the handoff's state, so the person can be
// told what happened instead.
type Refusal struct {
	Code  RefusalCode
	State State
}

func (r *Refusal) Error() string { return fmt.Sprintf("refused: %s (handoff %s)", r.Code, r.State) }

// MaxCallbackAhead bounds how far ahead a callback may be scheduled: a hot
// lead called back next quarter is not a handoff any more.
const MaxCallbackAhead = 60 * 24 * time.Hour

// MayCancel says whether user may cancel h: the passer and the pool's
// managers may, while it is open or scheduled. Nil means they may.
func MayCancel(h Handoff, pool Pool, user string) *Refusal {
	if user != h.PasserID && !pool.IsManager(user) {
		return &Refusal{Code: RefusedNotPasser, State: h.State}
	}
	if h.State != StateOpen && h.State != StateScheduled {
		return &Refusal{Code: RefusedState, State: h.State}
	}
	return nil
}

// Cancel stops a handoff at the passer's request ("prospect dropped off"):
// the ladder stops and the messages say why. The passer and the pool's
// managers may cancel, while the handoff is open or scheduled.
func Cancel(h Handoff, pool Pool, user, reason string, now time.Time) (Change, error) {
	if r := MayCancel(h, pool, user); r != nil {
		return Change{}, r
	}
	if reason == "" {
		return Change{}, &Refusal{Code: RefusedNoReason, State: h.State}
	}
	next := h
	next.State, next.NextStepAt, next.OfferEndsAt, next.PostCheckAt = StateCancelled, time.Time{}, time.Time{}, time.Time{}
	next.CancelledBy, next.CancelReason, next.CancelledAt = user, reason, now
	// Every clock stops: the sweep clears what they breached, with its event.
	next.Work.SLADueAt = time.Time{}
	if len(h.OpenBreaches()) > 0 {
		next.Work.SLADueAt = now
	}
	notices := statusNotices(next)
	if h.OwnerID != "" && h.OwnerID != user {
		notices = append(notices, Notice{Kind: NoticeOwnerCancelled, HandoffID: h.ID, Recipient: h.OwnerID})
	}
	return Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: user, Kind: EventCancelled, Detail: map[string]any{"reason": reason, "was": string(h.State)}},
		Notices: notices,
	}, nil
}

// MaySchedule says whether user may pick the callback time of h: the
// passer and the pool's managers may, while it is scheduled.
func MaySchedule(h Handoff, pool Pool, user string) *Refusal {
	if user != h.PasserID && !pool.IsManager(user) {
		return &Refusal{Code: RefusedNotPasser, State: h.State}
	}
	if h.State != StateScheduled {
		return &Refusal{Code: RefusedState, State: h.State}
	}
	return nil
}

// ScheduleCallback records the time the passer (or a manager) agreed with
// the prospect for a scheduled lead, and tells the owner and the passer.
func ScheduleCallback(h Handoff, pool Pool, user string, at, now time.Time) (Change, error) {
	if r := MaySchedule(h, pool, user); r != nil {
		return Change{}, r
	}
	if !at.After(now) || at.Sub(now) > MaxCallbackAhead {
		return Change{}, &Refusal{Code: RefusedBadTime, State: h.State}
	}
	next := h
	next.ScheduledFor = at
	// The callback moves the start of the owner's clocks: the sweep sets
	// their new deadlines and clears the breaches of the runs it replaced.
	next.Work.SLADueAt = now
	return Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: user, Kind: EventScheduled, Detail: map[string]any{"at": at.UTC().Format(time.RFC3339), "owner": h.OwnerID}},
		Notices: append(statusNotices(next),
			Notice{Kind: NoticeOwnerCallback, HandoffID: h.ID, Recipient: h.OwnerID},
			Notice{Kind: NoticePasserScheduled, HandoffID: h.ID, Recipient: h.PasserID}),
	}, nil
}

// MayHandBack says whether user may accept or hand back h: only the owner
// of a scheduled lead may.
func MayHandBack(h Handoff, user string) *Refusal {
	if h.State != StateScheduled {
		return &Refusal{Code: RefusedState, State: h.State}
	}
	if user != h.OwnerID {
		return &Refusal{Code: RefusedNotOwner, State: h.State}
	}
	return nil
}

// Accept records that the owner of a scheduled lead takes it on.
// Accepting twice changes nothing and is not an error.
func Accept(h Handoff, user string, now time.Time) (Change, bool, error) {
	if r := MayHandBack(h, user); r != nil {
		return Change{}, false, r
	}
	if !h.AcceptedAt.IsZero() {
		return Change{Handoff: h}, false, nil
	}
	next := h
	next.AcceptedAt = now
	return Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: user, Kind: EventAccepted, Detail: map[string]any{}},
		Notices: statusNotices(next),
	}, true, nil
}

// HandBack lets the owner of a scheduled lead pass it on, with a reason:
// the next member by fair rotation gets it at once, and nobody who handed
// it back is offered it again.
func HandBack(h Handoff, pool Pool, states []MemberState, user, reason string, now time.Time) (Change, error) {
	if r := MayHandBack(h, user); r != nil {
		return Change{}, r
	}
	if reason == "" {
		return Change{}, &Refusal{Code: RefusedNoReason, State: h.State}
	}
	declined := append(slices.Clone(h.DeclinedBy), user)
	owner, ok := PickOwner(pool, states, declined, now)
	if !ok || slices.Contains(declined, owner) {
		// Everyone said no and there is no manager: it goes back to the
		// passer, who still has the prospect's trust.
		owner = cmp.Or(h.PasserID, user)
	}
	next := h
	next.ClaimedAt, next.AcceptedAt, next.DeclinedBy = now, time.Time{}, declined
	next.giveTo(owner, now)
	notices := append(statusNotices(next),
		Notice{Kind: NoticeOwnerAssigned, HandoffID: h.ID, Recipient: owner},
		Notice{Kind: NoticePasserScheduled, HandoffID: h.ID, Recipient: h.PasserID})
	return Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: user, Kind: EventHandedBack, Detail: map[string]any{"reason": reason, "to": owner}},
		Notices: notices,
	}, nil
}
