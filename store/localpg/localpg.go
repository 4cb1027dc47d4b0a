// Package localpg runs a local PostgreSQL server from the system's server
// binaries (initdb, pg_ctl, postgres).
//
// It serves two purposes: the bot uses it when DATABASE_URL is unset, with a
// persistent data directory that is reused across restarts, and tests use it
// for a throwaway server (see package storetest).
//
// The server listens on a unix socket only (listen_addresses is empty), so
// any number of servers can run on one machine without fighting over TCP
// ports. Authentication is "trust" for the superuser postgres; the socket
// directory is only accessible to the OS user that runs the server (and
// root).
//
// Several processes may use one data directory's server at once: the bot
// and a `baton export` beside it. Each holds a shared lock on a file in the
// data directory while it uses the server, and only a process that
// started the server, or took it over (Options.Exclusive), stops it, and
// only when no other process holds that lock. At most one Exclusive
// process runs per data directory; another is refused with ErrInUse
// before it touches the server.
//
// PostgreSQL refuses to run as root. When the current process is root, initdb
// and pg_ctl (and therefore postgres) run as the OS user "postgres"; the data
// directory and the socket directory are chowned to it, and every parent
// directory of the data directory must be searchable by it.
package localpg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoServerBinaries is returned (wrapped) by Start when initdb and pg_ctl
// can be found neither on PATH nor in any of SearchDirs.
var ErrNoServerBinaries = errors.New("no PostgreSQL server binaries (initdb, pg_ctl) found: install PostgreSQL (e.g. apt-get install postgresql) or set DATABASE_URL to an existing server")

// ErrInUse is returned (wrapped) by Start with Options.Exclusive when
// another process runs exclusively on the data directory.
var ErrInUse = errors.New("the local PostgreSQL is in use by another exclusive process")

// SearchDirs are the directories searched for initdb and pg_ctl when they are
// not on PATH, in order. Entries may be glob patterns; when a pattern matches
// several directories, the one with the highest version number in its path is
// tried first (so /usr/lib/postgresql/16/bin beats /usr/lib/postgresql/9.6/bin).
//
// It is a variable so that tests and unusual installations can change it; set
// it before calling Start, not concurrently with it.
var SearchDirs = []string{
	"/usr/lib/postgresql/*/bin",
	"/usr/local/pgsql/bin",
}

// Port is the port number the server is started with. There is no TCP
// listener; the port only names the socket file (.s.PGSQL.5432).
const Port = 5432

// DefaultDatabase is the database Start creates when Options.Database is empty.
const DefaultDatabase = "baton"

// serverUser is the OS user the server runs as when we are root.
const serverUser = "postgres"

// maxSocketPath is the longest socket path we accept in the default socket
// directory. The kernel limit (sun_path) is 108 bytes including the NUL on
// Linux and 104 on the BSDs; stay well below both.
const maxSocketPath = 100

// maxSocketPathHard is the longest socket path PostgreSQL accepts on Linux.
const maxSocketPathHard = 107

// tempSocketPrefix prefixes the temporary socket directories Start creates.
const tempSocketPrefix = "localpg-"

// Options configure Start.
type Options struct {
	// DataDir is the data directory. It is created (mode 0700) and
	// initialised with initdb if it holds no cluster yet (no PG_VERSION
	// file); otherwise the existing cluster is used. Required.
	DataDir string

	// SocketDir is the directory for the unix socket. It defaults to
	// DataDir, unless the socket path would then be too long for the
	// kernel (about 100 bytes), in which case a short temporary directory
	// is created and removed again by Stop. A SocketDir that does not exist
	// is created (and chowned to the server user).
	SocketDir string

	// Database is created if it does not exist. Default "baton".
	Database string

	// Settings are extra server settings, passed as -c name=value (for
	// example "fsync": "off" for tests). They apply when Start starts the
	// server; a server found already running keeps its settings.
	Settings map[string]string

	// Log receives the output of initdb and the tail of the server log
	// when something fails. May be nil.
	Log io.Writer

	// Exclusive makes the process the data directory's one long-running
	// user (the bot): Start fails with ErrInUse while another Exclusive
	// process runs on it, takes over a server it finds running (one that
	// a crashed process left behind), and Stop stops the server. Without
	// it, a server found running is used and left running.
	Exclusive bool
}

// How says how Start came to serve the data directory.
type How int

