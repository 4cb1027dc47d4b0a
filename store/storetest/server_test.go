package storetest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/store/storetest"
)

// TestServerStopStart: a test's own server is migrated, refuses work while
// stopped, and after Start answers on the same connection string with what
// was committed before.
func TestServerStopStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := storetest.NewServer(t)
	db := srv.Pool()
	_, err := db.Exec(ctx, `INSERT INTO job_runs (job, tick, started_at) VALUES ('probe', now(), now())`)
	require.NoError(t, err, "migrated")

	srv.Stop()
	require.Error(t, db.Ping(ctx), "stopped")
	srv.Start()

	var n int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM job_runs WHERE job = 'probe'`).Scan(&n), "the pool reconnects to %s", srv.URL())
	require.Equal(t, 1, n, "nothing committed is lost")
}
