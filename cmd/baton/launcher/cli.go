package launcher

import (
	"context"
	"fmt"
	"strings"

	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/cmd/baton/initconfig"
	"github.com/batonhq/baton/cmd/baton/loadtest"
)

const usage = `Baton passes hot sales leads to closers in Slack, live.

Usage:
  baton [run]            run the bot (default)
  baton demo             try Baton in the browser: a sandbox Slack workspace,
                         no Slack, no tokens, no configuration needed
  baton migrate          apply database migrations and exit
  baton check-config [FILE]
                         validate the configuration file (FILE, else BATON_CONFIG)
                         without connecting
  baton export --since 2026-01-01 [--until 2026-02-01] [--format csv|json]
                         write the handoffs created in the period (days in timezone)
                         to stdout, with answers, owner, timestamps and outcomes
  baton webhooks list|replay [ID]
                         list the webhook deliveries dead-lettered after their last
                         attempt, or send them again (one, or all)
  baton init [--channel C… --members U…,U… [--managers U…]]
                         write a minimal baton.yaml (without flags: pick from Slack)
  baton doctor           check the tokens, scopes, channels and people against Slack
  baton loadtest [flags] run baton against a fake Slack under load and print latency
                         percentiles, throughput, errors and memory
  baton help [COMMAND]   show this help, or a command's (also: baton COMMAND --help)

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
  DATABASE_URL_FILE a file holding it instead; both set is an error
  BATON_CONFIG      configuration file (default ./baton.yaml)
  BATON_HTTP_ADDR   address for /healthz, /readyz and /metrics (default 127.0.0.1:8080)
  LOG_LEVEL         debug, info, warn or error (default info)
  LOG_FORMAT        json (default) or console

Signals: SIGHUP reloads BATON_CONFIG (an invalid file is refused and logged,
the running configuration kept); SIGTERM and SIGINT stop: the envelopes taken
are acked and the socket closed (Slack sends new ones to other replicas), the
work in flight finishes within BATON_SHUTDOWN_TIMEOUT (what is cut off stays
in the outbox for the next process), and baton exits 0.
`

// command is one subcommand of the baton binary.
type command struct {
	// help is what `baton NAME --help` prints.
	help string
	// run runs it with the arguments after its name.
	run func(m *Main, ctx context.Context, env Env, args []string) error
	// ownFlags says run parses args itself, --help included (export and
	// loadtest have flags); otherwise Run refuses any argument but
	// --help, and check-config's FILE.
	ownFlags bool
}

// commands are the subcommands by name.
var commands = map[string]command{
	"run": {help: `Usage: baton [run]

Runs the bot until SIGTERM or SIGINT: checks SLACK_BOT_TOKEN with Slack,
connects to the database (DATABASE_URL, or a local PostgreSQL) and migrates
it, connects to Slack over Socket Mode, and serves /healthz, /readyz and
/metrics on BATON_HTTP_ADDR. While Slack cannot be reached at start-up
(a DNS failure, a 5xx, a timeout) it retries, 1 s doubling to 30 s, and
logs each attempt; a token Slack rejects stops it at once. SIGHUP reloads
BATON_CONFIG; SIGTERM drains within BATON_SHUTDOWN_TIMEOUT and exits 0.

The environment it reads is in "baton help".
`, run: func(m *Main, ctx context.Context, env Env, _ []string) error { return m.run(ctx, env) }},

	"migrate": {help: `Usage: baton migrate

Applies the database migrations to DATABASE_URL and exits. With DATABASE_URL
unset it starts the local PostgreSQL under BATON_CONFIG's local_postgres.dir
(default .baton/postgres), migrates it, and stops it.
`, run: func(m *Main, ctx context.Context, env Env, _ []string) error { return m.migrate(ctx, env) }},

	"check-config": {help: `Usage: baton check-config [FILE]

Validates a configuration file without connecting to anything, and prints
its pools, clocks and checklist: FILE when given, else BATON_CONFIG, else
./baton.yaml.
`, run: func(m *Main, _ context.Context, env Env, args []string) error {
		if len(args) > 1 {
			return fmt.Errorf("check-config: unexpected argument %q: give one file", args[1])
		}
		if len(args) == 1 {
			env.ConfigPath = args[0]
		}
		return m.checkConfig(env)
	}},

	"export": {help: exportHelp, run: func(m *Main, ctx context.Context, env Env, args []string) error {
		return m.exportHandoffs(ctx, env, args)
	},
		ownFlags: true},

	"webhooks": {help: webhooksHelp, run: func(m *Main, ctx context.Context, env Env, args []string) error {
		return m.webhooksCommand(ctx, env, args)
	}, ownFlags: true},

	"doctor": {help: doctorHelp, run: func(m *Main, ctx context.Context, env Env, _ []string) error { return m.doctor(ctx, env) }},

	"init": {help: initconfig.Help, run: func(m *Main, ctx context.Context, env Env, args []string) error {
		return m.initConfig(ctx, env, args)
	}, ownFlags: true},
	"demo": {help: demoHelp, run: func(m *Main, ctx context.Context, _ Env, _ []string) error { return m.runDemo(ctx) }},

	"loadtest": {run: func(m *Main, ctx context.Context, env Env, args []string) error {
		return loadtest.Run(ctx, loadtest.Options{Stdout: m.Stdout, Stderr: m.Stderr, DatabaseURL: env.DatabaseURL, Self: m.Self}, args)
	}, ownFlags: true},
}

