// Package outbox delivers what the use cases put in the outbox: every Slack
// side effect of a change (the channel post and its updates, thread
// replies, DMs, App Home refreshes, the digest and the weekly review) is a
// notice written in the change's own transaction, and the Worker here sends
// it. A notice is rendered from the handoff as it stands at delivery, so a
// late or repeated delivery shows the truth; whether it is still wanted at
// all is routing's Notice.Wanted. The worker keeps each channel's posting
// pace, retries with backoff, honours 429's Retry-After, and abandons only
// what Slack will never take. A channel Baton was not invited to is not
// one of those: its posts wait, retried, and Config.Channels makes it
// visible.
package outbox

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/drain"
	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/home"
	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/wakeup"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

// Store is what the worker needs from persistence: the outbox itself, and
// where a post's ts is kept, and the stuck leads the digest lists.
//
// A zero now, in each of these, means the database's clock: the one that
// decides what is due, whatever the replicas' own clocks say.
type Store interface {
	LeaseNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]routing.PendingNotice, error)
	MarkDelivered(ctx context.Context, n routing.PendingNotice, now time.Time) error
	MarkFailed(ctx context.Context, n routing.PendingNotice, cause error, retryIn time.Duration, now time.Time) error
	// Postpone puts a leased notice back for wait, or until until if it
	// is set, without counting an attempt: the channel's pace held it back,
	// or Slack answered 429.
	Postpone(ctx context.Context, n routing.PendingNotice, wait time.Duration, until, now time.Time) error
	MarkAbandoned(ctx context.Context, n routing.PendingNotice, cause error, now time.Time) error
	// TakeChannelTurn takes a post into channel at its pace, shared by
	// every replica (a zero time), or says when the next turn comes.
	TakeChannelTurn(ctx context.Context, channel string, p store.Pace, now time.Time) (time.Time, error)
	// HoldChannel keeps every replica from posting into channel for wait.
	HoldChannel(ctx context.Context, channel string, wait time.Duration, p store.Pace, now time.Time) error
	SetMessageTS(ctx context.Context, id int64, ts string, now time.Time) error
	SetFallbackTS(ctx context.Context, id int64, ts string, now time.Time) error
	StuckLeads(ctx context.Context, now time.Time, perSection int) (routing.StuckLeads, error)
}

// Channels follows the channels Baton cannot post into: membership.Watch.
type Channels interface {
	// Uninvited: Slack refused a post into channel with code
	// (not_in_channel, channel_not_found).
	Uninvited(ctx context.Context, channel, code string)
	// Invited: a post or update into channel went through.
	Invited(ctx context.Context, channel string)
}

// Config holds what a Worker is built with.
type Config struct {
	Store Store
	// Service reads handoffs, the policy, the clock and the SLA clocks
	// running on a lead, the way the use cases see them.
	Service *handoffs.Service
	// Homes republishes App Homes (home_refresh notices).
	Homes *home.Homes
	// API is the Slack Web API client, built with the bot token.
	API *slack.Client
	Log zerolog.Logger
	// Metrics, when set, counts deliveries, failures and abandons.
	Metrics *metrics.Metrics
	// Channels, when set, is told of every post Slack refused because
	// Baton is not in the channel, and of every post into a channel that
	// went through (see the membership package). Nil: nobody is.
	Channels Channels
	// Wake tells the worker new notices were committed in this process,
	// so they go out in milliseconds instead of at the next poll.
	Wake *wakeup.Signal
	// Poll is how often the worker looks for due notices that no wake-up
	// announced (another replica's, retries). Default 250 ms.
	Poll time.Duration
	// ChannelPace is how fast Baton posts into one channel or DM, every
	// replica together. Nil: DefaultChannelPace; a zero Burst: no pace
	// (the fake Slack of a load test has none to keep).
	ChannelPace *ChannelPace
	// Clock is the time the outbox decides with (what is due, leases,
	// retries, the pace). Nil: the database's clock, as in production;
	// tests that move time by hand give theirs.
	Clock func() time.Time
	// ShutdownTimeout bounds the drain when Run's context ends: deliveries
	// in flight get this long to finish, then they are cut off and put
	// back in the outbox, due at once. Default 10 s.
	ShutdownTimeout time.Duration
}

