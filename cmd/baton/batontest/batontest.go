// Package batontest starts Baton, whole, through cmd/baton/launcher,
// against the fake Slack (bot/slackfake) and a throwaway PostgreSQL
// (store/storetest), and drives it as Slack's users would: the end-to-end
// tests of cmd/baton/launcher, the fault suite (cmd/baton/faulttest) and
// the load command's smoke test start it here.
//
// Baton runs in the test's process by default (Main, in a goroutine), or
// in a child process when a test needs to signal, freeze or kill it
// (Options.Process): the test binary itself, re-executed, which runs Main
// from its TestMain. The child reports its HTTP address on a pipe (see
// drive.ReportAddr).
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
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/cmd/baton/drive"
	"github.com/batonhq/baton/cmd/baton/launcher"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// DefaultConfig is the configuration Start runs with unless told
// otherwise: config.Minimal.
const DefaultConfig = config.Minimal

// The channels of DefaultConfig's pool and of the people who pass leads.
const (
	Pool  = drive.Pool
	Sales = drive.Sales
)

// childEnv marks a test binary re-executed to run Baton (see Main).
const childEnv = "BATON_TEST_CHILD"

// Main runs the tests of a package that uses batontest, with the test
// PostgreSQL of storetest.Main; or, in a test binary re-executed as Baton
// (Options.Process, Self), runs Baton with the command line's arguments
// instead, as the baton binary would, and returns its exit code.
func Main(m *testing.M) int {
	if os.Getenv(childEnv) == "1" {
		main := launcher.New()
		go drive.ReportAddr(main.HTTPAddr)
		return main.Exec(os.Args[1:])
	}
	code := storetest.Main(m)
	removePlain()
	return code
}

// Self returns a command that runs this test binary as `baton args...`:
// what Main.Self is for baton loadtest in a test. The package's TestMain
// must call Main.
func Self(args ...string) *exec.Cmd { return child(os.Args[0], args...) }

// child returns a command that runs bin, a test binary whose TestMain
// calls Main, as `baton args...`.
func child(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	return cmd
}

var (
	plainOnce sync.Once
	plainDir  string
	plainBin  string
	plainErr  error
)

// PlainBinary returns a program that runs Baton as a child of Start (pass
// it as Options.Binary) built without the race detector, whatever the
// tests run with: for a test that runs many processes at once (ten
// replicas), where the detector's cost in CPU and memory on a small
// machine would slow every process past the deadlines under test. It is
// this package's own test binary, built once, and removed when the test
// binary ends (see Main).
func PlainBinary(t testing.TB) string {
	t.Helper()
	if !raceEnabled {
		return os.Args[0] // this test binary is as plain
	}
	plainOnce.Do(func() {
		plainDir, plainErr = os.MkdirTemp("", "batontest-plain-")
		if plainErr != nil {
			return
		}
		plainBin = filepath.Join(plainDir, "baton.test")
		goTool, err := exec.LookPath("go")
		if err != nil {
			plainErr = fmt.Errorf("the go tool is needed to build baton: %w", err)
			return
		}
		cmd := exec.Command(goTool, "test", "-c", "-o", plainBin, "github.com/batonhq/baton/cmd/baton/batontest")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			plainErr = fmt.Errorf("go test -c batontest: %w\n%s", err, out.String())
		}
	})
	require.NoError(t, plainErr)
	return plainBin
}

// removePlain removes what PlainBinary built.
func removePlain() {
	if plainDir != "" {
		_ = os.RemoveAll(plainDir)
	}
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
	// Env adds to or overrides the environment (SLACK_API_TIMEOUT, …),
	// then EditEnv, when set, edits it.
	Env     map[string]string
	EditEnv func(vars map[string]string)
	// Process runs Baton in a child process, which the test may signal,
	// freeze and kill: this test binary, or Binary when set.
	Process bool
	// Binary is the program a child process runs (see PlainBinary); it
	// implies Process.
	Binary string
	// Skew sets this machine's clock that far off for Baton in this
	// process (Main.LocalClock), as on a replica whose clock is wrong.
	Skew time.Duration
}

// App is a running Baton with its fake Slack and its database.
type App struct {
	// T is the test that started it, Ctx the context its helpers use.
	T   *testing.T
	Ctx context.Context
	// Slack is the fake Slack it runs against.
	Slack *slackfake.Server
	// DB, DBURL and Store are its database (DB and Store are nil when
	// Options gave a DBURL alone).
	DB    *pgxpool.Pool
	DBURL string
	Store *store.Store
	// Log is everything Baton wrote (JSON lines, debug level).
	Log *drive.Log
	// HTTP is the base URL of /healthz, /readyz and /metrics.
	HTTP string
	// Config is the path of its BATON_CONFIG file.
	Config string
	// Main is Baton running in this process (Reload, …); nil when it runs
	// in a child process.
	Main *launcher.Main

	proc   *drive.Process // when in a child process
	killed bool           // by Kill: no clean exit to expect

	stopOnce sync.Once
	stopErr  error
	halt     func() error // stops Baton and says how it went
}

