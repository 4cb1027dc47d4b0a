package launcher

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
)

// reloader applies a changed BATON_CONFIG to the running bot, on SIGHUP or
// Main.Reload. A file that does not load is refused whole, with the reason
// (which names the key) in the log at error level, and the configuration
// in force stays: a typo saved while Baton runs must not take the pools
// away. A valid one replaces the routing policy for every decision from
// then on (new handoffs, clicks, ladder steps), through the bot's SetPolicy;
// handoffs already out keep what was frozen onto them (pool, ladder, turn).
type reloader struct {
	path string
	api  *slack.Client
	bot  runningBot
	log  zerolog.Logger

	mu sync.Mutex // one reload at a time
	// running is the configuration the process was started with or last
	// reloaded: what restart-only keys are compared with.
	running config.Config
	// dir resolves members given as emails or user groups; created on the
	// first reload that needs it when the start did not. Guarded by mu.
	dir *directory.Directory
	// configured is the policy as the file has it, members unresolved: the
	// refresher resolves it again at each tick, so a refresh after a reload
	// keeps the reloaded pools.
	configured atomic.Pointer[routing.Policy]
	// webhooks checks a new configuration's webhook endpoints (their
	// secrets are read from the environment) and returns how to apply
	// them; nil: none to apply.
	webhooks func(config.Config) (apply func(), err error)
}

func newReloader(path string, api *slack.Client, b runningBot, cfg config.Config, dir *directory.Directory, log zerolog.Logger) *reloader {
	r := &reloader{path: path, api: api, bot: b, log: log, running: cfg, dir: dir}
	r.configured.Store(&cfg.Policy)
	return r
}

// policy is the configured policy in force, members unresolved.
func (r *reloader) policy() routing.Policy { return *r.configured.Load() }

// reload reads the file again and applies it, or keeps the running
// configuration and returns why not.
func (r *reloader) reload(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := config.Load(r.path)
	if err != nil {
		r.log.Error().Err(err).Str("config", r.path).Msg("configuration reload rejected; the running configuration is kept")
		return err
	}
	applyWebhooks := func() {}
	if r.webhooks != nil {
		// Checked before anything is applied: a reload is taken whole or not at all.
		if applyWebhooks, err = r.webhooks(cfg); err != nil {
			r.log.Error().Err(err).Str("config", r.path).Msg("configuration reload rejected; the running configuration is kept")
			return err
		}
	}
	policy := cfg.Policy
	if cfg.NeedsDirectory() {
		if r.dir == nil {
			// User groups named for the first time are resolved now and
			// refreshed only after a restart (no refresher runs for them).
			r.dir = directory.New(r.api, r.log)
			r.log.Warn().Msg("members given as emails or user groups appeared in the configuration: resolved now; user groups are refreshed after a restart")
		}
		policy = r.dir.ResolvePolicy(ctx, cfg.Policy)
	}
	r.configured.Store(&cfg.Policy)
	r.bot.SetPolicy(policy)
	applyWebhooks()
	if keys := restartOnly(r.running, cfg); len(keys) > 0 {
		r.log.Warn().Strs("keys", keys).Msg("these keys changed and take effect at the next restart")
	}
	r.running = cfg
	names := make([]string, 0, len(policy.Pools))
	for _, p := range policy.Pools {
		names = append(names, p.Name)
	}
	r.log.Info().Str("config", r.path).Strs("pools", names).Int("rules", len(policy.Rules)).
		Msg("configuration reloaded; new handoffs use it")
	return nil
}

// restartOnly lists the keys whose change a reload cannot apply: they
// shaped what was started (the local database, the job schedules, the
// sweeper's and the refresher's intervals, the presence client).
func restartOnly(old, cur config.Config) []string {
	var keys []string
	for key, changed := range map[string]bool{
		"local_postgres.dir":        old.LocalPostgresDir != cur.LocalPostgresDir,
		"escalation.sweep_interval": old.SweepInterval != cur.SweepInterval,
		"presence":                  old.Presence != cur.Presence,
		"members_refresh":           old.MembersRefresh != cur.MembersRefresh,
		"channel_pace":              old.ChannelPace != cur.ChannelPace,
		"outbox.retention":          old.OutboxRetention != cur.OutboxRetention,
		"sla.sweep_schedule":        old.SLASweep != cur.SLASweep,
		"digest.schedule":           old.Policy.Digest.Schedule != cur.Policy.Digest.Schedule,
		"digest.catch_up":           old.Policy.Digest.CatchUp != cur.Policy.Digest.CatchUp,
		"timezone (of the jobs)":    old.Policy.Location.String() != cur.Policy.Location.String(),
	} {
		if changed {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

// refreshMembers resolves the configured policy's members again through
// dir and gives the bot the result, under the reload lock, so that a
// refresh racing a reload never puts the old pools back.
func (r *reloader) refreshMembers(ctx context.Context, dir *directory.Directory) routing.Policy {
	r.mu.Lock()
	defer r.mu.Unlock()
	resolved := dir.ResolvePolicy(ctx, r.policy())
	r.bot.SetPolicy(resolved)
	return resolved
}

// reloadRequest is a Main.Reload call waiting for its answer.
type reloadRequest chan error

// watch runs reloads until ctx ends: on SIGHUP, and on Main.Reload (which
// tests call, and which gets the result back).
func (r *reloader) watch(ctx context.Context, requests <-chan reloadRequest) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.log.Info().Msg("SIGHUP: reloading the configuration")
			_ = r.reload(ctx) // logged
		case req := <-requests:
			req <- r.reload(ctx)
		}
	}
}

// Reload reads BATON_CONFIG again and applies it to the running bot, as
// SIGHUP does, and returns why the file was refused, if it was. It fails
// when no bot is running.
func (m *Main) Reload(ctx context.Context) error {
	req := make(reloadRequest, 1)
	select {
	case m.reloads <- req:
	case <-ctx.Done():
		return fmt.Errorf("reload: no running bot took it: %w", ctx.Err())
	}
	select {
	case err := <-req:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
