// Package loadtest is baton loadtest, which reports Baton's latency
// percentiles, throughput, errors, CPU and memory under load.
//
// It runs `baton run` (this very binary, in a child process, so that its
// memory is its own) against the project's fake Slack and a local
// PostgreSQL (or DATABASE_URL), and plays the scenario of Baton's
// performance budgets in rounds: every passer types /handoff at the same
// instant (50 concurrent handoffs by default), fills in the form as soon as it
// opens and submits; every receiver clicks Claim on every post the moment
// it appears (one winner out of 50 simultaneous clicks); every n-th handoff
// is left unclaimed so that its escalation can be timed. A round ends when
// its claims show in Slack; the next starts after a pause. Every latency is
// measured from the moment the fake Slack sends the envelope (or the click)
// to the moment the fake receives the Web API call that shows its effect.
//
// Slack is played as it is, by default: the fake keeps Slack's pace of
// posts into a channel (a burst, then one a second) and Baton its own
// channel_pace, and the fake takes 100-300 ms to answer each Web API call.
// Fifty handoffs into one channel then take about 45 s to be posted,
// whatever Baton does; -pace=false and -latency-max 0 take Slack's part
// away, to measure Baton's own speed.
package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/drive"
	"github.com/batonhq/baton/store/localpg"
)

// The Slack side of the load.
const (
	loadChannel  = "C0LOAD"  // the pool's channel
	loadSales    = "C0SALES" // where passers type /handoff
	loadManager  = "U0MGR"
	viewWait     = 5 * time.Second  // a trigger_id lives 3 s
	postWait     = 10 * time.Second // generous: a late post is reported, not waited for
	childStopped = 15 * time.Second
	// hotPostDue is how soon after its submission a lead's post must be in
	// the channel, and in submission order, when Slack keeps its pace: a
	// closer's window is 60 s, and fifty posts at one a second take 45.
	hotPostDue = 60 * time.Second
)

// loadOptions are the flags of baton loadtest.
type loadOptions struct {
	passers, receivers   int
	duration, window     time.Duration
	pause, settle, drain time.Duration
	escalateEvery        int
	replicas             int
	// pace: the fake keeps Slack's pace of posts per channel and Baton its
	// default channel_pace; latency: how long the fake takes to answer.
	pace                   bool
	latencyMin, latencyMax time.Duration
}

// postWait is how long a passer waits for its post: when Slack keeps its
// pace, a burst's posts go out one a second, so the wait grows with them.
func (o loadOptions) postWait() time.Duration {
	if !o.pace {
		return postWait
	}
	return postWait + 2*time.Duration(o.passers)*slackfake.DefaultChannelPace.Interval
}

// The lines of the report, in their order. Their labels are part of the
// output's shape: scripts and benchstat compare runs by them.
const (
	metricAck       = "envelope ack"
	metricSubmitAck = "submit ack"
	metricOpen      = "/handoff → views.open"
	metricPost      = "submit → channel post"
	metricUpdate    = "click → message updated"
	metricEscalate  = "deadline → escalation"
)

// metricOrder has each line's budget, and its budget when Slack keeps its
// pace and takes its time to answer (paced), where they differ.
var metricOrder = []struct {
	name, bench, budget, paced string
}{
	{metricAck, "ack", "< 50 ms", ""},
	{metricSubmitAck, "submit_ack", "< 3 s, Slack's limit: stores first", ""},
	{metricOpen, "views_open", "< 100 ms", ""},
	{metricPost, "channel_post", "< 150 ms", "< 60 s (the last of 50 in one channel: ≥ 45 s at Slack's pace)"},
	{metricUpdate, "message_updated", "< 50 ms", "< 1 s"},
	{metricEscalate, "escalation", "< 1 s", ""},
}

// Options are what Run needs from the program that runs it.
type Options struct {
	// Stdout gets the report, Stderr the progress and the flags' help.
	Stdout, Stderr io.Writer
	// DatabaseURL is the database the replicas share; empty: a local
	// PostgreSQL in a temporary directory.
	DatabaseURL string
	// Self returns the command that runs this program with args (Run
	// starts `baton run` with it); nil runs this executable.
	Self func(args ...string) *exec.Cmd
}

