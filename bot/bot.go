// Package bot is Baton's Slack side: the Socket Mode loop that acks every
// envelope before slow work, the handlers that turn payloads into plain
// inputs and routing decisions, and the outbox worker that delivers what the
// store recorded. It talks to the store through the small interfaces below.
package bot

import (
	"cmp"
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// Handoffs is what the bot needs from the store to run handoffs.
type Handoffs interface {
	CreateHandoff(ctx context.Context, in routing.NewHandoff) (routing.Handoff, bool, error)
	// ClaimIf makes user the owner of an open handoff if check, run in the
	// claim's transaction, allows it (see routing.ClaimCheck).
	ClaimIf(ctx context.Context, id int64, user string, now time.Time, check routing.ClaimCheck) (routing.Handoff, bool, error)
	Handoff(ctx context.Context, id int64) (routing.Handoff, error)
	SetMessageTS(ctx context.Context, id int64, ts string, now time.Time) error
	SetFallbackTS(ctx context.Context, id int64, ts string, now time.Time) error
	// Apply locks a handoff, decides a change from its current state and
	// stores it with its event and notices, in one transaction.
	Apply(ctx context.Context, id int64, decide routing.DecideChange) (routing.Change, error)
}

// Members is what the rotation needs from the store about people.
type Members interface {
	MemberStates(ctx context.Context, pool string, members []string, period, today time.Time) ([]routing.MemberState, error)
	SetAvailability(ctx context.Context, user string, awayUntil, now time.Time) error
}

// Ladder is what the deadline sweeper needs from the store.
type Ladder interface {
	SweepDue(ctx context.Context, now time.Time, limit int, decide routing.DecideChange) ([]routing.Change, error)
	NextDeadline(ctx context.Context) (time.Time, bool, error)
}

// Outbox is what the delivery worker needs from the store.
type Outbox interface {
	LeaseNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]routing.PendingNotice, error)
	MarkDelivered(ctx context.Context, id int64, now time.Time) error
	MarkFailed(ctx context.Context, id int64, cause error, retryAt time.Time) error
	// Postpone puts a leased notice back until at without counting an
	// attempt: it was held back by the channel's pace, nothing was sent.
	Postpone(ctx context.Context, id int64, at time.Time) error
	MarkAbandoned(ctx context.Context, n routing.PendingNotice, cause error, now time.Time) error
}

// Jobs is what the scheduled jobs need from the store.
type Jobs interface {
	SweepSLA(ctx context.Context, now time.Time, limit int, check func(routing.Handoff) (routing.Change, error)) ([]routing.Change, error)
	StuckLeads(ctx context.Context, now time.Time, perSection int) (routing.StuckLeads, error)
	// StartRun records a job's tick and reports whether this call was the
	// first to: the run key that makes a tick run once across replicas.
	StartRun(ctx context.Context, job string, tick, now time.Time, replica string) (bool, error)
	// EnqueueDigest is StartRun for the digest, with the digest put in the
	// outbox in the same transaction.
	EnqueueDigest(ctx context.Context, job string, tick, now time.Time, replica, channel string) (bool, error)
	PruneRuns(ctx context.Context, before time.Time) error
}

// Reports is what /handoff stats and the weekly review need from the store.
type Reports interface {
	// Stats computes a report's figures over the event log.
	Stats(ctx context.Context, q routing.StatsQuery) (routing.Stats, error)
	// EnqueueWeeklyReview is EnqueueDigest for the weekly review.
	EnqueueWeeklyReview(ctx context.Context, job string, tick, now time.Time, replica, channel string) (bool, error)
}

// Homes is what the App Home needs from the store: who has opened theirs,
// and what each role's part of it shows. HomeNumbers is a compact figure
// of the week, meant to give way to the stats report's own queries.
type Homes interface {
	HomeOpened(ctx context.Context, user string, boards []string, now time.Time) error
	OpenLeads(ctx context.Context, user string, limit int) ([]routing.Handoff, int, error)
	PassedRecently(ctx context.Context, user string, limit int) ([]routing.Handoff, error)
	HomeNumbers(ctx context.Context, user string, since, until time.Time) (routing.ReceiverNumbers, error)
	TeamBoard(ctx context.Context, pools []string, now time.Time, few int) ([]routing.PoolBoard, error)
}

// Store is everything the bot needs from persistence.
type Store interface {
	Handoffs
	Members
	Ladder
	Outbox
	Jobs
	Reports
	Homes
}

