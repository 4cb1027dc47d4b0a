// Package launcher is Baton's program, wired: the subcommands of the baton
// binary, and for run the configuration, logger, database, Slack client,
// bot, scheduled jobs, configuration reloads and HTTP probes. The binary's
// main is a call to Exec; tests, the fault suite and the load command
// start Baton through it too, in process or in a child process.
package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/home"
	"github.com/batonhq/baton/bot/membership"
	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/bot/outbox"
	"github.com/batonhq/baton/bot/retention"
	"github.com/batonhq/baton/bot/schedule"
	"github.com/batonhq/baton/bot/sweeper"
	"github.com/batonhq/baton/bot/wakeup"
	"github.com/batonhq/baton/bot/webhook"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

// Main is the whole program, wired: config, logger, database, Slack client,
// bot, HTTP probes. Tests start it whole, with their own environment and
// writers, exactly as the binary does. Create it with New.
type Main struct {
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
	// Stdout gets what a command prints; Stderr the log and the errors.
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock handed to the bot, which then decides with it alone
	// (the sandbox's clock, tests' clocks). Nil means the database's: what
	// is due is decided by its now(), and the rest reads this process's
	// clock corrected to it (store.DBClock), so replicas whose clocks
	// disagree still agree.
	Now func() time.Time
	// LocalClock is this machine's clock, which the database's corrects
	// when Now is nil; nil means time.Now. Tests skew it to play a replica
	// whose clock is off.
	LocalClock func() time.Time
	// ClockSkips, when set, says that Now jumped forward (the sandbox
	// demo's clock): the scheduled jobs run the ticks it passed over.
	ClockSkips <-chan struct{}
	// Self returns the command that runs this program with args: baton
	// loadtest starts `baton run` with it. Nil runs this executable;
	// tests run their own binary.
	Self func(args ...string) *exec.Cmd

	addr      atomic.Pointer[string]
	listening chan struct{}
	// reloads carries Reload calls to the running bot's reloader.
	reloads chan reloadRequest
}

// New returns a Main reading the real environment and writing to the
// process's stdout and stderr.
func New() *Main {
	return &Main{Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, listening: make(chan struct{}), reloads: make(chan reloadRequest)}
}

// Exec runs the command line args as the baton binary does, until it
// finishes or SIGINT or SIGTERM asks it to stop, and returns the exit code:
// 0, or 1 once it has written why on Stderr.
func (m *Main) Exec(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx, args); err != nil {
		fmt.Fprintln(m.Stderr, "baton:", err)
		return 1
	}
	return 0
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

// commandDatabase opens the migrated database for a one-shot command
// (migrate, webhooks) as run would: with the log and configuration env
// names, and returns that configuration. Close it with the func.
func (m *Main) commandDatabase(ctx context.Context, env Env) (*pgxpool.Pool, config.Config, func(), error) {
	log, err := m.logger(env)
	if err != nil {
		return nil, config.Config{}, nil, err
	}
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		return nil, config.Config{}, nil, err
	}
	pool, closeDB, err := m.openDatabase(ctx, env, cfg, log, commandUse)
	return pool, cfg, closeDB, err
}

func (m *Main) migrate(ctx context.Context, env Env) error {
	// Opening migrates; all that is left is to close.
	_, _, closeDB, err := m.commandDatabase(ctx, env)
	if err != nil {
		return err
	}
	closeDB()
	fmt.Fprintln(m.Stdout, "migrations applied")
	return nil
}