// Run parses the flags of baton loadtest in args, plays the load and
// writes the report to opts.Stdout.
func Run(ctx context.Context, opts Options, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(opts.Stderr)
	var o loadOptions
	fs.IntVar(&o.passers, "passers", 50, "passers; each round, every one starts a handoff at the same instant")
	fs.IntVar(&o.receivers, "receivers", 50, "members of the pool; each clicks Claim on every post at once")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long new rounds start")
	fs.DurationVar(&o.pause, "pause", time.Second, "pause between a round's claims showing and the next round (0: back to back)")
	fs.DurationVar(&o.window, "window", 2*time.Second, "sla.claim_window of the pool (at least 1s)")
	fs.IntVar(&o.escalateEvery, "escalate-every", 10, "leave every n-th handoff unclaimed to time its escalation (0: none)")
	fs.IntVar(&o.replicas, "replicas", 1, "baton run processes sharing the database and the Slack app (Slack spreads envelopes over their connections)")
	fs.DurationVar(&o.settle, "settle", 2*time.Second, "idle time after start-up over which the idle RSS and database load are read")
	fs.DurationVar(&o.drain, "drain", 0, "longest wait after the last handoff for posts, updates and escalations (default: the window + 15s, and with -pace two seconds a handoff for the channel's posts)")
	fs.BoolVar(&o.pace, "pace", true, "Slack's pace: the fake Slack takes 5 posts at once into a channel, then one a second (429 beyond), and Baton keeps its default channel_pace; -pace=false turns both off, and the figures then measure Baton, not Slack's pace")
	fs.DurationVar(&o.latencyMin, "latency-min", 100*time.Millisecond, "the least time the fake Slack takes to answer a Web API call")
	fs.DurationVar(&o.latencyMax, "latency-max", 300*time.Millisecond, "the most time the fake Slack takes to answer a Web API call (each call: uniformly random between the two; 0: at once)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the flags were printed
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadtest: unexpected argument %q (baton loadtest -h)", fs.Arg(0))
	}
	switch {
	case o.passers < 1 || o.receivers < 1 || o.replicas < 1:
		return errors.New("loadtest: -passers, -receivers and -replicas must be at least 1")
	case o.replicas > 10:
		return errors.New("loadtest: -replicas: Slack allows 10 Socket Mode connections")
	case o.window < time.Second:
		return errors.New("loadtest: -window must be at least 1s (sla.claim_window)")
	case o.duration <= 0 || o.escalateEvery < 0 || o.pause < 0:
		return errors.New("loadtest: -duration must be positive, -escalate-every and -pause not negative")
	case o.latencyMin < 0 || (o.latencyMax != 0 && o.latencyMax < o.latencyMin):
		return errors.New("loadtest: -latency-min must not be negative, nor -latency-max below it (but 0: no latency)")
	}
	if o.latencyMax == 0 {
		o.latencyMin = 0
	}

	dir, err := os.MkdirTemp("", "baton-loadtest-")
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	defer os.RemoveAll(dir)

	dbURL, stopDB, err := loadDatabase(ctx, opts, dir)
	if err != nil {
		return err
	}
	defer stopDB()

	l := newLoad(o)
	fakeOpts := []slackfake.Option{slackfake.WithCallHook(l.observe), slackfake.WithLatency(o.latencyMin, o.latencyMax)}
	if !o.pace {
		// No channel pace, as in Baton's configuration below: the figures
		// are Baton's own speed, not Slack's pace.
		fakeOpts = append(fakeOpts, slackfake.WithChannelPace(slackfake.ChannelPace{}))
	}
	fake, err := slackfake.New(fakeOpts...)
	if err != nil {
		return fmt.Errorf("loadtest: fake Slack: %w", err)
	}
	defer fake.Close()
	l.fake = fake

	configPath := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(configPath, []byte(loadConfig(o)), 0o600); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	var children []*drive.Process
	defer func() {
		for _, c := range children {
			_ = c.Stop(childStopped)
		}
	}()
	for range o.replicas {
		c, err := startChild(ctx, opts.Self, fake, dbURL, configPath)
		if err != nil {
			return err
		}
		children = append(children, c)
	}
	pids := make([]int, len(children))
	for i, c := range children {
		pids[i] = c.Cmd.Process.Pid
	}

	// The replicas have migrated the database; read it with a pool, as
	// Baton does (DATABASE_URL may carry pool settings).
	db, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	defer db.Close()
	var open int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM handoffs WHERE state = 'open'`).Scan(&open); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if open > 0 {
		// Their ladders would run against a fake Slack that never saw them.
		return fmt.Errorf("loadtest: DATABASE_URL holds %d open handoffs of an earlier run: give it an empty database", open)
	}

	// Idle: started, migrated, connected, nothing to do.
	xacts0, err := transactions(ctx, db)
	if err != nil {
		return err
	}
	select {
	case <-time.After(o.settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	xacts1, err := transactions(ctx, db)
	if err != nil {
		return err
	}
	l.idleTxPerSec = float64(xacts1-xacts0) / o.settle.Seconds()
	idle, _, err := procMemory(pids)
	if err != nil {
		return fmt.Errorf("loadtest: idle RSS: %w", err)
	}
	fmt.Fprintf(opts.Stderr, "loadtest: %d × baton run up (idle RSS %.1f MB); rounds of %d handoffs and %d receivers for %s\n",
		o.replicas, mb(idle), o.passers, o.receivers, o.duration)

	// The notices queued from here on are the run's (DATABASE_URL may hold
	// an earlier run's).
	if err := db.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&l.outboxBefore); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	cpu0, err := readCPU(pids)
	if err != nil {
		return fmt.Errorf("loadtest: CPU time: %w", err)
	}
	l.run(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	cpu1, err := readCPU(pids)
	if err != nil {
		return fmt.Errorf("loadtest: CPU time: %w", err)
	}
	l.cpu = cpu1.since(cpu0)
	_, peak, err := procMemory(pids)
	if err != nil {
		return fmt.Errorf("loadtest: peak RSS: %w", err)
	}
	for _, c := range children {
		if err := c.Stop(childStopped); err != nil {
			l.errorf("baton run: %v", err)
		}
		l.logErrors(c.Log.Errors())
	}
	if err := l.check(ctx, db); err != nil {
		return err
	}
	l.report(opts.Stdout, idle, peak)
	return nil
}

// transactions is how many transactions the database has run so far: the
// idle replicas' polling shows in it.
func transactions(ctx context.Context, db *pgxpool.Pool) (int64, error) {
	var n int64
	// The statistics are flushed at most once a second; ask for a fresh look.
	if _, err := db.Exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
		return 0, fmt.Errorf("loadtest: %w", err)
	}
	if err := db.QueryRow(ctx, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
		return 0, fmt.Errorf("loadtest: transactions: %w", err)
	}
	return n, nil
}

// loadConfig is the configuration `baton run` gets: one pool of the
// receivers, the claim window of the flags, with -pace=false no channel
// pace (the fake keeps none then), everything else the defaults (the
// default channel pace, escalation ladder and sweep interval among them).
func loadConfig(o loadOptions) string {
	members := make([]string, o.receivers)
	for i := range members {
		members[i] = loadReceiver(i)
	}
	pace := ""
	if !o.pace {
		pace = "channel_pace:\n  burst: 0 # the fake Slack keeps no pace: measure Baton, not Slack's\n"
	}
	return fmt.Sprintf(`timezone: UTC
pools:
  - name: closers
    channel: %s
    members: [%s]
    managers: [%s]
sla:
  claim_window: %s
  first_touch: 48h
  outcome_due: 24h
digest:
  channel: %s
  schedule: "0 9 * * 1-5"
%s`, loadChannel, strings.Join(members, ", "), loadManager, o.window, loadChannel, pace)
}

func loadReceiver(i int) string { return fmt.Sprintf("UR%04d", i) }
func loadPasser(i int) string   { return fmt.Sprintf("UP%04d", i) }

// loadDatabase is DATABASE_URL, or a local PostgreSQL in dir started like
// `baton run` starts one (the same settings), stopped by the func.
func loadDatabase(ctx context.Context, opts Options, dir string) (string, func(), error) {
	if opts.DatabaseURL != "" {
		return opts.DatabaseURL, func() {}, nil
	}
	// The server runs as postgres when we are root: it must reach its
	// data directory through this one.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("loadtest: %w", err)
	}
	fmt.Fprintln(opts.Stderr, "loadtest: DATABASE_URL is unset: starting a local PostgreSQL")
	srv, err := localpg.Start(ctx, localpg.Options{DataDir: filepath.Join(dir, "postgres")})
	if err != nil {
		return "", nil, fmt.Errorf("loadtest: local PostgreSQL: %w", err)
	}
	return srv.URL(), func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Stop(stopCtx); err != nil {
			fmt.Fprintf(opts.Stderr, "loadtest: stop PostgreSQL: %v\n", err)
		}
	}, nil
}

// startChild starts `baton run` in a child process against fake, with the
// log at info level (what production logs), and waits until it is
// connected.
func startChild(ctx context.Context, self func(args ...string) *exec.Cmd, fake *slackfake.Server, dbURL, configPath string) (*drive.Process, error) {
	if self == nil {
		self = func(args ...string) *exec.Cmd {
			exe, err := os.Executable()
			if err != nil {
				exe = os.Args[0]
			}
			return exec.Command(exe, args...)
		}
	}
	env := drive.Env(fake, dbURL, configPath)
	env["LOG_LEVEL"] = "info"
	c, err := drive.StartProcess(ctx, self("run"), fake, drive.ProcessOptions{Env: env})
	if err != nil {
		return nil, fmt.Errorf("loadtest: baton run: %w", err)
	}
	return c, nil
}

// procMemory reads the resident set size now and its peak (VmRSS and VmHWM
// in /proc/<pid>/status), in bytes, of the largest of pids.
func procMemory(pids []int) (rss, peak int64, err error) {
	for _, pid := range pids {
		r, p, err := processMemory(pid)
		if err != nil {
			return 0, 0, err
		}
		rss, peak = max(rss, r), max(peak, p)
	}
	return rss, peak, nil
}

func processMemory(pid int) (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(data)) {
		key, value, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %q: %w", key, value, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 || peak == 0 {
		return 0, 0, errors.New("no VmRSS or VmHWM in /proc/<pid>/status")
	}
	return rss, peak, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// cpuTimes are CPU seconds used so far: by baton run, by this process (the
// fake Slack and the drivers), and by the whole machine, busy and in all.
type cpuTimes struct {
	baton, loadtest, busy, total float64
}

func (c cpuTimes) since(before cpuTimes) cpuTimes {
	return cpuTimes{c.baton - before.baton, c.loadtest - before.loadtest, c.busy - before.busy, c.total - before.total}
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on Linux.
const clockTicks = 100

// readCPU reads the CPU time of processes pids (the replicas) and of this
// process from /proc/<pid>/stat, and the machine's from /proc/stat, so the report can
// say who used the cores: on a small machine the fake Slack and the
// drivers take their share, and PostgreSQL its own.
func readCPU(pids []int) (cpuTimes, error) {
	var c cpuTimes
	var err error
	for _, pid := range pids {
		secs, err := processCPU(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return c, err
		}
		c.baton += secs
	}
	if c.loadtest, err = processCPU("/proc/self/stat"); err != nil {
		return c, err
	}
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return c, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(fields) < 9 || fields[0] != "cpu" {
		return c, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	for i, f := range fields[1:9] {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return c, fmt.Errorf("/proc/stat: %w", err)
		}
		c.total += v / clockTicks
		if i != 3 && i != 4 { // idle, iowait
			c.busy += v / clockTicks
		}
	}
	return c, nil
}

// processCPU is utime+stime of /proc/<pid>/stat, in seconds.
func processCPU(path string) (float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	_, rest, ok := strings.Cut(string(data), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0, fmt.Errorf("%s: unexpected content", path)
	}
	var secs float64
	for _, f := range fields[11:13] { // utime, stime: fields 14 and 15 of the line
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		secs += v / clockTicks
	}
	return secs, nil
}

// post is a handoff's channel message as the fake received it.
type post struct {
	ts, company string
	at          time.Time
}

// future is a value that one goroutine waits for and another sets.
type future[T any] struct {
	done chan struct{}
	once sync.Once
	v    T
}

func newFuture[T any]() *future[T] { return &future[T]{done: make(chan struct{})} }

func (f *future[T]) set(v T) { f.once.Do(func() { f.v = v; close(f.done) }) }

func (f *future[T]) wait(ctx context.Context, d time.Duration) (T, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-f.done:
		return f.v, true
	case <-timer.C:
	case <-ctx.Done():
	}
	var zero T
	return zero, false
}

// viewOpened is the answer to a views.open.
type viewOpened struct {
	id, err string
	at      time.Time
}

// update is the first chat.update of a channel message that shows a claim.
type update struct {
	owner string
	at    time.Time
}

// load is one run: what it drives and what the fake saw.
type load struct {
	o    loadOptions
	fake *slackfake.Server
	run0 string // names this run's companies, so a reused database does not mix runs

	seq, posted, clicks, slackCalls, tooLate atomic.Int64
	receivers                                []chan post // guarded by mu
	rounds                                   int
	elapsed                                  time.Duration
	cpu                                      cpuTimes // during the run and its drain
	idleTxPerSec                             float64  // database transactions while idle
	callsDuring                              int64
	outboxBefore                             int64          // the last notice queued before the run
	hotPosts, outOfOrder, earlyPosts         int            // the run's posts, those out of submission order, those out before their burst was stored
	ratelimited                              map[string]int // 429s the fake answered, by method
	abandoned                                int64          // the run's notices Baton gave up on

	mu       sync.Mutex
	samples  map[string][]time.Duration
	errs     map[string]int
	views    map[string]*future[viewOpened] // by trigger_id
	posts    map[string]*future[post]       // by company
	byTS     map[string]post                // channel posts by ts
	updates  map[string]update              // by message ts
	repings  map[string]time.Time           // by the thread's ts
	clickAt  map[string]time.Time           // by message ts and clicker
	ladder   map[string]bool                // posts left for the ladder, by ts
	clickers map[string]int                 // clicks sent, by message ts
	stored   map[string]stored              // by company
}

// stored is when a handoff was stored (its submission acked), and in which
// round.
type stored struct {
	round int
	at    time.Time
}

func newLoad(o loadOptions) *load {
	return &load{
		o: o, run0: strconv.FormatInt(time.Now().UnixNano()%1e9, 36),
		samples: map[string][]time.Duration{}, errs: map[string]int{},
		views: map[string]*future[viewOpened]{}, posts: map[string]*future[post]{},
		byTS: map[string]post{}, updates: map[string]update{}, repings: map[string]time.Time{},
		clickAt: map[string]time.Time{}, ladder: map[string]bool{}, clickers: map[string]int{},
		ratelimited: map[string]int{}, stored: map[string]stored{},
	}
}

func (l *load) sample(metric string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.samples[metric] = append(l.samples[metric], d)
}

func (l *load) errorf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs[fmt.Sprintf(format, args...)]++
}

func (l *load) logErrors(msgs []string) {
	for _, msg := range msgs {
		l.errorf("baton logged an error: %s", msg)
	}
}

func (l *load) view(trigger string) *future[viewOpened] { return futureOf(l, l.views, trigger) }

func (l *load) post(company string) *future[post] { return futureOf(l, l.posts, company) }

// futureOf is the future of key in m, made on first use by whichever side
// (the driver waiting, or the hook seeing the call) gets there first.
func futureOf[T any](l *load, m map[string]*future[T], key string) *future[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := m[key]
	if !ok {
		f = newFuture[T]()
		m[key] = f
	}
	return f
}

// observe is the fake Slack's call hook: it sees every Web API call Baton
// makes, stamped when it arrived.
func (l *load) observe(c slackfake.Call) {
	l.slackCalls.Add(1)
	var resp struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		TS    string `json:"ts"`
		View  struct {
			ID string `json:"id"`
		} `json:"view"`
	}
	_ = json.Unmarshal(c.Response, &resp)
	if c.Method == "views.open" {
		// Its failure (an expired trigger_id) is the passer's error.
		l.view(c.Params["trigger_id"]).set(viewOpened{id: resp.View.ID, err: resp.Error, at: c.At})
		return
	}
	if !resp.OK {
		if resp.Error != "ratelimited" { // a 429 is a wait for Baton: counted on its own, in check
			l.errorf("Slack refused %s: %s", c.Method, resp.Error)
		}
		return
	}
	if c.Params["channel"] != loadChannel {
		return
	}
	text := c.Params["text"]
	switch c.Method {
	case "chat.postMessage":
		if thread := c.Params["thread_ts"]; thread != "" {
			if strings.HasPrefix(text, "<!here>") {
				l.mu.Lock()
				if _, seen := l.repings[thread]; !seen {
					l.repings[thread] = c.At
				}
				l.mu.Unlock()
			}
			return
		}
		_, company, ok := strings.Cut(text, " — ")
		if !ok {
			return
		}
		p := post{ts: resp.TS, company: company, at: c.At}
		ladder := l.forLadder(company)
		behind := false
		l.mu.Lock()
		l.byTS[p.ts] = p
		if ladder {
			l.ladder[p.ts] = true
		} else {
			// Every receiver sees the post at once: the clicks race.
			for _, ch := range l.receivers {
				select {
				case ch <- p:
				default:
					behind = true
				}
			}
		}
		l.mu.Unlock()
		if behind {
			l.errorf("a receiver fell behind the posts")
		}
		l.post(company).set(p)
	case "chat.update":
		if !strings.Contains(text, "Claimed") {
			return
		}
		owner := between(text, "<@", ">")
		l.mu.Lock()
		if _, seen := l.updates[c.Params["ts"]]; !seen {
			l.updates[c.Params["ts"]] = update{owner: owner, at: c.At}
		}
		l.mu.Unlock()
	}
}

func between(s, open, close string) string {
	_, rest, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, close)
	return v
}

// company names handoff seq; the letter says whether receivers claim it
// (C) or leave it to the ladder (E).
func (l *load) company(seq int64) string {
	kind := "C"
	if l.o.escalateEvery > 0 && seq%int64(l.o.escalateEvery) == 0 {
		kind = "E"
	}
	return fmt.Sprintf("Load %s %s%06d", l.run0, kind, seq)
}

func (l *load) forLadder(company string) bool {
	return strings.HasPrefix(company, "Load "+l.run0+" E")
}

// run drives the passers for the duration and the receivers until every
// post is clicked, then waits (at most the drain) for the outcomes.
func (l *load) run(ctx context.Context) {
	chans := make([]chan post, l.o.receivers)
	var receivers sync.WaitGroup
	for i := range chans {
		chans[i] = make(chan post, 1<<14)
		receivers.Go(func() { l.receive(ctx, loadReceiver(i), chans[i]) })
	}
	l.mu.Lock()
	l.receivers = chans
	l.mu.Unlock()

	start := time.Now()
	calls0 := l.slackCalls.Load()
	for time.Since(start) < l.o.duration && ctx.Err() == nil {
		l.rounds++
		var passers sync.WaitGroup
		for i := range l.o.passers {
			passers.Go(func() { l.handoff(ctx, loadPasser(i), l.rounds) })
		}
		passers.Wait()
		// The round is over when its claims show; the ladder's handoffs
		// run on in the background, as they would.
		until := time.Now().Add(l.o.postWait())
		for time.Now().Before(until) && ctx.Err() == nil && !l.settled(false) {
			time.Sleep(5 * time.Millisecond)
		}
		if l.o.pause > 0 {
			time.Sleep(l.o.pause)
		}
	}
	l.elapsed = time.Since(start)
	l.callsDuring = l.slackCalls.Load() - calls0

	// The receivers click what they were handed, and no more: a post that
	// comes later than its passer waited for is not clicked.
	l.mu.Lock()
	l.receivers = nil
	l.mu.Unlock()
	for _, ch := range chans {
		close(ch)
	}
	receivers.Wait()

	// Wait for each claimed message's update and each ladder's re-ping;
	// with Slack's pace, a re-ping waits behind the channel's thread briefs.
	if l.o.drain == 0 {
		l.o.drain = l.o.window + 15*time.Second
		if l.o.pace {
			l.o.drain += 2 * time.Duration(l.posted.Load()) * slackfake.DefaultChannelPace.Interval
		}
	}
	deadline := time.Now().Add(l.o.drain)
	for time.Now().Before(deadline) && ctx.Err() == nil && !l.settled(true) {
		time.Sleep(50 * time.Millisecond)
	}
}

// settled reports whether every claimed post shows its claim in Slack and,
// with ladder, whether every post left unclaimed was escalated.
func (l *load) settled(ladder bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ts := range l.byTS {
		if l.ladder[ts] {
			if _, ok := l.repings[ts]; ladder && !ok {
				return false
			}
		} else if _, ok := l.updates[ts]; !ok {
			return false
		}
	}
	return true
}

// handoff is one passer's handoff: /handoff, the form, submit, the post.
func (l *load) handoff(ctx context.Context, user string, round int) bool {
	company := l.company(l.seq.Add(1))
	sent := time.Now()
	ack, err := l.fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", UserID: user, ChannelID: loadSales})
	if err != nil {
		l.errorf("/handoff: %v", shortError(err))
		return false
	}
	l.sample(metricAck, ack.Latency)
	v, ok := l.view(ack.TriggerID).wait(ctx, viewWait)
	switch {
	case !ok:
		l.errorf("/handoff: no views.open within %s", viewWait)
		return false
	case v.err != "":
		l.errorf("/handoff: views.open refused: %s", v.err)
		return false
	}
	l.sample(metricOpen, v.at.Sub(sent))

	submitted := time.Now()
	ack, err = l.fake.SubmitView(ctx, slackfake.Submit{UserID: user, ViewID: v.id, Values: drive.Answers(company)})
	if err != nil {
		l.errorf("submit: %v", shortError(err))
		return false
	}
	if len(ack.Payload) > 0 {
		l.errorf("submit: the form came back: %s", ack.Payload)
		return false
	}
	l.sample(metricSubmitAck, ack.Latency)
	l.mu.Lock()
	l.stored[company] = stored{round: round, at: time.Now()} // Baton stores, then acks
	l.mu.Unlock()
	p, ok := l.post(company).wait(ctx, l.o.postWait())
	if !ok {
		l.errorf("submit: no channel post within %s", l.o.postWait())
		return false
	}
	l.sample(metricPost, p.at.Sub(submitted))
	l.posted.Add(1)
	return true
}

// receive is one receiver: a click on Claim on every post, as soon as it is
// out.
func (l *load) receive(ctx context.Context, user string, posts <-chan post) {
	for p := range posts {
		if ctx.Err() != nil {
			return
		}
		key := p.ts + "/" + user
		l.mu.Lock()
		l.clickAt[key] = time.Now()
		l.mu.Unlock()
		ack, err := l.fake.ClickButton(ctx, slackfake.Click{UserID: user, ChannelID: loadChannel, MessageTS: p.ts, ActionID: render.ActionClaim})
		if err != nil {
			if strings.Contains(err.Error(), "no element with action_id") {
				// The message already shows the claim: in Slack, the
				// button is gone and this receiver could not click it.
				l.tooLate.Add(1)
				continue
			}
			l.errorf("click: %v", shortError(err))
			continue
		}
		l.clicks.Add(1)
		l.mu.Lock()
		l.clickers[p.ts]++
		l.mu.Unlock()
		l.sample(metricAck, ack.Latency)
	}
}

// shortError drops the varying parts (envelope ids) of an error so equal
// failures count together.
func shortError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "envelope "); i >= 0 {
		if j := strings.Index(s[i:], " not acknowledged"); j >= 0 {
			s = s[:i] + "envelope" + s[i+j:]
		}
	}
	return s
}

// check reads the run's handoffs back from the database: each claimed one
// has exactly one claim, each one left to the ladder was escalated, and
// it times each claim's message update from the winner's click and each
// escalation from its deadline. It counts the hot posts out of
// submission order, the run's abandoned notices and the 429s the fake
// answered.
func (l *load) check(ctx context.Context, db *pgxpool.Pool) error {
	if err := l.checkOrder(ctx, db); err != nil {
		return err
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE id > $1 AND abandoned_at IS NOT NULL`, l.outboxBefore).Scan(&l.abandoned); err != nil {
		return fmt.Errorf("loadtest: abandoned notices: %w", err)
	}
	for _, c := range l.fake.Calls("") {
		if strings.Contains(string(c.Response), `"error":"ratelimited"`) {
			l.ratelimited[c.Method]++
		}
	}

	rows, err := db.Query(ctx, `
		SELECT coalesce(h.message_ts, ''), h.company, h.state, h.claim_deadline,
			coalesce((h.escalation->'rungs'->0->>'after')::bigint, 0),
			(SELECT count(*) FROM events e WHERE e.handoff_id = h.id AND e.kind = 'handoff.claimed')
		FROM handoffs h WHERE h.company LIKE $1`, "Load "+l.run0+" %")
	if err != nil {
		return fmt.Errorf("loadtest: read the results: %w", err)
	}
	type result struct {
		ts, company, state string
		deadline           time.Time
		after, claims      int64
	}
	results, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (result, error) {
		var r result
		err := row.Scan(&r.ts, &r.company, &r.state, &r.deadline, &r.after, &r.claims)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("loadtest: read the results: %w", err)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range results {
		if r.ts == "" {
			l.errs["a handoff was never posted"]++
			continue
		}
		if l.ladder[r.ts] {
			at, ok := l.repings[r.ts]
			if !ok {
				l.errs[fmt.Sprintf("no escalation within %s of the last handoff", l.o.drain)]++
				continue
			}
			l.samples[metricEscalate] = append(l.samples[metricEscalate], at.Sub(r.deadline.Add(time.Duration(r.after))))
			continue
		}
		if r.claims != 1 {
			l.errs[fmt.Sprintf("a handoff with %d claims, not one", r.claims)]++
		}
		u, ok := l.updates[r.ts]
		if !ok {
			l.errs[fmt.Sprintf("a claimed message not updated within %s of the last handoff", l.o.drain)]++
			continue
		}
		clicked, ok := l.clickAt[r.ts+"/"+u.owner]
		if !ok {
			l.errs["a message claimed by someone who did not click"]++
			continue
		}
		l.samples[metricUpdate] = append(l.samples[metricUpdate], u.at.Sub(clicked))
	}
	return nil
}

