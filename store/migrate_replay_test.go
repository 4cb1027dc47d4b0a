package store_test

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// migrationHistory is how many handoffs BenchmarkMigrations replays the
// migrations on:
//
//	go test ./store -run '^$' -bench BenchmarkMigrations -benchtime 1x -timeout 2h -migration-history 1000000
var migrationHistory = flag.Int("migration-history", 1_000_000, "handoffs BenchmarkMigrations seeds before it replays the migrations")

// TestMigrationsReplayOnHistory replays every migration on a database
// with history (small here; BenchmarkMigrations runs a million) and checks
// that the replay ends with the schema a fresh database has.
func TestMigrationsReplayOnHistory(t *testing.T) {
	t.Parallel()
	n := 10_000
	if testing.Short() {
		n = 1_000
	}
	reports := replayMigrations(t, n)
	names, err := fs.Glob(os.DirFS("."), "migrations/*.sql")
	require.NoError(t, err)
	require.Len(t, reports, len(names), "every migration is applied once")
	for i, r := range reports {
		require.Equal(t, strings.TrimPrefix(names[i], "migrations/"), r.Name)
		require.Equal(t, 1, r.Attempts, "%s: nothing else held its locks", r.Name)
	}
}

// BenchmarkMigrations replays every migration on a database seeded with
// -migration-history handoffs and reports, for each, how long it took, the
// strongest lock it held on the big tables, and the longest a one-row
// write to handoffs waited while it ran. The 0001 row is on empty tables:
// the history is loaded after it.
func BenchmarkMigrations(b *testing.B) {
	for b.Loop() {
		reports := replayMigrations(b, *migrationHistory)
		var total time.Duration
		lines := []string{fmt.Sprintf("%-28s %10s %-28s %12s", "migration", "took", "strongest lock (big tables)", "write waited")}
		for _, r := range reports {
			total += r.Took
			lines = append(lines, fmt.Sprintf("%-28s %10s %-28s %12s", r.Name, r.Took.Round(time.Millisecond), r.bigLock(), r.writeWait.Round(time.Millisecond)))
		}
		b.Logf("migrations replayed on %d handoffs:\n%s", *migrationHistory, strings.Join(lines, "\n"))
		b.ReportMetric(total.Seconds(), "migrations-s")
	}
}

// replayed is one migration of a replay.
type replayed struct {
	store.AppliedMigration
	// writeWait is the longest a one-row UPDATE of handoffs took while the
	// migration ran.
	writeWait time.Duration
}

// bigLock is the strongest lock the migration's transaction held on
// handoffs, events or outbox.
func (r replayed) bigLock() string {
	if !r.Transactional {
		return "(no transaction)"
	}
	var held []string
	for _, table := range []string{"handoffs", "events", "outbox"} {
		if mode, ok := r.Locks[table]; ok {
			held = append(held, table+" "+strings.TrimSuffix(mode, "Lock"))
		}
	}
	if len(held) == 0 {
		return "-"
	}
	return strings.Join(held, ", ")
}

