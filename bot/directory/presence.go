package directory

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
)

// Presence defaults.
const (
	// DefaultPresenceTTL is how long an answer about a user is used before
	// Slack is asked again: presence and DND change on a scale of minutes,
	// and users.getPresence and dnd.info are Tier 3 (about 50 calls a minute).
	DefaultPresenceTTL = time.Minute
	// DefaultPresenceTimeout bounds one lookup, so a slow Slack delays an
	// offer by at most this much and then counts as "available".
	DefaultPresenceTimeout = time.Second
)

// Presences is the part of the Slack Web API a Presence calls; *slack.Client
// has it.
type Presences interface {
	GetUserPresenceContext(ctx context.Context, user string) (*slack.UserPresence, error)
	GetDNDInfoContext(ctx context.Context, user *string, options ...slack.ParamOption) (*slack.DNDStatus, error)
}

// PresenceConfig is what a Presence is built with.
type PresenceConfig struct {
	API Presences
	Log zerolog.Logger
	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time
	// TTL is how long an answer is trusted. Default DefaultPresenceTTL.
	TTL time.Duration
	// Timeout bounds one lookup. Default DefaultPresenceTimeout.
	Timeout time.Duration
}

// window is what Slack last said about one signal of a user: away from
// from until until (zero bounds are open), as of at.
type window struct {
	at          time.Time // zero: never answered
	away        bool
	from, until time.Time
}

// covers reports whether the user is away by this signal at now.
func (w window) covers(now time.Time) bool {
	return w.away && !now.Before(w.from) && (w.until.IsZero() || now.Before(w.until))
}

// userStatus is what Presence holds about one user.
type userStatus struct {
	presence, dnd window
	// busy is set while a lookup for the user runs; other callers use the
	// last known answer instead of waiting for it.
	busy bool
}

// Presence tells whether Slack says a user is away: presence "away", or Do
// Not Disturb. Answers are cached for the TTL; a 429 keeps the last known
// answer and stops calls to that method until Retry-After has passed (Slack
// limits per method and workspace, so the back-off is for every user); any
// other failure is logged and the last known answer, or "available", is used
// until the TTL. It is safe for concurrent use.
type Presence struct {
	cfg PresenceConfig

	mu    sync.Mutex
	users map[string]*userStatus
	// quietUntil holds, per method, when a 429's Retry-After ends.
	quietUntil map[string]time.Time
}

// NewPresence returns a Presence with cfg's defaults filled in.
func NewPresence(cfg PresenceConfig) *Presence {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.TTL = cmp.Or(cfg.TTL, DefaultPresenceTTL)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultPresenceTimeout)
	return &Presence{cfg: cfg, users: map[string]*userStatus{}, quietUntil: map[string]time.Time{}}
}

// Away reports whether Slack says user is away now, and until when if that
// is known: the end of their Do Not Disturb, or zero when only their presence
// says away (Slack gives no end for that). What is not known counts as
// available. It asks Slack only about answers older than the TTL, and never
// waits for another caller's lookup of the same user.
func (p *Presence) Away(ctx context.Context, user string) (away bool, until time.Time) {
	now := p.cfg.Now()
	p.mu.Lock()
	st := p.users[user]
	if st == nil {
		st = &userStatus{}
		p.users[user] = st
	}
	askPresence, askDND := p.staleLocked(st.presence, now), p.staleLocked(st.dnd, now)
	lookUp := (askPresence || askDND) && !st.busy
	if lookUp {
		st.busy = true
	}
	p.mu.Unlock()

	if lookUp {
		ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
		updatePresence, updateDND := keep, keep
		if askPresence {
			updatePresence = p.ask(ctx, "users.getPresence", user, now, p.lookUpPresence)
		}
		if askDND {
			updateDND = p.ask(ctx, "dnd.info", user, now, p.lookUpDND)
		}
		cancel()

		p.mu.Lock()
		st.presence = updatePresence(st.presence)
		st.dnd = updateDND(st.dnd)
		st.busy = false
		p.mu.Unlock()
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if st.dnd.covers(now) {
		return true, st.dnd.until
	}
	return st.presence.covers(now), time.Time{}
}

// staleLocked reports whether w is older than the TTL. Callers hold p.mu.
func (p *Presence) staleLocked(w window, now time.Time) bool {
	return w.at.IsZero() || now.Sub(w.at) >= p.cfg.TTL
}

// keep leaves the last known window as it is.
func keep(last window) window { return last }

// ask runs one lookup unless its method is backing off after a 429, and
// returns how to update the last known window: replace it with the answer;
// keep it after a 429, so the method is asked again as soon as Retry-After
// allows; after any other failure keep it but stamp it now, so a failing
// Slack is asked once per TTL rather than once per offer.
func (p *Presence) ask(ctx context.Context, method, user string, now time.Time,
	lookUp func(context.Context, string) (window, error)) func(window) window {
	p.mu.Lock()
	quiet := now.Before(p.quietUntil[method])
	p.mu.Unlock()
	if quiet {
		return keep
	}
	w, err := lookUp(ctx, user)
	if err == nil {
		w.at = now
		return func(window) window { return w }
	}
	log := p.cfg.Log.With().Str("method", method).Str("user", user).Logger()
	if rl, limited := errors.AsType[*slack.RateLimitedError](err); limited {
		p.mu.Lock()
		p.quietUntil[method] = now.Add(rl.RetryAfter)
		p.mu.Unlock()
		log.Debug().Dur("retry_after", rl.RetryAfter).Msg("directory: rate limited; using the last known answer")
		return keep
	}
	if errors.Is(err, context.Canceled) {
		// The caller gave up; that says nothing about Slack, so ask again next time.
		log.Debug().Err(err).Msg("directory: presence lookup canceled")
		return keep
	}
	log.Warn().Err(err).Msg("directory: presence lookup failed; using the last known answer, or available")
	return func(last window) window {
		last.at = now
		return last
	}
}

func (p *Presence) lookUpPresence(ctx context.Context, user string) (window, error) {
	pr, err := p.cfg.API.GetUserPresenceContext(ctx, user)
	if err != nil {
		return window{}, err
	}
	return window{away: pr.Presence == "away"}, nil
}

// lookUpDND reads the user's current or next DND window. Slack shows a bot
// only dnd_enabled and next_dnd_{start,end}_ts for other users (the snooze_*
// fields are for the user themself), and a paused-notifications snooze
// shows there as the current window.
func (p *Presence) lookUpDND(ctx context.Context, user string) (window, error) {
	d, err := p.cfg.API.GetDNDInfoContext(ctx, &user)
	if err != nil {
		return window{}, err
	}
	return window{
		away:  d.Enabled,
		from:  time.Unix(int64(d.NextStartTimestamp), 0),
		until: time.Unix(int64(d.NextEndTimestamp), 0),
	}, nil
}