// Start runs Baton against a fake Slack and a database, waits until its
// HTTP server listens, its Socket Mode connection is up and /readyz says
// ready (the bot has had Slack's hello), and stops it when the test ends
// (SIGTERM for a child process), checking it stops cleanly.
func Start(t *testing.T, o Options) *App {
	t.Helper()
	if o.Fake == nil {
		o.Fake = slackfaketest.New(t)
	}
	if o.DBURL == "" {
		o.DBURL, o.DB = storetest.NewDatabase(t)
	}
	a := &App{T: t, Ctx: context.Background(), Slack: o.Fake, DB: o.DB, DBURL: o.DBURL, Log: &drive.Log{}}
	if o.DB != nil {
		a.Store = store.New(o.DB)
	}
	a.Config = WriteConfig(t, cmp.Or(o.Config, DefaultConfig))
	vars := drive.Env(o.Fake, o.DBURL, a.Config)
	for k, v := range o.Env {
		vars[k] = v
	}
	if o.EditEnv != nil {
		o.EditEnv(vars)
	}
	if o.Process || o.Binary != "" {
		require.Zero(t, o.Skew, "a skewed clock needs Baton in this process")
		a.startProcess(o, vars)
	} else {
		a.startInProcess(vars, o.Skew)
	}
	a.Eventually(func() bool { code, _ := a.Ready(); return code == http.StatusOK }, "Baton is ready (/readyz)")
	return a
}

// startInProcess runs Main in a goroutine.
func (a *App) startInProcess(vars map[string]string, skew time.Duration) {
	t := a.T
	t.Helper()
	connected := a.Slack.Connected()
	m := launcher.New()
	m.Stdout, m.Stderr = a.Log, a.Log
	m.Getenv = drive.Getenv(vars)
	if skew != 0 {
		m.LocalClock = func() time.Time { return time.Now().Add(skew) }
	}
	a.Main = m
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan struct{})
	var runErr error // read once exited is closed
	go func() {
		defer close(exited)
		runErr = m.Run(ctx, []string{"run"})
	}()
	a.halt = func() error {
		cancel()
		select {
		case <-exited:
			if runErr != nil {
				return fmt.Errorf("Main stopped with %w; log tail:\n%s", runErr, a.Log.Tail(40))
			}
			return nil
		case <-time.After(20 * time.Second):
			return fmt.Errorf("Main did not stop within 20 s; log tail:\n%s", a.Log.Tail(40))
		}
	}
	t.Cleanup(a.cleanup)

	waitCtx, waitCancel := context.WithTimeout(a.Ctx, 30*time.Second)
	defer waitCancel()
	// A Main that fails to start ends the wait for its address at once.
	listenCtx, stopListening := context.WithCancel(waitCtx)
	defer stopListening()
	go func() {
		select {
		case <-exited:
			stopListening()
		case <-listenCtx.Done():
		}
	}()
	addr, err := m.HTTPAddr(listenCtx)
	select {
	case <-exited:
		t.Fatalf("Main exited before it connected: %v; log:\n%s", runErr, a.Log.String())
	default:
	}
	require.NoError(t, err, "Main never listened; log:\n%s", a.Log.String())
	a.HTTP = "http://" + addr
	require.NoError(t, a.Slack.WaitConnected(waitCtx, connected+1), "Main never connected; log:\n%s", a.Log.String())
}

// startProcess runs Baton in a child process.
func (a *App) startProcess(o Options, vars map[string]string) {
	t := a.T
	t.Helper()
	cmd := child(cmp.Or(o.Binary, os.Args[0]), "run")
	p, err := drive.StartProcess(a.Ctx, cmd, a.Slack, drive.ProcessOptions{Env: vars, WantAddr: true})
	require.NoError(t, err)
	a.proc, a.Log, a.HTTP = p, p.Log, "http://"+p.Addr
	a.halt = func() error {
		if a.killed {
			return nil // no clean exit to expect
		}
		if err := p.Stop(20 * time.Second); err != nil {
			return fmt.Errorf("baton did not exit cleanly on SIGTERM: %w", err)
		}
		return nil
	}
	t.Cleanup(a.cleanup)
}

// Stop stops Baton as a deployment does (SIGTERM to a child process) and
// fails the test unless it stops cleanly. The test's cleanup stops it
// when the test has not.
func (a *App) Stop() {
	a.T.Helper()
	require.NoError(a.T, a.stop())
}

func (a *App) stop() error {
	a.stopOnce.Do(func() { a.stopErr = a.halt() })
	return a.stopErr
}

// cleanup is Stop at the end of the test.
func (a *App) cleanup() {
	if err := a.stop(); err != nil {
		a.T.Error(err)
	}
}

// WriteConfig writes content to a baton.yaml in a directory of the test's
// and returns its path.
func WriteConfig(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baton.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// RunCommand runs the baton command line args (check-config, export, help,
// …) through Main with the environment vars, and returns what it wrote to
// stdout and stderr, and its error.
func RunCommand(t testing.TB, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	m := launcher.New()
	m.Stdout, m.Stderr = &out, &out
	m.Getenv = drive.Getenv(vars)
	err := m.Run(context.Background(), args)
	return out.String(), err
}

// tail is the end of s, n bytes at most.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
