package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPruneOutboxKeepsWhatIsInFlight: delivered and abandoned notices past
// the retention go, in batches; recent ones stay, and a notice not yet
// delivered nor abandoned stays however old it is.
func TestPruneOutboxKeepsWhatIsInFlight(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, key := range []string{"V1", "V2", "V3"} {
		_, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff(key))
		require.NoError(t, err)
	}
	// Nine notices: three of each handoff. By the database's clock, three
	// were delivered long ago, two abandoned long ago, one delivered and
	// one abandoned yesterday; two, created long ago, wait still.
	var all []int64
	rows, err := b.db.Query(b.ctx, `SELECT id FROM outbox ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		all = append(all, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, all, 9)
	for _, set := range []struct {
		ids []int64
		sql string
	}{
		{all[0:3], `UPDATE outbox SET created_at = now() - interval '40 days', delivered_at = now() - interval '31 days' WHERE id = ANY($1)`},
		{all[3:5], `UPDATE outbox SET created_at = now() - interval '40 days', abandoned_at = now() - interval '31 days', last_error = 'channel_not_found' WHERE id = ANY($1)`},
		{all[5:6], `UPDATE outbox SET delivered_at = now() - interval '1 day' WHERE id = ANY($1)`},
		{all[6:7], `UPDATE outbox SET abandoned_at = now() - interval '1 day' WHERE id = ANY($1)`},
		{all[7:9], `UPDATE outbox SET created_at = now() - interval '400 days', deliver_after = now() - interval '400 days', attempts = 14 WHERE id = ANY($1)`},
	} {
		_, err := b.db.Exec(b.ctx, set.sql, set.ids)
		require.NoError(t, err)
	}

	const retention = 30 * 24 * time.Hour
	first, err := b.store.PruneOutbox(b.ctx, retention, 2)
	require.NoError(t, err)
	require.Equal(t, 2, first)
	var oldest int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM outbox WHERE id = ANY($1)`, all[0:2]).Scan(&oldest))
	require.Zero(t, oldest, "the oldest go first")
	batches := []int{first}
	for {
		n, err := b.store.PruneOutbox(b.ctx, retention, 2)
		require.NoError(t, err)
		batches = append(batches, n)
		if n < 2 {
			break
		}
	}
	require.Equal(t, []int{2, 2, 1}, batches, "two rows a statement, until fewer are left")
	n, err := b.store.PruneOutbox(b.ctx, retention, 2)
	require.NoError(t, err)
	require.Zero(t, n, "nothing more to prune")

	var left []int64
	rows, err = b.db.Query(b.ctx, `SELECT id FROM outbox ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		left = append(left, id)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, all[5:], left, "yesterday's stay, and so does what waits, however old")
	pending, err := b.store.PendingCount(b.ctx)
	require.NoError(t, err)
	require.Equal(t, 2, pending)

	// What waits is still delivered as before.
	leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
	require.NoError(t, err)
	require.ElementsMatch(t, all[7:9], ids(leased))
}
