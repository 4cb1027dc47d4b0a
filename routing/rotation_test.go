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

func TestZone(t *testing.T) {
	t.Parallel()
	paris, tokyo, nyc := zone(t, "Europe/Paris"), zone(t, "Asia/Tokyo"), zone(t, "America/New_York")
	withPool := routing.Rotation{Location: paris, Settings: map[string]routing.MemberSettings{"U1": {Location: tokyo}}}
	noPool := routing.Rotation{}
	require.Equal(t, tokyo, withPool.Zone("U1", nyc), "the member's configured zone beats all")
	require.Equal(t, paris, withPool.Zone("U2", nyc), "a pool that names a zone beats the profile")
	require.Equal(t, nyc, noPool.Zone("U2", nyc), "otherwise the Slack profile's zone")
	require.Equal(t, time.UTC, noPool.Zone("U2", nil), "nothing known: UTC")
}
