package main

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/routing"
)

// resolvePolicy turns the members of every pool (user IDs, emails, user
// groups as written in baton.yaml) into user IDs, and keys member settings
// by user ID too. A member who does not resolve is logged and left out: one
// typo must not keep the rest of the pool from getting leads.
func resolvePolicy(ctx context.Context, dir *directory.Directory, p routing.Policy, log zerolog.Logger) routing.Policy {
	out := p
	out.Pools = make([]routing.Pool, len(p.Pools))
	for i, pool := range p.Pools {
		entries := parseEntries(pool.Members)
		ids, problems := dir.Resolve(ctx, entries)
		for _, err := range problems {
			log.Error().Err(err).Str("pool", pool.Name).Msg("pool member not resolved; left out until it resolves")
		}
		resolved := pool
		resolved.Members = ids
		resolved.Settings = resolveSettings(ctx, dir, pool.Settings)
		out.Pools[i] = resolved
	}
	return out
}

// resolveSettings keys settings by user ID. A person's own settings (by ID
// or email) win over those of a group they belong to, which carry only the
// pool's caps.
func resolveSettings(ctx context.Context, dir *directory.Directory, in map[string]routing.MemberSettings) map[string]routing.MemberSettings {
	out := make(map[string]routing.MemberSettings, len(in))
	var groups []string
	for _, key := range slices.Sorted(maps.Keys(in)) {
		e, err := directory.ParseEntry(key)
		if err != nil {
			continue
		}
		if e.Kind == directory.Group {
			groups = append(groups, key)
			continue
		}
		if ids, _ := dir.Resolve(ctx, []directory.Entry{e}); len(ids) == 1 {
			out[ids[0]] = in[key]
		}
	}
	for _, key := range groups {
		e, _ := directory.ParseEntry(key)
		ids, _ := dir.Resolve(ctx, []directory.Entry{e})
		for _, id := range ids {
			if _, own := out[id]; !own {
				out[id] = in[key]
			}
		}
	}
	return out
}

func parseEntries(members []string) []directory.Entry {
	entries := make([]directory.Entry, 0, len(members))
	for _, m := range members {
		if e, err := directory.ParseEntry(m); err == nil { // validated at load
			entries = append(entries, e)
		}
	}
	return entries
}

// refreshMembers re-reads user groups every interval and gives the bot the
// policy with the new memberships, until ctx ends. A failed refresh keeps
// the last good members (the directory's promise).
func refreshMembers(ctx context.Context, dir *directory.Directory, b *bot.Bot, p routing.Policy, every time.Duration, log zerolog.Logger) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if err := dir.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("user group refresh failed; keeping the last good members")
		}
		b.SetPolicy(resolvePolicy(ctx, dir, p, log))
	}
}
