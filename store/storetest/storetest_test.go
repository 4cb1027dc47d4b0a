package storetest_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func tableExists(t *testing.T, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var exists bool
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists))
	return exists
}

func TestParallelDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	tables := []string{"only_in_a", "only_in_b"}

	// Both subtests create their table, wait for each other, then check
	// that they see only their own.
	var created sync.WaitGroup
	created.Add(len(tables))
	allCreated := make(chan struct{})
	go func() { created.Wait(); close(allCreated) }()

	for i, table := range tables {
		other := tables[1-i]
		t.Run(table, func(t *testing.T) {
			t.Parallel()
			done := sync.OnceFunc(created.Done)
			defer done() // also when failing early, so the other does not wait

			ctx := context.Background()
			_, pool := storetest.NewDatabase(t)
			_, err := pool.Exec(ctx, `CREATE TABLE `+pgx.Identifier{table}.Sanitize()+` (id int)`)
			require.NoError(t, err)
			done()

			select {
			case <-allCreated:
			case <-time.After(2 * time.Minute):
				t.Fatal("the other subtest did not create its table in time (is -parallel at least 2?)")
			}
			require.True(t, tableExists(t, pool, table))
			require.False(t, tableExists(t, pool, other), "table %s of the other database is visible", other)
		})
	}
}

func TestNewDatabaseIsMigrated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	connString, pool := storetest.NewDatabase(t)

	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n))
	require.Positive(t, n, "schema_migrations is empty")

	// The connection string works on its own, for the same database.
	conn, err := pgx.Connect(ctx, connString)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var fromConn, fromPool string
	require.NoError(t, conn.QueryRow(ctx, `SELECT current_database()`).Scan(&fromConn))
	require.NoError(t, pool.QueryRow(ctx, `SELECT current_database()`).Scan(&fromPool))
	require.Equal(t, fromPool, fromConn)
	require.True(t, strings.HasPrefix(fromConn, "t_"), fromConn)
}

func TestDatabaseDroppedAfterTest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, pool := storetest.NewDatabase(t)

	var name string
	t.Run("inner", func(t *testing.T) {
		_, inner := storetest.NewDatabase(t)
		require.NoError(t, inner.QueryRow(ctx, `SELECT current_database()`).Scan(&name))
	})

	var exists bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists))
	require.False(t, exists, "database %s of a finished test still exists", name)
}
