package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the advisory lock that serialises migrations, so that up
// to ten replicas starting at once apply each migration exactly once.
const migrationLockKey = 0x0BA7_0001

// NoTransactionMarker, as the first line of a migration file, makes it run
// outside a transaction, one statement at a time: what CREATE INDEX
// CONCURRENTLY needs, and what keeps a backfill from holding its locks for
// the whole file. Such a file may be interrupted between statements and
// run again from its start, so every statement must be harmless to repeat
// (CREATE INDEX CONCURRENTLY IF NOT EXISTS, DROP INDEX CONCURRENTLY IF
// EXISTS, an UPDATE whose WHERE skips the rows it already did).
const NoTransactionMarker = "-- baton:no-transaction"

// The defaults of MigrateOptions.
const (
	DefaultLockTimeout = 3 * time.Second
	DefaultAttempts    = 10
	DefaultBackoff     = time.Second
	maxBackoff         = 30 * time.Second
)

// MigrateOptions vary MigrateWith; the zero value is Migrate's.
type MigrateOptions struct {
	// Files holds the migrations as migrations/*.sql; default the ones
	// embedded in Baton.
	Files fs.FS
	// Log receives a line per migration applied (how long it took and
	// the locks it held) and per retry. Default: nothing is logged.
	Log zerolog.Logger
	// LockTimeout is the longest a migration waits for a lock (the
	// lock_timeout setting) before it gives up, lets the queries queued
	// behind it run, and tries again after a pause. Default
	// DefaultLockTimeout.
	LockTimeout time.Duration
	// Attempts bounds the tries of one migration. Default DefaultAttempts.
	Attempts int
	// Backoff is the first pause between tries; it doubles each time, up
	// to 30 s. Default DefaultBackoff.
	Backoff time.Duration
	// Applied, when set, is called after each migration applied.
	Applied func(AppliedMigration)
}

// AppliedMigration is what MigrateWith reports of one migration it applied.
type AppliedMigration struct {
	// Name is the file name (0005_ownership.sql).
	Name string
	// Transactional is false for a NoTransactionMarker file.
	Transactional bool
	// Took is how long the successful attempt took: for a transactional
	// migration, how long it held its locks (they are released at commit).
	Took time.Duration
	// Attempts counts the tries, 1 when the first got its locks in time.
	Attempts int
	// Locks are the strongest lock the transaction held on each table, by
	// table name (e.g. "handoffs": "AccessExclusiveLock"); empty for a
	// NoTransactionMarker file, whose statements each hold their own.
	Locks map[string]string
}

// Migrate applies the embedded migrations that the database has not seen
// yet, in file-name order, under a session advisory lock held on one
// dedicated connection, with the defaults of MigrateOptions.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return MigrateWith(ctx, pool, MigrateOptions{})
}

// MigrateWith applies the migrations that the database has not seen yet,
// in file-name order. Each runs in its own transaction, or statement by
// statement when its file starts with NoTransactionMarker, with
// lock_timeout set: a migration that waits longer for a lock than
// o.LockTimeout (behind a long transaction, say) gives up its place in the
// lock queue, so that it never holds up every query behind it, and is
// tried again after a pause, up to o.Attempts times.
func MigrateWith(ctx context.Context, pool *pgxpool.Pool, o MigrateOptions) error {
	if o.Files == nil {
		o.Files = migrationFiles
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()

	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("migrate: take advisory lock: %w", err)
	}
	defer func() {
		// A fresh context: the unlock must happen even when ctx is cancelled,
		// or the lock lives as long as the pooled connection.
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}

	migrations, err := readMigrations(o.Files)
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if err := o.apply(ctx, conn.Conn(), m); err != nil {
			return err
		}
	}
	return nil
}

// migration is one migration file.
type migration struct {
	name          string
	sql           string
	transactional bool
}

// readMigrations reads migrations/*.sql from files, in name order.
func readMigrations(files fs.FS) ([]migration, error) {
	paths, err := fs.Glob(files, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrate: list migrations: %w", err)
	}
	sort.Strings(paths)
	out := make([]migration, 0, len(paths))
	for _, path := range paths {
		sql, err := fs.ReadFile(files, path)
		if err != nil {
			return nil, fmt.Errorf("migrate %s: read: %w", path, err)
		}
		first, _, _ := strings.Cut(string(sql), "\n")
		out = append(out, migration{
			name:          strings.TrimPrefix(path, "migrations/"),
			sql:           string(sql),
			transactional: strings.TrimSpace(first) != NoTransactionMarker,
		})
	}
	return out, nil
}