const (
	// Started: no server was running; Start started one, and Stop stops it.
	Started How = iota
	// TookOver: a server was running and Options.Exclusive took it over:
	// Stop stops it.
	TookOver
	// Joined: a server was running, another process's; Stop leaves it
	// running.
	Joined
)

// String names h for a log line.
func (h How) String() string {
	switch h {
	case Started:
		return "started"
	case TookOver:
		return "took over"
	case Joined:
		return "joined"
	}
	return fmt.Sprintf("How(%d)", int(h))
}

// The lock files in the data directory (see the package documentation).
const (
	exclusiveLockFile = "localpg-exclusive.lock"
	usersLockFile     = "localpg-users.lock"
)

// Server is a PostgreSQL server started (or adopted) by Start.
type Server struct {
	dataDir   string
	socketDir string
	database  string
	pgCtl     string
	log       io.Writer
	cred      *syscall.Credential // nil: run as the current user

	// removeSocketDir is set when socketDir is a temporary directory of
	// ours that Stop removes.
	removeSocketDir bool

	how       How
	pid       int
	exclusive *os.File // the Exclusive lock, nil without it
	users     *os.File // the shared users lock

	mu      sync.Mutex
	stopped bool
}

// binaries are the paths of the server programs used.
type binaries struct {
	initdb string
	pgCtl  string
}

// Start starts a PostgreSQL server on opts.DataDir (running initdb first if
// the directory holds no cluster) and creates opts.Database if it is missing.
//
// If a server is already running on the data directory (another process's,
// or one a crashed process left behind), Start uses it instead of starting
// a second one, through the socket directory that server recorded in
// postmaster.pid: with Options.Exclusive it takes it over (Stop stops it),
// without it joins it (Stop leaves it running); How says which. A stale
// postmaster.pid (its process is gone) is left to pg_ctl start, which
// handles it.
//
// Start returns an error wrapping ErrNoServerBinaries when no server
// binaries are installed, and one wrapping ErrInUse, before it touches the
// server, when Options.Exclusive is set and another Exclusive process runs
// on the data directory. Stop must be called; the server keeps running
// after the process exits otherwise, and the locks are held until then.
func Start(ctx context.Context, opts Options) (*Server, error) {
	return start(ctx, opts, os.Getenv("PATH"), SearchDirs)
}

// start is Start with the binary search path and directories as parameters.
func start(ctx context.Context, opts Options, path string, searchDirs []string) (*Server, error) {
	if opts.DataDir == "" {
		return nil, errors.New("localpg: Options.DataDir is empty")
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("localpg: data directory %s: %w", opts.DataDir, err)
	}
	database := opts.Database
	if database == "" {
		database = DefaultDatabase
	}
	names, err := settingNames(opts.Settings)
	if err != nil {
		return nil, err
	}

	bins, err := findBinaries(path, searchDirs)
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	cred, owner, err := serverCredential()
	if err != nil {
		return nil, err
	}

	s := &Server{
		dataDir:  dataDir,
		database: database,
		pgCtl:    bins.pgCtl,
		log:      opts.Log,
		cred:     cred,
	}

	if err := s.initDataDir(ctx, bins, owner); err != nil {
		return nil, err
	}
	if opts.Exclusive {
		if s.exclusive, err = lockExclusive(dataDir); err != nil {
			return nil, err
		}
	}
	if s.users, err = lockFile(filepath.Join(dataDir, usersLockFile), syscall.LOCK_SH); err != nil {
		s.unlock()
		return nil, err
	}

	running, err := s.running(ctx)
	if err != nil {
		s.unlock()
		return nil, err
	}
	if !running {
		if err := s.prepareSocketDir(opts.SocketDir, owner); err != nil {
			s.unlock()
			return nil, err
		}
		err := s.start(ctx, opts.Settings, names)
		if err != nil {
			// Another process may have started it meanwhile: use that one.
			if running, rerr := s.running(ctx); rerr != nil || !running {
				s.cleanSocketDir()
				s.unlock()
				return nil, err
			}
		}
		s.how = Started
		running = err != nil
	}
	if running {
		if err := s.adopt(opts.Exclusive); err != nil {
			s.unlock()
			return nil, err
		}
	}
	if pid, err := pidFromPIDFile(filepath.Join(dataDir, "postmaster.pid")); err == nil {
		s.pid = pid
	}

	if err := s.createDatabase(ctx); err != nil {
		// Do not leave a server behind that the caller has no handle on.
		_ = s.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// adopt uses the server running on the data directory, through the socket
// directory it recorded in postmaster.pid.
func (s *Server) adopt(exclusive bool) error {
	dir, err := socketDirFromPIDFile(filepath.Join(s.dataDir, "postmaster.pid"))
	if err != nil {
		return fmt.Errorf("localpg: use the server running on %s: %w", s.dataDir, err)
	}
	s.socketDir = dir
	s.removeSocketDir = isTempSocketDir(dir)
	s.how = Joined
	if exclusive {
		s.how = TookOver
	}
	return nil
}

// lockExclusive takes the Exclusive lock of dataDir and writes our pid
// into its file, or says which process holds it.
func lockExclusive(dataDir string) (*os.File, error) {
	path := filepath.Join(dataDir, exclusiveLockFile)
	f, err := lockFile(path, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		holder := "another process"
		if data, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); perr == nil {
				holder = fmt.Sprintf("process %d", pid)
			}
		}
		return nil, fmt.Errorf("localpg: %w: %s runs on %s", ErrInUse, holder, dataDir)
	}
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// lockFile opens (creating) path and flocks it with how. A flock belongs
// to the open file: it conflicts with another open of the file in this
// process too, and goes when the process does, however it ends.
func lockFile(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("localpg: lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, err
		}
		return nil, fmt.Errorf("localpg: lock %s: %w", path, err)
	}
	return f, nil
}

