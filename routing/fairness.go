package routing

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// ResetPeriod is how long fairness remembers: counts start again from zero
// at the start of each period. Within a period a member who was away, or
// joined late, starts low and catches up with a run of leads; that is
// count-based fairness working, and the period bounds how much is owed, so
// a fortnight's absence is not paid back for months.
type ResetPeriod string

// The fairness periods. The empty ResetPeriod means ResetMonthly.
const (
	ResetMonthly ResetPeriod = "monthly"
	ResetWeekly  ResetPeriod = "weekly"
	ResetNever   ResetPeriod = "never"
)

// PeriodStart is the first instant of the fairness period that contains now,
// in loc (the policy's timezone; UTC when nil): the first of the month at
// 00:00, or Monday at 00:00 (weeks start on Monday, as ISO 8601 and most
// sales calendars have it). For ResetNever it is the zero time: count
// everything. The store counts assignments made at or after this instant.
func PeriodStart(period ResetPeriod, now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	y, m, d := local.Date()
	switch period {
	case ResetNever:
		return time.Time{}
	case ResetWeekly:
		sinceMonday := (int(local.Weekday()) + 6) % 7
		return midnight(y, m, d-sinceMonday, loc)
	default:
		return midnight(y, m, 1, loc)
	}
}

// MemberState is what the store knows about one member at the moment of a
// decision. Each field says how the store derives it; every count comes from
// the event log, so it can be rebuilt.
type MemberState struct {
	// User is the member's Slack user ID.
	User string
	// Assigned counts the leads the member received in this pool since
	// PeriodStart (claims and Schedule-for-later assignments), minus the
	// credit-backs made since then: a lead reassigned away from them, or one
	// they disqualified as a bad fit, gives its slot back, because a lead
	// that could not become business should not cost its receiver their
	// turn. A credit-back counts in the period it happens, so a lead given
	// in March and credited in April makes April's count -1: the member is
	// owed one, and negative counts rank correctly.
	Assigned int
	// LastAssigned is when the member last received a lead in this pool, in
	// any period and whatever became of it; zero if never. It breaks ties:
	// whoever waited longest goes first.
	LastAssigned time.Time
	// Today counts the leads received in any pool since the start of the
	// pool's day (see Policy.RotationSince), for the daily cap. Credit-backs
	// do not lower it: the cap protects the member's day, and that day was
	// spent.
	Today int
	// Open counts the leads the member owns that have no outcome yet, in any
	// pool, for the open-lead cap.
	Open int
	// AwayUntil is when a manual /handoff away ends; zero or past if not away.
	AwayUntil time.Time
	// LapsedOffers counts the priority offers the member let lapse in a row:
	// it goes up by one per lapse (see OfferEnded), and back to zero when
	// they claim a lead or say /handoff back or available. At the pool's
	// lapse limit the member counts as away until they come back.
	LapsedOffers int
	// Location is the zone of the member's Slack profile; nil when it is not
	// known (not read, not set, not a zone Go knows), and then the pool's
	// applies. See Rotation.Zone for what beats what.
	Location *time.Location
}

// standing is a member's place in the rotation.
type standing struct {
	state  MemberState
	weight float64
	index  int // position in the pool's configured members
}

// rank orders the pool's members fairest first: the lowest count per unit of
// weight, then whoever waited longest (never assigned first), then the
// order of the configuration, so the same inputs always give the same order.
// Members without a state are new: count zero, never assigned.
func (p Pool) rank(states []MemberState) []standing {
	byUser := make(map[string]MemberState, len(states))
	for _, s := range states {
		byUser[s.User] = s
	}
	out := make([]standing, 0, len(p.Members))
	seen := make(map[string]bool, len(p.Members))
	for i, user := range p.Members {
		if seen[user] {
			continue // listed twice: one turn each, not two
		}
		seen[user] = true
		state := byUser[user]
		state.User = user
		out = append(out, standing{state: state, weight: p.SettingsFor(user).Weight, index: i})
	}
	// compareFairness is a total order (it ends with the position in the
	// configuration, unique once duplicates are skipped), so an unstable
	// sort gives the same order as a stable one; it also moves these large
	// structs O(n log n) times instead of the stable sort's O(n log² n),
	// which made ranking a pool of 1,000 cost a millisecond.
	slices.SortFunc(out, compareFairness)
	return out
}

func compareFairness(a, b standing) int {
	// a/wa < b/wb without dividing: weights are positive.
	left, right := float64(a.state.Assigned)*b.weight, float64(b.state.Assigned)*a.weight
	// Weights like 0.1 do not multiply exactly; a difference this small is a tie.
	if math.Abs(left-right) > 1e-9*max(1, math.Abs(left), math.Abs(right)) {
		return cmp.Compare(left, right)
	}
	if a.state.LastAssigned.IsZero() != b.state.LastAssigned.IsZero() {
		if a.state.LastAssigned.IsZero() {
			return -1
		}
		return 1
	}
	if c := a.state.LastAssigned.Compare(b.state.LastAssigned); c != 0 {
		return c
	}
	return cmp.Compare(a.index, b.index)
}