func (m *Main) run(ctx context.Context, env Env) error {
	log, err := m.logger(env)
	if err != nil {
		return err
	}
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		return err
	}
	endpoints, routes, err := webhookEndpoints(cfg, m.Getenv)
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
	// One registry per run, not the global one: tests start several Mains
	// in one process.
	meters := metrics.New()

	api := slack.New(env.BotToken, slack.OptionAPIURL(env.APIURL), slack.OptionAppLevelToken(env.AppToken),
		slack.OptionHTTPClient(slackHTTPClient(meters, apiTimeout)))
	auth, err := authenticate(ctx, api, env.APIURL, log)
	if errors.Is(err, errStoppedStarting) {
		log.Info().Msg(err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	log.Info().Str("team", auth.Team).Str("bot_user", auth.UserID).Msg("authenticated with Slack")

	pool, closeDB, err := m.openDatabase(ctx, env, cfg, log, botUse)
	if err != nil {
		return err
	}
	defer closeDB()
	st := store.New(pool)
	st.SetWebhookRoutes(routes)
	meters.WatchOutbox(st.PendingCount)

	w := wiring{env: env, cfg: cfg, policy: cfg.Policy, api: api, store: st, log: log, meters: meters, shutdownTimeout: shutdownTimeout,
		workspaceURL: auth.URL, endpoints: endpoints}
	if cfg.NeedsDirectory() {
		w.dir = directory.New(api, log)
		w.policy = w.dir.ResolvePolicy(ctx, cfg.Policy)
	}
	if cfg.Presence {
		w.presence = directory.NewPresence(directory.PresenceConfig{API: api, Log: log, Now: m.Now})
	}
	// Working hours are read in members' Slack profile time zones; without
	// hours no zone decides anything, and nothing is asked of Slack.
	if cfg.HasHours() {
		w.zones = directory.NewZones(directory.ZonesConfig{API: api, Log: log})
	}
	return m.runBot(ctx, w)
}

// wiring is what run has set up for the bot: the configuration, the
// clients and the store, and the directory services the configuration
// asks for (nil when it does not).
type wiring struct {
	env             Env
	cfg             config.Config
	policy          routing.Policy // cfg's, members resolved
	api             *slack.Client
	store           *store.Store
	log             zerolog.Logger
	meters          *metrics.Metrics
	shutdownTimeout time.Duration
	dir             *directory.Directory
	presence        *directory.Presence
	zones           *directory.Zones
	// channels follows the channels Baton is not in (set by runBot).
	channels *membership.Watch
	// workspaceURL is the Slack workspace's address (auth.test's url).
	workspaceURL string
	// endpoints are the webhook endpoints, secrets read; the store has
	// their routes already.
	endpoints []webhook.Endpoint
	// webhooks applies a reloaded configuration's endpoints (set by runBot).
	webhooks func(config.Config) (func(), error)
}

// postWakes is the store as the outbox worker uses it: a recorded post
// starts its lead's claim window, so it wakes the sweeper (the window's
// deadlines may be earlier than any it knows of: the first rung of a lead
// nobody was available for is due at once) and the worker (the up-next
// member's DM is queued with it).
type postWakes struct {
	*store.Store
	deadlines, committed *wakeup.Signal
}

// SetMessageTS records the post and sends the wake-ups.
func (p postWakes) SetMessageTS(ctx context.Context, id int64, ts string, now time.Time) error {
	if err := p.Store.SetMessageTS(ctx, id, ts, now); err != nil {
		return err
	}
	p.deadlines.Notify()
	p.committed.Notify()
	return nil
}

// runBot builds Baton's runnable units from w and runs them, with the
// services around them (see startAround), until ctx ends: the use cases,
// and around them the Socket Mode edge, the outbox worker, the deadline
// sweeper and the scheduled jobs. It is the one function that knows how
// the units are joined: a committed change wakes the outbox worker, and a
// new deadline the sweeper, through the signals given to the service.
func (m *Main) runBot(ctx context.Context, w wiring) error {
	var presence handoffs.Presence
	if w.presence != nil {
		presence = w.presence
	}
	var profileZones handoffs.ProfileZones
	if w.zones != nil {
		profileZones = w.zones
	}
	committed, deadlines := wakeup.New(), wakeup.New()
	host, _ := os.Hostname()
	replica := fmt.Sprintf("%s:%d", host, os.Getpid())
	now, clock, err := m.clock(ctx, w)
	if err != nil {
		return err
	}
	svc := handoffs.New(handoffs.Config{Store: w.store, Policy: w.policy, Log: w.log, Now: now, DueByDatabase: clock != nil,
		Presence: presence, Zones: profileZones, Replica: replica, Metrics: w.meters,
		Committed: committed, DeadlineSet: deadlines})
	homes := &home.Homes{Store: w.store, Service: svc, API: w.api, Log: w.log}
	edge := bot.New(bot.Config{Service: svc, Homes: homes, API: w.api, Log: w.log, ShutdownTimeout: w.shutdownTimeout})
	// The channels Baton must post into and is not in: found by the
	// outbox's refused posts and by a check at start-up, shown on /readyz
	// and as a metric, told to the pools' managers through the outbox.
	w.channels = membership.New(membership.Config{Store: w.store, API: w.api, Policy: svc.Policy, Log: w.log, Now: now, Committed: committed})
	w.meters.WatchChannels(w.channels.Access)
	deliveries := outbox.New(outbox.Config{Store: postWakes{w.store, deadlines, committed}, Service: svc, Homes: homes, API: w.api, Log: w.log,
		Metrics: w.meters, Channels: w.channels, Wake: committed, ChannelPace: &w.cfg.ChannelPace, ShutdownTimeout: w.shutdownTimeout, Clock: m.Now})
	// The outbox's Clock is m.Now, not now: nil lets the database decide
	// its leases and what is due (the webhooks' likewise). The webhooks
	// have a worker of their own: its slots, HTTP client and timeouts are
	// not the outbox's, so an endpoint that hangs never holds a Slack
	// notice back.
	hooks := webhook.New(webhook.Config{Store: w.store, Log: w.log, Metrics: w.meters.Webhooks(w.store.CountDeadWebhooks),
		People: &webhook.SlackPeople{API: w.api}, WorkspaceURL: w.workspaceURL, Clocks: svc.RunningClocks, Clock: m.Now,
		ShutdownTimeout: w.shutdownTimeout}, w.endpoints)
	w.webhooks = webhookReload(w.store, hooks, m.Getenv)
	deadlineSweeper := sweeper.New(sweeper.Config{Deadlines: svc, Log: w.log, Now: now, Interval: w.cfg.SweepInterval, Rewind: deadlines})

	pruner := retention.New(retention.Config{Store: w.store, Retention: w.cfg.OutboxRetention, Replica: replica,
		Log: w.log, Metrics: w.meters, Now: now})

	w.meters.Expect(metrics.Known{Jobs: []string{handoffs.JobSLASweep, handoffs.JobDigest, handoffs.JobWeeklyReview, retention.JobName, webhookRetention}})
	jobs := &schedule.Runner{Location: w.cfg.Policy.Location, Log: w.log, Now: now, LastRun: w.store.LastRun, Ran: w.meters.JobRan, Skipped: m.ClockSkips}
	for _, j := range []schedule.Job{
		// The sweep is safe to repeat, so its latest tick is always caught up.
		{Name: handoffs.JobSLASweep, Spec: w.cfg.SLASweep, Run: svc.SweepSLA, CatchUp: time.Hour},
		{Name: handoffs.JobDigest, Spec: w.cfg.Policy.Digest.Schedule, Run: svc.QueueDigest, CatchUp: w.cfg.Policy.Digest.CatchUp},
		// The weekly review posts in the digest's channel, and is caught
		// up like the digest: a Monday morning's review, not last week's.
		{Name: handoffs.JobWeeklyReview, Spec: w.cfg.Policy.Reports.WeeklySchedule, Run: svc.QueueWeeklyReview, CatchUp: w.cfg.Policy.Digest.CatchUp},
		// A missed hour is taken by the next one: nothing to catch up.
		{Name: retention.JobName, Spec: retention.Schedule, Run: pruner.Run},
		// Webhook deliveries are kept as long as the outbox's notices.
		{Name: webhookRetention, Spec: retention.Schedule, Run: retention.New(retention.Config{Store: w.store,
			Name: webhookRetention, What: "webhook deliveries", Prune: w.store.PruneWebhooks,
			Retention: w.cfg.OutboxRetention, Replica: replica, Log: w.log, Now: now}).Run},
	} {
		if err := jobs.Add(j); err != nil {
			return err
		}
	}
	jobs.Start(ctx)
	defer jobs.Stop()

	stopAround, err := m.startAround(ctx, w, runningUnits{svc, edge})
	if err != nil {
		return err
	}
	defer stopAround()

	w.log.Info().Int("pools", len(w.cfg.Policy.Pools)).Msg("baton running")
	// The outbox worker and the sweeper stop with the edge, whichever
	// ends first: a socket that fails for good (a revoked token) must not
	// leave them running. Each drains within the shutdown bound.
	background, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	var units sync.WaitGroup
	units.Go(func() { _ = deliveries.Run(background) })
	units.Go(func() { _ = hooks.Run(background) })
	if clock != nil {
		units.Go(func() {
			_ = clock.Run(background, func(err error) {
				w.log.Warn().Err(err).Msg("could not read the database's clock; keeping the last offset")
			})
		})
	}
	units.Go(func() { _ = deadlineSweeper.Run(background) })
	// In the background: a slow Slack must not hold the start back.
	units.Go(func() { w.channels.Check(background) })
	err = edge.Run(ctx, socketmode.New(w.api))
	stopBackground()
	units.Wait()
	w.log.Info().Msg("baton stopped")
	return err
}

// webhookRetention is the job that deletes the webhook deliveries sent,
// and those waiting for an endpoint no longer configured, once older than
// the outbox's retention (dead letters are kept).
const webhookRetention = "webhook_retention"

// clockSkewWarning is how far this machine's clock may be from the
// database's before start-up says so: Baton decides with the database's
// clock either way, but other programs on the machine do not.
const clockSkewWarning = time.Second

// clock is the clock the bot runs with: Main.Now when set, else this
// process's clock corrected to the database's (returned too, to be kept
// in sync while the bot runs).
func (m *Main) clock(ctx context.Context, w wiring) (func() time.Time, *store.DBClock, error) {
	if m.Now != nil {
		return m.Now, nil, nil
	}
	clock := store.NewDBClock(w.store, m.LocalClock)
	if err := clock.Sync(ctx); err != nil {
		return nil, nil, fmt.Errorf("database clock: %w", err)
	}
	if off := clock.Offset(); off.Abs() > clockSkewWarning {
		w.log.Warn().Dur("offset", off).Msg("this machine's clock is off from the database's; Baton decides with the database's, but check NTP here")
	}
	return clock.Now, clock, nil
}

// runningUnits is what the services around the running units need of
// them: the use cases take a new policy, the edge says whether Socket
// Mode is connected.
type runningUnits struct {
	*handoffs.Service
	*bot.Edge
}

// runningBot is what the services around the bot need of it: to take a
// new policy (reloads, member refreshes) and to say whether Socket Mode is
// connected (/readyz).
type runningBot interface {
	SetPolicy(routing.Policy)
	Connected() bool
}

// startAround starts the services around a running bot: configuration
// reloads (SIGHUP, Main.Reload), the refresh of user groups and profile
// time zones, and the HTTP probes. It returns once the probes listen; the
// func stops them all.
func (m *Main) startAround(ctx context.Context, w wiring, b runningBot) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for _, f := range slices.Backward(stops) {
			f()
		}
	}
	// SIGHUP (and Main.Reload) read BATON_CONFIG again; see reloader.
	reloads := newReloader(w.env.ConfigPath, w.api, b, w.cfg, w.dir, w.log)
	reloads.webhooks = w.webhooks
	reloadCtx, stopReloads := context.WithCancel(ctx)
	stops = append(stops, stopReloads)
	go reloads.watch(reloadCtx, m.reloads)
	if w.dir != nil || w.zones != nil {
		refreshCtx, stopRefresh := context.WithCancel(ctx)
		stops = append(stops, stopRefresh)
		zonesRead := make(chan struct{})
		r := refresher{dir: w.dir, zones: w.zones, reloader: reloads, every: w.cfg.MembersRefresh, log: w.log}
		go r.run(refreshCtx, w.policy, zonesRead)
		// The first leads after a start should see the members' own hours,
		// but a slow Slack must not hold the bot back: what is not read by
		// then comes in the background, the pools' zones applying meanwhile.
		budget := time.NewTimer(zonesStartBudget)
		select {
		case <-zonesRead:
		case <-budget.C:
			w.log.Info().Msg("still reading Slack profile time zones; starting meanwhile")
		case <-ctx.Done():
		}
		budget.Stop()
	}

	srv, err := m.serveHTTP(w.env.HTTPAddr, w.store, b, w.channels, w.meters, w.log)
	if err != nil {
		stop()
		return nil, err
	}
	stops = append(stops, func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	})
	return stop, nil
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

// logger is the log on Stderr that LOG_LEVEL and LOG_FORMAT ask for; a
// command that logs gets it before anything else, so that a wrong value
// stops it before it starts anything.
func (m *Main) logger(env Env) (zerolog.Logger, error) {
	level, console, err := env.logSettings()
	if err != nil {
		return zerolog.Nop(), err
	}
	var out io.Writer = m.Stderr
	if console {
		out = zerolog.ConsoleWriter{Out: m.Stderr, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger(), nil
}