// unlock releases the locks (closing their files releases them).
func (s *Server) unlock() {
	for _, f := range []**os.File{&s.users, &s.exclusive} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

// How says whether Start started the server, took it over or joined it.
func (s *Server) How() How { return s.how }

// PID is the server's process id (the postmaster's), 0 if unknown.
func (s *Server) PID() int { return s.pid }

// URL returns a connection string for the server's database (Options.Database).
func (s *Server) URL() string {
	return s.URLFor(s.database)
}

// URLFor returns a connection string for database dbname on the server, as
// user postgres over the unix socket, in the keyword/value form that pgx and
// libpq understand, e.g.
//
//	host=/path/to/socketdir port=5432 user=postgres dbname=baton sslmode=disable
func (s *Server) URLFor(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable",
		quoteConnValue(s.socketDir), Port, quoteConnValue(dbname))
}

// DataDir returns the server's data directory (absolute).
func (s *Server) DataDir() string { return s.dataDir }

// SocketDir returns the directory that holds the server's unix socket.
func (s *Server) SocketDir() string { return s.socketDir }

// Stop ends this process's use of the server. A server Start started or
// took over is stopped (pg_ctl stop -m fast, which disconnects clients),
// Stop waiting for it to exit and removing the temporary socket directory,
// unless another process still uses it: then it is left running, and
// said so on Options.Log. A joined server is left running. Stop is
// idempotent: after a successful Stop, further calls return nil. A server
// that is found not to be running counts as stopped.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	defer s.unlock()
	if s.how == Joined {
		s.stopped = true
		return nil
	}
	// Ours to stop, unless someone else holds the users lock too.
	if s.users != nil {
		if err := syscall.Flock(int(s.users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			if s.log != nil {
				fmt.Fprintf(s.log, "localpg: left the server on %s running: another process uses it\n", s.dataDir)
			}
			s.stopped = true
			return nil
		}
	}
	out, err := s.command(ctx, s.pgCtl, "stop", "-m", "fast", "-w", "-t", "60", "-D", s.dataDir).CombinedOutput()
	if err != nil {
		// pg_ctl stop fails if there is nothing to stop; that is fine.
		if running, serr := s.running(ctx); serr != nil || running {
			s.report("pg_ctl stop", out)
			return fmt.Errorf("localpg: pg_ctl stop %s: %w: %s", s.dataDir, err, strings.TrimSpace(string(out)))
		}
	}
	s.stopped = true
	s.cleanSocketDir()
	return nil
}

