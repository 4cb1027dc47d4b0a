package routing_test

import (
	"testing"
	"time"

	"github.com/batonhq/baton/routing"
	"github.com/stretchr/testify/require"
)

func TestAvailability(t *testing.T) {
	t.Parallel()
	paris, tokyo := zone(t, "Europe/Paris"), zone(t, "Asia/Tokyo")
	// Monday 2026-03-23, 10:00 in Paris, 18:00 in Tokyo.
	now := time.Date(2026, 3, 23, 10, 0, 0, 0, paris)
	office := routing.WorkingHours{{Days: weekdays, Start: 9 * time.Hour, End: 17 * time.Hour}}
	rotation := routing.Rotation{
		Location: paris,
		Hours:    office,
		Settings: map[string]routing.MemberSettings{
			"capped": {DailyCap: 3, OpenCap: 2},
			"tokyo":  {Location: tokyo},
			"early":  {Hours: routing.WorkingHours{{Days: weekdays, Start: 6 * time.Hour, End: 9*time.Hour + 30*time.Minute}}},
		},
	}
	tests := []struct {
		name  string
		r     routing.Rotation
		m     routing.MemberState
		want  routing.Reason
		until time.Time
	}{
		{"nothing in the way", rotation, routing.MemberState{User: "U1"}, "", time.Time{}},
		{"away", rotation, routing.MemberState{User: "U1", AwayUntil: now.Add(30 * time.Minute)}, routing.ReasonAway, now.Add(30 * time.Minute)},
		{"away has run out", rotation, routing.MemberState{User: "U1", AwayUntil: now}, "", time.Time{}},
		{"lapsed offers at the default limit", rotation, routing.MemberState{User: "U1", LapsedOffers: 3}, routing.ReasonLapsedOffers, time.Time{}},
		{"lapsed offers under the limit", rotation, routing.MemberState{User: "U1", LapsedOffers: 2}, "", time.Time{}},
		{"lapsed offers at a configured limit", routing.Rotation{LapseLimit: 1}, routing.MemberState{User: "U1", LapsedOffers: 1}, routing.ReasonLapsedOffers, time.Time{}},
		{"away is reported before lapses", rotation, routing.MemberState{User: "U1", LapsedOffers: 5, AwayUntil: now.Add(time.Hour)}, routing.ReasonAway, now.Add(time.Hour)},
		// Tokyo's member has the pool's hours, read in Tokyo: 18:00 there,
		// so they are back on Tuesday at 09:00 Tokyo time.
		{"outside hours in the member's zone", rotation, routing.MemberState{User: "tokyo"}, routing.ReasonOutsideHours, time.Date(2026, 3, 24, 9, 0, 0, 0, tokyo)},
		{"outside the member's own hours", rotation, routing.MemberState{User: "early"}, routing.ReasonOutsideHours, time.Date(2026, 3, 24, 6, 0, 0, 0, paris)},
		{"profile zone is used when nothing is configured", routing.Rotation{Hours: office}, routing.MemberState{User: "U1", Location: tokyo}, routing.ReasonOutsideHours, time.Date(2026, 3, 24, 9, 0, 0, 0, tokyo)},
		{"daily cap reached", rotation, routing.MemberState{User: "capped", Today: 3}, routing.ReasonDailyCap, time.Date(2026, 3, 24, 0, 0, 0, 0, paris)},
		{"daily cap not reached", rotation, routing.MemberState{User: "capped", Today: 2, Open: 1}, "", time.Time{}},
		{"open cap reached", rotation, routing.MemberState{User: "capped", Open: 2}, routing.ReasonOpenCap, time.Time{}},
		{"no caps configured", rotation, routing.MemberState{User: "U1", Today: 100, Open: 100}, "", time.Time{}},
		{"hours are reported before caps", rotation, routing.MemberState{User: "tokyo", Today: 100}, routing.ReasonOutsideHours, time.Date(2026, 3, 24, 9, 0, 0, 0, tokyo)},
	}
	for _, tt := range tests {
		got := tt.r.Availability(tt.m, now)
		require.Equal(t, tt.want, got.Reason, tt.name)
		require.Equal(t, tt.want == "", got.Available(), tt.name)
		require.True(t, tt.until.Equal(got.Until), "%s: until %s, want %s", tt.name, got.Until, tt.until)
	}
}

