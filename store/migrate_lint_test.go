package store

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lastUnlinted is the last migration written before the rules below: those
// files have run on existing databases and are left as they are (see
// docs/operations.md, "Migrations"). Most break the rules: they build their
// indexes on handoffs and events inside their transaction, and 0003 and
// 0005 update rows of handoffs while holding ACCESS EXCLUSIVE on it.
const lastUnlinted = 12

// bigTables grow with the history: a million handoffs, more events and
// notices. Holding a lock that blocks writes on one of them for longer
// than a catalog change stalls the bot.
const bigTables = `(?:handoffs|events|outbox)`

// Each rule is a pattern over a migration's SQL (comments removed,
// lowercased, whitespace collapsed) and what is wrong with what it finds.
type lintRule struct {
	pattern *regexp.Regexp
	// transactional, noTransaction: the kinds of file the rule applies to.
	transactional, noTransaction bool
	problem                      string
	// unless, when set, clears what pattern found if it matches it.
	unless *regexp.Regexp
}

var lintRules = []lintRule{
	{regexp.MustCompile(`create (?:unique )?index (?:if not exists )?(?:[\w"]+ )?on (?:only )?"?` + bigTables + `\b`), true, true,
		"CREATE INDEX on a big table without CONCURRENTLY blocks its writes for the whole build: put it in a " + NoTransactionMarker + " file as CREATE INDEX CONCURRENTLY IF NOT EXISTS", nil},
	{regexp.MustCompile(`\bconcurrently\b`), true, false,
		"CONCURRENTLY cannot run in a transaction: start the file with " + NoTransactionMarker, nil},
	{regexp.MustCompile(`create (?:unique )?index concurrently (?:[\w"]+ )?on\b`), false, true,
		"CREATE INDEX CONCURRENTLY without IF NOT EXISTS: a file run again after an interruption must not fail on the index it built", nil},
	{regexp.MustCompile(`drop index [^;]*`), false, true,
		"DROP INDEX in a " + NoTransactionMarker + " file must be DROP INDEX CONCURRENTLY IF EXISTS",
		regexp.MustCompile(`^drop index concurrently if exists `)},
	{regexp.MustCompile(`\b(?:update|delete from) (?:only )?"?` + bigTables + `\b`), true, false,
		"UPDATE or DELETE of a big table in a transactional migration holds its locks, and the ACCESS EXCLUSIVE of any ALTER before it, until every row is done: backfill in a " + NoTransactionMarker + " file, with a WHERE that skips the rows done", nil},
	{regexp.MustCompile(`alter table (?:if exists )?(?:only )?"?` + bigTables + `\b[^;]*\balter (?:column )?[\w"]+ (?:set data )?type\b`), true, true,
		"ALTER COLUMN … TYPE rewrites the table under ACCESS EXCLUSIVE: add a new column, backfill it, and switch", nil},
	{regexp.MustCompile(`alter table (?:if exists )?(?:only )?"?` + bigTables + `\b[^;]*\bset not null\b`), true, true,
		"SET NOT NULL reads the whole table under ACCESS EXCLUSIVE: add a CHECK (… IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT in a later migration", nil},
	{regexp.MustCompile(`alter table (?:if exists )?(?:only )?"?` + bigTables + `\b[^;]*\badd (?:constraint [\w"]+ )?(?:check|foreign key)\b[^;]*`), true, true,
		"ADD CONSTRAINT CHECK or FOREIGN KEY reads the whole table under its lock: add it NOT VALID, then VALIDATE CONSTRAINT in a later migration",
		regexp.MustCompile(`\bnot valid\b`)},
	{regexp.MustCompile(`alter table (?:if exists )?(?:only )?"?` + bigTables + `\b[^;]*\badd (?:constraint [\w"]+ )?(?:primary key|unique)\b`), true, true,
		"ADD PRIMARY KEY or UNIQUE builds an index under ACCESS EXCLUSIVE: build it CONCURRENTLY, then ADD CONSTRAINT … USING INDEX", nil},
	{regexp.MustCompile(`alter table (?:if exists )?(?:only )?"?` + bigTables + `\b[^;]*\badd (?:column )?(?:if not exists )?[\w"]+ [^;,]*(?:\bdefault [^;,]*\b(?:now|clock_timestamp|statement_timestamp|random|gen_random_uuid|nextval)\s*\(|\bserial\b|\bbigserial\b|\bgenerated always as\b[^;,]*\bstored\b)`), true, true,
		"a column with a volatile default (now(), random(), a serial) or a stored generated column rewrites every row under ACCESS EXCLUSIVE: add it without, then backfill", nil},
	{regexp.MustCompile(`\bvacuum full\b|\bcluster\b|\block table\b`), true, true,
		"VACUUM FULL, CLUSTER and LOCK TABLE hold ACCESS EXCLUSIVE for as long as they run", nil},
	{regexp.MustCompile(`\block_timeout\b`), true, true,
		"lock_timeout is the migrator's to set (MigrateOptions.LockTimeout)", nil},
}

var (
	lineComment  = regexp.MustCompile(`--[^\n]*`)
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	spaces       = regexp.MustCompile(`\s+`)
)

