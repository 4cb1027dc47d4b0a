package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/home"
	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/bot/outbox"
	"github.com/batonhq/baton/bot/schedule"
	"github.com/batonhq/baton/bot/sweeper"
	"github.com/batonhq/baton/bot/wakeup"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/localpg"
)

// Main is the whole program, wired: config, logger, database, Slack client,
// bot, HTTP probes. Tests start it whole, with their own environment and
// writers, exactly as the binary does.
type Main struct {
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock handed to the bot; nil means time.Now.
	Now func() time.Time
	// Self returns the command that runs this program with args: baton
	// loadtest starts `baton run` with it. Nil runs this executable;
	// tests run their own binary.
	Self func(args ...string) *exec.Cmd

	addr      atomic.Pointer[string]
	listening chan struct{}
	// reloads carries Reload calls to the running bot's reloader.
	reloads chan reloadRequest
}

// NewMain returns a Main reading the real environment.
func NewMain() *Main {
	return &Main{Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, listening: make(chan struct{}), reloads: make(chan reloadRequest)}
}

const usage = `Baton passes hot sales leads to closers in Slack, live.

Usage:
  baton [run]            run the bot (default)
  baton migrate          apply database migrations and exit
  baton check-config     validate the configuration file (BATON_CONFIG) without connecting
  baton export --since 2026-01-01 [--until 2026-02-01] [--format csv|json]
                         write the handoffs created in the period (days in timezone)
                         to stdout, with answers, owner, timestamps and outcomes
  baton loadtest [flags] run baton against a fake Slack under load and print latency
                         percentiles, throughput, errors and memory (-h for the flags)
  baton help             show this help

Environment:
  SLACK_BOT_TOKEN   Bot User OAuth Token (xoxb-…), required by run
  SLACK_APP_TOKEN   App-Level Token with connections:write (xapp-…), required by run
  SLACK_BOT_TOKEN_FILE, SLACK_APP_TOKEN_FILE
                    files holding the tokens instead (a Kubernetes secret);
                    a variable and its _FILE both set is an error
  SLACK_API_URL     Slack Web API base URL (default https://slack.com/api/)
  SLACK_API_TIMEOUT longest wait for one Web API call (default 10s)
  BATON_SHUTDOWN_TIMEOUT
                    longest a stop spends finishing the work in flight (default 10s)
  DATABASE_URL      PostgreSQL connection string; unset: a local PostgreSQL
                    started under local_postgres.dir (default .baton/postgres)
  BATON_CONFIG      configuration file (default ./baton.yaml)
  BATON_HTTP_ADDR   address for /healthz, /readyz and /metrics (default 127.0.0.1:8080)
  LOG_LEVEL         debug, info, warn or error (default info)
  LOG_FORMAT        json (default) or console

Signals: SIGHUP reloads BATON_CONFIG (an invalid file is refused and logged,
the running configuration kept); SIGTERM and SIGINT stop: no new envelope is
taken, the work in flight finishes within BATON_SHUTDOWN_TIMEOUT (what is cut
off stays in the outbox for the next process), and baton exits 0.
`

