package webhook

import (
	"context"
	"time"

	"github.com/rs/zerolog"
)

// RetentionJob is the scheduled job that deletes delivered webhook
// deliveries once they are older than the outbox's retention. A delivery
// still to be sent, or dead-lettered, is never deleted.
const RetentionJob = "webhook_retention"

// RetentionStore is what the retention job needs of the database;
// *store.Store is one.
type RetentionStore interface {
	StartRun(ctx context.Context, job string, tick, now time.Time, replica string) (bool, error)
	PruneWebhooks(ctx context.Context, olderThan time.Duration, limit int) (int, error)
}

// Retention deletes old delivered deliveries, once per tick across
// replicas, a thousand per statement, for five minutes at most.
type Retention struct {
	Store     RetentionStore
	Retention time.Duration
	Replica   string
	Log       zerolog.Logger
	Now       func() time.Time
}

// Run is one tick of the job.
func (r Retention) Run(ctx context.Context, tick time.Time) error {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	first, err := r.Store.StartRun(ctx, RetentionJob, tick, now, r.Replica)
	if err != nil || !first {
		return err
	}
	const batch = 1000
	deadline := time.Now().Add(5 * time.Minute)
	deleted := 0
	for {
		n, err := r.Store.PruneWebhooks(ctx, r.Retention, batch)
		deleted += n
		if err != nil {
			return err
		}
		if n < batch || !time.Now().Before(deadline) {
			if deleted > 0 {
				r.Log.Info().Int("deleted", deleted).Dur("retention", r.Retention).Msg("old webhook deliveries deleted")
			}
			return nil
		}
	}
}