// replayMigrations seeds a history of n handoffs (storetest, at the latest
// schema, in schema public) and replays the migrations one by one in a
// schema of its own, replay: 0001 on empty tables, then the history
// copied in as 0001 can hold it (a scheduled lead of the seeded history is claimed
// there, a cancelled one unowned), then each later migration, after which
// the columns the seeded history has and the replay lacked are copied over, as the
// bot would have written them. It returns what each migration reported,
// and checks that schema replay ends as public is.
func replayMigrations(tb testing.TB, n int) []replayed {
	tb.Helper()
	ctx := context.Background()
	url, db, _ := storetest.NewSeededDatabase(tb, storetest.History{Handoffs: n, Open: 20, End: time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC), Seed: 1})
	_, err := db.Exec(ctx, `CREATE SCHEMA replay`)
	require.NoError(tb, err)
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(tb, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = "replay"
	rp, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(tb, err)
	tb.Cleanup(rp.Close)

	paths, err := fs.Glob(os.DirFS("."), "migrations/*.sql")
	require.NoError(tb, err)
	sort.Strings(paths)
	files := fstest.MapFS{}
	var out []replayed
	for i, path := range paths {
		sql, err := os.ReadFile(path)
		require.NoError(tb, err)
		files[path] = &fstest.MapFile{Data: sql}
		before := replayColumns(tb, db)

		var probe *writeProbe
		if i > 0 {
			probe = startWriteProbe(tb, rp)
		}
		var got store.AppliedMigration
		start := time.Now()
		require.NoError(tb, store.MigrateWith(ctx, rp, store.MigrateOptions{Files: files, Applied: func(a store.AppliedMigration) { got = a }}), path)
		r := replayed{AppliedMigration: got}
		if probe != nil {
			r.writeWait = probe.stop()
		}
		tb.Logf("%s: %s (%s in all)", r.Name, r.Took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		out = append(out, r)

		if i == 0 {
			loadHistory(tb, db)
			continue
		}
		catchUp(tb, db, before)
	}
	require.Equal(tb, schemaOf(tb, db, "public"), schemaOf(tb, db, "replay"), "the replay ends with a fresh database's schema")
	return out
}

// loadHistory copies the seeded history into replay at 0001's schema.
func loadHistory(tb testing.TB, db *pgxpool.Pool) {
	tb.Helper()
	_, err := db.Exec(context.Background(), `
		INSERT INTO replay.handoffs (id, submission_key, state, pool, channel, message_ts, passer_id, company, contact_name,
			contact_title, phone, email, notes, answers, consent, created_at, claim_deadline, owner_id, claimed_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT id, submission_key, s.state, pool, channel, message_ts, passer_id, company, contact_name,
			contact_title, phone, email, notes, answers, consent, created_at, claim_deadline,
			CASE WHEN s.state = 'claimed' THEN owner_id END, CASE WHEN s.state = 'claimed' THEN claimed_at END, updated_at
		FROM public.handoffs, LATERAL (SELECT CASE WHEN state = 'scheduled' THEN 'claimed' ELSE state END AS state) s
		ORDER BY id;
		INSERT INTO replay.events (id, handoff_id, at, actor, kind, detail) OVERRIDING SYSTEM VALUE
		SELECT id, handoff_id, at, actor, kind, detail FROM public.events ORDER BY id;
		INSERT INTO replay.outbox (id, ordering_key, kind, handoff_id, recipient, created_at, deliver_after, leased_until,
			attempts, last_error, delivered_at, abandoned_at) OVERRIDING SYSTEM VALUE
		SELECT id, ordering_key, kind, handoff_id, recipient, created_at, deliver_after, leased_until,
			attempts, last_error, delivered_at, abandoned_at FROM public.outbox ORDER BY id`)
	require.NoError(tb, err)
	_, err = db.Exec(context.Background(), `VACUUM ANALYZE replay.handoffs, replay.events, replay.outbox`)
	require.NoError(tb, err)
}

// replayColumns lists the columns of replay's handoffs and outbox.
func replayColumns(tb testing.TB, db *pgxpool.Pool) map[string][]string {
	tb.Helper()
	rows, err := db.Query(context.Background(), `
		SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'replay' AND table_name IN ('handoffs', 'outbox') ORDER BY table_name, ordinal_position`)
	require.NoError(tb, err)
	cols := map[string][]string{}
	var table, col string
	_, err = pgx.ForEachRow(rows, []any{&table, &col}, func() error {
		cols[table] = append(cols[table], col)
		return nil
	})
	require.NoError(tb, err)
	return cols
}

// catchUp copies, from public into replay, what the bot would have
// written into the columns the last migration added; and, once replay's
// constraints allow the seeded history's states (from 0003), every column, once.
func catchUp(tb testing.TB, db *pgxpool.Pool, before map[string][]string) {
	tb.Helper()
	ctx := context.Background()
	after := replayColumns(tb, db)
	for _, table := range []string{"handoffs", "outbox"} {
		added := after[table][len(before[table]):]
		var all []string
		for _, col := range after[table] {
			if col != "id" {
				all = append(all, col)
			}
		}
		copyCols := func(cols []string) error {
			sets := make([]string, len(cols))
			for i, c := range cols {
				sets[i] = fmt.Sprintf("%s = p.%s", c, c)
			}
			_, err := db.Exec(ctx, fmt.Sprintf(`UPDATE replay.%s r SET %s FROM public.%s p WHERE p.id = r.id`, table, strings.Join(sets, ", "), table))
			return err
		}
		var synced bool
		if err := db.QueryRow(ctx, `SELECT obj_description(('replay.'||$1)::regclass, 'pg_class') = 'synced'`, table).Scan(&synced); err != nil {
			synced = false
		}
		switch {
		case !synced && copyCols(all) == nil:
			_, err := db.Exec(ctx, fmt.Sprintf(`COMMENT ON TABLE replay.%s IS 'synced'`, table))
			require.NoError(tb, err)
		case len(added) > 0:
			require.NoError(tb, copyCols(added), "copy %s.%v", table, added)
		default:
			continue
		}
		_, err := db.Exec(ctx, `VACUUM ANALYZE replay.`+table)
		require.NoError(tb, err)
	}
}

// schemaOf describes the tables, columns, indexes and constraints of a
// schema, without its name.
func schemaOf(tb testing.TB, db *pgxpool.Pool, schema string) []string {
	tb.Helper()
	rows, err := db.Query(context.Background(), `
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
		FROM information_schema.columns WHERE table_schema = $1
		UNION ALL
		SELECT 'index ' || replace(indexdef, $1 || '.', '') FROM pg_indexes WHERE schemaname = $1
		UNION ALL
		SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
		FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1
		ORDER BY 1`, schema)
	require.NoError(tb, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(tb, err)
	for i, line := range out {
		out[i] = strings.ReplaceAll(line, "replay.", "")
	}
	return out
}

// writeProbe updates one row of replay.handoffs every few milliseconds
// and keeps the longest an update took.
type writeProbe struct {
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	longest time.Duration
	err     error
}

func startWriteProbe(tb testing.TB, rp *pgxpool.Pool) *writeProbe {
	tb.Helper()
	p := &writeProbe{done: make(chan struct{})}
	var id int64
	require.NoError(tb, rp.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM handoffs`).Scan(&id))
	p.wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
			start := time.Now()
			_, err := rp.Exec(context.Background(), `UPDATE handoffs SET updated_at = updated_at WHERE id = $1`, id)
			took := time.Since(start)
			p.mu.Lock()
			p.longest = max(p.longest, took)
			if err != nil && p.err == nil {
				p.err = err
			}
			p.mu.Unlock()
		}
	})
	tb.Cleanup(func() { p.stop() })
	return p
}

// stop ends the probe and returns the longest write it saw; a write
// still waiting counts until the migration's end.
func (p *writeProbe) stop() time.Duration {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.longest
}
