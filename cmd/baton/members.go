package main

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/rs/zerolog"

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

// refresher keeps what Baton knows of people in Slack up to date: the
// members of user groups (dir, nil when every member is a user ID or an
// email) and the members' profile time zones (zones, nil when no pool has
// working hours).
type refresher struct {
	dir   *directory.Directory
	zones *directory.Zones
	// reloader holds the configured policy (the latest reload's), before
	// members are resolved, and gives the bot the resolved one.
	reloader *reloader
	every    time.Duration
	log      zerolog.Logger
}

// run reads the members' time zones at once, closing zonesRead when done,
// then every interval re-reads user groups, gives the bot the policy with
// the new memberships, and reads the time zones of whoever is a member now,
// until ctx ends. A failed refresh keeps the last good members and zones
// (the directory's promise).
func (r refresher) run(ctx context.Context, resolved routing.Policy, zonesRead chan<- struct{}) {
	r.readZones(ctx, resolved)
	close(zonesRead)
	ticker := time.NewTicker(r.every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if r.dir != nil {
			if err := r.dir.Refresh(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn().Err(err).Msg("user group refresh failed; keeping the last good members")
			}
			resolved = r.reloader.refreshMembers(ctx, r.dir)
		} else {
			resolved = r.reloader.policy() // a reload may have changed the pools
		}
		r.readZones(ctx, resolved)
	}
}

// readZones reads the profile time zones of the members p's decisions
// can use them for.
func (r refresher) readZones(ctx context.Context, p routing.Policy) {
	if r.zones == nil {
		return
	}
	err := r.zones.Refresh(ctx, p.ProfileZoneUsers())
	// A missing scope was logged once by Zones, not to be repeated each time.
	if err != nil && ctx.Err() == nil && !errors.Is(err, directory.ErrMissingScope) {
		r.log.Warn().Err(err).Msg("reading Slack profile time zones failed for some members; keeping their last known zones")
	}
}
