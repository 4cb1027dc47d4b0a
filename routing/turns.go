package routing

import (
	"maps"
	"slices"
	"time"
)

// The events of the rotation.
const (
	EventPassed      EventKind = "handoff.passed"
	EventOfferLapsed EventKind = "handoff.offer_lapsed"
	EventMemberAway  EventKind = "member.away"
	EventMemberBack  EventKind = "member.back"
)

// MemberChange is one more priority offer a member let lapse, which a
// handoff's change carries. The store adds it to the member's count in the
// same transaction, in one statement, and completes the change with
// Change.Lapsed from the count that statement returns: a claim in another
// pool may reset the count meanwhile, and a count read before it would undo
// the reset and set away a member who has just shown up.
type MemberChange struct {
	User string
	// LapseLimit is the pool's lapse limit: the lapse that reaches it sets
	// the member away.
	LapseLimit int
}

// MayPass says whether user may pass h on: only the member it is offered
// to, while the offer is theirs alone and before the ladder starts.
func MayPass(h Handoff, user string, now time.Time) *Refusal {
	if h.State != StateOpen {
		return &Refusal{Code: RefusedState, State: h.State}
	}
	if user != h.Turn.UpNext || !h.Turn.Exclusive(now) || h.Escalated() {
		return &Refusal{Code: RefusedNotOffered, State: h.State}
	}
	return nil
}

// Pass lets the member a round-robin lead is offered to decline it with a
// reason, so the lead moves on at once instead of waiting out their
// priority window: the next fairest available member (nobody who passed
// already) gets the offer and a fresh window; when nobody is left, the lead
// opens to the pool (round robin) or the ladder starts now (strict round
// robin, which never skips anyone silently).
func Pass(h Handoff, pool Pool, states []MemberState, user, reason string, now time.Time) (Change, error) {
	if r := MayPass(h, user, now); r != nil {
		return Change{}, r
	}
	if reason == "" {
		return Change{}, &Refusal{Code: RefusedNoReason, State: h.State}
	}
	next := h
	next.DeclinedBy = append(slices.Clone(h.DeclinedBy), user)
	next.Turn = Turn{Mode: h.Turn.Mode, Available: h.Turn.Available, Members: h.Turn.Members}
	strict := h.Turn.Mode == ModeStrictRoundRobin
	nextAvailable := false
	for _, s := range pool.rank(states) {
		if slices.Contains(next.DeclinedBy, s.state.User) {
			continue
		}
		available := pool.Availability(s.state, now).Available()
		// Strict never skips: the next in line is next, available or not.
		if available || strict {
			next.Turn.UpNext, nextAvailable = s.state.User, available
			break
		}
	}
	switch {
	case strict && !nextAvailable:
		// Nobody (available) left in line: escalate now rather than hold
		// the prospect.
		if h.Rung < len(h.Escalation.Rungs) {
			next.NextStepAt = now
		}
	case next.Turn.Mode == ModeRoundRobin && next.Turn.UpNext != "":
		next.Turn.PriorityUntil = now.Add(pool.priorityWindow())
	}
	next.OfferEndsAt = next.Turn.OfferEnds(next)
	if !next.OfferEndsAt.After(now) {
		next.OfferEndsAt = time.Time{}
	}
	return Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: user, Kind: EventPassed, Detail: map[string]any{"reason": reason, "to": next.Turn.UpNext}},
		Notices: append(statusNotices(next), offeredNotices(next)...),
	}, nil
}

// OfferEnded is the sweep of a handoff whose up-next member's personal
// offer ended at now: a round-robin lead opens to the pool (its message
// says so), and a member who let it lapse gets one more lapse, at most once
// per handoff (Change.Member; the store counts it and calls Change.Lapsed,
// which sets them away at the pool's limit).
func OfferEnded(h Handoff, pool Pool, now time.Time) Change {
	next := h
	next.OfferEndsAt = time.Time{}
	c := Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: now, Actor: actorBaton, Kind: EventOfferLapsed, Detail: map[string]any{"member": h.Turn.UpNext, "lapsed": false}},
	}
	if h.State == StateOpen {
		c.Notices = statusNotices(next)
	}
	if !h.Turn.Lapsed(h, now) {
		return c
	}
	c.Member = &MemberChange{User: h.Turn.UpNext, LapseLimit: pool.lapseLimit()}
	c.Event.Detail["lapsed"] = true
	return c
}

// Lapsed completes c, whose Member let one more offer lapse, with lapsed,
// the member's count of lapses in a row now that this one is counted: the
// event records it, and the lapse that reaches the limit sets the member
// away and tells them, exactly once (each lapse gets its own count, and a
// claim or /handoff back starts it again from zero).
func (c Change) Lapsed(lapsed int) Change {
	m := c.Member
	setAway := lapsed == m.LapseLimit
	detail := make(map[string]any, len(c.Event.Detail)+2)
	maps.Copy(detail, c.Event.Detail)
	detail["lapsed_in_a_row"], detail["set_away"] = lapsed, setAway
	c.Event.Detail = detail
	if setAway {
		c.Notices = append(slices.Clip(c.Notices), Notice{Kind: NoticeSetAway, HandoffID: c.Handoff.ID, Recipient: m.User})
	}
	return c
}
