package routing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ClockClaimWindow names the claim window among the breaches of a report:
// a live lead whose window closed without a claim. It is not one of the
// clocks after the claim (the ladder handles it), but it is the first SLA
// a handoff can break, so reports count it beside them.
const ClockClaimWindow Clock = "claim_window"

// ReportClocks are the clocks a report counts breaches of, in the order it
// shows them.
var ReportClocks = []Clock{ClockClaimWindow, ClockFirstTouch, ClockOutcome, ClockReengage}

// StatsPeriods are the periods /handoff stats offers, in days.
var StatsPeriods = []int{7, 30, 90}

// DefaultStatsDays is the period of /handoff stats when none is given.
const DefaultStatsDays = 7

// StatsQuery says which handoffs a report counts and whose numbers it
// shows. The handoffs counted are those created in [From, To) that match
// Pools and Passer: the period's cohort, with everything that has
// happened to them up to the query (claims, outcomes). Breaches of the
// clocks after the claim are counted by when they ran out instead (see
// Stats.Breaches).
type StatsQuery struct {
	From, To time.Time
	// At is when the report is made (zero: To): a lead still open then,
	// its window closed, breached the claim window.
	At time.Time
	// Pools limits the handoffs to those routed to these pools; empty
	// means every pool.
	Pools []string
	// Passer limits the handoffs to those this user passed.
	Passer string
	// Receiver makes it a receiver's own numbers: the handoffs of Pools
	// are what was offered to them, and claims, outcomes, breaches and
	// the distribution are theirs alone.
	Receiver string
	// Weights are the receivers to weigh the distribution against: pool →
	// member → weight (see StatsWeights). A receiver nobody weighs (a
	// manager or passer who was given a lead) is listed with weight 0.
	Weights map[string]map[string]float64
}

// Stats are the figures of a report. Every count is of handoffs, not of
// events: a handoff claimed late and then disqualified counts once in each
// figure it belongs to.
type Stats struct {
	From, To time.Time
	// Handoffs created in the period, live or scheduled for later,
	// cancelled ones included.
	Handoffs int
	// Offered: live transfers posted in their pool's channel for claiming,
	// less those cancelled before their claim window closed (nobody had
	// the whole window to claim them).
	Offered int
	// Claimed: offered handoffs someone claimed (the handoff.claimed
	// event), late claims included; for a receiver, the ones they claimed.
	Claimed int
	// ClaimedInWindow: claimed at or before the claim deadline.
	ClaimedInWindow int
	// MedianToClaim and P90ToClaim are the 50th and 90th percentiles
	// (interpolated) of the time from creation to claim of the claimed.
	MedianToClaim, P90ToClaim time.Duration
	// WarmTransfers: claimed handoffs whose owner logged "connected
	// live": the closer got the prospect on the line.
	WarmTransfers int
	// Breaches by clock, in ReportClocks order: the claim window for the
	// offered handoffs of the period whose window closed without a claim;
	// the clocks after the claim by when they ran out (breached_at in the
	// period), whatever the handoff's age.
	Breaches []ClockCount
	// Qualified: handoffs whose outcome is qualified (SAL or SQL): the
	// AE-accepted leads.
	Qualified int
	// Disqualified by reason code, in DisqualifyReasons order, reasons
	// with none left out.
	Disqualified []ReasonCount
	// Meetings: handoffs with a meeting that took place or not (a "meeting
	// held" or a "no-show" logged); NoShows: those with a no-show logged.
	Meetings, NoShows int
	// Passers: per passer, handoffs passed and AE-accepted, most first.
	Passers []PasserStats
	// Receivers: per receiver, leads owned against the weighted share.
	Receivers []ReceiverStats
}

// ClockCount is how many breaches one clock had.
type ClockCount struct {
	Clock Clock
	Count int
}

// ReasonCount is how many leads were disqualified for one reason.
type ReasonCount struct {
	Reason DisqualifyReason
	Count  int
}