// lintMigration returns what is unsafe in the migration's SQL on a
// database with history.
func lintMigration(sql string) []string {
	first, _, _ := strings.Cut(sql, "\n")
	transactional := strings.TrimSpace(first) != NoTransactionMarker
	text := blockComment.ReplaceAllString(lineComment.ReplaceAllString(sql, " "), " ")
	text = strings.TrimSpace(spaces.ReplaceAllString(strings.ToLower(text), " "))
	var problems []string
	if !transactional {
		if _, err := splitStatements(sql); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for _, r := range lintRules {
		if (transactional && !r.transactional) || (!transactional && !r.noTransaction) {
			continue
		}
		for _, found := range r.pattern.FindAllString(text, -1) {
			if r.unless != nil && r.unless.MatchString(found) {
				continue
			}
			problems = append(problems, fmt.Sprintf("%q: %s", found, r.problem))
		}
	}
	return problems
}

// TestMigrationsAreSafe holds every migration after lastUnlinted to the
// rules above, and the numbering to one file per number, without gaps.
func TestMigrationsAreSafe(t *testing.T) {
	t.Parallel()
	migrations, err := readMigrations(migrationFiles)
	require.NoError(t, err)
	for i, m := range migrations {
		number, _, ok := strings.Cut(m.name, "_")
		require.True(t, ok, "%s: name it NNNN_what.sql", m.name)
		n, err := strconv.Atoi(number)
		require.NoError(t, err, "%s: name it NNNN_what.sql", m.name)
		require.Equal(t, i+1, n, "%s: the next migration takes the next free number, %04d", m.name, i+1)
		if n <= lastUnlinted {
			continue
		}
		require.Empty(t, lintMigration(m.sql), "%s is unsafe on a database with history", m.name)
	}
}

// TestLintFindsUnsafeMigrations: each rule finds what it is for, and
// lets the safe way of doing the same pass.
func TestLintFindsUnsafeMigrations(t *testing.T) {
	t.Parallel()
	noTx := NoTransactionMarker + "\n"
	unsafe := []string{
		`CREATE INDEX handoffs_x ON handoffs (created_at);`,
		`create unique index if not exists events_x on events (at) where kind = 'x';`,
		`CREATE INDEX ON outbox (created_at);`,
		`CREATE INDEX CONCURRENTLY IF NOT EXISTS handoffs_x ON handoffs (created_at);`,
		noTx + `CREATE INDEX handoffs_x ON handoffs (created_at);`,
		noTx + `CREATE INDEX CONCURRENTLY handoffs_x ON handoffs (created_at);`,
		noTx + `DROP INDEX handoffs_x;`,
		noTx + `DROP INDEX CONCURRENTLY handoffs_x;`,
		noTx + `DROP INDEX IF EXISTS handoffs_x;`,
		noTx + `DO $$ BEGIN PERFORM 1; END $$;`,
		`ALTER TABLE handoffs ADD CONSTRAINT x_check CHECK (owner_id IS NOT NULL);`,
		"ALTER TABLE handoffs ADD COLUMN x text;\nUPDATE handoffs SET x = company;",
		`DELETE FROM events WHERE at < now() - interval '1 year';`,
		`ALTER TABLE handoffs ALTER COLUMN pool TYPE varchar(100);`,
		`ALTER TABLE handoffs ALTER pool SET DATA TYPE varchar(100);`,
		`ALTER TABLE outbox ALTER COLUMN recipient SET NOT NULL;`,
		`ALTER TABLE handoffs ADD CONSTRAINT x_check CHECK (rung >= 0);`,
		`ALTER TABLE outbox ADD FOREIGN KEY (handoff_id) REFERENCES handoffs (id);`,
		`ALTER TABLE events ADD CONSTRAINT events_pk PRIMARY KEY (id);`,
		`ALTER TABLE handoffs ADD COLUMN seen_at timestamptz NOT NULL DEFAULT now();`,
		`ALTER TABLE handoffs ADD COLUMN token uuid DEFAULT gen_random_uuid();`,
		`ALTER TABLE events ADD COLUMN seq bigserial;`,
		`ALTER TABLE handoffs ADD COLUMN k text GENERATED ALWAYS AS (lower(company)) STORED;`,
		`VACUUM FULL handoffs;`,
		`LOCK TABLE handoffs IN ACCESS EXCLUSIVE MODE;`,
		`SET LOCAL lock_timeout = 0;`,
	}
	for _, sql := range unsafe {
		require.NotEmpty(t, lintMigration(sql), "unsafe, and not found:\n%s", sql)
	}
	safe := []string{
		noTx + `-- A comment may say CREATE INDEX x ON handoffs; it is no statement.
CREATE INDEX CONCURRENTLY IF NOT EXISTS handoffs_x ON handoffs (created_at) WHERE state = 'open';
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "events_y" ON events (at) WHERE detail->>'k' = '$x';
DROP INDEX CONCURRENTLY IF EXISTS handoffs_y;`,
		noTx + `UPDATE handoffs SET x = company WHERE x IS NULL;`,
		`ALTER TABLE handoffs ADD COLUMN x text NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN y timestamptz, ADD COLUMN z jsonb NOT NULL DEFAULT '{}';
ALTER TABLE handoffs ADD CONSTRAINT x_check CHECK (x IS NOT NULL) NOT VALID;
ALTER TABLE outbox ADD CONSTRAINT o_fk FOREIGN KEY (handoff_id) REFERENCES handoffs (id) NOT VALID;`,
		`ALTER TABLE handoffs VALIDATE CONSTRAINT x_check;`,
		`CREATE TABLE small (id int PRIMARY KEY); CREATE INDEX small_x ON small (id); UPDATE members SET lapsed_offers = 0;`,
		`ALTER TABLE homes ADD COLUMN seen_at timestamptz NOT NULL DEFAULT now();`,
	}
	for _, sql := range safe {
		require.Empty(t, lintMigration(sql), "safe:\n%s", sql)
	}

	// The rules find what makes 0005 unsafe on a database with history.
	sql, err := migrationFiles.ReadFile("migrations/0005_ownership.sql")
	require.NoError(t, err)
	problems := strings.Join(lintMigration(string(sql)), "\n")
	require.Contains(t, problems, `"update handoffs`)
	require.Contains(t, problems, `"create index handoffs_sla_due on handoffs`)
}