// Worker delivers the outbox; see the package doc.
type Worker struct {
	cfg   Config
	log   zerolog.Logger
	pace  store.Pace
	holds methodHolds // Web API methods Slack answered with a 429, until when
	dms   sync.Map    // user ID → DM channel ID, so a DM costs one call, not two
}

// New builds a Worker; Run starts it.
func New(cfg Config) *Worker {
	cfg.Poll = cmp.Or(cfg.Poll, 250*time.Millisecond)
	cfg.ShutdownTimeout = cmp.Or(cfg.ShutdownTimeout, 10*time.Second)
	pace := *cmp.Or(cfg.ChannelPace, &DefaultChannelPace)
	return &Worker{cfg: cfg, log: cfg.Log, pace: store.Pace{Burst: pace.Burst, Interval: pace.Interval}}
}

// now is the time the outbox decides with: zero for the database's clock.
func (w *Worker) now() time.Time {
	if w.cfg.Clock == nil {
		return time.Time{}
	}
	return w.cfg.Clock()
}

// Run delivers notices until ctx ends. Then it leases nothing new, lets
// the deliveries in flight finish within Config.ShutdownTimeout, cuts off
// the rest (a delivery cut off goes back in the outbox, due at once, for
// the next process or another replica) and returns.
func (w *Worker) Run(ctx context.Context) error {
	bound, cutOff := context.WithCancel(context.Background())
	defer cutOff()
	stopBound := context.AfterFunc(ctx, func() {
		timer := time.NewTimer(w.cfg.ShutdownTimeout)
		defer timer.Stop()
		select {
		case <-timer.C:
			w.log.Warn().Dur("bound", w.cfg.ShutdownTimeout).Msg("outbox stopping: time is up; cutting off the deliveries in flight")
			cutOff()
		case <-bound.Done():
		}
	})
	defer stopBound()
	w.deliverLoop(drain.WithBound(ctx, bound))
	return nil
}

func (w *Worker) clock() render.Clock {
	return render.Clock{Location: w.cfg.Service.Policy().Location, Now: w.cfg.Service.Now()}
}

// postDigest delivers a digest: the stuck leads as they stand now, each
// linked to its message.
func (w *Worker) postDigest(ctx context.Context, n routing.Notice) error {
	per := cmp.Or(w.cfg.Service.Policy().Digest.PerSection, routing.DefaultDigestPerSection)
	stuck, err := w.cfg.Store.StuckLeads(ctx, w.cfg.Service.Now(), per)
	if err != nil {
		return err
	}
	links := map[int64]string{}
	for _, sec := range stuck.Sections {
		for _, h := range sec.Leads {
			if link := w.permalink(ctx, h); link != "" {
				links[h.ID] = link
			}
		}
	}
	msg := w.clock().Digest(stuck, links)
	if _, err := w.post(ctx, n.Recipient, msg.Options()...); err != nil {
		return fmt.Errorf("post digest in %s: %w", n.Recipient, err)
	}
	return nil
}

// postWeeklyReview delivers a weekly review of the weeks its tick fixes,
// and records where it went, for its Reviewed button.
func (w *Worker) postWeeklyReview(ctx context.Context, n routing.Notice) error {
	tick, err := time.Parse(time.RFC3339, n.Detail["tick"])
	if err != nil {
		return fmt.Errorf("weekly review: tick %q: %w", n.Detail["tick"], err)
	}
	review, err := w.cfg.Service.WeeklyReview(ctx, tick)
	if err != nil {
		return err
	}
	msg := w.clock().WeeklyReview(review)
	ts, err := w.post(ctx, n.Recipient, msg.Options()...)
	if err != nil {
		return fmt.Errorf("post weekly review in %s: %w", n.Recipient, err)
	}
	// The post is out: losing its ts now would post it again on retry.
	return w.record(ctx, func(ctx context.Context) error { return w.cfg.Service.ReviewPosted(ctx, tick, n.Recipient, ts) })
}
