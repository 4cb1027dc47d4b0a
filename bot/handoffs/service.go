// Package handoffs is Baton's use-case layer. Every user action on a
// handoff (create, claim, pass, cancel, pick a callback time, accept, hand
// back, log a touch or an outcome, reassign, away and back) and every timed
// step (a ladder rung, the end of a personal offer, an SLA breach, the
// digest, the weekly review) is one method of Service. Each decides with
// routing's pure rules and stores the change in one store transaction, with
// its event and the notices it emits for the outbox.
//
// Service knows nothing of Slack: the Socket Mode edge parses payloads into
// its inputs and renders its answers, and the outbox worker delivers the
// notices. Whether someone may start an action (before a form opens for it)
// is asked with May, a predicate, never by running the change.
package handoffs

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/bot/wakeup"
	"github.com/batonhq/baton/routing"
)

// Store is what the use cases need from persistence. Each method that
// changes something runs one transaction, appends the change's event and
// puts its notices in the outbox; decisions passed in as functions run
// inside that transaction, on the row as it stands under its lock.
type Store interface {
	CreateHandoff(ctx context.Context, in routing.NewHandoff) (routing.Handoff, bool, error)
	// ClaimIf makes user the owner of an open handoff if check, run in the
	// claim's transaction, allows it.
	ClaimIf(ctx context.Context, id int64, user string, now time.Time, check routing.ClaimCheck) (routing.Handoff, bool, error)
	Handoff(ctx context.Context, id int64) (routing.Handoff, error)
	// Apply locks a handoff, decides a change from its current state and
	// stores it with its event and notices, in one transaction.
	Apply(ctx context.Context, id int64, decide routing.DecideChange) (routing.Change, error)
	// SweepDue applies decide to each handoff whose deadline is due at now
	// (zero: the database's clock), one transaction each, skipping rows
	// another replica holds.
	SweepDue(ctx context.Context, now time.Time, limit int, decide routing.DecideDue) ([]routing.Change, error)
	// NextDeadline is the earliest offer end or ladder step of any handoff.
	NextDeadline(ctx context.Context) (time.Time, bool, error)
	MemberStates(ctx context.Context, pool string, members []string, period, today time.Time) ([]routing.MemberState, error)
	SetAvailability(ctx context.Context, user string, awayUntil, now time.Time) error
	// SweepSLA applies check to each owned handoff whose SLA clocks are due
	// at now (zero: the database's clock), like SweepDue.
	SweepSLA(ctx context.Context, now time.Time, limit int, check func(h routing.Handoff, now time.Time) (routing.Change, error)) ([]routing.Change, error)
	// StartRun records a job's tick and reports whether this call was the
	// first to: the run key that makes a tick run once across replicas.
	StartRun(ctx context.Context, job string, tick, now time.Time, replica string) (bool, error)
	// EnqueueDigest is StartRun with the digest put in the outbox in the
	// same transaction; EnqueueWeeklyReview likewise for the review.
	EnqueueDigest(ctx context.Context, job string, tick, now time.Time, replica, channel string) (bool, error)
	EnqueueWeeklyReview(ctx context.Context, job string, tick, now time.Time, replica, channel string) (bool, error)
	PruneRuns(ctx context.Context, before time.Time) error
	Stats(ctx context.Context, q routing.StatsQuery) (routing.Stats, error)
	// Signals counts the early-warning signals per pool; the rest are the
	// weekly review's Reviewed button and the forms the gates refused.
	Signals(ctx context.Context, q routing.SignalsQuery) (routing.Signals, error)
	RecordGatesRefused(ctx context.Context, view, user, pool string, unmet []string, now time.Time) error
	ReviewPosted(ctx context.Context, tick time.Time, channel, ts string, now time.Time) error
	Review(ctx context.Context, tick time.Time) (routing.PostedReview, error)
	MarkReviewed(ctx context.Context, tick time.Time, channel, ts, user string, now time.Time) (routing.PostedReview, bool, error)
}

// Presence is Slack's view of whether a member is away (presence or DND),
// until when if known. It must answer fast and say "not away" when unsure.
type Presence interface {
	Away(ctx context.Context, user string) (away bool, until time.Time)
}

// ProfileZones gives the time zone of a member's Slack profile, nil when
// unknown. It must answer from memory: it is asked on the ack path.
type ProfileZones interface {
	Zone(user string) *time.Location
}

