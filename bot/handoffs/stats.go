package handoffs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// Stats is asker's report for a /handoff stats request: their own numbers,
// or as a manager their team's, someone's or a pool's. Asking for someone
// else without managing them is a *routing.Refusal.
func (s *Service) Stats(ctx context.Context, asker string, req routing.StatsRequest) (routing.StatsScope, routing.Stats, error) {
	policy := s.Policy()
	scope, err := policy.ScopeStats(asker, req)
	if err != nil {
		return scope, routing.Stats{}, err
	}
	from, to := routing.StatsPeriod(req.Days, s.Now(), policy.Location)
	stats, err := s.cfg.Store.Stats(ctx, scope.Query(from, to))
	if err != nil {
		return scope, stats, fmt.Errorf("stats for %s: %w", asker, err)
	}
	return scope, stats, nil
}

// WeeklyReview is every pool's numbers of the week before tick's day
// against the week before that, with the early-warning signals of both
// weeks and the flags of the last, and who marked it reviewed. The weeks
// come from the tick, not from the time of delivery, so a retry, a late
// delivery or the update after a press reports the same weeks.
func (s *Service) WeeklyReview(ctx context.Context, tick time.Time) (routing.WeeklyReview, error) {
	policy := s.Policy()
	team := routing.StatsScope{Role: routing.RoleTeam, Pools: policy.Pools}
	lastWeek, previousWeek := routing.ReviewWeeks(tick, policy.Location)
	now := s.Now()
	read := func(week [2]time.Time) (routing.Stats, error) {
		q := team.Query(week[0], week[1])
		// Every handoff, those of a pool removed since included.
		q.Pools, q.At = nil, now
		return s.cfg.Store.Stats(ctx, q)
	}
	out := routing.WeeklyReview{Tick: tick}
	var err error
	if out.Last, err = read(lastWeek); err != nil {
		return out, fmt.Errorf("weekly review: %w", err)
	}
	if out.Previous, err = read(previousWeek); err != nil {
		return out, fmt.Errorf("weekly review: %w", err)
	}
	// The reviews in a row left unmarked before this one; the week
	// before's count stops at its own review, a week earlier.
	if out.Signals, err = s.signals(ctx, nil, lastWeek, previousWeek, tick, tick.AddDate(0, 0, -7)); err != nil {
		return out, fmt.Errorf("weekly review: %w", err)
	}
	posted, err := s.cfg.Store.Review(ctx, tick)
	switch {
	case errors.Is(err, routing.ErrNotFound):
	case err != nil:
		return out, fmt.Errorf("weekly review: %w", err)
	default:
		out.ReviewedBy, out.ReviewedAt = posted.ReviewedBy, posted.ReviewedAt
	}
	return out, nil
}
