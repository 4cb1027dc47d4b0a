package routing

import (
	"cmp"
	"slices"
	"time"
)

// Pool is a team of receivers that handoffs are routed to, with the Slack
// channel where its handoffs are announced.
type Pool struct {
	Name     string
	Channel  string
	Members  []string
	Managers []string
	// Ladder is what happens when nobody claims in the window; Fallback
	// names the pool its fallback action offers the lead to ("" for none).
	Ladder   Ladder
	Fallback string
	// Rotation is how the pool shares leads among its members (mode,
	// fairness, caps, hours); the zero value is first to claim.
	Rotation
	// Checklist is the pool's own checklist; a zero Checklist (no name)
	// means the policy's default.
	Checklist Checklist
}

// IsMember reports whether user is one of the pool's receivers.
func (p Pool) IsMember(user string) bool { return slices.Contains(p.Members, user) }

// IsManager reports whether user manages the pool.
func (p Pool) IsManager(user string) bool { return slices.Contains(p.Managers, user) }

// SLA holds the clocks that run on a handoff.
type SLA struct {
	// ClaimWindow is the hold-time budget: most prospects won't hold longer
	// than a minute, so the default is 60 s. It starts when the lead is
	// posted in the channel (see AwaitingPost).
	ClaimWindow time.Duration
	// PostDelayNotice is how long a lead's post may take before its passer
	// is told it is queued; zero means DefaultPostDelayNotice.
	PostDelayNotice time.Duration
	// PostGrace is how long a lead waits for its post before its claim
	// window starts anyway; zero means DefaultPostGrace.
	PostGrace time.Duration
	// FirstTouch is how long the owner has for a meaningful touch.
	FirstTouch time.Duration
	// OutcomeDue is how long after the meeting or claim the outcome is due.
	OutcomeDue time.Duration
	// Reengage is how long the owner has to re-engage a no-show with a
	// meaningful touch.
	Reengage time.Duration
	// ManagerGrace is how long a breach stays the owner's alone before the
	// pool's managers are told.
	ManagerGrace time.Duration
	// OwnershipFreeze is how long only a manager or the owner may reassign
	// a lead after its owner got it.
	OwnershipFreeze time.Duration
	// BusinessHours makes the touch, outcome and re-engagement clocks count
	// only the owner's working hours, in the owner's time zone.
	BusinessHours bool
	// Location is the zone of an owner for whom nothing more precise is
	// known (the policy's timezone).
	Location *time.Location
}

// DefaultSLA returns the clocks the handoff literature argues for: a 60 s claim window
// from the post (which may wait 2 min for it, telling the passer after 10 s), a
// touch within 48 h and an outcome within 24 h, 48 h to re-engage a no-show,
// 4 h before a manager hears of a breach, and ownership frozen for 30 days.
func DefaultSLA() SLA {
	return SLA{
		ClaimWindow: 60 * time.Second, PostDelayNotice: DefaultPostDelayNotice, PostGrace: DefaultPostGrace,
		FirstTouch: 48 * time.Hour, OutcomeDue: 24 * time.Hour, Reengage: 48 * time.Hour, ManagerGrace: 4 * time.Hour, OwnershipFreeze: 30 * 24 * time.Hour,
	}
}

// ownershipFreeze is the freeze with its default, for an SLA built by hand.
func (s SLA) ownershipFreeze() time.Duration {
	return cmp.Or(s.OwnershipFreeze, DefaultSLA().OwnershipFreeze)
}

// Digest says where and when the daily stuck-leads digest is posted.
type Digest struct {
	Channel string
	// Schedule is a cron spec (robfig/cron syntax, descriptors allowed).
	Schedule string
	// PerSection is how many leads each section lists before "and N more"
	// (default DefaultDigestPerSection, at most MaxDigestPerSection).
	PerSection int
	// CatchUp is how old a digest tick missed while Baton was down may be
	// and still be posted on start; zero posts none late.
	CatchUp time.Duration
}

// Reports says when the weekly review is posted (in Digest.Channel).
type Reports struct {
	// WeeklySchedule is a cron spec (robfig/cron syntax, descriptors
	// allowed), read in Policy.Location.
	WeeklySchedule string
	// Signals are the early-warning thresholds (reports.signals); the
	// zero value means DefaultSignalThresholds.
	Signals SignalThresholds
}

// Thresholds are the signals' thresholds in force.
func (r Reports) Thresholds() SignalThresholds {
	if r.Signals == (SignalThresholds{}) {
		return DefaultSignalThresholds
	}
	return r.Signals
}

// Policy is everything the configuration decides about routing: the pools,
// the clocks and the digest. It is read-only once built.
type Policy struct {
	Location *time.Location
	Pools    []Pool
	SLA      SLA
	Digest   Digest
	Reports  Reports
	// Checklist is the default qualification checklist.
	Checklist Checklist
	// Rules pick the pool of a lead from its checklist answers, the first
	// that matches; see RouteForm.
	Rules []Rule
}