func TestRecordLapse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit, before, after int
		setAway              bool
	}{
		{0, 0, 1, false},
		{0, 1, 2, false},
		{0, 2, 3, true}, // the default limit is 3
		{0, 3, 4, false},
		{1, 0, 1, true},
		{5, 3, 4, false},
	}
	for _, tt := range tests {
		after, setAway := routing.Rotation{LapseLimit: tt.limit}.RecordLapse(tt.before)
		require.Equal(t, tt.after, after, "%+v", tt)
		require.Equal(t, tt.setAway, setAway, "%+v", tt)
	}
}

func TestParseAvailability(t *testing.T) {
	t.Parallel()
	paris := zone(t, "Europe/Paris")
	now := time.Date(2026, 3, 28, 15, 20, 0, 0, paris) // the Saturday before DST
	today := func(hour, minute int) time.Time { return time.Date(2026, 3, 28, hour, minute, 0, 0, paris) }
	tests := []struct {
		text  string
		ok    bool // an availability command at all
		away  bool
		until time.Time
		err   bool
	}{
		{"away", true, true, now.Add(routing.DefaultAway), false},
		{"  Away  ", true, true, now.Add(time.Hour), false},
		{"away 30m", true, true, now.Add(30 * time.Minute), false},
		{"away 2h", true, true, now.Add(2 * time.Hour), false},
		{"away 1h30m", true, true, now.Add(90 * time.Minute), false},
		{"away 45 min", true, true, now.Add(45 * time.Minute), false},
		{"away 2 hours", true, true, now.Add(2 * time.Hour), false},
		{"away 3d", true, true, now.Add(72 * time.Hour), false},
		{"away 30 days", true, true, now.Add(routing.MaxAway), false},
		{"away until 17:00", true, true, today(17, 0), false},
		{"away until 5pm", true, true, today(17, 0), false},
		{"away until 5:30 pm", true, true, today(17, 30), false},
		// Already past today: tomorrow, which is the spring-forward Sunday;
		// 09:00 is still 09:00 on the wall clock.
		{"away until 9:00", true, true, time.Date(2026, 3, 29, 9, 0, 0, 0, paris), false},
		{"away until 15:20", true, true, time.Date(2026, 3, 29, 15, 20, 0, 0, paris), false},
		{"away until 24:00", true, true, time.Date(2026, 3, 29, 0, 0, 0, 0, paris), false},
		{"back", true, false, time.Time{}, false},
		{"available", true, false, time.Time{}, false},
		{"back tomorrow", true, false, time.Time{}, true},
		{"away 31d", true, true, time.Time{}, true},
		{"away 50000 minutes", true, true, time.Time{}, true},
		{"away 0m", true, true, time.Time{}, true},
		{"away -5m", true, true, time.Time{}, true},
		{"away soon", true, true, time.Time{}, true},
		{"away 30", true, true, time.Time{}, true}, // minutes or hours? Refused, not guessed
		{"away until", true, true, time.Time{}, true},
		{"away until teatime", true, true, time.Time{}, true},
		{"away until 25:00", true, true, time.Time{}, true},
		{"Acme Corp", false, false, time.Time{}, false},
		{"", false, false, time.Time{}, false},
		{"awayday ltd", false, false, time.Time{}, false},
	}
	for _, tt := range tests {
		change, ok, err := routing.ParseAvailability(tt.text, now, paris)
		require.Equal(t, tt.ok, ok, tt.text)
		if tt.err {
			require.Error(t, err, tt.text)
			continue
		}
		require.NoError(t, err, tt.text)
		require.Equal(t, tt.away, change.Away, tt.text)
		require.True(t, tt.until.Equal(change.Until), "%q: until %s, want %s", tt.text, change.Until, tt.until)
	}
}
