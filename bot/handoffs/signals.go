package handoffs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// signals reads the early-warning signals of pools (nil: every handoff,
// those of a pool removed since included) over [period[0], period[1])
// against previous, and judges them with the thresholds in force.
// before and previousBefore bound the weekly reviews counted unreviewed
// for each period.
func (s *Service) signals(ctx context.Context, pools []string, period, previous [2]time.Time, before, previousBefore time.Time) (routing.SignalsReport, error) {
	policy := s.Policy()
	managerPools, managers := policy.ManagerPairs()
	read := func(p [2]time.Time, before time.Time) (routing.Signals, error) {
		return s.cfg.Store.Signals(ctx, routing.SignalsQuery{From: p[0], To: p[1], Pools: pools,
			ManagerPools: managerPools, Managers: managers, Before: before})
	}
	th := policy.Reports.Thresholds()
	out := routing.SignalsReport{Thresholds: th}
	var err error
	if out.Signals, err = read(period, before); err != nil {
		return out, err
	}
	if out.Previous, err = read(previous, previousBefore); err != nil {
		return out, err
	}
	out.Flags = th.Flags(out.Signals)
	return out, nil
}

// StatsSignals are the early-warning signals of a manager's report
// (scope a team's) over the days of req, against the days before them.
func (s *Service) StatsSignals(ctx context.Context, scope routing.StatsScope, days int) (routing.SignalsReport, error) {
	from, to := routing.StatsPeriod(days, s.Now(), s.Policy().Location)
	pools := make([]string, 0, len(scope.Pools))
	for _, p := range scope.Pools {
		pools = append(pools, p.Name)
	}
	before := [2]time.Time{from.AddDate(0, 0, -days), from}
	out, err := s.signals(ctx, pools, [2]time.Time{from, to}, before, to, from)
	if err != nil {
		return out, fmt.Errorf("signals of %s: %w", scope.Title, err)
	}
	return out, nil
}

// ReviewPosted records where the weekly review of tick was posted, so its
// Reviewed button can be checked against it and the message updated.
func (s *Service) ReviewPosted(ctx context.Context, tick time.Time, channel, ts string) error {
	return s.cfg.Store.ReviewPosted(ctx, tick, channel, ts, s.Now())
}

// ReviewClick is a press on a weekly review's Reviewed button.
type ReviewClick struct {
	// Tick is the review's, from the button's value.
	Tick time.Time
	User string
	// Channel and MessageTS are the message the button was pressed in.
	Channel, MessageTS string
}

// MarkReviewed records that a manager reviewed the week: who and when,
// with its event and the message's update. Anyone who manages no pool is
// refused (a *routing.Refusal); a button that is not on the review of its
// tick is routing.ErrNotFound. first is false when someone had already
// pressed it: the review is returned as they left it.
func (s *Service) MarkReviewed(ctx context.Context, click ReviewClick) (r routing.PostedReview, first bool, err error) {
	if refusal := s.Policy().MayMarkReviewed(click.User); refusal != nil {
		return r, false, refusal
	}
	r, first, err = s.cfg.Store.MarkReviewed(ctx, click.Tick, click.Channel, click.MessageTS, click.User, s.Now())
	if err != nil {
		if errors.Is(err, routing.ErrNotFound) {
			return r, false, err
		}
		return r, false, fmt.Errorf("review of %s marked by %s: %w", click.Tick.Format(time.RFC3339), click.User, err)
	}
	if first {
		s.log.Info().Str("user", click.User).Time("tick", click.Tick).Msg("weekly review marked reviewed")
		s.committed()
	}
	return r, first, nil
}
