package directory

import (
	"context"
	"maps"
	"slices"

	"github.com/batonhq/baton/routing"
)

// ResolvePolicy returns p with the members of every pool (user IDs, emails,
// user groups as written in baton.yaml) turned into user IDs, and member
// settings keyed by user ID too. A member who does not resolve is logged
// and left out: one typo must not keep the rest of the pool from getting
// leads.
func (d *Directory) ResolvePolicy(ctx context.Context, p routing.Policy) routing.Policy {
	out := p
	out.Pools = make([]routing.Pool, len(p.Pools))
	for i, pool := range p.Pools {
		entries := parseEntries(pool.Members)
		ids, problems := d.Resolve(ctx, entries)
		for _, err := range problems {
			d.log.Error().Err(err).Str("pool", pool.Name).Msg("pool member not resolved; left out until it resolves")
		}
		resolved := pool
		resolved.Members = ids
		resolved.Settings = d.resolveSettings(ctx, pool.Settings)
		out.Pools[i] = resolved
	}
	return out
}

// resolveSettings keys settings by user ID. A person's own settings (by ID
// or email) win over those of a group they belong to, which carry only the
// pool's caps.
func (d *Directory) resolveSettings(ctx context.Context, in map[string]routing.MemberSettings) map[string]routing.MemberSettings {
	out := make(map[string]routing.MemberSettings, len(in))
	var groups []string
	for _, key := range slices.Sorted(maps.Keys(in)) {
		e, err := ParseEntry(key)
		if err != nil {
			continue
		}
		if e.Kind == Group {
			groups = append(groups, key)
			continue
		}
		if ids, _ := d.Resolve(ctx, []Entry{e}); len(ids) == 1 {
			out[ids[0]] = in[key]
		}
	}
	for _, key := range groups {
		e, _ := ParseEntry(key)
		ids, _ := d.Resolve(ctx, []Entry{e})
		for _, id := range ids {
			if _, own := out[id]; !own {
				out[id] = in[key]
			}
		}
	}
	return out
}

// parseEntries parses a pool's members, validated when the file loaded.
func parseEntries(members []string) []Entry {
	entries := make([]Entry, 0, len(members))
	for _, m := range members {
		if e, err := ParseEntry(m); err == nil { // validated at load
			entries = append(entries, e)
		}
	}
	return entries
}
