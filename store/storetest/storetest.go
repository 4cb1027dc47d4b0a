// Package storetest gives tests a real PostgreSQL database: a fresh, migrated
// database per test, cloned from a template database.
//
// A package that uses it must call Main from its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
//
// and then, in a test:
//
//	connString, pool := storetest.NewDatabase(t)
//
// A benchmark that needs history (a year of handoffs with their events)
// asks for a database with it loaded; each distinct History is seeded
// once per process, with COPY, and cloned for every call:
//
//	_, pool, seeded := storetest.NewSeededDatabase(b, storetest.History{Handoffs: 1_000_000})
//
// By default the first NewDatabase starts a throwaway server with package
// localpg (tuned for speed: fsync=off and friends) in a temporary
// directory, and Main stops it and removes the directory when the tests are
// done. When the environment variable TEST_DATABASE_URL is set, that server
// is used instead (the connection string must be for a role that may create
// databases; PostgreSQL 13 or later).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/localpg"
)

// EnvURL is the environment variable naming an existing server to use
// instead of starting one.
const EnvURL = "TEST_DATABASE_URL"

// templateName is the template database on a server started by this package.
const templateName = "baton_template"

var (
	mainCalled atomic.Bool

	mu      sync.Mutex
	env     *environment // set once set up successfully
	envErr  error        // set once set-up failed; not retried
	envDone bool         // Main has cleaned up: no more set-up
)

// environment is the server the tests of this process use.
type environment struct {
	srv      *localpg.Server // nil on an external server
	tmpDir   string          // the localpg data lives here
	baseURL  string          // external server: the TEST_DATABASE_URL
	admin    *pgxpool.Pool   // for CREATE/DROP DATABASE
	template string
	// serverVersion is server_version_num, e.g. 150008.
	serverVersion int
	// seeded holds the templates of seeded histories, by History key;
	// guarded by mu.
	seeded map[string]*seeded
}

// Main runs the tests and then cleans up what NewDatabase set up: it stops
// the server it started (and removes its files), or, on an external server,
// drops the template database it created. Call it from TestMain and pass its
// result to os.Exit.
func Main(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()

	mu.Lock()
	defer mu.Unlock()
	envDone = true
	if env != nil {
		if err := env.close(); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: clean up: %v\n", err)
		}
		env = nil
	}
	return code
}

// NewDatabase creates a fresh database with all migrations applied, for
// this test only, and returns its connection string and a pool connected to
// it. When the test ends, the pool is closed and the database dropped.
//
// The first call sets up the server (see the package documentation), which
// takes about a second or two; each further database is a copy of a
// template and takes some tens of milliseconds.
func NewDatabase(t testing.TB) (connString string, pool *pgxpool.Pool) {
	t.Helper()
	e := mustSetup(t)
	return e.clone(t, e.template, "")
}

// NewSeededDatabase is NewDatabase with history h loaded (see SeedHistory).
// A history takes long to load (a million handoffs take minutes on two
// cores), so each distinct h is seeded once per process into a template
// database of its own, and every call clones that template, which takes
// seconds even at a million handoffs.
func NewSeededDatabase(t testing.TB, h History) (connString string, pool *pgxpool.Pool, seeded Seeded) {
	t.Helper()
	e := mustSetup(t)
	st := e.seededTemplate(h.key())
	st.once.Do(func() {
		start := time.Now()
		st.seeded, st.err = e.seedTemplate(st.name, h)
		if st.err == nil {
			t.Logf("storetest: seeded %d handoffs and %d events into %s in %s", st.seeded.Handoffs, st.seeded.Events, st.name, time.Since(start).Round(time.Millisecond))
		}
	})
	if st.err != nil {
		t.Fatalf("storetest: %v", st.err)
	}
	// FILE_COPY copies the template's files instead of logging every page
	// (PostgreSQL 15's default): seconds instead of minutes at 1 M handoffs.
	strategy := ""
	if e.serverVersion >= 150000 {
		strategy = "FILE_COPY"
	}
	connString, pool = e.clone(t, st.name, strategy)
	return connString, pool, st.seeded
}

