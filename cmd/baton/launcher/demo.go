package launcher

import (
	"context"

	"github.com/batonhq/baton/cmd/baton/demo"
)

// demoHelp is `baton demo --help`.
const demoHelp = `Usage: baton demo

Runs Baton's sandbox: the real bot against a fake Slack workspace (three
reps, four closers, a manager, #sales, #hot-leads and #lead-digest) and a
PostgreSQL of its own under .baton/demo, with a Slack-like page to drive it
from the browser. No token, no DATABASE_URL, no configuration: it runs a
built-in one unless BATON_CONFIG names yours. Nothing is sent to Slack.

The page listens on loopback, BATON_DEMO_ADDR (default 127.0.0.1:8070, or a
free port when that is taken). Ctrl-C stops everything.
`

// runDemo runs the sandbox until ctx ends.
func (m *Main) runDemo(ctx context.Context) error {
	return demo.Run(ctx, demo.Options{Bot: RunDemoBot, ConfigPath: m.Getenv("BATON_CONFIG"), Addr: m.Getenv("BATON_DEMO_ADDR"),
		Stdout: m.Stdout, Stderr: m.Stderr})
}

// RunDemoBot runs `baton run` in this process as the sandbox asks: with
// its environment (the fake Slack, its database), on its clock, the
// scheduled jobs following the clock's skips. It is demo.Options.Bot.
func RunDemoBot(ctx context.Context, b demo.Bot) error {
	bot := New()
	bot.Getenv, bot.Stdout, bot.Stderr = b.Getenv, b.Log, b.Log
	bot.Now, bot.ClockSkips = b.Now, b.Skipped
	return bot.run(ctx, readEnv(bot.Getenv))
}
