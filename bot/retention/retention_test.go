package retention_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/bot/retention"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const month = 30 * 24 * time.Hour

// notices writes n notices into the outbox, created 40 days ago by the
// database's clock, with delivered and abandoned as given (SQL, or NULL).
func notices(t *testing.T, db *pgxpool.Pool, n int, delivered, abandoned string) {
	t.Helper()
	_, err := db.Exec(context.Background(), `
		INSERT INTO outbox (ordering_key, kind, recipient, created_at, deliver_after, delivered_at, abandoned_at)
		SELECT 'dm:U' || g, 'owner_brief', 'U' || g, now() - interval '40 days', now() - interval '40 days', `+delivered+`, `+abandoned+`
		FROM generate_series(1, $1) g`, n)
	require.NoError(t, err)
}

func count(t *testing.T, db *pgxpool.Pool, where string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE `+where).Scan(&n))
	return n
}

// pruned reads baton_outbox_pruned_total.
func pruned(t *testing.T, m *metrics.Metrics) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == "baton_outbox_pruned_total" {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("baton_outbox_pruned_total is not registered")
	return 0
}

// TestRunPrunesOncePerTick: two replicas run the same tick; one of them
// deletes every old delivered and abandoned notice, a batch at a time, and
// the other does nothing. What waits stays, however old; the next tick
// takes what aged since.
func TestRunPrunesOncePerTick(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.NewDatabase(t)
	s := store.New(db)
	notices(t, db, 3, "now() - interval '31 days'", "NULL")
	notices(t, db, 2, "NULL", "now() - interval '31 days'")
	notices(t, db, 2, "NULL", "NULL")                       // still to be said
	notices(t, db, 1, "now() - interval '29 days'", "NULL") // within the retention

	ma, mb := metrics.New(), metrics.New()
	job := func(replica string, m *metrics.Metrics) *retention.Job {
		return retention.New(retention.Config{Store: s, Retention: month, Replica: replica, Log: zerolog.Nop(), Metrics: m, Batch: 2})
	}
	a, b := job("a", ma), job("b", mb)
	tick := time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)
	require.NoError(t, a.Run(ctx, tick))
	require.Equal(t, 3, count(t, db, "true"))
	require.Equal(t, 2, count(t, db, "delivered_at IS NULL AND abandoned_at IS NULL"))
	require.Equal(t, 5.0, pruned(t, ma))

	notices(t, db, 4, "now() - interval '31 days'", "NULL")
	require.NoError(t, b.Run(ctx, tick))
	require.Equal(t, 7, count(t, db, "true"), "the tick ran already, in the other replica")
	require.Zero(t, pruned(t, mb))
	runs, err := s.JobRuns(ctx, retention.JobName)
	require.NoError(t, err)
	require.Equal(t, 1, runs)

	require.NoError(t, b.Run(ctx, tick.Add(time.Hour)))
	require.Equal(t, 3, count(t, db, "true"))
	require.Equal(t, 4.0, pruned(t, mb))
}

// TestRunStopsWhenTheTicksTimeIsUp: a tick whose time is spent after its
// first batch leaves the rest to the next tick.
func TestRunStopsWhenTheTicksTimeIsUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.NewDatabase(t)
	s := store.New(db)
	notices(t, db, 5, "now() - interval '31 days'", "NULL")
	job := retention.New(retention.Config{Store: s, Retention: month, Replica: "a", Log: zerolog.Nop(), Batch: 2, Budget: time.Nanosecond})
	tick := time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)
	require.NoError(t, job.Run(ctx, tick))
	require.Equal(t, 3, count(t, db, "true"), "one batch, then the time was up")
	require.NoError(t, job.Run(ctx, tick.Add(time.Hour)))
	require.Equal(t, 1, count(t, db, "true"))
}

// TestRunWithAnotherPrune: the job given another table's Prune (the
// webhook deliveries') runs it under its own run key, once per tick across
// replicas, batch after batch, and leaves the outbox alone.
func TestRunWithAnotherPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.NewDatabase(t)
	s := store.New(db)
	notices(t, db, 3, "now() - interval '31 days'", "NULL")
	left := 5 // rows of the other table past the retention
	var asked []time.Duration
	prune := func(_ context.Context, olderThan time.Duration, limit int) (int, error) {
		asked = append(asked, olderThan)
		n := min(left, limit)
		left -= n
		return n, nil
	}
	job := func(replica string) *retention.Job {
		return retention.New(retention.Config{Store: s, Name: "webhook_retention", What: "webhook deliveries", Prune: prune,
			Retention: month, Replica: replica, Log: zerolog.Nop(), Batch: 2})
	}
	tick := time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)
	require.NoError(t, job("a").Run(ctx, tick))
	require.NoError(t, job("b").Run(ctx, tick))
	require.Zero(t, left, "every row past the retention deleted")
	require.Equal(t, []time.Duration{month, month, month}, asked, "three batches of two, by one replica")
	require.Equal(t, 3, count(t, db, "true"), "the outbox untouched")
	runs, err := s.JobRuns(ctx, "webhook_retention")
	require.NoError(t, err)
	require.Equal(t, 1, runs)
	outbox, err := s.JobRuns(ctx, retention.JobName)
	require.NoError(t, err)
	require.Zero(t, outbox)
}
