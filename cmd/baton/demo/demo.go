// Package demo is Baton's sandbox (baton demo): the real bot, run against
// the fake Slack (bot/slackfake) and a PostgreSQL of its own, with a
// Slack-like workspace in the browser to drive it. A person picks who they
// are (a rep, a closer, the manager), types /handoff, fills in the modal,
// claims the lead in another window, and skips the clock ahead to see the
// ladder, the SLA nudges and the digest, without a Slack workspace, a
// token or a configuration file.
//
// The page is plain JavaScript embedded in the binary (web/), served on
// loopback; it renders the Block Kit the bot sent, as the fake recorded
// it, and hears of every change over server-sent events. Nothing reaches
// Slack: the bot's Slack client points at the fake.
//
// The package does not import the launcher, which imports it for the demo
// command: the launcher hands it the function that runs the bot
// (Options.Bot).
package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/cmd/baton/drive"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/localpg"
)

// DefaultAddr is where the page is served unless Options.Addr says
// otherwise: loopback only, so that nobody else on the network drives it.
const DefaultAddr = "127.0.0.1:8070"

// DefaultDataDir holds the sandbox's PostgreSQL and log: not the
// directory `baton run` keeps its local PostgreSQL in (.baton/postgres).
const DefaultDataDir = ".baton/demo"

// Bot is what the function that runs the bot is given.
type Bot struct {
	// Getenv is the bot's environment: the fake's tokens and URL, the
	// database, the configuration file.
	Getenv func(string) string
	// Now is the sandbox's clock; Skipped receives after it jumps.
	Now     func() time.Time
	Skipped <-chan struct{}
	// Log gets the bot's log and output.
	Log io.Writer
}

// Options configure the sandbox.
type Options struct {
	// Bot runs the bot until ctx ends (the launcher's `baton run`, in
	// this process). Required.
	Bot func(ctx context.Context, b Bot) error
	// ConfigPath is a configuration of one's own; "" runs the built-in
	// Config.
	ConfigPath string
	// Addr is the page's address; default DefaultAddr, and if that is
	// taken, a free port on 127.0.0.1.
	Addr string
	// DataDir holds the sandbox's PostgreSQL, configuration and log;
	// default DefaultDataDir.
	DataDir string
	// DatabaseURL is a database to run on instead of the sandbox's own
	// PostgreSQL (the tests' throwaway one).
	DatabaseURL string
	// Stdout gets what a person reads (the URL); Stderr the PostgreSQL's
	// complaints. Log gets the bot's log; default DataDir/baton.log.
	Stdout, Stderr, Log io.Writer
}

// Sandbox is a running sandbox. Start it with Start; it runs until the
// context given to Start ends, and Wait waits for it to be gone.
type Sandbox struct {
	url   string
	ws    Workspace
	cfg   config.Config
	fake  *slackfake.Server
	clock *Clock
	store *store.Store
	db    *pgxpool.Pool

	mu sync.Mutex
	// seen is when (by the sandbox's clock) each message was first shown.
	seen map[string]time.Time
	// errors are the per-field errors of each view's last submission.
	errors map[string]map[string]string

	// stopping is closed as the sandbox starts to stop: the page's event
	// streams end then, so that stopping the HTTP server does not wait.
	stopping chan struct{}
	done     chan struct{}
	err      error
}

