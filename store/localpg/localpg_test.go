package localpg_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/store/localpg"
)

// tempDir returns a fresh directory that the server user can use: when we
// are root, it is chowned to postgres (t.TempDir's parents are 0700 root).
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "localpg-test-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		require.NoError(t, err)
		uid, err := strconv.Atoi(u.Uid)
		require.NoError(t, err)
		gid, err := strconv.Atoi(u.Gid)
		require.NoError(t, err)
		require.NoError(t, os.Chown(dir, uid, gid))
	}
	return dir
}

func start(t *testing.T, opts localpg.Options) *localpg.Server {
	t.Helper()
	if opts.Settings == nil {
		opts.Settings = map[string]string{"fsync": "off"}
	}
	opts.Log = testWriter{t}
	srv, err := localpg.Start(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Stop(context.Background())) })
	return srv
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func connect(t *testing.T, connString string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), connString)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestStartStopRestartKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(tempDir(t), "data")

	t0 := time.Now()
	srv := start(t, localpg.Options{
		DataDir:  dataDir,
		Database: "keep",
		Settings: map[string]string{"fsync": "off", "work_mem": "7MB", "application_name": "it's a test"},
	})
	t.Logf("first start (initdb + start): %v", time.Since(t0))
	require.Equal(t, dataDir, srv.DataDir())
	require.Equal(t, dataDir, srv.SocketDir())
	require.FileExists(t, filepath.Join(dataDir, "PG_VERSION"))

	conn := connect(t, srv.URL())
	var db, workMem string
	require.NoError(t, conn.QueryRow(ctx, `SELECT current_database(), current_setting('work_mem')`).Scan(&db, &workMem))
	require.Equal(t, "keep", db)
	require.Equal(t, "7MB", workMem)

	var listen string
	require.NoError(t, conn.QueryRow(ctx, `SHOW listen_addresses`).Scan(&listen))
	require.Empty(t, listen, "the server must not listen on TCP")

	_, err := conn.Exec(ctx, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('hello')`)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	require.NoError(t, srv.Stop(ctx))
	require.NoError(t, srv.Stop(ctx), "Stop is idempotent")
	require.NoFileExists(t, filepath.Join(dataDir, "postmaster.pid"))

	t0 = time.Now()
	srv2 := start(t, localpg.Options{DataDir: dataDir, Database: "keep"})
	t.Logf("restart on existing data dir: %v", time.Since(t0))
	conn2 := connect(t, srv2.URL())
	var v string
	require.NoError(t, conn2.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v))
	require.Equal(t, "hello", v)

	// URLFor reaches the other databases of the same server.
	conn3 := connect(t, srv2.URLFor("postgres"))
	require.NoError(t, conn3.QueryRow(ctx, `SELECT current_database()`).Scan(&db))
	require.Equal(t, "postgres", db)
}

func TestJoinedServerIsLeftRunning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(tempDir(t), "data")

	first := start(t, localpg.Options{DataDir: dataDir})
	require.Equal(t, localpg.Started, first.How())
	pid := postmasterPID(t, dataDir)
	require.Equal(t, pid, first.PID())

	// As `baton export` beside the bot: the server is running, and a
	// second Start uses it instead of starting another.
	second := start(t, localpg.Options{DataDir: dataDir, Database: "other"})
	require.Equal(t, localpg.Joined, second.How())
	require.Equal(t, pid, postmasterPID(t, dataDir), "no second server was started")
	require.Equal(t, first.SocketDir(), second.SocketDir())

	conn := connect(t, second.URL())
	var db string
	require.NoError(t, conn.QueryRow(ctx, `SELECT current_database()`).Scan(&db))
	require.Equal(t, "other", db)
	require.NoError(t, conn.Close(ctx))

	// The joined server is not the second's: its Stop leaves it running.
	require.NoError(t, second.Stop(ctx))
	require.Equal(t, pid, postmasterPID(t, dataDir))
	conn = connect(t, first.URL())
	require.NoError(t, conn.Ping(ctx))
	require.NoError(t, conn.Close(ctx))

	require.NoError(t, first.Stop(ctx))
	require.NoFileExists(t, filepath.Join(dataDir, "postmaster.pid"))
}

// TestStarterLeavesServerRunningWhileOthersUseIt: the process that
// started the server stops it only when nobody else uses it.
func TestStarterLeavesServerRunningWhileOthersUseIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(tempDir(t), "data")

	first := start(t, localpg.Options{DataDir: dataDir})
	pid := postmasterPID(t, dataDir)
	// The bot, starting while a command that started the server runs.
	bot := start(t, localpg.Options{DataDir: dataDir, Exclusive: true})
	require.Equal(t, localpg.TookOver, bot.How())

	require.NoError(t, first.Stop(ctx))
	require.Equal(t, pid, postmasterPID(t, dataDir), "the bot still uses it")
	conn := connect(t, bot.URL())
	require.NoError(t, conn.Ping(ctx))
	require.NoError(t, conn.Close(ctx))

	require.NoError(t, bot.Stop(ctx))
	require.NoFileExists(t, filepath.Join(dataDir, "postmaster.pid"))
}

// TestSecondExclusiveIsRefused: one bot per data directory; a second is
// refused, saying who runs, and the first keeps its server.
func TestSecondExclusiveIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(tempDir(t), "data")

	bot := start(t, localpg.Options{DataDir: dataDir, Exclusive: true})
	require.Equal(t, localpg.Started, bot.How())
	pid := postmasterPID(t, dataDir)

	srv, err := localpg.Start(ctx, localpg.Options{DataDir: dataDir, Exclusive: true})
	require.Nil(t, srv)
	require.ErrorIs(t, err, localpg.ErrInUse)
	require.ErrorContains(t, err, fmt.Sprintf("process %d runs on %s", os.Getpid(), dataDir))
	require.Equal(t, pid, postmasterPID(t, dataDir))
	conn := connect(t, bot.URL())
	require.NoError(t, conn.Ping(ctx))
	require.NoError(t, conn.Close(ctx))

	require.NoError(t, bot.Stop(ctx))
	again := start(t, localpg.Options{DataDir: dataDir, Exclusive: true})
	require.Equal(t, localpg.Started, again.How(), "the data directory is free once the first stopped")
}

// crashedEnv makes this test binary a process that starts the server on
// the data directory it names, Exclusive, says so on stdout, and waits to
// be killed.
const crashedEnv = "LOCALPG_TEST_CRASHED_DATADIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashedEnv); dir != "" {
		srv, err := localpg.Start(context.Background(), localpg.Options{DataDir: dir, Exclusive: true, Settings: map[string]string{"fsync": "off"}})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("running", srv.PID())
		select {}
	}
	os.Exit(m.Run())
}

// TestExclusiveTakesOverAfterACrash: the bot was killed (kill -9) and left
// its server running; the next bot takes it over, and stops it.
func TestExclusiveTakesOverAfterACrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(tempDir(t), "data")

	crashed := exec.Command(os.Args[0], "-test.run", "^$")
	crashed.Env = append(os.Environ(), crashedEnv+"="+dataDir)
	stdout, err := crashed.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, crashed.Start())
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	require.True(t, strings.HasPrefix(line, "running "), "the crashing process started its server: %q", line)
	require.NoError(t, crashed.Process.Kill())
	_ = crashed.Wait()
	pid := postmasterPID(t, dataDir)
	require.NoError(t, syscall.Kill(pid, 0), "the server outlives the process that started it")

	bot := start(t, localpg.Options{DataDir: dataDir, Exclusive: true})
	require.Equal(t, localpg.TookOver, bot.How())
	require.Equal(t, pid, bot.PID())
	conn := connect(t, bot.URL())
	require.NoError(t, conn.Ping(ctx))
	require.NoError(t, conn.Close(ctx))

	require.NoError(t, bot.Stop(ctx))
	require.NoFileExists(t, filepath.Join(dataDir, "postmaster.pid"))
}

func TestStartAfterServerKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(tempDir(t), "data")

	srv := start(t, localpg.Options{DataDir: dataDir})
	conn := connect(t, srv.URL())
	_, err := conn.Exec(ctx, `CREATE TABLE survivor (v int); INSERT INTO survivor VALUES (42)`)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	// Kill the postmaster hard; postmaster.pid stays behind, stale.
	pid := postmasterPID(t, dataDir)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	require.Eventually(t, func() bool {
		return syscall.Kill(pid, 0) == syscall.ESRCH
	}, 30*time.Second, 50*time.Millisecond, "postmaster %d did not go away", pid)
	require.FileExists(t, filepath.Join(dataDir, "postmaster.pid"))

	t0 := time.Now()
	srv2 := start(t, localpg.Options{DataDir: dataDir})
	t.Logf("start over a stale postmaster.pid: %v", time.Since(t0))
	require.NotEqual(t, pid, postmasterPID(t, dataDir))
	conn2 := connect(t, srv2.URL())
	var v int
	require.NoError(t, conn2.QueryRow(ctx, `SELECT v FROM survivor`).Scan(&v))
	require.Equal(t, 42, v)
}

func TestLongDataDirUsesTempSocketDir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(tempDir(t), strings.Repeat("d", 60), strings.Repeat("e", 40))

	srv := start(t, localpg.Options{DataDir: dataDir})
	require.NotEqual(t, srv.DataDir(), srv.SocketDir())
	require.Less(t, len(srv.SocketDir()), 60)
	require.DirExists(t, srv.SocketDir())

	conn := connect(t, srv.URL())
	require.NoError(t, conn.Ping(ctx))
	require.NoError(t, conn.Close(ctx))

	require.NoError(t, srv.Stop(ctx))
	require.NoDirExists(t, srv.SocketDir(), "Stop removes the temporary socket directory")

	// Started again, by any process, it listens where its clients look.
	again := start(t, localpg.Options{DataDir: dataDir})
	require.Equal(t, srv.SocketDir(), again.SocketDir())
}

func TestStartRequiresDataDir(t *testing.T) {
	t.Parallel()
	_, err := localpg.Start(context.Background(), localpg.Options{})
	require.Error(t, err)
}

func postmasterPID(t *testing.T, dataDir string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	require.NoError(t, err)
	return pid
}