// seeded is a template database holding a seeded history.
type seeded struct {
	name   string
	once   sync.Once
	seeded Seeded
	err    error
}

// seededTemplate returns the template for the history named key, made
// (but not yet seeded) on first use.
func (e *environment) seededTemplate(key string) *seeded {
	mu.Lock()
	defer mu.Unlock()
	if e.seeded == nil {
		e.seeded = map[string]*seeded{}
	}
	st, ok := e.seeded[key]
	if !ok {
		st = &seeded{name: fmt.Sprintf("%s_seed%d", e.template, len(e.seeded)+1)}
		e.seeded[key] = st
	}
	return st
}

// seedTemplate creates template name from the migrated template and loads
// h into it. Its pool is closed afterwards, as CREATE DATABASE … TEMPLATE
// needs.
func (e *environment) seedTemplate(name string, h History) (Seeded, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if _, err := e.admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`,
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{e.template}.Sanitize())); err != nil {
		return Seeded{}, fmt.Errorf("create seeded template %s: %w", name, err)
	}
	pool, err := pgxpool.New(ctx, e.urlFor(name))
	if err != nil {
		return Seeded{}, fmt.Errorf("connect to seeded template %s: %w", name, err)
	}
	defer pool.Close()
	s, err := SeedHistory(ctx, pool, h)
	if err != nil {
		return s, fmt.Errorf("seeded template %s: %w", name, err)
	}
	return s, nil
}

// mustSetup is setup for a test, failing it when the server cannot start.
func mustSetup(t testing.TB) *environment {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("storetest: NewDatabase needs the package's TestMain to call storetest.Main, so that the test server is stopped: func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }")
	}
	e, err := setup()
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return e
}

// clone creates a database for this test only from template, and drops it
// when the test ends.
func (e *environment) clone(t testing.TB, template, strategy string) (connString string, pool *pgxpool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	name := "t_" + randomHex(8)
	create := fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize())
	if strategy != "" {
		create += " STRATEGY " + strategy
	}
	if _, err := e.admin.Exec(ctx, create); err != nil {
		t.Fatalf("storetest: create database %s from template %s: %v", name, template, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := e.admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, pgx.Identifier{name}.Sanitize())); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})

	connString = e.urlFor(name)
	pool, err := pgxpool.New(context.Background(), connString)
	if err != nil {
		t.Fatalf("storetest: open pool on %s: %v", name, err)
	}
	// Registered after the drop, so it runs before it.
	t.Cleanup(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("storetest: connect to %s: %v", name, err)
	}
	return connString, pool
}

// setup sets the environment up on first use.
func setup() (*environment, error) {
	mu.Lock()
	defer mu.Unlock()
	switch {
	case env != nil:
		return env, nil
	case envErr != nil:
		return nil, envErr
	case envDone:
		return nil, errors.New("NewDatabase called after storetest.Main returned")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e, err := newEnvironment(ctx)
	if err != nil {
		envErr = err
		return nil, err
	}
	env = e
	return e, nil
}

func newEnvironment(ctx context.Context) (_ *environment, err error) {
	e := &environment{}
	defer func() {
		if err != nil {
			if cerr := e.close(); cerr != nil {
				err = fmt.Errorf("%w (and cleaning up: %v)", err, cerr)
			}
		}
	}()

	var adminURL string
	if u := os.Getenv(EnvURL); u != "" {
		e.baseURL = u
		e.template = fmt.Sprintf("%s_%d_%s", templateName, os.Getpid(), randomHex(4))
		adminURL = u
	} else {
		if err := e.startServer(ctx); err != nil {
			return nil, err
		}
		e.template = templateName
		adminURL = e.srv.URLFor("postgres")
	}

	cfg, err := pgxpool.ParseConfig(adminURL)
	if err != nil {
		return nil, fmt.Errorf("parse connection string: %w", err)
	}
	cfg.MaxConns = 4
	e.admin, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := e.admin.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&e.serverVersion); err != nil {
		return nil, fmt.Errorf("server version: %w", err)
	}
	if _, err := e.admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{e.template}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create template database %s: %w", e.template, err)
	}
	if err := e.migrateTemplate(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// startServer starts a throwaway local server in a temporary directory.
func (e *environment) startServer(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "storetest-")
	if err != nil {
		return fmt.Errorf("create temporary directory: %w", err)
	}
	e.tmpDir = dir
	if os.Geteuid() == 0 {
		// The server runs as postgres, which must be able to enter dir.
		if err := chownToPostgres(dir); err != nil {
			return err
		}
	}
	e.srv, err = localpg.Start(ctx, localpg.Options{
		DataDir:  dir + "/data",
		Database: "postgres",
		Settings: map[string]string{
			"fsync":              "off",
			"synchronous_commit": "off",
			"full_page_writes":   "off",
			"max_connections":    "200",
		},
	})
	if err != nil {
		if errors.Is(err, localpg.ErrNoServerBinaries) {
			return fmt.Errorf("start PostgreSQL for tests: %w (or set %s to a server the tests may create databases on)", err, EnvURL)
		}
		return fmt.Errorf("start PostgreSQL for tests: %w", err)
	}
	return nil
}

// migrateTemplate applies the migrations to the template database. The
// pool is closed afterwards: CREATE DATABASE … TEMPLATE fails while anyone
// is connected to the template.
func (e *environment) migrateTemplate(ctx context.Context) error {
	pool, err := pgxpool.New(ctx, e.urlFor(e.template))
	if err != nil {
		return fmt.Errorf("connect to template database %s: %w", e.template, err)
	}
	defer pool.Close()
	if err := store.Migrate(ctx, pool); err != nil {
		return fmt.Errorf("migrate template database %s: %w", e.template, err)
	}
	return nil
}

// urlFor returns the connection string for database name.
func (e *environment) urlFor(name string) string {
	if e.srv != nil {
		return e.srv.URLFor(name)
	}
	return withDatabase(e.baseURL, name)
}

// close releases everything: it drops the template on an external server,
// stops a local one and removes its files.
func (e *environment) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	if e.admin != nil {
		if e.srv == nil {
			for _, st := range e.seeded {
				if _, err := e.admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{st.name}.Sanitize()+` WITH (FORCE)`); err != nil {
					errs = append(errs, fmt.Errorf("drop seeded template %s: %w", st.name, err))
				}
			}
		}
		if e.srv == nil && e.template != "" {
			if _, err := e.admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{e.template}.Sanitize()+` WITH (FORCE)`); err != nil {
				errs = append(errs, fmt.Errorf("drop template database %s: %w", e.template, err))
			}
		}
		e.admin.Close()
	}
	if e.srv != nil {
		if err := e.srv.Stop(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if e.tmpDir != "" {
		if err := os.RemoveAll(e.tmpDir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// withDatabase returns connString with its database replaced by name.
// connString is a postgres:// URL or a keyword/value string.
func withDatabase(connString, name string) string {
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		if u, err := url.Parse(connString); err == nil {
			u.Path = "/" + name
			u.RawPath = ""
			q := u.Query()
			if q.Has("dbname") {
				q.Set("dbname", name)
				u.RawQuery = q.Encode()
			}
			return u.String()
		}
	}
	// In keyword/value strings, a later keyword overrides an earlier one.
	return strings.TrimSpace(connString) + " dbname=" + name
}

func chownToPostgres(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root: look up OS user postgres to run the server as: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return fmt.Errorf("OS user postgres: uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return fmt.Errorf("OS user postgres: gid %q: %w", u.Gid, err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("chown %s to postgres: %w", dir, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