// Start starts the sandbox: its PostgreSQL, the fake Slack with the
// workspace's people and channels, the bot, and the page. It returns once
// the bot is connected to the fake and the page is served; everything
// stops when ctx ends (see Wait).
func Start(ctx context.Context, o Options) (*Sandbox, error) {
	if o.Bot == nil {
		return nil, errors.New("demo: Options.Bot is required")
	}
	o.DataDir = cmp.Or(o.DataDir, DefaultDataDir)
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	// Searchable: as root, PostgreSQL runs as its own user and must reach
	// its data directory inside; the files here are the owner's alone.
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: data directory: %w", err)
	}
	var stops []func()
	var s *Sandbox
	stopAll := func() {
		if s != nil {
			close(s.stopping)
		}
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	ok := false
	defer func() {
		if !ok {
			stopAll()
		}
	}()

	cfgPath := o.ConfigPath
	if cfgPath == "" {
		cfgPath = filepath.Join(o.DataDir, "baton.yaml")
		if err := os.WriteFile(cfgPath, []byte(Config), 0o600); err != nil {
			return nil, fmt.Errorf("demo: write the built-in configuration: %w", err)
		}
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	if o.Log == nil {
		f, err := os.OpenFile(filepath.Join(o.DataDir, "baton.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("demo: log file: %w", err)
		}
		stops = append(stops, func() { _ = f.Close() })
		o.Log = f
	}

	dbURL := o.DatabaseURL
	if dbURL == "" {
		pg, err := localpg.Start(ctx, localpg.Options{DataDir: filepath.Join(o.DataDir, "postgres"), Log: o.Stderr})
		if err != nil {
			if errors.Is(err, localpg.ErrNoServerBinaries) {
				return nil, fmt.Errorf("the sandbox needs PostgreSQL's server binaries: %w", err)
			}
			return nil, fmt.Errorf("the sandbox's PostgreSQL did not start: %w", err)
		}
		stops = append(stops, func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = pg.Stop(stopCtx)
		})
		dbURL = pg.URL()
	}
	db, err := store.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("demo: database: %w", err)
	}
	stops = append(stops, db.Close)
	if o.DatabaseURL == "" {
		// Every sandbox starts empty: the fake Slack holds no message of a
		// run before, and this run's clock starts from the machine's again.
		if _, err := db.Exec(ctx, `DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public`); err != nil {
			return nil, fmt.Errorf("demo: empty the sandbox's database: %w", err)
		}
	}

	fake, err := slackfake.New()
	if err != nil {
		return nil, err
	}
	stops = append(stops, fake.Close)
	s = &Sandbox{ws: newWorkspace(cfg), cfg: cfg, fake: fake, clock: NewClock(), store: store.New(db), db: db,
		seen: map[string]time.Time{}, errors: map[string]map[string]string{}, stopping: make(chan struct{}), done: make(chan struct{})}
	s.ws.populate(fake)

	ln, err := listen(o.Addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stops = append(stops, func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	})
	s.url = "http://" + ln.Addr().String() + "/"

	vars := drive.Env(fake, dbURL, cfgPath)
	vars["LOG_LEVEL"], vars["LOG_FORMAT"] = "info", "console"
	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan error, 1)
	go func() {
		botDone <- o.Bot(botCtx, Bot{Getenv: drive.Getenv(vars), Now: s.clock.Now, Skipped: s.clock.Skipped(), Log: o.Log})
	}()
	stops = append(stops, func() { stopBot(); <-botDone })

	connected := make(chan error, 1)
	go func() { connected <- fake.WaitConnected(botCtx, 1) }()
	select {
	case err := <-botDone:
		botDone <- err // for the stop above
		return nil, fmt.Errorf("the bot stopped as it started: %w", cmp.Or(err, errors.New("no error")))
	case err := <-connected:
		if err != nil {
			return nil, err
		}
	}
	ok = true
	go func() {
		select {
		case <-ctx.Done():
		case err := <-botDone:
			s.err = err
			botDone <- err
		}
		stopAll()
		close(s.done)
	}()
	return s, nil
}

// listen listens on addr, or on DefaultAddr falling back to a free port.
func listen(addr string) (net.Listener, error) {
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("demo: listen on %s: %w", addr, err)
		}
		return ln, nil
	}
	if ln, err := net.Listen("tcp", DefaultAddr); err == nil {
		return ln, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listen: %w", err)
	}
	return ln, nil
}

// URL is the page's address.
func (s *Sandbox) URL() string { return s.url }

// Fake is the sandbox's fake Slack.
func (s *Sandbox) Fake() *slackfake.Server { return s.fake }

// Clock is the sandbox's clock.
func (s *Sandbox) Clock() *Clock { return s.clock }

// Wait waits until the sandbox has stopped, everything in it gone, and
// returns the bot's error if the bot stopped on its own.
func (s *Sandbox) Wait() error {
	<-s.done
	return s.err
}

// Run runs the sandbox until ctx ends, telling the person where the page
// is and that nothing reaches Slack.
func Run(ctx context.Context, o Options) error {
	o.DataDir = cmp.Or(o.DataDir, DefaultDataDir)
	out := cmp.Or[io.Writer](o.Stdout, io.Discard)
	fmt.Fprintf(out, "Starting Baton's sandbox (data in %s)…\n", o.DataDir)
	s, err := Start(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `
  Baton sandbox: %s

  A fake Slack workspace on this machine: nothing is sent to Slack, no
  token is used, and the page listens on loopback only. Open the page, be
  a rep, type /handoff in #sales; be a closer in another window to claim.
  The bot's log is in %s. Ctrl-C stops everything.

`, s.URL(), filepath.Join(o.DataDir, "baton.log"))
	err = s.Wait()
	if ctx.Err() != nil {
		fmt.Fprintln(out, "sandbox stopped")
		return nil
	}
	return err
}