// initDataDir creates the data directory and runs initdb if it holds no
// cluster yet.
func (s *Server) initDataDir(ctx context.Context, bins binaries, owner *user.User) error {
	if _, err := os.Stat(filepath.Join(s.dataDir, "PG_VERSION")); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localpg: data directory %s: %w", s.dataDir, err)
	}
	// Parent directories we create must be searchable by the server user.
	if err := os.MkdirAll(filepath.Dir(s.dataDir), 0o755); err != nil {
		return fmt.Errorf("localpg: create parent of data directory %s: %w", s.dataDir, err)
	}
	if err := os.Mkdir(s.dataDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("localpg: create data directory %s: %w", s.dataDir, err)
	}
	if s.cred != nil {
		if err := os.Chown(s.dataDir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fmt.Errorf("localpg: chown data directory %s to %s: %w", s.dataDir, owner.Username, err)
		}
		if err := checkSearchable(filepath.Dir(s.dataDir), s.cred); err != nil {
			return fmt.Errorf("localpg: data directory %s: %w", s.dataDir, err)
		}
	}
	out, err := s.command(ctx, bins.initdb, "-D", s.dataDir,
		"--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-locale").CombinedOutput()
	if err != nil {
		s.report("initdb", out)
		return fmt.Errorf("localpg: initdb %s: %w: %s", s.dataDir, err, tail(out, 20))
	}
	return nil
}

// prepareSocketDir picks and, if needed, creates the socket directory.
func (s *Server) prepareSocketDir(dir string, owner *user.User) error {
	if dir == "" {
		if len(socketPath(s.dataDir)) <= maxSocketPath {
			s.socketDir = s.dataDir
			return nil
		}
		base := os.TempDir()
		if len(socketPath(filepath.Join(base, tempSocketPrefix+"0123456789abcdef"))) > maxSocketPath {
			base = "/tmp"
		}
		// Named after the data directory, so that a server started again
		// (by any process) listens where its clients look for it.
		sum := sha256.Sum256([]byte(s.dataDir))
		tmp := filepath.Join(base, tempSocketPrefix+hex.EncodeToString(sum[:8]))
		if err := os.Mkdir(tmp, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("localpg: create socket directory: %w", err)
		}
		if err := s.checkOwnSocketDir(tmp); err != nil {
			return err
		}
		s.socketDir = tmp
		s.removeSocketDir = true
		if err := s.chown(tmp, owner); err != nil {
			s.cleanSocketDir()
			return err
		}
		return nil
	}

	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("localpg: socket directory %s: %w", dir, err)
	}
	if len(socketPath(abs)) > maxSocketPathHard {
		return fmt.Errorf("localpg: socket directory %s: path too long for a unix socket (at most %d bytes including the socket file name)", abs, maxSocketPathHard)
	}
	s.socketDir = abs
	if _, err := os.Stat(abs); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localpg: socket directory %s: %w", abs, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("localpg: create socket directory %s: %w", abs, err)
	}
	return s.chown(abs, owner)
}

// checkOwnSocketDir refuses a socket directory that is not a real
// directory of ours (or the server user's), private to its owner: another
// user could have made it, under /tmp, to listen in our server's place.
func (s *Server) checkOwnSocketDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("localpg: socket directory %s: %w", dir, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	uid := uint32(os.Geteuid())
	if !fi.IsDir() || !ok || (st.Uid != uid && (s.cred == nil || st.Uid != s.cred.Uid)) || fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("localpg: socket directory %s is not a private directory of ours: remove it, or set local_postgres.dir to a shorter path", dir)
	}
	return nil
}

func (s *Server) chown(dir string, owner *user.User) error {
	if s.cred == nil {
		return nil
	}
	if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		return fmt.Errorf("localpg: chown %s to %s: %w", dir, owner.Username, err)
	}
	return nil
}

// cleanSocketDir removes the socket directory if it is a temporary one of ours.
func (s *Server) cleanSocketDir() {
	if s.removeSocketDir && s.socketDir != "" && s.socketDir != s.dataDir {
		_ = os.RemoveAll(s.socketDir)
		s.removeSocketDir = false
	}
}

// start runs pg_ctl start.
func (s *Server) start(ctx context.Context, settings map[string]string, names []string) error {
	// pg_ctl hands -o to /bin/sh, so every argument is shell-quoted.
	args := []string{"-k", s.socketDir, "-c", "listen_addresses=", "-p", strconv.Itoa(Port)}
	for _, name := range names {
		args = append(args, "-c", name+"="+settings[name])
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	logFile := filepath.Join(s.dataDir, "server.log")

	var lastErr error
	// A retry covers a server that was killed just before: its children may
	// still hold the shared memory segment for a moment, and postgres then
	// refuses to start.
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("localpg: pg_ctl start %s: %w (after: %w)", s.dataDir, ctx.Err(), lastErr)
			case <-time.After(time.Second):
			}
		}
		out, err := s.command(ctx, s.pgCtl, "start", "-w", "-t", "60", "-D", s.dataDir,
			"-l", logFile, "-o", strings.Join(quoted, " ")).CombinedOutput()
		if err == nil {
			return nil
		}
		logTail := readTail(logFile, 30)
		s.report("pg_ctl start", append(out, logTail...))
		lastErr = fmt.Errorf("localpg: pg_ctl start %s: %w: %s\nserver.log:\n%s",
			s.dataDir, err, strings.TrimSpace(string(out)), logTail)
		if ctx.Err() != nil {
			break
		}
		if _, statErr := os.Stat(filepath.Join(s.dataDir, "postmaster.pid")); statErr != nil {
			// Not a lock-file problem; retrying will not help.
			break
		}
	}
	return lastErr
}

