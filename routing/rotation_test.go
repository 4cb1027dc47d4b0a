package routing_test

import (
	"testing"
	"time"

	"github.com/batonhq/baton/routing"
	"github.com/stretchr/testify/require"
)

func TestRotationValidate(t *testing.T) {
	t.Parallel()
	valid := routing.Rotation{
		Mode: routing.ModeRoundRobin, PriorityWindow: 10 * time.Second, Reset: routing.ResetWeekly, LapseLimit: 2,
		Hours:    routing.WorkingHours{{Days: weekdays, Start: 9 * time.Hour, End: 17 * time.Hour}},
		Settings: map[string]routing.MemberSettings{"U1": {Weight: 0.5, DailyCap: 5, OpenCap: 3}},
	}
	require.NoError(t, valid.Validate())
	require.NoError(t, routing.Rotation{}.Validate(), "the zero rotation is a valid first-to-claim pool")

	tests := []struct {
		name   string
		modify func(*routing.Rotation)
		key    string
	}{
		{"unknown mode", func(r *routing.Rotation) { r.Mode = "lottery" }, "mode: "},
		{"negative window", func(r *routing.Rotation) { r.PriorityWindow = -time.Second }, "priority_window: "},
		{"unknown reset", func(r *routing.Rotation) { r.Reset = "daily" }, "reset: "},
		{"negative lapse limit", func(r *routing.Rotation) { r.LapseLimit = -1 }, "lapse_limit: "},
		{"bad pool hours", func(r *routing.Rotation) { r.Hours[0].Days = nil }, "hours: "},
		{"negative weight", func(r *routing.Rotation) { r.Settings["U2"] = routing.MemberSettings{Weight: -1} }, "members[U2].weight: "},
		{"negative daily cap", func(r *routing.Rotation) { r.Settings["U2"] = routing.MemberSettings{DailyCap: -1} }, "members[U2].daily_cap: "},
		{"negative open cap", func(r *routing.Rotation) { r.Settings["U2"] = routing.MemberSettings{OpenCap: -1} }, "members[U2].open_cap: "},
		{"bad member hours", func(r *routing.Rotation) {
			r.Settings["U2"] = routing.MemberSettings{Hours: routing.WorkingHours{{Days: weekdays, Start: time.Hour, End: time.Hour}}}
		}, "members[U2].hours: "},
	}
	for _, tt := range tests {
		r := valid
		r.Hours = append(routing.WorkingHours(nil), valid.Hours...)
		r.Settings = map[string]routing.MemberSettings{"U1": valid.Settings["U1"]}
		tt.modify(&r)
		err := r.Validate()
		require.Error(t, err, tt.name)
		require.Contains(t, err.Error(), tt.key, tt.name)
	}
}

func TestSettingsFor(t *testing.T) {
	t.Parallel()
	poolHours := routing.WorkingHours{{Days: weekdays, Start: 9 * time.Hour, End: 17 * time.Hour}}
	ownHours := routing.WorkingHours{{Days: weekdays, Start: 7 * time.Hour, End: 15 * time.Hour}}
	r := routing.Rotation{Hours: poolHours, Settings: map[string]routing.MemberSettings{
		"U1": {Weight: 0.5, DailyCap: 4, Hours: ownHours},
		"U2": {OpenCap: 2},
	}}
	require.Equal(t, routing.MemberSettings{Weight: 0.5, DailyCap: 4, Hours: ownHours}, r.SettingsFor("U1"))
	require.Equal(t, routing.MemberSettings{Weight: 1, OpenCap: 2, Hours: poolHours}, r.SettingsFor("U2"))
	require.Equal(t, routing.MemberSettings{Weight: 1, Hours: poolHours}, r.SettingsFor("U3"), "no entry: defaults")
	require.Equal(t, routing.ModeFirstToClaim, r.ModeOrDefault())
}

