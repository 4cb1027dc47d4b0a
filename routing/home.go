package routing

import (
	"slices"
	"time"
)

// NoticeHomeRefresh republishes a person's App Home tab (Recipient) from
// the state at delivery time. It is about a person, not a handoff: one
// pending refresh per person stands for any number of changes, so the
// store coalesces them (see HomeRefreshes).
const NoticeHomeRefresh NoticeKind = "home_refresh"

// HomeRefresh is the notice that republishes user's App Home.
func HomeRefresh(user string) Notice {
	return Notice{Kind: NoticeHomeRefresh, Recipient: user}
}

// HomeRefreshes are the App Home refreshes a change to a handoff calls for:
// the Homes that show it. Its passer lists it among their handoffs, its
// owner among their open leads, and a previous owner (reassigned, handed
// back, taken over) must see it leave theirs; a member whose availability
// the change moved (set away after lapsed offers) sees their toggle change.
// Managers' team boards are refreshed by the store, which knows whose Home
// shows which pool's board, a few seconds after a change, so that a busy
// pool's changes share one refresh.
func HomeRefreshes(before Handoff, c Change) []Notice {
	after := c.Handoff
	people := []string{after.PasserID, after.OwnerID, before.OwnerID, after.Work.PreviousOwner}
	if c.Member != nil {
		people = append(people, c.Member.User)
	}
	var out []Notice
	seen := make(map[string]bool, len(people))
	for _, p := range people {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, HomeRefresh(p))
	}
	return out
}

// NextClock is the SLA clock of running that falls due first: the one an
// owner has to beat next. ok is false when none runs.
func NextClock(running []Running) (next Running, ok bool) {
	if len(running) == 0 {
		return Running{}, false
	}
	return slices.MinFunc(running, func(a, b Running) int { return a.DueAt.Compare(b.DueAt) }), true
}

// ReceiverNumbers are a receiver's own figures over a period (their App
// Home shows the current week), computed from the event log.
type ReceiverNumbers struct {
	// Since and Until bound the period: [Since, Until).
	Since, Until time.Time
	// Claimed counts the handoffs they claimed (not those given to them
	// by rotation).
	Claimed int
	// MedianToClaim is the median time from a handoff's creation to their
	// claim; zero when they claimed none.
	MedianToClaim time.Duration
	// Breaches counts the SLA clocks that ran out on leads they owned.
	Breaches int
	// Outcomes counts the outcomes they logged, by kind.
	Outcomes map[OutcomeKind]int
}

// OutcomeTotal is how many outcomes they logged in all.
func (n ReceiverNumbers) OutcomeTotal() int {
	total := 0
	for _, c := range n.Outcomes {
		total += c
	}
	return total
}

// PoolBoard is a pool's open work as its managers see it on their App Home:
// how many leads wait for a claim, how many are owned and not closed, how
// many have an open SLA breach, with the oldest few of the waiting and
// breached ones.
type PoolBoard struct {
	Pool string
	// Unclaimed counts the leads waiting for someone to take them: open,
	// or given by rotation and not accepted yet (the digest's first
	// section).
	Unclaimed int
	// Owned counts the leads owned and not closed, that their owner got
	// within the last 30 days (as open_cap counts them: older ones nobody
	// closed are history, not work in progress).
	Owned int
	// Breached counts owned leads with an open SLA breach.
	Breached int
	// OldestUnclaimed and OldestBreached are the oldest few of each, oldest
	// first.
	OldestUnclaimed, OldestBreached []Handoff
}

// BoardOpenFor is how long after its owner got it a lead that nobody
// closed counts as owned on the team board.
const BoardOpenFor = 30 * 24 * time.Hour
