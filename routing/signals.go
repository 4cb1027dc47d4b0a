package routing

import (
	"slices"
	"time"
)

// Signal names one early-warning signal of the weekly review: a figure
// that says a failure of the handoff process is starting.
type Signal string

// The signals, in the order the review shows them.
const (
	// SignalJoined: the share of live handoffs where the closer joined
	// the call (outcome "connected live", or a claim within the window).
	// Too low: warm transfers are becoming a calendar fiction.
	SignalJoined Signal = "joined"
	// SignalDeclined: the share of handoffs that reached a closer and
	// that a closer declined (passed or handed back).
	SignalDeclined Signal = "declined"
	// SignalTemplated: the share of first touches that were templated
	// emails: the SLA honoured on paper only.
	SignalTemplated Signal = "templated"
	// SignalAcceptance: acceptance (claimed over offered) high while the
	// SAL→SQL conversion is low: criteria written down but not enforced.
	SignalAcceptance Signal = "acceptance"
	// SignalReasonCluster: one disqualification reason is most of the
	// disqualified leads.
	SignalReasonCluster Signal = "reason_cluster"
	// SignalFirstPass: the share of submitted forms that passed the gates
	// the first time.
	SignalFirstPass Signal = "first_pass"
	// SignalUnreviewed: the weekly reviews in a row nobody marked
	// reviewed.
	SignalUnreviewed Signal = "unreviewed"
	// SignalMultiOwner: the share of owned leads that had more than one
	// owner within a week of their handoff.
	SignalMultiOwner Signal = "multi_owner"
	// SignalUnmanaged: reassignments made by someone who is not a manager
	// of the lead's pool.
	SignalUnmanaged Signal = "unmanaged_reassign"
)

// SignalOrder lists the signals in the order reports show them.
var SignalOrder = []Signal{SignalJoined, SignalDeclined, SignalTemplated, SignalAcceptance, SignalReasonCluster,
	SignalFirstPass, SignalUnreviewed, SignalMultiOwner, SignalUnmanaged}

// SignalThresholds are where each signal raises a flag
// (reports.signals). A share is between 0 and 1; a flag for "below"
// needs the value strictly below, one for "above" strictly above, so a
// value exactly at its threshold is never flagged.
type SignalThresholds struct {
	// JoinedMin: SignalJoined flags below it.
	JoinedMin float64
	// DeclinedMax: SignalDeclined flags above it.
	DeclinedMax float64
	// TemplatedMax: SignalTemplated flags above it.
	TemplatedMax float64
	// AcceptanceMax and SALToSQLMin: SignalAcceptance flags when the
	// acceptance rate is above AcceptanceMax while the SAL→SQL
	// conversion is below SALToSQLMin.
	AcceptanceMax, SALToSQLMin float64
	// ReasonClusterMax: SignalReasonCluster flags when one reason's share
	// of the disqualified leads is above it.
	ReasonClusterMax float64
	// FirstPassMin: SignalFirstPass flags below it.
	FirstPassMin float64
	// MultiOwnerMax: SignalMultiOwner flags above it.
	MultiOwnerMax float64
	// UnmanagedMax: SignalUnmanaged flags when more reassignments than
	// this came without a manager (a count).
	UnmanagedMax int
	// UnreviewedWeeksMax: SignalUnreviewed flags when more reviews in a
	// row than this went unmarked.
	UnreviewedWeeksMax int
	// MinSample is the fewest cases a share needs before it may flag
	// (its whole: offered handoffs, first touches, submissions, …): two
	// leads out of three says nothing about a process.
	MinSample int
}

// DefaultSignalThresholds are the thresholds when reports.signals leaves
// them out.
var DefaultSignalThresholds = SignalThresholds{
	JoinedMin: 0.70, DeclinedMax: 0.15, TemplatedMax: 0.30,
	AcceptanceMax: 0.90, SALToSQLMin: 0.30, ReasonClusterMax: 0.50,
	FirstPassMin: 0.60, MultiOwnerMax: 0.10, UnmanagedMax: 0,
	UnreviewedWeeksMax: 1, MinSample: 5,
}

