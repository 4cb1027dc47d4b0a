package routing

import (
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

// MemberChange is a change to one member's availability that a handoff's
// change carries (a lapsed offer), written in the same transaction.
type MemberChange struct {
	User         string
	LapsedOffers int
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
// per handoff. The lapse that reaches the pool's limit sets them away and
// tells them so. upNext is that member's state.
func OfferEnded(h Handoff, pool Pool, upNext MemberState, now time.Time) Change {
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
	lapsed, setAway := pool.RecordLapse(upNext.LapsedOffers)
	c.Member = &MemberChange{User: h.Turn.UpNext, LapsedOffers: lapsed}
	c.Event.Detail["lapsed"], c.Event.Detail["lapsed_in_a_row"], c.Event.Detail["set_away"] = true, lapsed, setAway
	if setAway {
		c.Notices = append(c.Notices, Notice{Kind: NoticeSetAway, HandoffID: h.ID, Recipient: h.Turn.UpNext})
	}
	return c
}