// PasserStats are one passer's handoffs of the period.
type PasserStats struct {
	User     string
	Handoffs int
	// Accepted are those qualified (SAL or SQL) by the receiver: what the
	// seed pays SDRs on, so volume alone does not pay.
	Accepted int
}

// ReceiverStats is one receiver's share of the period's leads.
type ReceiverStats struct {
	User string
	// Leads are the period's handoffs they own now (claimed, or given by
	// rotation), summed over pools.
	Leads int
	// Expected is their fair share: in each pool, the pool's leads times
	// their weight over the pool's total weight, summed over pools.
	Expected float64
}

// PoolOwners is how many of a pool's leads of the period one receiver
// owns: what the store counts and WeighReceivers weighs.
type PoolOwners struct {
	Pool  string
	Owner string
	Leads int
}

// Rate is part over whole; ok is false when whole is zero (no rate, not 0 %).
func Rate(part, whole int) (rate float64, ok bool) {
	if whole <= 0 {
		return 0, false
	}
	return float64(part) / float64(whole), true
}

// AcceptanceRate is Claimed over Offered.
func (s Stats) AcceptanceRate() (float64, bool) { return Rate(s.Claimed, s.Offered) }

// InWindowRate is ClaimedInWindow over Offered: the share of offered leads
// a closer picked up while the prospect was still holding.
func (s Stats) InWindowRate() (float64, bool) { return Rate(s.ClaimedInWindow, s.Offered) }

// NoShowRate is NoShows over Meetings.
func (s Stats) NoShowRate() (float64, bool) { return Rate(s.NoShows, s.Meetings) }

// WarmTransferRate is WarmTransfers over Offered.
func (s Stats) WarmTransferRate() (float64, bool) { return Rate(s.WarmTransfers, s.Offered) }

// TotalBreaches sums Breaches.
func (s Stats) TotalBreaches() int {
	n := 0
	for _, b := range s.Breaches {
		n += b.Count
	}
	return n
}

// DisqualifiedTotal sums Disqualified.
func (s Stats) DisqualifiedTotal() int {
	n := 0
	for _, r := range s.Disqualified {
		n += r.Count
	}
	return n
}

// StatsWeights are the weights of pools' members, for StatsQuery.Weights.
func StatsWeights(pools []Pool) map[string]map[string]float64 {
	out := make(map[string]map[string]float64, len(pools))
	for _, p := range pools {
		w := make(map[string]float64, len(p.Members))
		for _, m := range p.Members {
			w[m] = p.Rotation.SettingsFor(m).Weight
		}
		out[p.Name] = w
	}
	return out
}

// WeighReceivers turns per-pool owner counts into the distribution: each
// receiver's leads against their fair share. In each pool the share of a
// member is the pool's leads (all of them, whoever owns them) times their
// weight over the pool's total weight, so a member with no lead is listed
// with 0 against what they should have had. Receivers are ordered by leads,
// then share, then id. With only set, the list holds that receiver alone
// (their share still reckoned from the whole pool).
func WeighReceivers(counts []PoolOwners, weights map[string]map[string]float64, only string) []ReceiverStats {
	byUser := map[string]*ReceiverStats{}
	get := func(u string) *ReceiverStats {
		r, ok := byUser[u]
		if !ok {
			r = &ReceiverStats{User: u}
			byUser[u] = r
		}
		return r
	}
	poolLeads := map[string]int{}
	for _, c := range counts {
		poolLeads[c.Pool] += c.Leads
		get(c.Owner).Leads += c.Leads
	}
	for pool, members := range weights {
		total := 0.0
		for _, w := range members {
			total += w
		}
		for m, w := range members {
			r := get(m)
			if total > 0 {
				r.Expected += float64(poolLeads[pool]) * w / total
			}
		}
	}
	out := make([]ReceiverStats, 0, len(byUser))
	for _, r := range byUser {
		if only == "" || r.User == only {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b ReceiverStats) int {
		switch {
		case a.Leads != b.Leads:
			return b.Leads - a.Leads
		case a.Expected != b.Expected:
			if a.Expected > b.Expected {
				return -1
			}
			return 1
		}
		return strings.Compare(a.User, b.User)
	})
	return out
}