// SignalCounts are the counts the signals are computed from, for one pool
// or a whole team, over the handoffs created in a period (see docs/stats.md
// for each definition).
type SignalCounts struct {
	// Offered live transfers, and those where the closer joined the call.
	Offered, Joined int
	// Reached: handoffs offered or given to a closer; Declined: those a
	// closer passed or handed back.
	Reached, Declined int
	// FirstTouches: handoffs with a touch logged; Templated: those whose
	// first touch was a templated email.
	FirstTouches, Templated int
	// Claimed: offered handoffs someone claimed (acceptance is Claimed
	// over Offered).
	Claimed int
	// SAL: handoffs a closer took (claimed, or a scheduled call accepted);
	// SQL: those of them whose outcome is Qualified (SQL) (a Qualified
	// (SAL) outcome is an accepted lead, not yet a qualified one).
	SAL, SQL int
	// Disqualified by reason code.
	Reasons []ReasonCount
	// Submissions: forms submitted (each form once, however often it was
	// sent back); FirstPass: those the gates did not refuse.
	Submissions, FirstPass int
	// Owned: handoffs that had an owner; MultiOwner: those whose owner
	// changed within a week of the handoff.
	Owned, MultiOwner int
	// Reassigned: reassignments; Unmanaged: those made by someone not a
	// manager of the pool.
	Reassigned, Unmanaged int
}

// Add sums two pools' counts.
func (c SignalCounts) Add(o SignalCounts) SignalCounts {
	out := SignalCounts{
		Offered: c.Offered + o.Offered, Joined: c.Joined + o.Joined,
		Reached: c.Reached + o.Reached, Declined: c.Declined + o.Declined,
		FirstTouches: c.FirstTouches + o.FirstTouches, Templated: c.Templated + o.Templated,
		Claimed: c.Claimed + o.Claimed, SAL: c.SAL + o.SAL, SQL: c.SQL + o.SQL,
		Submissions: c.Submissions + o.Submissions, FirstPass: c.FirstPass + o.FirstPass,
		Owned: c.Owned + o.Owned, MultiOwner: c.MultiOwner + o.MultiOwner,
		Reassigned: c.Reassigned + o.Reassigned, Unmanaged: c.Unmanaged + o.Unmanaged,
	}
	out.Reasons = slices.Clone(c.Reasons)
	for _, r := range o.Reasons {
		if i := slices.IndexFunc(out.Reasons, func(x ReasonCount) bool { return x.Reason == r.Reason }); i >= 0 {
			out.Reasons[i].Count += r.Count
		} else {
			out.Reasons = append(out.Reasons, r)
		}
	}
	return out
}

// Disqualified sums Reasons.
func (c SignalCounts) Disqualified() int {
	n := 0
	for _, r := range c.Reasons {
		n += r.Count
	}
	return n
}

// TopReason is the reason most leads were disqualified for (the first in
// Reasons' order on a tie) and how many.
func (c SignalCounts) TopReason() ReasonCount {
	var top ReasonCount
	for _, r := range c.Reasons {
		if r.Count > top.Count {
			top = r
		}
	}
	return top
}

// ReasonShare is the share of the disqualified leads whose reason is
// reason, read as SignalReasonCluster: what last week's value of a
// cluster flagged this week is, whichever reason led then.
func (c SignalCounts) ReasonShare(reason DisqualifyReason) Reading {
	n := 0
	for _, r := range c.Reasons {
		if r.Reason == reason {
			n += r.Count
		}
	}
	v, ok := Rate(n, c.Disqualified())
	return Reading{Signal: SignalReasonCluster, Part: n, Whole: c.Disqualified(), Value: v, OK: ok, Reason: reason}
}

// PoolSignals are one pool's counts.
type PoolSignals struct {
	Pool string
	SignalCounts
}

// Signals are a period's counts, per pool, and the weekly reviews that
// went unmarked.
type Signals struct {
	From, To time.Time
	// Pools holds every pool with a handoff or a submission in the
	// period, by name.
	Pools []PoolSignals
	// UnreviewedWeeks is how many weekly reviews in a row, up to the
	// latest before the report, nobody marked reviewed.
	UnreviewedWeeks int
}

// Team sums the pools' counts.
func (s Signals) Team() SignalCounts {
	var t SignalCounts
	for _, p := range s.Pools {
		t = t.Add(p.SignalCounts)
	}
	return t
}

