package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
)

// TestCalendarAndHiddenDetailsKeys reads calendar.duration and a pool's
// hide_details_until_claimed, with their defaults.
func TestCalendarAndHiddenDetailsKeys(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte("pools:\n  - {name: a, channel: C1A, members: [U1]}\n"))
	require.NoError(t, err)
	require.Equal(t, routing.DefaultCallLength, cfg.Policy.CalendarLinks.CallLength())
	require.Equal(t, 30*time.Minute, cfg.Policy.CalendarLinks.Duration)
	require.False(t, cfg.Policy.Pools[0].HideDetails, "details are shown unless a pool hides them")

	cfg, err = config.Parse([]byte("pools:\n  - {name: a, channel: C1A, members: [U1], hide_details_until_claimed: true}\n" +
		"  - {name: b, channel: C1B, members: [U2]}\ncalendar:\n  duration: 45m\n"))
	require.NoError(t, err)
	require.Equal(t, 45*time.Minute, cfg.Policy.CalendarLinks.CallLength())
	require.True(t, cfg.Policy.Pools[0].HideDetails)
	require.False(t, cfg.Policy.Pools[1].HideDetails)
}

// TestCalendarBadValuesRefused refuses a calendar key Baton could not use,
// with a sentence naming the key.
func TestCalendarBadValuesRefused(t *testing.T) {
	t.Parallel()
	const pools = "pools:\n  - {name: a, channel: C1A, members: [U1]}\n"
	for _, tt := range []struct{ name, yaml, want string }{
		{"not a duration", "calendar:\n  duration: half an hour\n", "calendar.duration: want a Go duration"},
		{"a bare number", "calendar:\n  duration: 30\n", "calendar.duration: want a Go duration"},
		{"zero", "calendar:\n  duration: 0s\n", "calendar.duration: the length of a scheduled call in whole minutes, from 5m to 8h (e.g. 30m), got 0s"},
		{"negative", "calendar:\n  duration: -30m\n", "calendar.duration: the length of a scheduled call in whole minutes, from 5m to 8h (e.g. 30m), got -30m0s"},
		{"too long", "calendar:\n  duration: 9h\n", "calendar.duration: the length of a scheduled call in whole minutes, from 5m to 8h (e.g. 30m), got 9h0m0s"},
		{"seconds", "calendar:\n  duration: 30m30s\n", "calendar.duration: the length of a scheduled call in whole minutes"},
		{"unknown key", "calendar:\n  length: 30m\n", "calendar.length: unknown key"},
		{"hide not a boolean", "", "pools[0].hide_details_until_claimed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			yaml := pools + tt.yaml
			if tt.yaml == "" {
				yaml = "pools:\n  - {name: a, channel: C1A, members: [U1], hide_details_until_claimed: sometimes}\n"
			}
			_, err := config.Parse([]byte(yaml))
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}