// running reports whether a server is running on the data directory,
// according to pg_ctl status.
func (s *Server) running(ctx context.Context) (bool, error) {
	if _, err := os.Stat(filepath.Join(s.dataDir, "postmaster.pid")); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	out, err := s.command(ctx, s.pgCtl, "status", "-D", s.dataDir).CombinedOutput()
	if err == nil {
		return true, nil
	}
	var exitErr *exec.ExitError
	// pg_ctl status exits 3 when no server is running and 4 when the data
	// directory is not accessible.
	if errors.As(err, &exitErr) && exitErr.ExitCode() == 3 {
		return false, nil
	}
	return false, fmt.Errorf("localpg: pg_ctl status %s: %w: %s", s.dataDir, err, strings.TrimSpace(string(out)))
}

// createDatabase creates s.database unless it exists.
func (s *Server) createDatabase(ctx context.Context) error {
	conn, err := connect(ctx, s.URLFor("postgres"))
	if err != nil {
		return fmt.Errorf("localpg: connect to %s: %w", s.socketDir, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, s.database).Scan(&exists); err != nil {
		return fmt.Errorf("localpg: look up database %s: %w", s.database, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{s.database}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		// 42P04 duplicate_database, 23505 unique_violation: someone else
		// created it concurrently.
		if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
			return nil
		}
		return fmt.Errorf("localpg: create database %s: %w", s.database, err)
	}
	return nil
}

// connect connects, retrying briefly: an adopted server may still be
// starting up or recovering.
func connect(ctx context.Context, connString string) (*pgx.Conn, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, connString)
		if err == nil {
			return conn, nil
		}
		var pgErr *pgconn.PgError
		retry := !errors.As(err, &pgErr) || pgErr.Code == "57P03" // cannot_connect_now
		if !retry || time.Now().After(deadline) || ctx.Err() != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// command builds a command that runs as the server user.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	// The server user may not be able to read our working directory.
	cmd.Dir = "/"
	cmd.Env = serverEnv()
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	// pg_ctl start leaves the server running; it must not keep our output
	// pipes open (it redirects to server.log), but do not hang if it does.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// serverEnv is the environment for initdb and pg_ctl: ours, minus the
// libpq/server variables that would change what they do.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PGDATA", "PGPORT", "PGHOST", "PGOPTIONS", "PGUSER", "PGDATABASE", "PGCTLTIMEOUT":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// report writes output of a failed command to the Log writer.
func (s *Server) report(what string, out []byte) {
	if s.log == nil || len(out) == 0 {
		return
	}
	fmt.Fprintf(s.log, "localpg: %s %s failed:\n%s\n", what, s.dataDir, bytes.TrimRight(out, "\n"))
}

// serverCredential returns the credential to run the server programs with:
// nil when not root, the postgres OS user otherwise.
func serverCredential() (*syscall.Credential, *user.User, error) {
	if os.Geteuid() != 0 {
		return nil, nil, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, nil, fmt.Errorf("localpg: running as root, and PostgreSQL refuses to run as root: look up OS user %q to run it as: %w", serverUser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("localpg: OS user %s: uid %q: %w", serverUser, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("localpg: OS user %s: gid %q: %w", serverUser, u.Gid, err)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	// Run with the user's own supplementary groups, not root's.
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				cred.Groups = append(cred.Groups, uint32(g))
			}
		}
	}
	return cred, u, nil
}

// checkSearchable checks, by permission bits, that the server user can reach
// dir: every directory from / down to dir must be searchable by it.
func checkSearchable(dir string, cred *syscall.Credential) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			mode := fi.Mode().Perm()
			var ok bool
			switch {
			case st.Uid == cred.Uid:
				ok = mode&0o100 != 0
			case st.Gid == cred.Gid || containsGID(cred.Groups, st.Gid):
				ok = mode&0o010 != 0
			default:
				ok = mode&0o001 != 0
			}
			if !ok {
				return fmt.Errorf("directory %s (mode %v) is not searchable by OS user %s, which runs the server: make it (and every parent) searchable, e.g. chmod o+x, or choose another directory", d, mode, serverUser)
			}
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func containsGID(gids []uint32, gid uint32) bool {
	for _, g := range gids {
		if g == gid {
			return true
		}
	}
	return false
}

// findBinaries looks for initdb and pg_ctl: first on path (a PATH-style
// list), then in the search directories (glob patterns; highest version
// first).
func findBinaries(path string, searchDirs []string) (binaries, error) {
	if b, ok := fromPath(path); ok {
		return b, nil
	}
	for _, pattern := range searchDirs {
		dirs, err := filepath.Glob(pattern)
		if err != nil {
			continue
		}
		sort.SliceStable(dirs, func(i, j int) bool {
			return versionLess(versionOf(dirs[j]), versionOf(dirs[i]))
		})
		for _, dir := range dirs {
			b := binaries{initdb: filepath.Join(dir, "initdb"), pgCtl: filepath.Join(dir, "pg_ctl")}
			if isExecutable(b.initdb) && isExecutable(b.pgCtl) {
				return b, nil
			}
		}
	}
	return binaries{}, ErrNoServerBinaries
}

// fromPath looks initdb and pg_ctl up in a PATH-style directory list.
func fromPath(path string) (binaries, bool) {
	find := func(name string) string {
		for _, dir := range filepath.SplitList(path) {
			if dir == "" || !filepath.IsAbs(dir) {
				continue
			}
			p := filepath.Join(dir, name)
			if isExecutable(p) {
				return p
			}
		}
		return ""
	}
	b := binaries{initdb: find("initdb"), pgCtl: find("pg_ctl")}
	return b, b.initdb != "" && b.pgCtl != ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// versionOf extracts the numbers of the last path element that looks like
// a version ("15", "9.6"), or nil.
func versionOf(dir string) []int {
	elems := strings.Split(filepath.ToSlash(dir), "/")
	for i := len(elems) - 1; i >= 0; i-- {
		elem := elems[i]
		parts := strings.Split(elem, ".")
		nums := make([]int, 0, len(parts))
		for _, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil {
				nums = nil
				break
			}
			nums = append(nums, n)
		}
		if len(nums) > 0 {
			return nums
		}
	}
	return nil
}

func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// socketDirFromPIDFile reads the socket directory from postmaster.pid: line
// 5 holds the first unix_socket_directories entry.
func socketDirFromPIDFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 5 || strings.TrimSpace(lines[4]) == "" {
		return "", fmt.Errorf("%s: no socket directory recorded (server without unix socket?)", path)
	}
	if port := strings.TrimSpace(lines[3]); port != strconv.Itoa(Port) {
		return "", fmt.Errorf("%s: server listens on port %s, not %d", path, port, Port)
	}
	return strings.TrimSpace(lines[4]), nil
}