// Config holds what a Service is built with.
type Config struct {
	Store Store
	// Policy is the routing policy in force at start; SetPolicy replaces it.
	Policy routing.Policy
	Log    zerolog.Logger
	// Now is the clock a change people make is stamped with, and the
	// deadlines it sets are computed from: a claim, a cancel, a form. The
	// launcher passes store.DBClock's, this process's clock corrected to
	// the database's, so replicas whose clocks disagree still agree; tests
	// inject one they move. Default time.Now.
	Now func() time.Time
	// DueByDatabase makes the database's now() decide what is due (a
	// ladder's rung, an offer's end, an SLA clock) and the time those
	// changes are made at, whatever Now says: Now then only decides when
	// to look. Tests that move Now by hand leave it false, and Now decides.
	DueByDatabase bool
	// Presence, when set, says whether Slack shows a member away or in Do
	// Not Disturb; such a member is not offered new leads. Nil: only
	// Baton's own availability counts.
	Presence Presence
	// Zones, when set, gives members' Slack profile time zones, in which
	// their working hours and SLA clocks are read unless configured. Nil:
	// the pools' zones.
	Zones ProfileZones
	// Replica names this process in job runs, for diagnostics (host:pid).
	Replica string
	// Metrics, when set, counts the changes committed. Nil: nothing is.
	Metrics *metrics.Metrics
	// Committed is notified after every committed change: its notices are
	// in the outbox (the outbox worker listens).
	Committed *wakeup.Signal
	// DeadlineSet is notified after a change that may have set a deadline
	// earlier than any known before (the sweeper listens).
	DeadlineSet *wakeup.Signal
}

// Service runs Baton's use cases; see the package doc.
type Service struct {
	cfg    Config
	log    zerolog.Logger
	policy atomic.Pointer[routing.Policy]
	// claims decides the clicks on one handoff one at a time in this
	// process (see claimGates).
	claims claimGates
	// previews shares one read of a pool's availability between the
	// forms that open while it runs.
	previews sharedReads
}

// New builds a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Metrics != nil {
		expectMetrics(cfg.Metrics, cfg.Policy)
	}
	s := &Service{cfg: cfg, log: cfg.Log}
	s.policy.Store(&cfg.Policy)
	return s
}

// SetPolicy replaces the routing policy for decisions from now on (new
// handoffs, clicks, ladder steps). Handoffs already open keep what was
// frozen onto them: their ladder, their fallback pool and their turn.
func (s *Service) SetPolicy(p routing.Policy) { s.policy.Store(&p) }

// Policy is the routing policy in force: read whole, so every decision
// reads one consistent policy.
func (s *Service) Policy() routing.Policy { return *s.policy.Load() }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.cfg.Now() }

// dueNow is the now a due decision is made at in the store: zero, for the
// database's own clock, when it decides (Config.DueByDatabase), else Now.
func (s *Service) dueNow() time.Time {
	if s.cfg.DueByDatabase {
		return time.Time{}
	}
	return s.Now()
}

// Handoff reads one handoff as it stands.
func (s *Service) Handoff(ctx context.Context, id int64) (routing.Handoff, error) {
	return s.cfg.Store.Handoff(ctx, id)
}

// PoolOf is h's pool as configured now, or a pool with no members or
// managers when it was removed: its passer can still act on it.
func (s *Service) PoolOf(h routing.Handoff) routing.Pool {
	if pool, ok := s.Policy().Pool(h.Pool); ok {
		return pool
	}
	return routing.Pool{Name: h.Pool, Channel: h.Channel}
}

// SLAFor is the SLA policy for owner's clocks: with business hours, their
// Slack profile zone (when known) stands in for the top-level timezone, so
// it comes after a zone configured for them or their pool (Rotation.Zone).
func (s *Service) SLAFor(owner string) routing.SLA {
	sla := s.Policy().SLA
	if s.cfg.Zones != nil {
		if loc := s.cfg.Zones.Zone(owner); loc != nil {
			sla.Location = loc
		}
	}
	return sla
}

// RunningClocks are the SLA clocks running on h, for the messages that
// show them.
func (s *Service) RunningClocks(h routing.Handoff) []routing.Running {
	sla := s.SLAFor(h.OwnerID)
	return sla.RunningClocks(h, sla.CalendarFor(s.PoolOf(h), h.OwnerID))
}

// committed counts changes that are in the database and wakes the outbox
// for their notices.
func (s *Service) committed(changes ...routing.Change) {
	for _, c := range changes {
		countChange(s.cfg.Metrics, c)
	}
	s.cfg.Committed.Notify()
}
