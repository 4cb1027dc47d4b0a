package routing

import (
	"slices"
	"time"
)

// The reasons a claim is refused at click time because of the rotation, on
// top of CheckClaim's.
const (
	// RefusedAway: the clicker is away (by command or after lapsed offers);
	// /handoff back lets them claim again.
	RefusedAway RefusalCode = "away"
	// RefusedCapped: the clicker holds their cap of open leads or got their
	// daily cap today.
	RefusedCapped RefusalCode = "capped"
	// RefusedNotYourTurn: a strict round-robin lead belongs to the next in
	// line only.
	RefusedNotYourTurn RefusalCode = "not_your_turn"
	// RefusedPriorityWindow: a round-robin lead is still reserved for its
	// up-next member; it opens to the pool at Turn.PriorityUntil.
	RefusedPriorityWindow RefusalCode = "priority_window"
)

// Turn is the part of a routing decision that is frozen onto the handoff
// when it is opened: the mode and who was up next. The store keeps it with
// the handoff and the claim check reads it from there, never from a fresh
// decision, so a config reload or a lead assigned in the meantime cannot
// change whose turn this lead was. The zero Turn is first to claim, which is
// what handoffs opened before rotations existed behave as.
type Turn struct {
	Mode Mode
	// UpNext is the member named up next; empty when nobody was available
	// (in strict round robin it is the next in line, available or not).
	UpNext string
	// PriorityUntil ends the up-next member's priority window in round
	// robin; zero in the other modes.
	PriorityUntil time.Time
	// Available and Members are how many of the pool's members were
	// available when the lead opened, of how many: what the passer is told.
	Available, Members int
}

// Exclusive reports whether only the up-next member may claim at now: always
// in strict round robin, during the priority window in round robin.
func (t Turn) Exclusive(now time.Time) bool {
	switch t.Mode {
	case ModeStrictRoundRobin:
		return true
	case ModeRoundRobin:
		return now.Before(t.PriorityUntil)
	}
	return false
}

// OfferEnds is when the up-next member's personal offer on h ends: the end
// of the priority window in round robin, the claim deadline in strict round
// robin. Zero in first to claim, where nobody is offered a lead personally
// and so nobody can let one lapse. The lapse sweep is due then.
func (t Turn) OfferEnds(h Handoff) time.Time {
	switch {
	case t.UpNext == "":
		return time.Time{}
	case t.Mode == ModeRoundRobin:
		return t.PriorityUntil
	case t.Mode == ModeStrictRoundRobin:
		return h.ClaimDeadline
	}
	return time.Time{}
}

// Lapsed reports whether the up-next member let their offer on h lapse, as h
// stands at now: the offer has ended, and the handoff was neither claimed by
// them (at any time: they showed up) nor claimed by anyone before the offer
// ended nor cancelled. The store records at most one lapse per handoff (see
// OfferEnded).
func (t Turn) Lapsed(h Handoff, now time.Time) bool {
	end := t.OfferEnds(h)
	if end.IsZero() || now.Before(end) {
		return false
	}
	switch h.State {
	case StateCancelled:
		return false
	case StateClaimed:
		return h.OwnerID != t.UpNext && h.ClaimedAt.After(end)
	}
	return true
}

// Candidate is one pool member as a decision saw them.
type Candidate struct {
	User string
	Availability
}

// Offer is who a new handoff is offered to, decided once when it opens.
type Offer struct {
	// Turn is what the store freezes onto the handoff.
	Turn
	// Ranked is every pool member, fairest first, with whether they are
	// available and why not: what the passer and the App Home can be shown.
	Ranked []Candidate
	// Order is who is offered the lead, in order: the available members,
	// fairest first (only the next in line in strict round robin): the
	// order for the escalation ladder's DMs.
	Order []string
	// MayClaim is who may claim at the moment of the decision: Order in
	// first to claim, the up-next member alone in the round robins. Someone
	// outside their working hours who clicks anyway is not refused (see
	// CheckEligibility): hours decide who is asked, not who may help.
	MayClaim []string
	// EscalateNow says waiting out the claim window is pointless: the strict
	// next in line is unavailable, or nobody in the pool is available. The
	// ladder starts at once and the passer is offered Schedule for later.
	EscalateNow bool
}

// Decide is the routing decision for a handoff opened at now in pool, given
// the state of its members (a member with no state is new: nothing counted).
// Choosing the pool is not Decide's job: Policy.Route picks it from the lead
// (and the checklist answers, once rules on them exist) and Decide takes
// whichever pool that was, so rules extend Route without touching fairness.
func Decide(pool Pool, members []MemberState, now time.Time) Offer {
	ranked := pool.rank(members)
	offer := Offer{Turn: Turn{Mode: pool.ModeOrDefault()}, Ranked: make([]Candidate, 0, len(ranked))}
	var available []string
	for _, s := range ranked {
		c := Candidate{User: s.state.User, Availability: pool.Availability(s.state, now)}
		offer.Ranked = append(offer.Ranked, c)
		if c.Available() {
			available = append(available, c.User)
		}
	}
	offer.Available, offer.Members = len(available), len(ranked)

	switch offer.Mode {
	case ModeStrictRoundRobin:
		// Never skipped: the next in line is first whatever their state.
		if len(offer.Ranked) > 0 {
			next := offer.Ranked[0]
			offer.UpNext = next.User
			if next.Available() {
				offer.Order = []string{next.User}
			}
		}
		offer.MayClaim = slices.Clone(offer.Order)
	case ModeRoundRobin:
		offer.Order = available
		if len(available) > 0 {
			offer.UpNext = available[0]
			offer.PriorityUntil = now.Add(pool.priorityWindow())
			offer.MayClaim = []string{available[0]}
		}
	default:
		offer.Order = available
		offer.MayClaim = slices.Clone(available)
		if len(available) > 0 {
			offer.UpNext = available[0]
		}
	}
	offer.EscalateNow = len(offer.Order) == 0
	return offer
}

// CheckEligibility decides at click time whether clicker may claim h, given
// the Turn frozen on it and the clicker's state now. It applies CheckClaim's
// rules first, so callers switch from CheckClaim without losing any; then the
// rotation's, most lasting first, so the member hears the reason that would
// still stand after the others pass: not the strict next (for good), away
// (until they come back), capped (until a lead closes or tomorrow), inside
// someone's priority window (seconds). Working hours are not checked: a
// member who clicks outside them is at their desk and the prospect is
// holding. Nil is permission to try; the store's conditional update still
// decides the race.
func CheckEligibility(h Handoff, pool Pool, turn Turn, clicker MemberState, now time.Time) *ClaimRefusal {
	if r := CheckClaim(h, pool, clicker.User); r != nil {
		return r
	}
	switch {
	case turn.Mode == ModeStrictRoundRobin && clicker.User != turn.UpNext:
		return &ClaimRefusal{Code: RefusedNotYourTurn}
	case pool.awayReason(clicker, now) != "":
		return &ClaimRefusal{Code: RefusedAway}
	case pool.SettingsFor(clicker.User).capReason(clicker) != "":
		return &ClaimRefusal{Code: RefusedCapped}
	case turn.Exclusive(now) && clicker.User != turn.UpNext:
		return &ClaimRefusal{Code: RefusedPriorityWindow}
	}
	return nil
}