// Run runs the subcommand named by args[0] (default run) until it finishes
// or ctx is cancelled.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := "run"
	if len(args) > 0 {
		cmd = args[0]
	}
	env := readEnv(m.Getenv)
	switch cmd {
	case "run":
		return m.run(ctx, env)
	case "migrate":
		return m.migrate(ctx, env)
	case "check-config":
		return m.checkConfig(env)
	case "loadtest":
		return m.loadtest(ctx, env, args[1:])
	case "export":
		return m.export(ctx, env, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprint(m.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// HTTPAddr waits until the HTTP probes listen and returns their address
// (useful with BATON_HTTP_ADDR=127.0.0.1:0).
func (m *Main) HTTPAddr(ctx context.Context) (string, error) {
	select {
	case <-m.listening:
		return *m.addr.Load(), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (m *Main) checkConfig(env Env) error {
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		return err
	}
	p := cfg.Policy
	var names []string
	for _, pool := range p.Pools {
		names = append(names, pool.Name)
	}
	fmt.Fprintf(m.Stdout, "%s is valid: %d pool(s) (%s), claim window %s, digest %q in %s, checklist %s (%d questions, %d gated)\n",
		env.ConfigPath, len(p.Pools), strings.Join(names, ", "), p.SLA.ClaimWindow, p.Digest.Schedule, p.Location,
		p.Checklist.Name, len(p.Checklist.Questions), len(p.Checklist.Gated()))
	return nil
}

func (m *Main) migrate(ctx context.Context, env Env) error {
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		return err
	}
	log := m.logger(env)
	// openDatabase migrates; all that is left is to close.
	_, closeDB, err := m.openDatabase(ctx, env, cfg, log)
	if err != nil {
		return err
	}
	closeDB()
	fmt.Fprintln(m.Stdout, "migrations applied")
	return nil
}

func (m *Main) run(ctx context.Context, env Env) error {
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		return err
	}
	if err := env.checkTokens(); err != nil {
		return err
	}
	apiTimeout, err := env.apiTimeout()
	if err != nil {
		return err
	}
	shutdownTimeout, err := env.shutdownTimeout()
	if err != nil {
		return err
	}
	log := m.logger(env)
	// One registry per run, not the global one: tests start several Mains
	// in one process.
	meters := metrics.New()

	api := slack.New(env.BotToken, slack.OptionAPIURL(env.APIURL), slack.OptionAppLevelToken(env.AppToken),
		slack.OptionHTTPClient(slackHTTPClient(meters, apiTimeout)))
	authCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	auth, err := api.AuthTestContext(authCtx)
	cancel()
	if err != nil {
		var apiErr slack.SlackErrorResponse
		if errors.As(err, &apiErr) {
			return fmt.Errorf("SLACK_BOT_TOKEN rejected by Slack (auth.test): %w", err)
		}
		return fmt.Errorf("cannot reach Slack at SLACK_API_URL %s: %w", env.APIURL, err)
	}
	log.Info().Str("team", auth.Team).Str("bot_user", auth.UserID).Msg("authenticated with Slack")

	pool, closeDB, err := m.openDatabase(ctx, env, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	st := store.New(pool)
	meters.WatchOutbox(st.PendingCount)

	policy := cfg.Policy
	var dir *directory.Directory
	if cfg.NeedsDirectory() {
		dir = directory.New(api, log)
		policy = resolvePolicy(ctx, dir, cfg.Policy, log)
	}
	var presence handoffs.Presence
	if cfg.Presence {
		presence = directory.NewPresence(directory.PresenceConfig{API: api, Log: log, Now: m.Now})
	}
	// Working hours are read in members' Slack profile time zones; without
	// hours no zone decides anything, and nothing is asked of Slack.
	var zones *directory.Zones
	var profileZones handoffs.ProfileZones
	if cfg.HasHours() {
		zones = directory.NewZones(directory.ZonesConfig{API: api, Log: log})
		profileZones = zones
	}
	units := wire(units{api: api, store: st, log: log, now: m.Now, meters: meters, cfg: cfg, policy: policy,
		presence: presence, zones: profileZones, shutdownTimeout: shutdownTimeout})
	svc := units.service
	jobs := &schedule.Runner{Location: cfg.Policy.Location, Log: log, Now: m.Now, LastRun: st.LastRun, Ran: meters.JobRan}
	for _, j := range units.jobs {
		if err := jobs.Add(j); err != nil {
			return err
		}
	}
	jobs.Start(ctx)
	defer jobs.Stop()
	// SIGHUP (and Main.Reload) read BATON_CONFIG again; see reloader.
	reloads := newReloader(env.ConfigPath, api, svc, cfg, dir, log)
	reloadCtx, stopReloads := context.WithCancel(ctx)
	defer stopReloads()
	go reloads.watch(reloadCtx, m.reloads)
	if dir != nil || zones != nil {
		refreshCtx, stopRefresh := context.WithCancel(ctx)
		defer stopRefresh()
		zonesRead := make(chan struct{})
		r := refresher{dir: dir, zones: zones, reloader: reloads, every: cfg.MembersRefresh, log: log}
		go r.run(refreshCtx, policy, zonesRead)
		// The first leads after a start should see the members' own hours,
		// but a slow Slack must not hold the bot back: what is not read by
		// then comes in the background, the pools' zones applying meanwhile.
		budget := time.NewTimer(zonesStartBudget)
		select {
		case <-zonesRead:
		case <-budget.C:
			log.Info().Msg("still reading Slack profile time zones; starting meanwhile")
		case <-ctx.Done():
		}
		budget.Stop()
	}

	srv, err := m.serveHTTP(env.HTTPAddr, st, units.edge, meters, log)
	if err != nil {
		return err
	}
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()

	log.Info().Int("pools", len(cfg.Policy.Pools)).Msg("baton running")
	err = units.run(ctx, socketmode.New(api))
	log.Info().Msg("baton stopped")
	return err
}

// units are Baton's runnable parts, wired: the use cases, and around them
// the Socket Mode edge, the outbox worker, the deadline sweeper and the
// scheduled jobs. The fields before service are what wire needs.
type units struct {
	api             *slack.Client
	store           *store.Store
	log             zerolog.Logger
	now             func() time.Time
	meters          *metrics.Metrics
	cfg             config.Config
	policy          routing.Policy
	presence        handoffs.Presence
	zones           handoffs.ProfileZones
	shutdownTimeout time.Duration

	service *handoffs.Service
	edge    *bot.Edge
	outbox  *outbox.Worker
	sweeper *sweeper.Sweeper
	jobs    []schedule.Job
}

// wire builds the units from what u holds. A committed change wakes the
// outbox worker, and a new deadline the sweeper, through the signals that
// join them to the service.
func wire(u units) units {
	committed, deadlines := wakeup.New(), wakeup.New()
	host, _ := os.Hostname()
	u.service = handoffs.New(handoffs.Config{Store: u.store, Policy: u.policy, Log: u.log, Now: u.now,
		Presence: u.presence, Zones: u.zones, Replica: fmt.Sprintf("%s:%d", host, os.Getpid()), Metrics: u.meters,
		Committed: committed, DeadlineSet: deadlines})
	homes := &home.Homes{Store: u.store, Service: u.service, API: u.api, Log: u.log}
	u.edge = bot.New(bot.Config{Service: u.service, Homes: homes, API: u.api, Log: u.log, ShutdownTimeout: u.shutdownTimeout})
	u.outbox = outbox.New(outbox.Config{Store: u.store, Service: u.service, Homes: homes, API: u.api, Log: u.log,
		Metrics: u.meters, Wake: committed, ChannelPace: &u.cfg.ChannelPace, ShutdownTimeout: u.shutdownTimeout})
	u.sweeper = sweeper.New(sweeper.Config{Deadlines: u.service, Log: u.log, Now: u.now, Interval: u.cfg.SweepInterval, Rewind: deadlines})
	u.meters.Expect(metrics.Known{Jobs: []string{handoffs.JobSLASweep, handoffs.JobDigest, handoffs.JobWeeklyReview}})
	u.jobs = []schedule.Job{
		// The sweep is safe to repeat, so its latest tick is always caught up.
		{Name: handoffs.JobSLASweep, Spec: u.cfg.SLASweep, Run: u.service.SweepSLA, CatchUp: time.Hour},
		{Name: handoffs.JobDigest, Spec: u.cfg.Policy.Digest.Schedule, Run: u.service.QueueDigest, CatchUp: u.cfg.Policy.Digest.CatchUp},
		// The weekly review posts in the digest's channel, and is caught
		// up like the digest: a Monday morning's review, not last week's.
		{Name: handoffs.JobWeeklyReview, Spec: u.cfg.Policy.Reports.WeeklySchedule, Run: u.service.QueueWeeklyReview, CatchUp: u.cfg.Policy.Digest.CatchUp},
	}
	return u
}

// run runs the edge, the outbox worker and the sweeper until ctx ends, or
// until the socket fails for good (a revoked token): then the others stop
// too. Each drains within the shutdown bound; run returns when all have.
func (u units) run(ctx context.Context, smc *socketmode.Client) error {
	background, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { _ = u.outbox.Run(background) })
	wg.Go(func() { _ = u.sweeper.Run(background) })
	err := u.edge.Run(ctx, smc)
	stop()
	wg.Wait()
	return err
}

// slackHTTPClient is the Web API's HTTP client. Go's default keeps two idle
// connections per host, and every call goes to one host: with the outbox's
// deliveries and the private answers to a burst of clicks in flight, the
// others were closed after each call and dialled again (with a TLS
// handshake, in production). Slack's echo of each post and form is dropped
// before slack-go decodes it (see bot.TrimEchoes). Every call is timed and
// its 429s and failures counted by method (see metrics.SlackTransport),
// under the echo trimmer so that the time is Slack's, not ours. A call is
// bounded by timeout (SLACK_API_TIMEOUT): without it a call Slack never
// answers held its outbox delivery, and the notices behind it, until the
// 30 s lease lapsed. (The Socket Mode WebSocket has its own dialer and is
// not bound by it.)
func slackHTTPClient(meters *metrics.Metrics, timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 64
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: bot.TrimEchoes(meters.SlackTransport(t)), Timeout: timeout}
}

// zonesStartBudget bounds how long start-up waits for the members' profile
// time zones: users.info takes about a hundred calls a minute.
const zonesStartBudget = 5 * time.Second

// openDatabase connects to DATABASE_URL, or starts the local PostgreSQL when
// it is unset, and migrates. The returned func closes the pool and stops a
// local server.
func (m *Main) openDatabase(ctx context.Context, env Env, cfg config.Config, log zerolog.Logger) (*pgxpool.Pool, func(), error) {
	url := env.DatabaseURL
	stopLocal := func() {}
	if url == "" {
		log.Info().Str("dir", cfg.LocalPostgresDir).Msg("DATABASE_URL is unset: starting a local PostgreSQL")
		local, err := localpg.Start(ctx, localpg.Options{DataDir: cfg.LocalPostgresDir, Log: m.Stderr})
		if err != nil {
			if errors.Is(err, localpg.ErrNoServerBinaries) {
				return nil, nil, fmt.Errorf("DATABASE_URL is unset and %w", err)
			}
			return nil, nil, fmt.Errorf("DATABASE_URL is unset and the local PostgreSQL did not start: %w", err)
		}
		url = local.URL()
		stopLocal = func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := local.Stop(stopCtx); err != nil {
				log.Warn().Err(err).Msg("local PostgreSQL did not stop cleanly")
			}
		}
	}
	pool, err := store.Connect(ctx, url)
	if err != nil {
		stopLocal()
		return nil, nil, fmt.Errorf("database (DATABASE_URL): %w", err)
	}
	if err := store.Migrate(ctx, pool); err != nil {
		pool.Close()
		stopLocal()
		return nil, nil, err
	}
	return pool, func() { pool.Close(); stopLocal() }, nil
}

