// Package batontest runs the real baton binary, whole, against the fake
// Slack (bot/slackfake) and a throwaway PostgreSQL (store/storetest), for
// end-to-end tests outside package main: Go can't import a main package,
// so the binary is built once per test binary (with -race when the tests
// run with it) and each test starts it as a child process with its own
// environment, as a deployment would. The fault suite
// (cmd/baton/faulttest) is its first user.
//
//	func TestMain(m *testing.M) { os.Exit(batontest.Main(m)) }
//
//	a := batontest.Start(t, batontest.Options{})
//	h := a.Handoff("U0SDR", "Acme")
//	a.Click("U0AE1", h)
package batontest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// DefaultConfig is the foundation issue's minimal configuration: one pool,
// closers, in C0HANDOFF, with three members and a manager.
const DefaultConfig = `timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3]
    managers: [U0MGR]
sla:
  claim_window: 60s
  first_touch: 48h
  outcome_due: 24h
digest:
  channel: C0HANDOFF
  schedule: "0 9 * * 1-5"
`

var (
	buildOnce sync.Once
	buildDir  string
	binary    string
	buildErr  error
)

// Main runs the tests of a package that uses batontest: with the test
// PostgreSQL of storetest.Main, and the binary built for them removed after.
func Main(m *testing.M) int {
	code := storetest.Main(m)
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	removePlain()
	return code
}

// Binary returns the path of baton built from this module for this test
// binary, building it the first time.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "batontest-")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "baton")
		args := []string{"build", "-o", binary}
		if raceEnabled {
			args = append(args, "-race")
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go tool is needed to build baton: %w", err)
			return
		}
		cmd := exec.Command(goTool, append(args, "github.com/batonhq/baton/cmd/baton")...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build baton: %w\n%s", err, out.String())
		}
	})
	require.NoError(t, buildErr)
	return binary
}

// Options vary what Start runs.
type Options struct {
	// Config is baton.yaml; default DefaultConfig.
	Config string
	// Fake is the fake Slack; default a new one.
	Fake *slackfake.Server
	// DBURL and DB are the database; default a new one.
	DBURL string
	DB    *pgxpool.Pool
	// Env adds to or overrides the environment (SLACK_API_TIMEOUT, …).
	Env map[string]string
	// Binary is the baton to run; default Binary's (see PlainBinary).
	Binary string
}

// App is a running baton with its fake Slack and its database.
type App struct {
	T     *testing.T
	Ctx   context.Context
	Slack *slackfake.Server
	DB    *pgxpool.Pool
	DBURL string
	Store *store.Store
	// Log is everything the process wrote (JSON lines, debug level).
	Log *SyncBuffer
	// HTTP is the base URL of /healthz, /readyz and /metrics.
	HTTP string

	cmd  *exec.Cmd
	exit chan error
}

// SyncBuffer collects a process's output for inspection.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// listening is the log line that names the HTTP address.
var listening = regexp.MustCompile(`"addr":"([^"]+)"[^\n]*"message":"http probes and metrics listening"`)

// Start runs baton against a fake Slack and a database, waits until its
// HTTP server listens and its Socket Mode connection is up, and stops it
// with SIGTERM when the test ends, checking it exits cleanly.
func Start(t *testing.T, o Options) *App {
	t.Helper()
	bin := o.Binary
	if bin == "" {
		bin = Binary(t)
	}
	if o.Fake == nil {
		o.Fake = slackfaketest.New(t)
	}
	if o.DBURL == "" {
		o.DBURL, o.DB = storetest.NewDatabase(t)
	}
	a := &App{T: t, Ctx: context.Background(), Slack: o.Fake, DB: o.DB, DBURL: o.DBURL, Log: &SyncBuffer{}, exit: make(chan error, 1)}
	if o.DB != nil {
		a.Store = store.New(o.DB)
	}
	config := filepath.Join(t.TempDir(), "baton.yaml")
	require.NoError(t, os.WriteFile(config, []byte(cmp.Or(o.Config, DefaultConfig)), 0o600))
	env := map[string]string{
		"SLACK_BOT_TOKEN": o.Fake.BotToken(),
		"SLACK_APP_TOKEN": o.Fake.AppToken(),
		"SLACK_API_URL":   o.Fake.APIURL(),
		"DATABASE_URL":    o.DBURL,
		"BATON_CONFIG":    config,
		"BATON_HTTP_ADDR": "127.0.0.1:0",
		"LOG_LEVEL":       "debug",
		"LOG_FORMAT":      "json",
	}
	for k, v := range o.Env {
		env[k] = v
	}
	connected := o.Fake.Connected()
	a.cmd = exec.Command(bin, "run")
	a.cmd.Env = os.Environ()
	for k, v := range env {
		a.cmd.Env = append(a.cmd.Env, k+"="+v) // later entries win
	}
	a.cmd.Stdout, a.cmd.Stderr = a.Log, a.Log
	require.NoError(t, a.cmd.Start())
	go func() { a.exit <- a.cmd.Wait() }()
	t.Cleanup(a.stop)

	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listening.FindStringSubmatch(a.Log.String()); m != nil {
			a.HTTP = "http://" + m[1]
			break
		}
		select {
		case err := <-a.exit:
			a.exit <- err
			t.Fatalf("baton exited before listening: %v; log:\n%s", err, a.Log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("baton never listened; log:\n%s", a.Log.String())
		}
	}
	ctx, cancel := context.WithTimeout(a.Ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, o.Fake.WaitConnected(ctx, connected+1), "baton never connected; log:\n%s", a.Log.String())
	return a
}

// stop sends SIGTERM and waits for a clean exit.
func (a *App) stop() {
	if a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-a.exit:
		if err != nil {
			a.T.Errorf("baton did not exit cleanly on SIGTERM: %v; log:\n%s", err, a.Log.String())
		}
	case <-time.After(20 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.exit
		a.T.Errorf("baton did not stop within 20 s of SIGTERM")
	}
}