// FormFor picks what the /handoff form asks when it is opened in channel: a
// pool with its own checklist asks it in its channel, and the handoff then
// goes to that pool (pool is its name); anywhere else the default checklist
// is asked and pool is "".
func (p Policy) FormFor(channel string) (pool string, c Checklist) {
	for _, pl := range p.Pools {
		if pl.Channel == channel && pl.Checklist.Name != "" {
			return pl.Name, pl.Checklist
		}
	}
	return "", p.Checklist
}

// ChecklistNamed returns the checklist called name, the default's or a
// pool's: the one a submitted form says it asked.
func (p Policy) ChecklistNamed(name string) (Checklist, bool) {
	if p.Checklist.Name == name {
		return p.Checklist, true
	}
	for _, pl := range p.Pools {
		if pl.Checklist.Name != "" && pl.Checklist.Name == name {
			return pl.Checklist, true
		}
	}
	return Checklist{}, false
}

// RouteForm picks the pool for a lead whose form was opened for formPool
// (see FormFor). The first rule the lead's answers match picks it, whatever
// the form: rules say where a kind of lead belongs, and may name any pool.
// Otherwise it is the default: formPool, whose questions the passer
// answered, while its checklist is still the one the lead answered; else
// the first pool. The form's own pool is only a default because a rule is
// the more specific statement ("companies of 500 or more go to
// enterprise"), and a pool that wants every lead from its channel simply
// has no rule sending them elsewhere.
func (p Policy) RouteForm(formPool string, l Lead) Pool {
	if _, pool, ok := p.MatchRule(l); ok {
		return pool
	}
	if pool, ok := p.Pool(formPool); ok && pool.Checklist.Name != "" && pool.Checklist.Name == l.Checklist.Name {
		return pool
	}
	return p.Pools[0]
}

// Pool returns the pool called name.
func (p Policy) Pool(name string) (Pool, bool) {
	for _, pool := range p.Pools {
		if pool.Name == name {
			return pool, true
		}
	}
	return Pool{}, false
}

// Escalation freezes pool's ladder for a new handoff, resolving its
// fallback pool to the channel it posts in. A pool without its own ladder
// runs the default one.
func (p Policy) Escalation(pool Pool) Escalation {
	ladder := pool.Ladder
	if len(ladder) == 0 {
		ladder = DefaultLadder()
	}
	e := Escalation{Rungs: ladder.Rungs()}
	if fb, ok := p.Pool(pool.Fallback); ok && pool.Fallback != pool.Name {
		e.Fallback, e.FallbackChannel = fb.Name, fb.Channel
	}
	return e
}

// ClaimingPool is the pool whose rules apply to user clicking Claim on h:
// the handoff's own pool, or its fallback pool once the ladder opened it to
// that pool and user is one of its members.
func (p Policy) ClaimingPool(h Handoff, user string) (Pool, bool) {
	pool, ok := p.Pool(h.Pool)
	if ok && pool.IsMember(user) {
		return pool, true
	}
	if h.FallbackOpen && h.Escalation.Fallback != "" {
		if fb, found := p.Pool(h.Escalation.Fallback); found && fb.IsMember(user) {
			return fb, true
		}
	}
	return pool, ok
}

// RotationSince is when the counts of pool's rotation start at now: the
// fairness period's start (per the pool's reset period, in the policy's time
// zone) and the start of today in the pool's zone (else the policy's), for
// daily caps. It is one day for the whole pool, read in one query, so a
// member far from the pool's zone has their daily count restart at the
// pool's midnight rather than their own.
func (p Policy) RotationSince(pool Pool, now time.Time) (period, today time.Time) {
	return PeriodStart(pool.Reset, now, p.Location), DayStart(now, cmp.Or(pool.Location, p.Location))
}

// ProfileZoneUsers lists, once each, the members whose Slack profile time
// zone can change a decision: those of a pool with working hours (its own,
// or theirs) who have no zone of their own configured, in a pool that names
// no zone itself. Nobody else's profile needs reading: without hours a zone
// decides nothing, and a configured zone beats the profile.
func (p Policy) ProfileZoneUsers() []string {
	var out []string
	for _, pool := range p.Pools {
		for _, m := range pool.Members {
			s := pool.SettingsFor(m)
			if len(s.Hours) > 0 && s.Location == nil && !pool.PoolZone && !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// Route picks the pool of a lead that was not started from a pool's form:
// the first rule it matches, else the first pool, which the configuration
// guarantees exists.
func (p Policy) Route(l Lead) Pool { return p.RouteForm("", l) }
