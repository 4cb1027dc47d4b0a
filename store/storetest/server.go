package storetest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/localpg"
)

// Server is a PostgreSQL server of one test's own, which the test may stop
// and start again (a database restart, a failover) without disturbing the
// other tests, which share the package's server. Its connection string
// stays the same across restarts: the socket directory is fixed.
type Server struct {
	t       testing.TB
	opts    localpg.Options
	tmpDir  string
	url     string
	pool    *pgxpool.Pool
	mu      sync.Mutex
	current *localpg.Server // nil while stopped
}

// serverDatabase is the database NewServer creates and migrates.
const serverDatabase = "baton"

// NewServer starts a PostgreSQL server for this test only, with a migrated
// database, and stops it (and removes its files) when the test ends. It
// takes a few seconds (initdb), so use it only where a test must stop the
// server; NewDatabase is the cheap default. It needs the server binaries:
// TEST_DATABASE_URL cannot stand in, since the test must control the
// server's life.
func NewServer(t testing.TB) *Server {
	t.Helper()
	// Not t.TempDir: its parents are private to this user, and when the
	// tests run as root the server runs as postgres, which must enter it.
	dir, err := os.MkdirTemp("", "storetest-srv-")
	if err != nil {
		t.Fatalf("storetest: create server directory: %v", err)
	}
	s := &Server{t: t, tmpDir: dir}
	t.Cleanup(s.close)
	if os.Geteuid() == 0 {
		if err := chownToPostgres(dir); err != nil {
			t.Fatalf("storetest: %v", err)
		}
	}
	s.opts = localpg.Options{
		DataDir: dir + "/data",
		// A fixed, short socket directory, so that the connection string
		// given to the code under test still works after a restart
		// (localpg would otherwise make a new temporary one each time).
		SocketDir: dir + "/sock",
		Database:  serverDatabase,
		// Not fsync=off like the shared server: a test that restarts the
		// server checks that nothing committed is lost, and fast shutdown
		// writes everything anyway; this only costs a little speed.
		Settings: map[string]string{"max_connections": "100"},
	}
	s.Start()
	s.mu.Lock()
	s.url = s.current.URL()
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool, err := pgxpool.New(ctx, s.url)
	if err != nil {
		t.Fatalf("storetest: open pool on the test's server: %v", err)
	}
	s.pool = pool
	if err := store.Migrate(ctx, pool); err != nil {
		t.Fatalf("storetest: migrate the test's server: %v", err)
	}
	return s
}

// URL is the connection string of the server's migrated database; it
// survives Stop and Start.
func (s *Server) URL() string { return s.url }

// Pool is a pool on the server's database for the test's own queries. Like
// any pgx pool it fails while the server is stopped and reconnects after.
func (s *Server) Pool() *pgxpool.Pool { return s.pool }

// Stop stops the server the way an operator or a failover would (pg_ctl
// stop -m fast: clients are disconnected, committed work is kept).
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.current.Stop(ctx); err != nil {
		s.t.Fatalf("storetest: stop the test's server: %v", err)
	}
	s.current = nil
}

// Start starts the server again on the same data and socket.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := localpg.Start(ctx, s.opts)
	if err != nil {
		s.t.Fatalf("storetest: start the test's server: %v", err)
	}
	s.current = srv
}

// close stops the server for good and removes its files.
func (s *Server) close() {
	if s.pool != nil {
		s.pool.Close()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.current.Stop(ctx); err != nil {
			s.t.Errorf("storetest: stop the test's server: %v", err)
		}
		s.current = nil
	}
	if err := os.RemoveAll(s.tmpDir); err != nil {
		s.t.Errorf("storetest: %v", fmt.Errorf("remove the test's server files: %w", err))
	}
}
