// Package retention runs the retention jobs: the outbox's deletes the
// notices Slack was told (delivered) or Baton gave up on (abandoned) once
// they are older than the retention period, so the outbox holds what is in
// flight and a recent past to look into, not every notice ever sent (a
// change writes several, App Home refreshes included). A notice not yet
// delivered nor abandoned is never deleted. The same job, with another
// Prune, deletes the webhook deliveries sent. The event log is the record
// of what happened and is not pruned.
package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/batonhq/baton/bot/metrics"
)

// JobName is the outbox job's run key prefix and its name in logs and
// metrics.
const JobName = "outbox_retention"

// Schedule runs the job every hour, on the hour (UTC): an hour's worth of
// notices to delete each time, a few statements, rather than a day's at
// once.
const Schedule = "@every 1h"

// DefaultBatch is how many notices one statement deletes: each statement
// is its own short transaction, so delivery and the other jobs never wait
// long behind the job's locks.
const DefaultBatch = 1000

// DefaultBudget is how long one tick deletes at most; what is left (a
// backlog after retention was shortened, or on the first run over months
// of notices) goes at the next ticks.
const DefaultBudget = 5 * time.Minute

// Store is what the job needs of the database.
type Store interface {
	// StartRun records that replica runs job's tick; false when another
	// replica (or this one, before a restart) already did.
	StartRun(ctx context.Context, job string, tick, now time.Time, replica string) (bool, error)
	// PruneOutbox deletes up to limit delivered or abandoned notices
	// older than olderThan, by the database's clock, and says how many.
	PruneOutbox(ctx context.Context, olderThan time.Duration, limit int) (int, error)
}

// Config is what a Job is built from.
type Config struct {
	Store Store
	// Name is the job's run key and its name in logs and metrics; What
	// names what it deletes in the log; Prune deletes up to limit rows
	// older than olderThan and says how many. Zero: the outbox job
	// (JobName, "outbox notices", Store.PruneOutbox).
	Name, What string
	Prune      func(ctx context.Context, olderThan time.Duration, limit int) (int, error)
	// Retention is how long a delivered or abandoned notice is kept.
	Retention time.Duration
	// Replica names this process in the run keys.
	Replica string
	Log     zerolog.Logger
	// Metrics counts the rows deleted; nil counts nothing.
	Metrics *metrics.Metrics
	// Now is the clock the run key's start is recorded with; default
	// time.Now. The cutoff is the database's clock, not this one.
	Now func() time.Time
	// Batch is DefaultBatch and Budget DefaultBudget when zero.
	Batch  int
	Budget time.Duration
}

// Job is a retention job.
type Job struct {
	cfg Config
}

// New returns the job for cfg.
func New(cfg Config) *Job {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Name == "" {
		cfg.Name, cfg.What = JobName, "outbox notices"
	}
	if cfg.Prune == nil {
		cfg.Prune = cfg.Store.PruneOutbox
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	return &Job{cfg: cfg}
}

// Run is one tick of the job: it records the tick's run key, so that one
// replica runs it, then deletes batch after batch until fewer than a batch
// are left or the tick's budget is spent. A tick that fails half-way
// leaves the rest to the next; deleting is safe to repeat.
func (j *Job) Run(ctx context.Context, tick time.Time) error {
	first, err := j.cfg.Store.StartRun(ctx, j.cfg.Name, tick, j.cfg.Now(), j.cfg.Replica)
	if err != nil || !first {
		return err
	}
	deadline := time.Now().Add(j.cfg.Budget)
	deleted := 0
	for {
		n, err := j.cfg.Prune(ctx, j.cfg.Retention, j.cfg.Batch)
		deleted += n
		j.cfg.Metrics.Pruned(n)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %d deleted, then: %w", j.cfg.Name, deleted, err)
		case n < j.cfg.Batch:
			j.logDeleted(deleted, true)
			return nil
		case !time.Now().Before(deadline):
			j.logDeleted(deleted, false) // the next tick goes on
			return nil
		}
	}
}

// logDeleted logs a tick that deleted something or ran out of time; done
// is false when notices past the retention were left for the next tick.
func (j *Job) logDeleted(deleted int, done bool) {
	if deleted == 0 && done {
		return
	}
	j.cfg.Log.Info().Int("deleted", deleted).Bool("done", done).Dur("retention", j.cfg.Retention).Msg("old " + j.cfg.What + " deleted")
}