// checkOrder compares the order of the run's posts in the channel with the
// order Baton stored the handoffs in, their handoff numbers: submission
// order. Fifty passers submit at the same instant, so which came first is
// the order Baton numbered them in as it stored them, the number every
// message about the lead shows. (An outbox notice's id is no measure of
// it: two submissions storing at once take a handoff number and a notice
// id each, not necessarily in the same order.) It holds once a round's
// burst is stored: until then Baton posts what is stored (committed) so
// far, which may differ by a few milliseconds, so the round's posts that
// arrived before its last submission was stored, and the one then in
// flight, are counted apart (early). The posts out of order are how many
// would have to move for the rest to be in order.
func (l *load) checkOrder(ctx context.Context, db *pgxpool.Pool) error {
	rows, err := db.Query(ctx, `
		SELECT h.company, h.message_ts FROM handoffs h
		WHERE h.company LIKE $1 AND coalesce(h.message_ts, '') <> ''
		ORDER BY h.id`, "Load "+l.run0+" %")
	if err != nil {
		return fmt.Errorf("loadtest: read the posts' order: %w", err)
	}
	type queued struct{ Company, TS string }
	order, err := pgx.CollectRows(rows, pgx.RowToStructByPos[queued])
	if err != nil {
		return fmt.Errorf("loadtest: read the posts' order: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	allStored := map[int]time.Time{}
	for _, s := range l.stored {
		if s.at.After(allStored[s.round]) {
			allStored[s.round] = s.at
		}
	}
	byRound := map[int][]post{}
	for _, p := range l.byTS {
		if s, ok := l.stored[p.company]; ok {
			byRound[s.round] = append(byRound[s.round], p)
		}
	}
	early := map[string]bool{}
	for round, posts := range byRound {
		slices.SortFunc(posts, func(a, b post) int { return strings.Compare(a.ts, b.ts) })
		i := slices.IndexFunc(posts, func(p post) bool { return !p.at.Before(allStored[round]) })
		if i < 0 {
			i = len(posts) - 1
		}
		for _, p := range posts[:i+1] {
			early[p.company] = true
		}
	}
	var stamps []string
	for _, q := range order {
		if !early[q.Company] {
			stamps = append(stamps, q.TS)
		}
	}
	l.hotPosts, l.earlyPosts = len(order), len(order)-len(stamps)
	l.outOfOrder = len(stamps) - longestRising(stamps)
	return nil
}

// longestRising is the length of the longest increasing subsequence of
// the message timestamps (Slack's are fixed-width, so they compare as
// strings).
func longestRising(ts []string) int {
	var tails []string // tails[i]: the least last element of a rising run of i+1
	for _, t := range ts {
		i, _ := slices.BinarySearch(tails, t)
		if i == len(tails) {
			tails = append(tails, t)
		} else {
			tails[i] = t
		}
	}
	return len(tails)
}

// report prints the run in a fixed shape: a table for people, then the
// same figures as Go benchmark lines, which benchstat compares across runs.
func (l *load) report(w io.Writer, idle, peak int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.o
	fmt.Fprintf(w, "baton loadtest: passers=%d receivers=%d replicas=%d duration=%s pause=%s window=%s escalate-every=%d pace=%t latency=%s-%s GOMAXPROCS=%d\n",
		o.passers, o.receivers, o.replicas, o.duration, o.pause, o.window, o.escalateEvery, o.pace, o.latencyMin, o.latencyMax, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "%-26s %7s %9s %9s %9s %9s  %s\n", "latency", "n", "p50", "p90", "p99", "max", "budget (p99)")
	type row struct {
		bench         string
		n             int
		p50, p90, p99 time.Duration
	}
	var rows []row
	for _, m := range metricOrder {
		s := slices.Clone(l.samples[m.name])
		slices.Sort(s)
		r := row{bench: m.bench, n: len(s), p50: percentile(s, 0.50), p90: percentile(s, 0.90), p99: percentile(s, 0.99)}
		rows = append(rows, r)
		budget := m.budget
		if o.pace && m.paced != "" {
			budget = m.paced
		}
		fmt.Fprintf(w, "%-26s %7d %9s %9s %9s %9s  %s\n", m.name, r.n, ms(r.p50), ms(r.p90), ms(r.p99), ms(percentile(s, 1)), budget)
	}
	secs := l.elapsed.Seconds()
	handoffs, clicks := l.posted.Load(), l.clicks.Load()
	fmt.Fprintf(w, "%-26s %.1f handoffs/s, %.1f clicks/s, %.1f Slack calls/s (%d handoffs, %d clicks in %d rounds, %.1f s)\n",
		"throughput", float64(handoffs)/secs, float64(clicks)/secs, float64(l.callsDuring)/secs, handoffs, clicks, l.rounds, secs)
	most := 0
	for _, n := range l.clickers {
		most = max(most, n)
	}
	fmt.Fprintf(w, "%-26s %d shown in Slack, up to %d clickers on one handoff (a claim with other than one winner is an error); %d clicks came after the message showed the claim\n",
		"claims", len(l.updates), most, l.tooLate.Load())
	inOrder := "yes"
	if l.outOfOrder > 0 {
		inOrder = "no"
	}
	fmt.Fprintf(w, "%-26s %s: %d of %d posts out of submission order (the fewest that would have to move; %d more went out before their burst was stored)  target 0\n",
		"hot posts in order", inOrder, l.outOfOrder, l.hotPosts-l.earlyPosts, l.earlyPosts)
	posts := l.samples[metricPost]
	last, late := time.Duration(0), 0
	for _, d := range posts {
		last = max(last, d)
		if d > hotPostDue {
			late++
		}
	}
	fmt.Fprintf(w, "%-26s %.1f s after its submission (the worst of the run); %d of %d posts later than %.0f s  target < %.0f s\n",
		"last hot post", last.Seconds(), late, len(posts), hotPostDue.Seconds(), hotPostDue.Seconds())
	limited := 0
	var byMethod []string
	for _, m := range slices.Sorted(maps.Keys(l.ratelimited)) {
		limited += l.ratelimited[m]
		byMethod = append(byMethod, fmt.Sprintf("%s %d", m, l.ratelimited[m]))
	}
	fmt.Fprintf(w, "%-26s %d", "429s received", limited)
	if limited > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(byMethod, ", "))
	}
	fmt.Fprintf(w, " (Baton waits them out: not in the errors)\n")
	fmt.Fprintf(w, "%-26s %d  target 0\n", "abandoned notices", l.abandoned)
	total := 0
	for _, n := range l.errs {
		total += n
	}
	fmt.Fprintf(w, "%-26s %d\n", "errors", total)
	for _, msg := range slices.Sorted(maps.Keys(l.errs)) {
		fmt.Fprintf(w, "%-26s %d × %s\n", "", l.errs[msg], msg)
	}
	c := l.cpu
	fmt.Fprintf(w, "%-26s baton run %.1f s, loadtest (fake Slack, drivers) %.1f s, the rest (PostgreSQL…) %.1f s; machine %.0f %% busy on %d cores\n",
		"cpu", c.baton, c.loadtest, max(c.busy-c.baton-c.loadtest, 0), 100*c.busy/max(c.total, 1e-9), runtime.NumCPU())
	fmt.Fprintf(w, "%-26s %.1f transactions/s (all replicas, %s after start-up)\n", "idle database load", l.idleTxPerSec, o.settle)
	fmt.Fprintf(w, "%-26s %.1f MB (baton run, the largest replica, %s after start-up)  budget < 40 MB\n", "idle RSS", mb(idle), o.settle)
	fmt.Fprintf(w, "%-26s %.1f MB (baton run, the largest replica, VmHWM)\n", "peak RSS", mb(peak))

	for _, r := range rows {
		fmt.Fprintf(w, "BenchmarkLoad/%s %d %d p50-ns %d p90-ns %d p99-ns\n", r.bench, max(r.n, 1), r.p50.Nanoseconds(), r.p90.Nanoseconds(), r.p99.Nanoseconds())
	}
	fmt.Fprintf(w, "BenchmarkLoad/throughput 1 %.2f handoffs/s %.2f clicks/s\n", float64(handoffs)/secs, float64(clicks)/secs)
	fmt.Fprintf(w, "BenchmarkLoad/errors 1 %d errors\n", total)
	fmt.Fprintf(w, "BenchmarkLoad/hot_posts 1 %d out-of-order %d late %d last-ns\n", l.outOfOrder, late, last.Nanoseconds())
	fmt.Fprintf(w, "BenchmarkLoad/ratelimited 1 %d 429s\n", limited)
	fmt.Fprintf(w, "BenchmarkLoad/abandoned 1 %d notices\n", l.abandoned)
	fmt.Fprintf(w, "BenchmarkLoad/rss 1 %d idle-B %d peak-B\n", idle, peak)
	fmt.Fprintf(w, "BenchmarkLoad/idle_db 1 %.2f tx/s\n", l.idleTxPerSec)
	fmt.Fprintf(w, "BenchmarkLoad/cpu 1 %.2f baton-s %.2f loadtest-s %.2f other-s\n", c.baton, c.loadtest, max(c.busy-c.baton-c.loadtest, 0))
}

// percentile is the nearest-rank percentile of sorted samples; 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}