// Reading is one signal's value for one pool or team.
type Reading struct {
	Signal Signal
	// Part and Whole make the value of a share (Part is the count of a
	// count-based signal, Whole 0).
	Part, Whole int
	// Value is the share (Part over Whole) or the count; OK is false when
	// a share has no cases.
	Value float64
	OK    bool
	// Claimed and Offered make the acceptance rate beside
	// SignalAcceptance's conversion.
	Claimed, Offered int
	// Reason is SignalReasonCluster's most frequent reason.
	Reason DisqualifyReason
}

// Counted reports whether the signal is a count rather than a share.
func (s Signal) Counted() bool { return s == SignalUnmanaged || s == SignalUnreviewed }

// Read is the value of signal s from c; unreviewed is the count of weeks
// for SignalUnreviewed (a team's figure, not a pool's).
func (c SignalCounts) Read(s Signal, unreviewed int) Reading {
	share := func(part, whole int) Reading {
		v, ok := Rate(part, whole)
		return Reading{Signal: s, Part: part, Whole: whole, Value: v, OK: ok}
	}
	switch s {
	case SignalJoined:
		return share(c.Joined, c.Offered)
	case SignalDeclined:
		return share(c.Declined, c.Reached)
	case SignalTemplated:
		return share(c.Templated, c.FirstTouches)
	case SignalAcceptance:
		r := share(c.SQL, c.SAL)
		r.Claimed, r.Offered = c.Claimed, c.Offered
		return r
	case SignalReasonCluster:
		top := c.TopReason()
		r := share(top.Count, c.Disqualified())
		r.Reason = top.Reason
		return r
	case SignalFirstPass:
		return share(c.FirstPass, c.Submissions)
	case SignalMultiOwner:
		return share(c.MultiOwner, c.Owned)
	case SignalUnmanaged:
		return Reading{Signal: s, Part: c.Unmanaged, Value: float64(c.Unmanaged), OK: true}
	case SignalUnreviewed:
		return Reading{Signal: s, Part: unreviewed, Value: float64(unreviewed), OK: true}
	}
	return Reading{Signal: s}
}

// Flag is a signal over its threshold, for a pool ("" for the team).
type Flag struct {
	Pool    string
	Reading Reading
	// Threshold is the one crossed (for SignalAcceptance, the conversion's
	// minimum; the acceptance's maximum is AcceptanceMax).
	Threshold float64
	// AcceptanceMax is SignalAcceptance's other threshold.
	AcceptanceMax float64
}

// Below reports whether a share of part over whole is strictly below
// limit, with at least sample cases: a share exactly at its minimum is not
// flagged, and too few cases never are.
func Below(part, whole int, limit float64, sample int) bool {
	v, ok := Rate(part, whole)
	return ok && whole >= sample && v < limit
}

// Above reports whether a share of part over whole is strictly above
// limit, with at least sample cases.
func Above(part, whole int, limit float64, sample int) bool {
	v, ok := Rate(part, whole)
	return ok && whole >= sample && v > limit
}

// Decide says whether a reading raises its flag under t: the pure
// decision of value against threshold. The threshold it returns is the
// one the reading is judged against, flagged or not.
func (t SignalThresholds) Decide(r Reading) (flagged bool, threshold float64) {
	switch r.Signal {
	case SignalJoined:
		return Below(r.Part, r.Whole, t.JoinedMin, t.MinSample), t.JoinedMin
	case SignalDeclined:
		return Above(r.Part, r.Whole, t.DeclinedMax, t.MinSample), t.DeclinedMax
	case SignalTemplated:
		return Above(r.Part, r.Whole, t.TemplatedMax, t.MinSample), t.TemplatedMax
	case SignalAcceptance:
		// Both halves need their sample: the offered for the acceptance,
		// the taken leads for the conversion.
		return Above(r.Claimed, r.Offered, t.AcceptanceMax, t.MinSample) &&
			Below(r.Part, r.Whole, t.SALToSQLMin, t.MinSample), t.SALToSQLMin
	case SignalReasonCluster:
		return Above(r.Part, r.Whole, t.ReasonClusterMax, t.MinSample), t.ReasonClusterMax
	case SignalFirstPass:
		return Below(r.Part, r.Whole, t.FirstPassMin, t.MinSample), t.FirstPassMin
	case SignalMultiOwner:
		return Above(r.Part, r.Whole, t.MultiOwnerMax, t.MinSample), t.MultiOwnerMax
	case SignalUnmanaged:
		return r.Part > t.UnmanagedMax, float64(t.UnmanagedMax)
	case SignalUnreviewed:
		return r.Part > t.UnreviewedWeeksMax, float64(t.UnreviewedWeeksMax)
	}
	return false, 0
}