// StatsPeriod is the period of a report of days ending at now: whole days
// in loc, from midnight days-1 days before today until now. Days are
// counted on the calendar, so a period across a daylight-saving change is
// an hour longer or shorter, and its start is still a local midnight.
func StatsPeriod(days int, now time.Time, loc *time.Location) (from, to time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	y, m, d := local.Date()
	return time.Date(y, m, d-(days-1), 0, 0, 0, 0, loc), now
}

// ReviewWeeks are the weeks the weekly review compares, for a review due
// at tick: the last week is the seven whole days before tick's day (in
// loc), so a Monday morning review covers Monday to Sunday; the previous
// week is the seven days before that.
func ReviewWeeks(tick time.Time, loc *time.Location) (last, previous [2]time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := tick.In(loc).Date()
	day := func(back int) time.Time { return time.Date(y, m, d-back, 0, 0, 0, 0, loc) }
	return [2]time.Time{day(7), day(0)}, [2]time.Time{day(14), day(7)}
}

// StatsRequest is a parsed /handoff stats command.
type StatsRequest struct {
	Days int
	// User is a user ID when someone's numbers were asked for.
	User string
	// Pool is a pool name when a pool's numbers were asked for.
	Pool string
}

// StatsUsage is how the stats command is written.
const StatsUsage = "`/handoff stats [7d|30d|90d] [@someone|pool]`"

// ParseStats reads the text after /handoff when it is a stats command:
// "stats", then optionally a period (7d, 30d, 90d) and someone (a mention,
// as Slack escapes it: <@U123|name>, or a user ID) or one of pools. ok is
// false when the text is not a stats command; err is a sentence for the
// asker.
func ParseStats(text string, pools []string) (req StatsRequest, ok bool, err error) {
	fields := strings.Fields(text)
	if len(fields) == 0 || !strings.EqualFold(fields[0], "stats") {
		return req, false, nil
	}
	req.Days = DefaultStatsDays
	period := false
	for _, f := range fields[1:] {
		lower := strings.ToLower(f)
		switch {
		case strings.HasSuffix(lower, "d") && isDigits(lower[:len(lower)-1]):
			n, _ := strconv.Atoi(lower[:len(lower)-1])
			if period || !slices.Contains(StatsPeriods, n) {
				return req, true, fmt.Errorf("the period is 7d, 30d or 90d, once: %s", StatsUsage)
			}
			req.Days, period = n, true
		case strings.HasPrefix(f, "<@"):
			id, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(f, "<@"), ">"), "|")
			if !isUserID(id) || req.User != "" || req.Pool != "" {
				return req, true, fmt.Errorf("name one person or one pool: %s", StatsUsage)
			}
			req.User = id
		case isUserID(f):
			if req.User != "" || req.Pool != "" {
				return req, true, fmt.Errorf("name one person or one pool: %s", StatsUsage)
			}
			req.User = f
		case strings.HasPrefix(f, "@"):
			return req, true, fmt.Errorf("I can't tell who %s is: pick them from the list Slack offers as you type the @, so it becomes a mention", f)
		default:
			i := slices.IndexFunc(pools, func(p string) bool { return strings.EqualFold(p, f) })
			if i < 0 {
				return req, true, fmt.Errorf("there is no pool called %q: %s", f, StatsUsage)
			}
			if req.User != "" || req.Pool != "" {
				return req, true, fmt.Errorf("name one person or one pool: %s", StatsUsage)
			}
			req.Pool = pools[i]
		}
	}
	return req, true, nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// isUserID accepts Slack user IDs (U… or W…, upper-case letters and digits).
