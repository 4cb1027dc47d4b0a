package handoffs

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/batonhq/baton/routing"
)

// presenceAway is how long a member Slack shows away (without a known end)
// counts as away for one decision.
const presenceAway = time.Minute

// MemberStates are the states of pool's members for routing a new handoff.
// With presence on, a member Slack shows away or in Do Not Disturb counts
// as away. Presence is not asked at click time: someone clicking Claim is
// plainly there.
func (s *Service) MemberStates(ctx context.Context, pool routing.Pool, now time.Time) ([]routing.MemberState, error) {
	period, today := s.Policy().RotationSince(pool, now)
	states, err := s.cfg.Store.MemberStates(ctx, pool.Name, pool.Members, period, today)
	if err != nil {
		return nil, err
	}
	if s.cfg.Presence != nil {
		states = s.withPresence(ctx, pool, states, now)
	}
	return s.withProfileZones(pool.Members, states), nil
}

// MemberState is user's rotation state in pool now.
func (s *Service) MemberState(ctx context.Context, pool routing.Pool, user string) (routing.MemberState, error) {
	period, today := s.Policy().RotationSince(pool, s.Now())
	states, err := s.cfg.Store.MemberStates(ctx, pool.Name, []string{user}, period, today)
	if err != nil {
		return routing.MemberState{User: user}, err
	}
	states = s.withProfileZones([]string{user}, states)
	if len(states) == 0 {
		return routing.MemberState{User: user}, nil
	}
	return states[0], nil
}

// withProfileZones gives each of members a state carrying the zone of their
// Slack profile, when known, so that routing reads their working hours
// where they are. Members with nothing on record get a state of their own
// (the same as none, plus the zone). Reading the zones costs no Slack call.
func (s *Service) withProfileZones(members []string, states []routing.MemberState) []routing.MemberState {
	if s.cfg.Zones == nil {
		return states
	}
	out := slices.Clone(states)
	has := make(map[string]bool, len(out))
	for i := range out {
		has[out[i].User] = true
		if out[i].Location == nil {
			out[i].Location = s.cfg.Zones.Zone(out[i].User)
		}
	}
	for _, m := range members {
		if loc := s.cfg.Zones.Zone(m); !has[m] && loc != nil {
			out = append(out, routing.MemberState{User: m, Location: loc})
			has[m] = true
		}
	}
	return out
}

// zoned is loads with the members' profile zones (see withProfileZones),
// for decisions taken inside a store transaction.
func (s *Service) zoned(loads routing.Loads) routing.Loads {
	return func(pool string, members []string, period, today time.Time) ([]routing.MemberState, error) {
		states, err := loads(pool, members, period, today)
		if err != nil {
			return nil, err
		}
		return s.withProfileZones(members, states), nil
	}
}

// poolStates are the states of pool's members read inside a transaction
// through loads, for the decisions that pick an owner.
func (s *Service) poolStates(loads routing.Loads, pool routing.Pool, now time.Time) ([]routing.MemberState, error) {
	period, today := s.Policy().RotationSince(pool, now)
	return s.zoned(loads)(pool.Name, pool.Members, period, today)
}

// withPresence marks members Slack shows away, asking in parallel so that
// the submit is not slowed by the pool's size.
func (s *Service) withPresence(ctx context.Context, pool routing.Pool, states []routing.MemberState, now time.Time) []routing.MemberState {
	byUser := make(map[string]routing.MemberState, len(pool.Members))
	for _, st := range states {
		byUser[st.User] = st
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range pool.Members {
		wg.Go(func() {
			away, until := s.cfg.Presence.Away(ctx, m)
			if !away {
				return
			}
			if until.IsZero() {
				until = now.Add(presenceAway)
			}
			mu.Lock()
			defer mu.Unlock()
			st := byUser[m]
			st.User = m
			if until.After(st.AwayUntil) {
				st.AwayUntil = until
			}
			byUser[m] = st
		})
	}
	wg.Wait()
	out := make([]routing.MemberState, 0, len(byUser))
	for _, st := range byUser {
		out = append(out, st)
	}
	return out
}

// SetAvailability stores a member's away (until a time) or back (zero)
// with its event, and the refresh of their App Home: /handoff away and
// back, and the Home's own buttons.
func (s *Service) SetAvailability(ctx context.Context, user string, until time.Time) error {
	if err := s.cfg.Store.SetAvailability(ctx, user, until, s.Now()); err != nil {
		return fmt.Errorf("availability of %s: %w", user, err)
	}
	s.log.Info().Str("user", user).Time("until", until).Msg("availability set")
	s.committed()
	return nil
}