// Flags are the signals of s over their thresholds: the team's first (all
// the pools together), then each pool's, in SignalOrder. With one pool the
// team is that pool, so it is not repeated. SignalUnreviewed is the team's
// alone: one review covers every pool.
func (t SignalThresholds) Flags(s Signals) []Flag {
	var out []Flag
	check := func(pool string, c SignalCounts) {
		for _, sig := range SignalOrder {
			if sig == SignalUnreviewed && pool != "" {
				continue
			}
			r := c.Read(sig, s.UnreviewedWeeks)
			if flagged, threshold := t.Decide(r); flagged {
				out = append(out, Flag{Pool: pool, Reading: r, Threshold: threshold, AcceptanceMax: t.AcceptanceMax})
			}
		}
	}
	check("", s.Team())
	if len(s.Pools) > 1 {
		for _, p := range s.Pools {
			check(p.Pool, p.SignalCounts)
		}
	}
	return out
}

// SignalsReport is a period's signals beside the period before's, and
// the flags the period raises under Thresholds.
type SignalsReport struct {
	Signals, Previous Signals
	Flags             []Flag
	Thresholds        SignalThresholds
}

// WeeklyReview is what the weekly review shows: the figures of the last
// week and the week before, their signals and flags, and whether it was
// marked reviewed.
type WeeklyReview struct {
	// Tick is the review's tick: it names the review (its Reviewed button
	// carries it) and fixes the weeks.
	Tick           time.Time
	Last, Previous Stats
	Signals        SignalsReport
	// ReviewedBy and ReviewedAt say who marked it reviewed, and when
	// (empty while nobody has).
	ReviewedBy string
	ReviewedAt time.Time
}

// SignalsQuery says which handoffs the signals count: those created in
// [From, To) of Pools (empty: every pool), with the managers of each pool
// as two parallel lists (see Policy.ManagerPairs); Before, when set, is
// the review (or report) the weeks in a row unreviewed are counted up to.
type SignalsQuery struct {
	From, To               time.Time
	Pools                  []string
	ManagerPools, Managers []string
	Before                 time.Time
}

// PostedReview is a weekly review as posted: where, and who marked it
// reviewed, when (empty while nobody has).
type PostedReview struct {
	Tick       time.Time
	Channel    string
	MessageTS  string
	ReviewedBy string
	ReviewedAt time.Time
}

// EventReviewPosted records where a weekly review was posted.
const EventReviewPosted EventKind = "review.posted"

// EventReviewed records that a manager marked a weekly review reviewed.
const EventReviewed EventKind = "review.reviewed"

// EventGatesRefused records a submitted form whose live transfer the
// gates refused; it is about no handoff yet (the form's view names it).
const EventGatesRefused EventKind = "form.gates_refused"

// NoticeReviewUpdate updates a posted weekly review (Recipient is its
// channel; Detail holds the tick) to say who reviewed it.
const NoticeReviewUpdate NoticeKind = "weekly_review_update"

// RefusedNotReviewer refuses marking a review reviewed to anyone who
// manages no pool.
const RefusedNotReviewer RefusalCode = "review_not_manager"

// MayMarkReviewed says whether user may mark the weekly review reviewed:
// the review covers every pool, so a manager of any pool may.
func (p Policy) MayMarkReviewed(user string) *Refusal {
	for _, pl := range p.Pools {
		if pl.IsManager(user) {
			return nil
		}
	}
	return &Refusal{Code: RefusedNotReviewer}
}

// ManagerPairs lists each pool's managers as two parallel lists (pool,
// manager), the shape the store's query takes to tell a manager's
// reassignment from anyone else's.
func (p Policy) ManagerPairs() (pools, managers []string) {
	for _, pl := range p.Pools {
		for _, m := range pl.Managers {
			pools, managers = append(pools, pl.Name), append(managers, m)
		}
	}
	return pools, managers
}