// exportHelp is export's help; its flags follow.
const exportHelp = `Usage: baton export --since 2026-01-01 [--until 2026-02-01] [--format csv|json]

Writes the handoffs created in [since, until) to stdout, oldest first, as CSV
(a header row, one answer column per checklist question; cells that a
spreadsheet would run as a formula start with a single quote) or JSON (one
array of objects, every value exact). Reads BATON_CONFIG (timezone,
checklists) and DATABASE_URL like migrate.

Flags:
`

// Run runs the subcommand named by args[0] (default run) until it finishes
// or ctx is cancelled. Every command takes --help (or -h) after its name,
// prints its help and does nothing else; an argument or flag it does not
// take is refused before it starts anything.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		args = []string{"run"}
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return m.help(rest)
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprint(m.Stderr, usage)
		return fmt.Errorf("unknown command %q (baton help lists them)", name)
	}
	if !cmd.ownFlags {
		help, err := plainArgs(name, rest)
		if err != nil {
			return err
		}
		if help {
			fmt.Fprint(m.Stdout, cmd.help)
			return nil
		}
	}
	env := readEnv(m.Getenv)
	if err := env.readDatabaseURLFile(); err != nil {
		return err
	}
	return cmd.run(m, ctx, env, rest)
}

// help prints the usage, or with a command's name, that command's help.
func (m *Main) help(args []string) error {
	switch {
	case len(args) == 0:
		fmt.Fprint(m.Stdout, usage)
		return nil
	case len(args) > 1:
		return fmt.Errorf("help: unexpected argument %q: name one command", args[1])
	}
	if args[0] == "loadtest" || args[0] == "export" {
		// They print their own flags.
		return m.Run(context.Background(), []string{args[0], "--help"})
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("help: unknown command %q (baton help lists them)", args[0])
	}
	fmt.Fprint(m.Stdout, cmd.help)
	return nil
}

// plainArgs checks the arguments of a command that takes no flags: help
// says one of them asks for its help (-h, -help, --help), wherever it is.
// Any other flag is refused, and so is a word, except check-config's
// file (its run refuses a second one).
func plainArgs(name string, args []string) (help bool, err error) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true, nil
		}
	}
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "-") && a != "-":
			return false, fmt.Errorf("%s: unknown flag %q (baton %s --help)", name, a, name)
		case name != "check-config":
			return false, fmt.Errorf("%s: unexpected argument %q (baton %s --help)", name, a, name)
		}
	}
	return false, nil
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
	m.warnPlaceholders(cfg)
	// The secrets are run's to read, where it runs; here only a warning.
	if _, err := cfg.WebhookSecrets(m.Getenv); err != nil {
		fmt.Fprintf(m.Stderr, "warning: %v (here; baton run refuses to start without it)\n", err)
	}
	return nil
}