func isUserID(s string) bool {
	if len(s) < 3 || len(s) > 32 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// StatsRole is whose numbers a report shows.
type StatsRole string

// The roles of a report.
const (
	// RoleTeam: a manager's view of their pools (or of one of them).
	RoleTeam StatsRole = "team"
	// RoleReceiver: a pool member's own numbers.
	RoleReceiver StatsRole = "receiver"
	// RolePasser: the numbers of someone's handoffs.
	RolePasser StatsRole = "passer"
)

// StatsScope is a decided report: whose numbers, over which pools.
type StatsScope struct {
	Role StatsRole
	// User is the receiver or passer shown ("" for a team).
	User string
	// Pools are the pools counted (empty: every pool, for a passer).
	Pools []Pool
	// Title names what is shown: "closers", "<@U1>".
	Title string
}

// Query is the StatsQuery of the scope over [from, to).
func (s StatsScope) Query(from, to time.Time) StatsQuery {
	q := StatsQuery{From: from, To: to}
	for _, p := range s.Pools {
		q.Pools = append(q.Pools, p.Name)
	}
	switch s.Role {
	case RoleReceiver:
		q.Receiver = s.User
		q.Weights = StatsWeights(s.Pools)
	case RolePasser:
		q.Passer = s.User
	default:
		q.Weights = StatsWeights(s.Pools)
	}
	return q
}

// RefusedStats is the refusal code for asking someone else's numbers, or a
// pool's, without managing a pool that covers them.
const RefusedStats RefusalCode = "stats_not_manager"

// ScopeStats decides what asker may see for req: a manager sees their
// pools (or one of them by name), and any member of them, or any passer's
// handoffs into them; anyone else sees their own numbers only, as a
// receiver when they are in a pool, as a passer otherwise. Asking for
// oneself is always allowed.
func (p Policy) ScopeStats(asker string, req StatsRequest) (StatsScope, error) {
	var managed, memberOf []Pool
	for _, pl := range p.Pools {
		if pl.IsManager(asker) {
			managed = append(managed, pl)
		}
		if pl.IsMember(asker) {
			memberOf = append(memberOf, pl)
		}
	}
	own := func(user string, pools []Pool, in []Pool) StatsScope {
		if len(pools) > 0 {
			return StatsScope{Role: RoleReceiver, User: user, Pools: pools, Title: "<@" + user + ">"}
		}
		return StatsScope{Role: RolePasser, User: user, Pools: in, Title: "<@" + user + ">"}
	}
	switch {
	case req.Pool != "":
		i := slices.IndexFunc(managed, func(pl Pool) bool { return pl.Name == req.Pool })
		if i < 0 {
			return StatsScope{}, &Refusal{Code: RefusedStats}
		}
		return StatsScope{Role: RoleTeam, Pools: managed[i : i+1], Title: managed[i].Name}, nil
	case req.User != "" && req.User != asker:
		if len(managed) == 0 {
			return StatsScope{}, &Refusal{Code: RefusedStats}
		}
		var in []Pool
		for _, pl := range managed {
			if pl.IsMember(req.User) {
				in = append(in, pl)
			}
		}
		// Someone outside the manager's pools is shown as a passer, and
		// only their handoffs into those pools.
		return own(req.User, in, managed), nil
	case len(managed) > 0 && req.User == "":
		names := make([]string, len(managed))
		for i, pl := range managed {
			names[i] = pl.Name
		}
		return StatsScope{Role: RoleTeam, Pools: managed, Title: strings.Join(names, ", ")}, nil
	}
	return own(asker, memberOf, nil), nil
}

// PoolNames lists the configured pools' names, in order.
func (p Policy) PoolNames() []string {
	out := make([]string, len(p.Pools))
	for i, pl := range p.Pools {
		out[i] = pl.Name
	}
	return out
}