// pidFromPIDFile reads the postmaster's pid, postmaster.pid's first line.
func pidFromPIDFile(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(data), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// isTempSocketDir reports whether dir looks like a temporary socket
// directory created by Start.
func isTempSocketDir(dir string) bool {
	return strings.HasPrefix(filepath.Base(dir), tempSocketPrefix)
}

func socketPath(dir string) string {
	return filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(Port))
}

func settingNames(settings map[string]string) ([]string, error) {
	names := make([]string, 0, len(settings))
	for name := range settings {
		if name == "" || strings.ContainsAny(name, "= \t\n'\"\\") {
			return nil, fmt.Errorf("localpg: invalid setting name %q", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quoteConnValue quotes a value for a keyword/value connection string when
// needed.
func quoteConnValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\v\f'\\") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// readTail returns the last n lines of a file, or a note why it can't.
func readTail(path string, n int) []byte {
	f, err := os.Open(path)
	if err != nil {
		return []byte(fmt.Sprintf("(cannot read %s: %v)", path, err))
	}
	defer f.Close()
	const max = 16 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		if _, err := f.Seek(-max, io.SeekEnd); err != nil {
			return []byte(fmt.Sprintf("(cannot read %s: %v)", path, err))
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return []byte(fmt.Sprintf("(cannot read %s: %v)", path, err))
	}
	return []byte(tail(data, n))
}

// tail returns the last n lines of out, trimmed.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
