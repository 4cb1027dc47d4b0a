package launcher

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/routing"
)

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
