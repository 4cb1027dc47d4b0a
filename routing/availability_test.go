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

func TestParseAvailability(t *testing.T) {
	t.Parallel()
	paris := zone(t, "Europe/Paris")
	now := time.Date(2026, 3, 28, 15, 20, 0, 0, paris) // the Saturday before DST
	today := func(hour, minute int) time.Time { return time.Date(2026, 3, 28, hour, minute, 0, 0, paris) }
	tests := []struct {
		text  string
		away  bool
		until time.Time
	}{
		{"away", true, now.Add(routing.DefaultAway)},
		{"  Away  ", true, now.Add(time.Hour)},
		{"away 30m", true, now.Add(30 * time.Minute)},
		{"away 2h", true, now.Add(2 * time.Hour)},
		{"away 1h30m", true, now.Add(90 * time.Minute)},
		{"away 45 min", true, now.Add(45 * time.Minute)},
		{"away 2 hours", true, now.Add(2 * time.Hour)},
		{"away 3d", true, now.Add(72 * time.Hour)},
		{"away 30 days", true, now.Add(routing.MaxAway)},
		{"away until 17:00", true, today(17, 0)},
		{"away until 5pm", true, today(17, 0)},
		{"away until 5:30 pm", true, today(17, 30)},
		// Already past today: tomorrow, which is the spring-forward Sunday;
		// 09:00 is still 09:00 on the wall clock.
		{"away until 9:00", true, time.Date(2026, 3, 29, 9, 0, 0, 0, paris)},
		{"away until 15:20", true, time.Date(2026, 3, 29, 15, 20, 0, 0, paris)},
		{"away until 24:00", true, time.Date(2026, 3, 29, 0, 0, 0, 0, paris)},
		{"back", false, time.Time{}},
		{"available", false, time.Time{}},
	}
	for _, tt := range tests {
		change, ok, err := routing.ParseAvailability(tt.text, now, paris)
		require.True(t, ok, tt.text)
		require.NoError(t, err, tt.text)
		require.Equal(t, tt.away, change.Away, tt.text)
		require.True(t, tt.until.Equal(change.Until), "%q: until %s, want %s", tt.text, change.Until, tt.until)
	}

	refused := []string{
		"away 31d", "away 50000 minutes", "away 0m", "away -5m", "away soon",
		"away 30", // minutes or hours? Refused, not guessed
		"away until", "away until teatime", "away until 25:00",
	}
	for _, text := range refused {
		_, ok, err := routing.ParseAvailability(text, now, paris)
		require.True(t, ok, text)
		require.Error(t, err, text)
	}

	// Anything else is a company name to prefill the modal with.
	for _, text := range []string{"Acme Corp", "", "awayday ltd", "Back Market", "available solutions inc"} {
		_, ok, err := routing.ParseAvailability(text, now, paris)
		require.False(t, ok, text)
		require.NoError(t, err, text)
	}
}