// apply applies m unless the database has it, trying again after a pause
// when it ran out of lock_timeout (or lost a deadlock).
func (o MigrateOptions) apply(ctx context.Context, conn *pgx.Conn, m migration) error {
	var applied bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = $1)`, m.name).Scan(&applied); err != nil {
		return fmt.Errorf("migrate %s: look up: %w", m.name, err)
	}
	if applied {
		return nil
	}
	pause := o.Backoff
	for attempt := 1; ; attempt++ {
		start := time.Now()
		var locks map[string]string
		var err error
		if m.transactional {
			locks, err = o.applyInTransaction(ctx, conn, m)
		} else {
			err = o.applyStatements(ctx, conn, m)
		}
		if err == nil {
			a := AppliedMigration{Name: m.name, Transactional: m.transactional, Took: time.Since(start), Attempts: attempt, Locks: locks}
			ev := o.Log.Info().Str("migration", a.Name).Dur("took", a.Took).Int("attempts", a.Attempts)
			if m.transactional {
				ev = ev.Interface("locks", a.Locks)
			} else {
				ev = ev.Bool("no_transaction", true)
			}
			ev.Msg("migration applied")
			if o.Applied != nil {
				o.Applied(a)
			}
			return nil
		}
		if !lockTrouble(err) {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if attempt >= o.Attempts {
			return fmt.Errorf("migrate %s: gave up after %d attempts, each waiting up to lock_timeout %s for a lock that other sessions held (a long transaction?): %w",
				m.name, attempt, o.LockTimeout, err)
		}
		o.Log.Warn().Str("migration", m.name).Int("attempt", attempt).Int("attempts", o.Attempts).Dur("retry_in", pause).Err(err).
			Msgf("migration waited lock_timeout %s for a lock and stepped back, so that the queries behind it run; it retries", o.LockTimeout)
		select {
		case <-ctx.Done():
			return fmt.Errorf("migrate %s: %w (after: %w)", m.name, ctx.Err(), err)
		case <-time.After(pause):
		}
		pause = min(2*pause, maxBackoff)
	}
}

// lockTrouble reports whether err is a lock wait that ran out
// (lock_not_available, what lock_timeout raises) or a deadlock: both are
// worth another try.
func lockTrouble(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "55P03" || pgErr.Code == "40P01")
}

// applyInTransaction runs m and records it in one transaction, and returns
// the locks the transaction held on tables.
func (o MigrateOptions) applyInTransaction(ctx context.Context, conn *pgx.Conn, m migration) (locks map[string]string, err error) {
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d`, o.LockTimeout.Milliseconds())); err != nil {
			return fmt.Errorf("set lock_timeout: %w", err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1) ON CONFLICT DO NOTHING`, m.name)
		if err != nil {
			return fmt.Errorf("record: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // applied meanwhile
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		locks, err = heldLocks(ctx, tx)
		return err
	})
	return locks, err
}

// lockModes orders PostgreSQL's table lock modes, weakest first.
var lockModes = []string{"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
	"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}

// heldLocks returns the strongest lock the transaction holds on each table
// of the current schema (but schema_migrations).
func heldLocks(ctx context.Context, tx pgx.Tx) (map[string]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.relname, l.mode
		FROM pg_locks l
		JOIN pg_class c ON c.oid = l.relation
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
		  AND c.relkind IN ('r', 'p') AND n.nspname = current_schema() AND c.relname <> 'schema_migrations'`)
	if err != nil {
		return nil, fmt.Errorf("read locks: %w", err)
	}
	locks := map[string]string{}
	var table, mode string
	_, err = pgx.ForEachRow(rows, []any{&table, &mode}, func() error {
		if strength(mode) > strength(locks[table]) {
			locks[table] = mode
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read locks: %w", err)
	}
	return locks, nil
}

func strength(mode string) int {
	for i, m := range lockModes {
		if m == mode {
			return i + 1
		}
	}
	return 0
}

// createIndexConcurrently finds the name of the index a CREATE INDEX
// CONCURRENTLY IF NOT EXISTS statement builds.
var createIndexConcurrently = regexp.MustCompile(`(?is)^\s*create\s+(?:unique\s+)?index\s+concurrently\s+if\s+not\s+exists\s+("?)([\w$]+)("?)\s`)

// applyStatements runs a NoTransactionMarker migration one statement at a
// time, then records it. Before a CREATE INDEX CONCURRENTLY IF NOT EXISTS
// it drops an INVALID index of that name: the remains of a concurrent
// build that failed (or ran out of lock_timeout, or whose process died),
// which IF NOT EXISTS would otherwise take for the index.
func (o MigrateOptions) applyStatements(ctx context.Context, conn *pgx.Conn, m migration) (err error) {
	statements, err := splitStatements(m.sql)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`SET lock_timeout = %d`, o.LockTimeout.Milliseconds())); err != nil {
		return fmt.Errorf("set lock_timeout: %w", err)
	}
	defer func() {
		if _, rerr := conn.Exec(context.WithoutCancel(ctx), `RESET lock_timeout`); rerr != nil && err == nil {
			err = fmt.Errorf("reset lock_timeout: %w", rerr)
		}
	}()
	for _, stmt := range statements {
		if match := createIndexConcurrently.FindStringSubmatch(stmt); match != nil {
			if err := dropInvalidIndex(ctx, conn, match[2], match[1] == `"`); err != nil {
				return err
			}
		}
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1) ON CONFLICT DO NOTHING`, m.name); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// dropInvalidIndex drops the index name of the current schema if it is
// INVALID.
func dropInvalidIndex(ctx context.Context, conn *pgx.Conn, name string, quoted bool) error {
	if !quoted {
		name = strings.ToLower(name)
	}
	var invalid bool
	err := conn.QueryRow(ctx, `
		SELECT NOT i.indisvalid
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relname = $1 AND n.nspname = current_schema()`, name).Scan(&invalid)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !invalid) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up index %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, `DROP INDEX CONCURRENTLY IF EXISTS `+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("drop the invalid index %s a failed build left: %w", name, err)
	}
	return nil
}

// splitStatements splits the SQL of a NoTransactionMarker file at the
// semicolons that end statements, skipping comments and quoted text. It
// refuses dollar quoting, which such a file has no use for.
func splitStatements(sql string) ([]string, error) {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(sql) - i
			}
			i += end - 1
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil, errors.New("unterminated /* comment")
			}
			i += end + 3
			cur.WriteByte(' ')
			continue
		case c == '\'' || c == '"':
			end := strings.IndexByte(sql[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated %c quote", c)
			}
			cur.WriteString(sql[i : i+end+2])
			i += end + 1
			continue
		case c == '$':
			return nil, errors.New("dollar quoting is not supported in a " + NoTransactionMarker + " file")
		case c == ';':
			flush()
			continue
		}
		cur.WriteByte(c)
	}
	flush()
	return out, nil
}
