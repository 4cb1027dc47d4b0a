package store_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// syncBuffer is a log the migration writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// longTransaction opens a transaction that has read handoffs and keeps
// it open (its ACCESS SHARE lock with it) until the returned func ends it.
func longTransaction(t *testing.T, db *pgxpool.Pool) (end func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `SELECT count(*) FROM handoffs`)
	require.NoError(t, err)
	var once sync.Once
	end = func() { once.Do(func() { require.NoError(t, tx.Rollback(ctx)) }) }
	t.Cleanup(end)
	return end
}

// TestMigrationDoesNotQueueBehindALongTransaction: a migration that needs
// ACCESS EXCLUSIVE on handoffs while a long transaction reads it gives up
// its place in the lock queue after lock_timeout, so that the queries
// queued behind it run, and tries again (logged) until it gets the lock.
func TestMigrationDoesNotQueueBehindALongTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.NewDatabase(t)
	end := longTransaction(t, db)

	log := &syncBuffer{}
	files := fstest.MapFS{"migrations/9001_add_column.sql": {Data: []byte(`ALTER TABLE handoffs ADD COLUMN probe integer;`)}}
	done := make(chan error, 1)
	go func() {
		done <- store.MigrateWith(ctx, db, store.MigrateOptions{
			Files: files, Log: zerolog.New(log), LockTimeout: 50 * time.Millisecond, Backoff: 10 * time.Millisecond, Attempts: 1000,
		})
	}()
	require.Eventually(t, func() bool { return strings.Contains(log.String(), "lock_timeout") },
		30*time.Second, 10*time.Millisecond, "the migration logs that it gave up its wait and retries; log:\n%s", log.String())

	// A query arriving now waits at most one lock_timeout behind the
	// migration, not for the long transaction. The deadline only bounds
	// the test when the migration queues for good.
	readCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var n int
	require.NoError(t, db.QueryRow(readCtx, `SELECT count(*) FROM handoffs`).Scan(&n), "a read of handoffs is not stuck behind the migration")

	end()
	require.NoError(t, <-done)
	var exists bool
	require.NoError(t, db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'handoffs' AND column_name = 'probe')`).Scan(&exists))
	require.True(t, exists, "the migration applied once the long transaction ended")
	require.Contains(t, log.String(), "9001_add_column.sql")
}

// TestMigrationGivesUpAfterItsAttempts: the retries are bounded, and a
// migration that never got its lock is not recorded as applied.
func TestMigrationGivesUpAfterItsAttempts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.NewDatabase(t)
	longTransaction(t, db)

	log := &syncBuffer{}
	files := fstest.MapFS{"migrations/9001_add_column.sql": {Data: []byte(`ALTER TABLE handoffs ADD COLUMN probe integer;`)}}
	runCtx, cancel := context.WithTimeout(ctx, time.Minute) // bounds the test if the migration queues for good
	defer cancel()
	err := store.MigrateWith(runCtx, db, store.MigrateOptions{
		Files: files, Log: zerolog.New(log), LockTimeout: 20 * time.Millisecond, Backoff: time.Millisecond, Attempts: 3,
	})
	require.Error(t, err)
	require.ErrorContains(t, err, "9001_add_column.sql")
	require.ErrorContains(t, err, "3 attempts")
	require.NoError(t, runCtx.Err(), "the migration gave up by itself")
	require.Equal(t, 2, strings.Count(log.String(), "lock_timeout"), "each retry is logged; log:\n%s", log.String())

	var recorded bool
	require.NoError(t, db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = '9001_add_column.sql')`).Scan(&recorded))
	require.False(t, recorded)
}

// TestNoTransactionMigrationBuildsIndexesConcurrently: a file marked to
// run outside a transaction builds its indexes with CREATE INDEX
// CONCURRENTLY, statement by statement; an INVALID index of the same
// name, left by a concurrent build that failed, is dropped and built
// again; and a second run changes nothing.
func TestNoTransactionMigrationBuildsIndexesConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.NewDatabase(t)
	_, err := db.Exec(ctx, `CREATE TABLE probes (v integer); INSERT INTO probes VALUES (1), (1), (2)`)
	require.NoError(t, err)
	// A unique index over duplicates fails half-way and stays, INVALID.
	_, err = db.Exec(ctx, `CREATE UNIQUE INDEX CONCURRENTLY probes_v ON probes (v)`)
	require.Error(t, err)
	require.Equal(t, "invalid", indexState(t, db, "probes_v"))

	files := fstest.MapFS{"migrations/9001_probes_v.sql": {Data: []byte(`-- baton:no-transaction
-- Two statements, each its own transaction; a ';' in a comment or a 'string;' is no separator.
CREATE INDEX CONCURRENTLY IF NOT EXISTS probes_v ON probes (v) WHERE v <> 3 AND 'a;b' <> '';
CREATE INDEX CONCURRENTLY IF NOT EXISTS probes_v2 ON probes ((v * 2));
`)}}
	for range 2 {
		require.NoError(t, store.MigrateWith(ctx, db, store.MigrateOptions{Files: files}))
		require.Equal(t, "valid", indexState(t, db, "probes_v"))
		require.Equal(t, "valid", indexState(t, db, "probes_v2"))
	}
	var unique bool
	require.NoError(t, db.QueryRow(ctx, `SELECT indisunique FROM pg_index WHERE indexrelid = 'probes_v'::regclass`).Scan(&unique))
	require.False(t, unique, "the failed build's index was replaced by the migration's")
}

// indexState is "valid", "invalid" or "missing".
func indexState(t *testing.T, db *pgxpool.Pool, name string) string {
	t.Helper()
	var valid bool
	err := db.QueryRow(context.Background(), `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1`, name).Scan(&valid)
	if err == pgx.ErrNoRows {
		return "missing"
	}
	require.NoError(t, err)
	if valid {
		return "valid"
	}
	return "invalid"
}