// Config holds what the bot is built with.
type Config struct {
	// Policy is the routing policy (pools, clocks).
	Policy routing.Policy
	// API is the Slack Web API client, built with the bot token.
	API   *slack.Client
	Store Store
	Log   zerolog.Logger
	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time
	// SubmitTimeout bounds the work done before a view_submission is acked:
	// Slack waits 3 s, and the passer must see an error rather than nothing.
	// Default 2 s.
	SubmitTimeout time.Duration
	// OutboxPoll is how often the delivery worker looks for due notices that
	// no in-process wake-up announced (another replica's, retries). Default 250 ms.
	OutboxPoll time.Duration
	// Presence, when set, says whether Slack shows a member away or in Do
	// Not Disturb; such a member is not offered new leads. Nil: only
	// Baton's own availability counts.
	Presence Presence
	// Zones, when set, gives members' Slack profile time zones, in which
	// their working hours are read unless they have their own configured.
	// Nil: the pools' zones.
	Zones ProfileZones
	// SweepInterval is the longest the escalation sweeper sleeps: it wakes
	// earlier for the next deadline it knows of (its fast path), and this
	// bounds how late a step fires when it did not know (after a restart,
	// or a handoff created by another replica). Default 5 s.
	SweepInterval time.Duration
	// Replica names this process in job runs, for diagnostics (host:pid).
	Replica string
	// Metrics, when set, counts what the bot commits and delivers. Nil:
	// nothing is counted.
	Metrics *metrics.Metrics
	// ChannelPace is how fast the outbox posts into one channel or DM.
	// Nil: DefaultChannelPace; a zero Burst: no pace (the fake Slack of a
	// load test has none to keep).
	ChannelPace *ChannelPace
	// ShutdownTimeout bounds the drain when Run's context ends: the
	// handlers and outbox deliveries in flight get this long to finish,
	// then they are cut off (a delivery cut off goes back to the outbox).
	// Default 10 s.
	ShutdownTimeout time.Duration
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

// Bot handles Slack interactions and delivers the outbox.
type Bot struct {
	cfg   Config
	clock render.Clock
	log   zerolog.Logger
	wake  chan struct{}
	// pace keeps the outbox's posts into each channel at Slack's pace.
	pace *pacer
	// rewind tells the escalation sweeper a new deadline may be earlier
	// than the one it sleeps until.
	rewind chan struct{}
	// current is the routing policy in force: swapped whole when user
	// groups are refreshed, so every decision reads one consistent policy.
	current atomic.Pointer[routing.Policy]
	dms     sync.Map // user ID → DM channel ID, so a DM costs one call, not two
	claims  claimGates
	// previews shares one read of a pool's availability between the
	// forms that open while it runs.
	previews sharedReads
	// envelopes are the envelope ids taken lately, so a redelivery does
	// nothing twice; forms are the form submissions by view id, so a
	// double submit does nothing twice (see recent).
	envelopes, forms recent
	// slots bounds the handlers running at once (see spawn).
	slots  chan struct{}
	online atomic.Bool
	work   sync.WaitGroup // handlers in flight, waited for on shutdown
}

// handlerSlots is how many handlers run at once: a handler mostly waits on
// the database and Slack, so several per core keep the cores busy, and
// measured on two cores, 8 per core kept the forms as fast as no bound
// (4 per core slowed them) while the acks met their budget.
func handlerSlots() int { return 8 * runtime.GOMAXPROCS(0) }

// New builds a bot; Run starts it.
func New(cfg Config) *Bot {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.SubmitTimeout = cmp.Or(cfg.SubmitTimeout, 2*time.Second)
	cfg.OutboxPoll = cmp.Or(cfg.OutboxPoll, 250*time.Millisecond)
	cfg.SweepInterval = cmp.Or(cfg.SweepInterval, 5*time.Second)
	cfg.ShutdownTimeout = cmp.Or(cfg.ShutdownTimeout, 10*time.Second)
	if cfg.Metrics != nil {
		cfg.Store = observed{Store: cfg.Store, m: cfg.Metrics}
		expectMetrics(cfg.Metrics, cfg.Policy)
	}
	b := &Bot{
		cfg:    cfg,
		clock:  render.Clock{Location: cfg.Policy.Location},
		log:    cfg.Log,
		wake:   make(chan struct{}, 1),
		rewind: make(chan struct{}, 1),
		slots:  make(chan struct{}, handlerSlots()),
		pace:   newPacer(*cmp.Or(cfg.ChannelPace, &DefaultChannelPace)),
	}
	b.current.Store(&cfg.Policy)
	return b
}

// SetPolicy replaces the routing policy for decisions from now on (new
// handoffs, clicks, ladder steps). Handoffs already open keep what was
// frozen onto them: their ladder, their fallback pool and their turn.
func (b *Bot) SetPolicy(p routing.Policy) { b.current.Store(&p) }

func (b *Bot) policy() routing.Policy { return *b.current.Load() }

// Connected reports whether the Socket Mode connection is up; it backs the
// readiness probe.
func (b *Bot) Connected() bool { return b.online.Load() }

func (b *Bot) now() time.Time { return b.cfg.Now() }

// wakeOutbox tells the delivery worker there is something new, so a claim
// reaches Slack in milliseconds instead of at the next poll.
func (b *Bot) wakeOutbox() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}
