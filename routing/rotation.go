package routing

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Mode is how a pool hands its leads out.
type Mode string

// The modes a pool can run in. The empty Mode means ModeFirstToClaim, so a
// pool configured before modes existed keeps behaving as it did.
const (
	// ModeFirstToClaim announces the lead to the whole pool; any eligible
	// member may claim at once. The up-next member is only shown, so speed
	// wins over fairness: the prospect is on hold.
	ModeFirstToClaim Mode = "first_to_claim"
	// ModeRoundRobin names the fairest available member "up next" and gives
	// them a short priority window before the pool may claim. An unavailable
	// member is skipped and keeps their place (their count stays low).
	ModeRoundRobin Mode = "round_robin"
	// ModeStrictRoundRobin lets only the next in line claim and never skips
	// anyone: if that member is unavailable the handoff escalates at once.
	ModeStrictRoundRobin Mode = "strict_round_robin"
)

// Defaults for a pool's rotation settings left at their zero value.
const (
	// DefaultPriorityWindow is short because the prospect is holding: the
	// whole claim window is 60 s, and three quarters of it stays open to the pool.
	DefaultPriorityWindow = 15 * time.Second
	// DefaultLapseLimit is how many priority offers in a row a member may let
	// lapse before Baton sets them away: one is a bathroom break, three is
	// someone who left their desk without saying so.
	DefaultLapseLimit = 3
)

// Rotation is how a pool shares its leads among its members: the mode, the
// fairness period, caps, weights and working hours. It is embedded in Pool so
// that its fields read as the pool's own (pool.Mode), and kept in its own type
// so that configuration can build it as one unit. The zero Rotation is a
// first-to-claim pool with equal weights, no caps and no working hours.
type Rotation struct {
	// Mode is empty for ModeFirstToClaim.
	Mode Mode
	// PriorityWindow is how long the up-next member of a round-robin pool
	// may claim alone; zero means DefaultPriorityWindow.
	PriorityWindow time.Duration
	// Reset is when fairness counts start again; empty means ResetMonthly.
	Reset ResetPeriod
	// LapseLimit is how many lapsed priority offers in a row set a member
	// away; zero means DefaultLapseLimit.
	LapseLimit int
	// Location is the pool's time zone: its "today" for daily caps, and the
	// zone of its Hours for members whose own zone is not known (see Zone).
	// Configuration sets the top-level timezone here when the pool names
	// none; nil reads as UTC.
	Location *time.Location
	// PoolZone is set when the pool named its zone itself (pools[].timezone):
	// then Location beats members' Slack profile zones.
	PoolZone bool
	// Hours are when the pool's members work, for members who have no hours
	// of their own. Empty means always.
	Hours WorkingHours
	// Settings holds per-member weights, caps and hours, keyed by Slack user
	// ID (emails and user groups are resolved before the pool is built). A
	// member without an entry has the defaults.
	Settings map[string]MemberSettings
}

// MemberSettings are one member's terms in one pool. Zero values mean "the
// default", so a member needs an entry only for what differs.
type MemberSettings struct {
	// Weight is the member's share relative to the others: 0.5 gets half as
	// many leads as 1 (a new hire). Zero means 1; to give someone no leads,
	// take them out of the pool.
	Weight float64
	// DailyCap is the most leads a member gets per day in their zone; 0 is none.
	DailyCap int
	// OpenCap is the most leads a member may hold open at once; 0 is none.
	OpenCap int
	// Location is the member's time zone as configured; it beats the Slack
	// profile's and the pool's, because someone typed it on purpose.
	Location *time.Location
	// Hours replace the pool's Hours for this member when not empty.
	Hours WorkingHours
}

// ModeOrDefault is the pool's mode, ModeFirstToClaim when none is set.
func (r Rotation) ModeOrDefault() Mode { return cmp.Or(r.Mode, ModeFirstToClaim) }

func (r Rotation) priorityWindow() time.Duration {
	return cmp.Or(r.PriorityWindow, DefaultPriorityWindow)
}

func (r Rotation) lapseLimit() int { return cmp.Or(r.LapseLimit, DefaultLapseLimit) }

// SettingsFor returns user's settings with the defaults filled in: weight 1 and
// the pool's hours when the member has none of their own.
func (r Rotation) SettingsFor(user string) MemberSettings {
	s := r.Settings[user]
	if s.Weight <= 0 {
		// Validate refuses negative weights; this keeps the ranking sound if
		// one gets through anyway.
		s.Weight = 1
	}
	if len(s.Hours) == 0 {
		s.Hours = r.Hours
	}
	return s
}

// Zone is the time zone in which user's working hours are read (and when a
// daily cap lifts for them). A zone configured on purpose wins over what
// Slack reports, as operators put it ("a time zone per pool or member,
// defaulting to the Slack profile's"): first the member's own, in
// member_settings; then the pool's, when the pool names one (a team that
// covers fixed hours in one place); then profile, the zone of the member's
// Slack profile (nil when not known), so that in a pool without a zone a
// rep in London and one in New York each start at their own nine; then the
// top-level timezone (Location when the pool named none); UTC when all are nil.
func (r Rotation) Zone(user string, profile *time.Location) *time.Location {
	pool := r.Location
	if !r.PoolZone {
		pool = nil
	}
	for _, loc := range []*time.Location{r.Settings[user].Location, pool, profile, r.Location} {
		if loc != nil {
			return loc
		}
	}
	return time.UTC
}

// Validate reports every setting that cannot work, each naming its key, so
// that configuration can refuse to start with a message people can act on.
func (r Rotation) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	known := func(key, value string, values ...string) {
		if value != "" && !slices.Contains(values, value) {
			bad(key, "unknown value %q (want %s)", value, strings.Join(values, ", "))
		}
	}
	negative := func(key string, value float64) {
		if value < 0 {
			bad(key, "must not be negative")
		}
	}
	hours := func(key string, h WorkingHours) {
		if err := h.Validate(); err != nil {
			bad(key, "%v", err)
		}
	}
	known("mode", string(r.Mode), string(ModeFirstToClaim), string(ModeRoundRobin), string(ModeStrictRoundRobin))
	known("reset", string(r.Reset), string(ResetMonthly), string(ResetWeekly), string(ResetNever))
	negative("priority_window", float64(r.PriorityWindow))
	negative("lapse_limit", float64(r.LapseLimit))
	hours("hours", r.Hours)
	// Sorted, so the same configuration always gives the same message.
	for _, user := range slices.Sorted(maps.Keys(r.Settings)) {
		s, key := r.Settings[user], "members["+user+"]"
		negative(key+".weight", s.Weight)
		negative(key+".daily_cap", float64(s.DailyCap))
		negative(key+".open_cap", float64(s.OpenCap))
		hours(key+".hours", s.Hours)
	}
	return errors.Join(errs...)
}
