// Package membership watches the channels Baton must post into and was not
// invited to. Slack refuses such a post with not_in_channel (a public
// channel) or channel_not_found (a private one, which does not exist for an
// app outside it); both are fixed the same way, by inviting the app, so
// both are handled alike: the outbox keeps the notices and retries, and
// this package makes the problem visible once per episode, not once per
// retry: one error line in the log per channel, a detail on /readyz, the
// baton_channels_uninvited and baton_pool_channel_uninvited gauges, and a
// DM to the pool's managers saying to invite @Baton. The episode lives in the database (store's channel_access),
// so that replicas and restarts agree on it and the managers are told once;
// it ends when a post there goes through, or a start-up check finds Baton
// in the channel.
package membership

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/wakeup"
	"github.com/batonhq/baton/routing"
)

// Store is where the episodes live.
type Store interface {
	// ChannelUninvited records the channel as uninvited and, when that
	// opens an episode, queues notices with it; it reports whether it did.
	ChannelUninvited(ctx context.Context, c routing.UninvitedChannel, notices []routing.Notice, now time.Time) (bool, error)
	// ChannelInvited ends the channel's episode, reporting whether one ran.
	ChannelInvited(ctx context.Context, channel string, now time.Time) (bool, error)
	// UninvitedChannels are the channels whose episode runs.
	UninvitedChannels(ctx context.Context) ([]routing.UninvitedChannel, error)
}

// Config holds what a Watch is built with.
type Config struct {
	Store Store
	// API asks Slack, at start-up, whether Baton is in each pool's
	// channel (conversations.info).
	API *slack.Client
	// Policy is the policy in force, for the pools posting into a channel
	// and their managers.
	Policy func() routing.Policy
	Log    zerolog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Committed is notified when the managers' DMs were queued, so the
	// outbox sends them at once.
	Committed *wakeup.Signal
}

// syncEvery is how often a Watch learns from the database of the episodes
// other replicas opened, so that a post of its own that goes through ends
// them too.
const syncEvery = 30 * time.Second

// Watch keeps what this process knows of the channels Baton is not in. It
// is safe for concurrent use.
type Watch struct {
	cfg Config

	mu sync.Mutex
	// open are the channels in an episode, as far as this process knows.
	open     map[string]*episode
	syncedAt time.Time
	syncing  bool
}

// episode is what this process did about a channel's current episode.
type episode struct {
	// logged: this process wrote the error line.
	logged bool
	// recorded: the database has the episode; recording: a call is on it.
	recorded, recording bool
}

// New returns a Watch.
func New(cfg Config) *Watch {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Watch{cfg: cfg, open: map[string]*episode{}}
}

// IsUninvited reports whether err is Slack saying Baton is not in channel:
// not_in_channel, or channel_not_found for a channel that is not a DM (a
// DM Slack does not find cannot be fixed by an invitation).
// https://docs.slack.dev/reference/methods/chat.postMessage#errors
func IsUninvited(channel string, err error) (code string, ok bool) {
	var apiErr slack.SlackErrorResponse
	if !errors.As(err, &apiErr) || len(channel) == 0 || channel[0] == 'D' {
		return "", false
	}
	switch apiErr.Err {
	case "not_in_channel", "channel_not_found":
		return apiErr.Err, true
	}
	return "", false
}

// Uninvited is told that Slack refused a post into channel with code. The
// first time in an episode it logs the error line; it records the episode
// in the database until that succeeds, which queues the managers' DMs when
// it opens the episode.
func (w *Watch) Uninvited(ctx context.Context, channel, code string) {
	w.uninvited(ctx, routing.UninvitedChannel{Channel: channel, Error: code})
}

func (w *Watch) uninvited(ctx context.Context, c routing.UninvitedChannel) {
	pools := w.cfg.Policy().PoolsOf(c.Channel)
	for _, p := range pools {
		c.Pools = append(c.Pools, p.Name)
	}
	w.mu.Lock()
	e := w.open[c.Channel]
	if e == nil {
		e = &episode{}
		w.open[c.Channel] = e
	}
	logIt := !e.logged
	e.logged = true
	record := !e.recorded && !e.recording
	e.recording = e.recording || record
	w.mu.Unlock()

	if logIt {
		w.cfg.Log.Error().Str("channel", c.Channel).Str("name", c.Name).Strs("pools", c.Pools).Str("error", c.Error).
			Msg("Baton is not a member of this channel and cannot post there: invite @Baton to it. Its posts are kept and retried")
	}
	if !record {
		return
	}
	opened, err := w.cfg.Store.ChannelUninvited(ctx, c, routing.NoticesOnUninvited(c, pools), w.cfg.Now())
	w.mu.Lock()
	e.recording = false
	e.recorded = err == nil
	w.mu.Unlock()
	switch {
	case err != nil:
		w.cfg.Log.Warn().Err(err).Str("channel", c.Channel).Msg("could not record the channel as uninvited; will try again at its next refusal")
	case opened:
		w.cfg.Log.Info().Str("channel", c.Channel).Strs("pools", c.Pools).Msg("the pools' managers are asked to invite @Baton")
		w.cfg.Committed.Notify()
	default:
		w.cfg.Log.Debug().Str("channel", c.Channel).Msg("the channel was already known uninvited; its managers were told then")
	}
}