// TestZone: member_settings timezone > Slack profile tz > pool timezone
// (which configuration defaults to the top-level timezone) > UTC.
func TestZone(t *testing.T) {
	t.Parallel()
	paris, tokyo, nyc := zone(t, "Europe/Paris"), zone(t, "Asia/Tokyo"), zone(t, "America/New_York")
	withPool := routing.Rotation{Location: paris, Settings: map[string]routing.MemberSettings{"U1": {Location: tokyo}, "U3": {Weight: 2}}}
	noPool := routing.Rotation{Settings: map[string]routing.MemberSettings{"U1": {Location: tokyo}}}
	// A pool that names its zone itself (pools[].timezone) pins its hours
	// there: configured beats reported.
	pinned := routing.Rotation{Location: paris, PoolZone: true, Settings: map[string]routing.MemberSettings{"U1": {Location: tokyo}}}
	tests := []struct {
		name    string
		r       routing.Rotation
		user    string
		profile *time.Location
		want    *time.Location
	}{
		{"the member's configured zone beats the profile", withPool, "U1", nyc, tokyo},
		{"the member's configured zone beats the pool's", withPool, "U1", nil, tokyo},
		{"the member's configured zone, no pool zone", noPool, "U1", nyc, tokyo},
		{"the profile beats the top-level zone", withPool, "U2", nyc, nyc},
		{"the profile, with settings but no zone of their own", withPool, "U3", nyc, nyc},
		{"no profile known: the pool's zone", withPool, "U2", nil, paris},
		{"no pool zone: the profile", noPool, "U2", nyc, nyc},
		{"nothing known: UTC", noPool, "U2", nil, time.UTC},
		{"a pool's own zone beats the profile", pinned, "U2", nyc, paris},
		{"the member's zone beats a pool's own", pinned, "U1", nyc, tokyo},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.r.Zone(tt.user, tt.profile), tt.name)
	}
}

// TestZonePrecedenceDecidesHours: the same 09:00-17:00 and the same instant
// (10:00 UTC) give a different answer depending on which zone applies.
func TestZonePrecedenceDecidesHours(t *testing.T) {
	t.Parallel()
	paris, tokyo, nyc := zone(t, "Europe/Paris"), zone(t, "Asia/Tokyo"), zone(t, "America/New_York")
	now := time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC) // a Tuesday: 11:00 Paris, 19:00 Tokyo, 06:00 New York
	office := routing.WorkingHours{{Days: weekdays, Start: 9 * time.Hour, End: 17 * time.Hour}}
	pool := routing.Rotation{Location: paris, Hours: office, Settings: map[string]routing.MemberSettings{"own": {Location: paris}}}
	tests := []struct {
		name      string
		member    routing.MemberState
		available bool
	}{
		{"Tokyo profile: 19:00 there", routing.MemberState{User: "U1", Location: tokyo}, false},
		{"New York profile: 06:00 there", routing.MemberState{User: "U1", Location: nyc}, false},
		{"profile unknown: the pool's Paris, 11:00", routing.MemberState{User: "U1"}, true},
		{"own Paris zone beats a Tokyo profile", routing.MemberState{User: "own", Location: tokyo}, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.available, pool.Availability(tt.member, now).Available(), tt.name)
	}
}

func TestProfileZoneUsers(t *testing.T) {
	t.Parallel()
	paris := zone(t, "Europe/Paris")
	office := routing.WorkingHours{{Days: weekdays, Start: 9 * time.Hour, End: 17 * time.Hour}}
	p := routing.Policy{Pools: []routing.Pool{
		{Name: "always", Members: []string{"U1", "U2"}},
		{Name: "office", Members: []string{"U2", "U3", "U4"}, Rotation: routing.Rotation{Location: paris, Hours: office,
			Settings: map[string]routing.MemberSettings{"U4": {Location: paris}}}},
		{Name: "own hours", Members: []string{"U5", "U6", "U3"}, Rotation: routing.Rotation{
			Settings: map[string]routing.MemberSettings{"U5": {Hours: office}}}},
	}}
	require.Equal(t, []string{"U2", "U3", "U5"}, p.ProfileZoneUsers(),
		"members with hours and no zone of their own, once each; U1 and U6 have no hours, U4 has a zone")
}

func TestRotationSinceReadsThePoolsDay(t *testing.T) {
	t.Parallel()
	tokyo, nyc := zone(t, "Asia/Tokyo"), zone(t, "America/New_York")
	now := time.Date(2026, 3, 24, 20, 0, 0, 0, time.UTC) // 05:00 on the 25th in Tokyo, 16:00 on the 24th in New York
	p := routing.Policy{Location: nyc}
	_, today := p.RotationSince(routing.Pool{Rotation: routing.Rotation{Location: tokyo}}, now)
	require.Equal(t, time.Date(2026, 3, 25, 0, 0, 0, 0, tokyo), today, "the pool's zone")
	_, today = p.RotationSince(routing.Pool{}, now)
	require.Equal(t, time.Date(2026, 3, 24, 0, 0, 0, 0, nyc), today, "else the policy's")
}
