package handoffs

import (
	"context"
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// The scheduled jobs' names: their run keys in the database and their
// names in logs and metrics.
const (
	JobSLASweep     = "sla_sweep"
	JobDigest       = "digest"
	JobWeeklyReview = "weekly_review"
)

// slaSweepLimit bounds one sweep; what is left is taken at the next tick.
const slaSweepLimit = 1000

// runKeyRetention is how long run keys are kept: far longer than any
// catch-up window, so a restart never runs an old tick again.
const runKeyRetention = 30 * 24 * time.Hour

// SweepSLA is the SLA sweep's tick: it looks at every owned lead whose
// clocks are due (sla_due_at), records each breach once with its DMs,
// takes breaches past their grace to the managers and clears what the work
// met. The run key makes the tick run once across replicas; the sweep
// itself is safe to repeat (rows are locked and breaches keyed), so a tick
// that failed half-way is simply finished by the next.
func (s *Service) SweepSLA(ctx context.Context, tick time.Time) error {
	now := s.Now()
	first, err := s.cfg.Store.StartRun(ctx, JobSLASweep, tick, now, s.cfg.Replica)
	if err != nil || !first {
		return err
	}
	changes, err := s.cfg.Store.SweepSLA(ctx, s.dueNow(), slaSweepLimit, func(h routing.Handoff, due time.Time) (routing.Change, error) {
		return s.Breach(h, due), nil
	})
	for _, c := range changes {
		s.log.Info().Int64("handoff", c.Handoff.ID).Str("event", string(c.Event.Kind)).Interface("detail", c.Event.Detail).Msg("SLA")
	}
	if len(changes) > 0 {
		s.committed(changes...)
	}
	if perr := s.cfg.Store.PruneRuns(ctx, now.Add(-runKeyRetention)); perr != nil {
		s.log.Warn().Err(perr).Msg("old job runs not pruned")
	}
	if err != nil {
		return fmt.Errorf("SLA sweep: %w", err)
	}
	return nil
}

// Breach decides what h's SLA clocks call for at now: breaches to record,
// managers to alert, breaches the work met to clear.
func (s *Service) Breach(h routing.Handoff, now time.Time) routing.Change {
	return routing.CheckSLA(h, s.PoolOf(h), s.SLAFor(h.OwnerID), now)
}

// QueueDigest is the digest's tick: it records the tick and puts the
// digest in the outbox in one transaction, so it is posted once across
// replicas and restarts; what it lists is read when it is delivered.
func (s *Service) QueueDigest(ctx context.Context, tick time.Time) error {
	first, err := s.cfg.Store.EnqueueDigest(ctx, JobDigest, tick, s.Now(), s.cfg.Replica, s.Policy().Digest.Channel)
	if err != nil {
		return fmt.Errorf("digest of %s: %w", tick.Format(time.RFC3339), err)
	}
	if first {
		s.log.Info().Time("tick", tick).Msg("digest queued")
		s.committed()
	}
	return nil
}

// QueueWeeklyReview is the weekly review's tick, queued like the digest.
func (s *Service) QueueWeeklyReview(ctx context.Context, tick time.Time) error {
	first, err := s.cfg.Store.EnqueueWeeklyReview(ctx, JobWeeklyReview, tick, s.Now(), s.cfg.Replica, s.Policy().Digest.Channel)
	if err != nil {
		return fmt.Errorf("weekly review of %s: %w", tick.Format(time.RFC3339), err)
	}
	if first {
		s.log.Info().Time("tick", tick).Msg("weekly review queued")
		s.committed()
	}
	return nil
}
