package directory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
)

// UserInfos is the part of the Slack Web API Zones calls; *slack.Client
// has it.
type UserInfos interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

// ZonesConfig is what Zones is built with.
type ZonesConfig struct {
	API UserInfos
	Log zerolog.Logger
	// Wait sleeps for d or until ctx ends, whichever is first, returning
	// ctx's error if it ended; tests replace it so a Retry-After costs no
	// time. Default: a timer.
	Wait func(ctx context.Context, d time.Duration) error
}

// Zones holds each member's time zone as their Slack profile gives it
// (users.info's tz), for working hours read where the member is. Refresh
// reads them, one user at a time, from a background loop; Zone only reads
// what is held, so a decision on the ack path never waits for Slack. What is
// not known (never read, no tz, a zone Go does not know) is nil and the
// pool's zone applies instead. It is safe for concurrent use.
type Zones struct {
	cfg ZonesConfig

	mu    sync.Mutex
	zones map[string]*time.Location
	// scopeWarned is set once the missing users:read scope was logged, so
	// a workspace without it hears of it once, not every refresh.
	scopeWarned bool
	// loaded caches time.LoadLocation by name: a team shares a few zones,
	// and loading one reads the zone database from disk.
	loaded map[string]*time.Location
}

// NewZones returns empty Zones with cfg's defaults filled in.
func NewZones(cfg ZonesConfig) *Zones {
	if cfg.Wait == nil {
		cfg.Wait = wait
	}
	return &Zones{cfg: cfg, zones: map[string]*time.Location{}, loaded: map[string]*time.Location{}}
}

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Zone is the time zone of user's Slack profile, or nil when it is not
// known. It never calls Slack.
func (z *Zones) Zone(user string) *time.Location {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.zones[user]
}

// Refresh reads the profile time zone of each of users with users.info, one
// after the other, and holds them in place of what was held (users no
// longer listed are forgotten). Slack's 429 is waited out (Retry-After,
// then the same user again), since users.info allows about a hundred calls
// a minute and a large pool can reach that. A user Slack does not know, or
// whose tz is missing or not a zone Go knows, gets no zone, logged at debug:
// the pool's zone applies, which is what a wrong profile deserves. Any other
// failure keeps the user's last known zone and is returned, joined; a
// missing users:read scope is logged once, and ends the refresh, since no
// other user would answer better.
func (z *Zones) Refresh(ctx context.Context, users []string) error {
	z.mu.Lock()
	fresh := make(map[string]*time.Location, len(users))
	for _, u := range users {
		fresh[u] = z.zones[u] // the last known, until Slack says otherwise
	}
	z.mu.Unlock()

	var errs []error
	for i, user := range users {
		loc, err := z.lookUp(ctx, user)
		if errors.Is(err, ErrMissingScope) {
			z.warnScope(err)
			errs = append(errs, err)
			break
		}
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				errs = append(errs, fmt.Errorf("users.info: %d of %d users not read: %w", len(users)-i-1, len(users), ctx.Err()))
				break
			}
			continue
		}
		fresh[user] = loc
	}

	z.mu.Lock()
	z.zones = fresh
	z.mu.Unlock()
	return errors.Join(errs...)
}

// ErrMissingScope is wrapped by Refresh's error when the bot token lacks
// users:read. Zones logs it once; callers need not log it again.
var ErrMissingScope = errors.New("the bot token lacks the users:read scope")

// lookUp asks users.info for user's tz, waiting out 429s. A nil zone with a
// nil error is "no usable zone".
func (z *Zones) lookUp(ctx context.Context, user string) (*time.Location, error) {
	for {
		u, err := z.cfg.API.GetUserInfoContext(ctx, user)
		if rl, limited := errors.AsType[*slack.RateLimitedError](err); limited {
			// Slack limits per method and workspace: pause the whole refresh.
			z.cfg.Log.Debug().Str("user", user).Dur("retry_after", rl.RetryAfter).Msg("directory: users.info rate limited; waiting")
			if err := z.cfg.Wait(ctx, cmp.Or(rl.RetryAfter, time.Second)); err != nil {
				return nil, fmt.Errorf("users.info %s: %w", user, err)
			}
			continue
		}
		var se slack.SlackErrorResponse
		switch {
		case errors.As(err, &se) && (se.Err == "user_not_found" || se.Err == "user_not_visible"):
			z.cfg.Log.Debug().Str("user", user).Str("error", se.Err).Msg("directory: no Slack profile to read a time zone from; the pool's applies")
			return nil, nil
		case errors.As(err, &se) && se.Err == "missing_scope":
			return nil, fmt.Errorf("users.info: %w (%s)", ErrMissingScope, se.Err)
		case err != nil:
			return nil, fmt.Errorf("users.info %s: %w", user, err)
		}
		return z.location(user, u.TZ), nil
	}
}

// location loads the zone called name, or nil (logged at debug) when there
// is none or Go does not know it.
func (z *Zones) location(user, name string) *time.Location {
	if name == "" {
		z.cfg.Log.Debug().Str("user", user).Msg("directory: Slack profile has no time zone; the pool's applies")
		return nil
	}
	z.mu.Lock()
	loc, seen := z.loaded[name]
	z.mu.Unlock()
	if seen {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		z.cfg.Log.Debug().Str("user", user).Str("tz", name).Err(err).Msg("directory: Slack profile time zone unknown; the pool's applies")
		loc = nil
	}
	z.mu.Lock()
	z.loaded[name] = loc
	z.mu.Unlock()
	return loc
}

func (z *Zones) warnScope(err error) {
	z.mu.Lock()
	warned := z.scopeWarned
	z.scopeWarned = true
	z.mu.Unlock()
	if !warned {
		z.cfg.Log.Warn().Err(err).Msg("directory: can't read Slack profile time zones; working hours use the pools' zones (add users:read to the app)")
	}
}