func (m *Main) logger(env Env) zerolog.Logger {
	level, err := zerolog.ParseLevel(strings.ToLower(env.LogLevel))
	if err != nil || level == zerolog.NoLevel {
		level = zerolog.InfoLevel
	}
	var out io.Writer = m.Stderr
	if strings.EqualFold(env.LogFormat, "console") {
		out = zerolog.ConsoleWriter{Out: m.Stderr, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger()
}

// serveHTTP starts the probes: /healthz says the process is up; /readyz says
// it can do its job, with the database answering and Socket Mode connected;
// /metrics serves Baton's Prometheus metrics.
func (m *Main) serveHTTP(addr string, st *store.Store, edge *bot.Edge, meters *metrics.Metrics, log zerolog.Logger) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", meters.Handler(func(err error) {
		log.Warn().Err(err).Msg("metrics scrape incomplete")
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		var problems []string
		if err := st.Ping(ctx); err != nil {
			problems = append(problems, "database unreachable")
		}
		if !edge.Connected() {
			problems = append(problems, "socket mode not connected")
		}
		if len(problems) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(problems, "; "))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("BATON_HTTP_ADDR %s: %w", addr, err)
	}
	bound := ln.Addr().String()
	m.addr.Store(&bound)
	close(m.listening)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("http server stopped")
		}
	}()
	log.Info().Str("addr", bound).Msg("http probes and metrics listening")
	return srv, nil
}