// Invited is told that a post into channel went through. For a channel in
// no episode that this process knows of it costs a map lookup (and, every
// syncEvery, one query for the episodes other replicas opened); otherwise
// it ends the episode.
func (w *Watch) Invited(ctx context.Context, channel string) {
	w.syncIfDue(ctx)
	w.mu.Lock()
	_, open := w.open[channel]
	w.mu.Unlock()
	if open {
		w.invited(ctx, channel)
	}
}

func (w *Watch) invited(ctx context.Context, channel string) {
	closed, err := w.cfg.Store.ChannelInvited(ctx, channel, w.cfg.Now())
	if err != nil {
		w.cfg.Log.Warn().Err(err).Str("channel", channel).Msg("could not record that Baton can post in the channel again")
		return
	}
	w.mu.Lock()
	delete(w.open, channel)
	w.mu.Unlock()
	if closed {
		w.cfg.Log.Info().Str("channel", channel).Msg("Baton can post in the channel again")
	}
}

// syncIfDue learns the open episodes from the database, every syncEvery.
func (w *Watch) syncIfDue(ctx context.Context) {
	w.mu.Lock()
	due := !w.syncing && w.cfg.Now().Sub(w.syncedAt) >= syncEvery
	w.syncing = w.syncing || due
	w.mu.Unlock()
	if !due {
		return
	}
	_, _ = w.sync(ctx)
	w.mu.Lock()
	w.syncing = false
	w.mu.Unlock()
}

// sync reads the open episodes and adds those this process did not know
// of (another replica's, or from before a restart): already recorded; this
// process logs one at its own first refusal.
func (w *Watch) sync(ctx context.Context) ([]routing.UninvitedChannel, error) {
	open, err := w.cfg.Store.UninvitedChannels(ctx)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncedAt = w.cfg.Now()
	for _, c := range open {
		if w.open[c.Channel] == nil {
			w.open[c.Channel] = &episode{recorded: true}
		}
	}
	return open, nil
}

// Details are the lines /readyz adds about the channels Baton is not in,
// as the database has them (so every replica says the same).
func (w *Watch) Details(ctx context.Context) ([]string, error) {
	open, err := w.sync(ctx)
	if err != nil {
		return nil, err
	}
	lines := make([]string, 0, len(open))
	for _, c := range open {
		where := c.Channel
		if c.Name != "" {
			where = fmt.Sprintf("#%s (%s)", c.Name, c.Channel)
		}
		line := "not in channel " + where
		if len(c.Pools) > 0 {
			line += " of pool " + strings.Join(c.Pools, ", ")
		}
		lines = append(lines, line+": invite @Baton")
	}
	return lines, nil
}

// Access is what the channel metrics report: for every pool, whether
// Baton is not a member of its channel, and how many channels (a pool's or
// not) it is not a member of.
func (w *Watch) Access(ctx context.Context) (pools map[string]bool, channels int, err error) {
	open, err := w.sync(ctx)
	if err != nil {
		return nil, 0, err
	}
	pools = map[string]bool{}
	for _, p := range w.cfg.Policy().Pools {
		pools[p.Name] = slices.ContainsFunc(open, func(c routing.UninvitedChannel) bool { return c.Channel == p.Channel })
	}
	return pools, len(open), nil
}

// Check asks Slack, with conversations.info, whether Baton is in each
// pool's channel, and treats a channel it is not in as a refused post (an
// episode opened once, whatever the number of replicas and restarts), and
// one it is in as a post gone through (an episode from before ends). It
// needs the channels:read and groups:read scopes; without them it says so
// once and checks nothing, as before those scopes were asked for.
func (w *Watch) Check(ctx context.Context) {
	if _, err := w.sync(ctx); err != nil {
		w.cfg.Log.Warn().Err(err).Msg("channel check: could not read the channels Baton is not in")
	}
	var channels []string
	for _, p := range w.cfg.Policy().Pools {
		if !slices.Contains(channels, p.Channel) {
			channels = append(channels, p.Channel)
		}
	}
	for _, ch := range channels {
		info, err := w.cfg.API.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ch})
		var apiErr slack.SlackErrorResponse
		switch {
		case err == nil && info.IsMember:
			w.invited(ctx, ch)
		case err == nil:
			w.uninvited(ctx, routing.UninvitedChannel{Channel: ch, Name: info.Name, Error: "not_in_channel"})
		case errors.As(err, &apiErr) && apiErr.Err == "channel_not_found":
			w.uninvited(ctx, routing.UninvitedChannel{Channel: ch, Error: apiErr.Err})
		case errors.As(err, &apiErr) && apiErr.Err == "missing_scope":
			w.cfg.Log.Warn().Err(err).Msg("channel check skipped: the Slack app lacks channels:read and groups:read (see manifests/slack-app.yaml); a channel Baton is not in is found at its first post")
			return
		case ctx.Err() != nil:
			return
		default:
			w.cfg.Log.Warn().Err(err).Str("channel", ch).Msg("channel check: conversations.info failed; the channel is checked at its next post")
		}
	}
}
