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
// PostgreSQL refuses to run as root. When the current process is root, initdb
// and pg_ctl (and therefore postgres) run as the OS user "postgres"; the data
// directory and the socket directory are chowned to it, and every parent
// directory of the data directory must be searchable by it.
package localpg

import (
	"bytes"
	"context"
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
}

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
// If a server is already running on the data directory (for instance
// because a previous process crashed without stopping it), Start adopts it
// instead of starting a second one: the Server connects to the socket
// directory that server recorded in postmaster.pid, and Stop stops it like
// one Start started itself, since a server on our data directory is ours. A
// stale postmaster.pid (its process is gone) is left to pg_ctl start, which
// handles it.
//
// Start returns an error wrapping ErrNoServerBinaries when no server
// binaries are installed. Stop must be called to stop the server; it keeps
// running after the process exits otherwise.
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

	running, err := s.running(ctx)
	if err != nil {
		return nil, err
	}
	if running {
		// Adopt the running server: find its socket in postmaster.pid.
		dir, err := socketDirFromPIDFile(filepath.Join(dataDir, "postmaster.pid"))
		if err != nil {
			return nil, fmt.Errorf("localpg: adopt server running on %s: %w", dataDir, err)
		}
		s.socketDir = dir
		s.removeSocketDir = isTempSocketDir(dir)
	} else {
		if err := s.prepareSocketDir(opts.SocketDir, owner); err != nil {
			return nil, err
		}
		if err := s.start(ctx, opts.Settings, names); err != nil {
			s.cleanSocketDir()
			return nil, err
		}
	}

	if err := s.createDatabase(ctx); err != nil {
		// Do not leave a server behind that the caller has no handle on.
		_ = s.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

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

// Stop stops the server (pg_ctl stop -m fast, which disconnects clients)
// and waits for it to exit, then removes the temporary socket directory, if
// Start created one. Stop is idempotent: after a successful Stop, further
// calls return nil. A server that is found not to be running counts as
// stopped.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
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
		if len(socketPath(filepath.Join(base, tempSocketPrefix+"0123456789"))) > maxSocketPath {
			base = "/tmp"
		}
		tmp, err := os.MkdirTemp(base, tempSocketPrefix)
		if err != nil {
			return fmt.Errorf("localpg: create socket directory: %w", err)
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
