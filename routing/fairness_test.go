package routing_test

import (
	"testing"
	"time"

	"github.com/batonhq/baton/routing"
	"github.com/stretchr/testify/require"
)

func TestPeriodStart(t *testing.T) {
	t.Parallel()
	paris := zone(t, "Europe/Paris")
	nyc := zone(t, "America/New_York")
	in := func(loc *time.Location, month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, loc)
	}
	tests := []struct {
		name   string
		period routing.ResetPeriod
		now    time.Time
		loc    *time.Location
		want   time.Time
	}{
		{"monthly is the default", "", in(paris, 5, 17, 10, 0), paris, in(paris, 5, 1, 0, 0)},
		{"monthly, last minute of the month", routing.ResetMonthly, in(paris, 3, 31, 23, 59), paris, in(paris, 3, 1, 0, 0)},
		{"monthly, first minute of the month", routing.ResetMonthly, in(paris, 4, 1, 0, 0), paris, in(paris, 4, 1, 0, 0)},
		// 22:30 UTC on 31 March is 00:30 on 1 April in Paris (CEST, +2):
		// the period is the policy zone's month, not UTC's.
		{"monthly, UTC still in the old month", routing.ResetMonthly, time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC), paris, in(paris, 4, 1, 0, 0)},
		{"monthly across the year", routing.ResetMonthly, in(nyc, 1, 1, 0, 5), nyc, time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)},
		// The month in which DST started: the period began at +01:00.
		{"monthly, start before DST", routing.ResetMonthly, in(paris, 3, 30, 12, 0), paris, time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)},
		{"weekly, Monday itself", routing.ResetWeekly, in(paris, 3, 23, 0, 0), paris, in(paris, 3, 23, 0, 0)},
		{"weekly, Sunday night belongs to the week before", routing.ResetWeekly, in(paris, 3, 22, 23, 59), paris, in(paris, 3, 16, 0, 0)},
		// 2026-03-29 is the Sunday Paris springs forward: the week began on
		// Monday at 00:00 +01:00, which is 23:00 UTC on Sunday.
		{"weekly across spring forward", routing.ResetWeekly, in(paris, 3, 29, 12, 0), paris, time.Date(2026, 3, 22, 23, 0, 0, 0, time.UTC)},
		{"weekly, Monday after spring forward", routing.ResetWeekly, in(paris, 3, 30, 0, 30), paris, time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC)},
		// New York falls back on Sunday 2026-11-01; the week began at -04:00.
		{"weekly across fall back", routing.ResetWeekly, in(nyc, 11, 1, 23, 0), nyc, time.Date(2026, 10, 26, 4, 0, 0, 0, time.UTC)},
		{"weekly across a month", routing.ResetWeekly, in(nyc, 12, 2, 9, 0), nyc, in(nyc, 11, 30, 0, 0)},
		{"weekly across a year", routing.ResetWeekly, in(nyc, 1, 2, 9, 0), nyc, time.Date(2025, 12, 29, 0, 0, 0, 0, nyc)},
		{"never counts everything", routing.ResetNever, in(paris, 3, 29, 12, 0), paris, time.Time{}},
		{"nil location is UTC", routing.ResetMonthly, in(paris, 4, 1, 0, 30), nil, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := routing.PeriodStart(tt.period, tt.now, tt.loc)
		require.True(t, tt.want.Equal(got), "%s: got %s, want %s", tt.name, got, tt.want)
		require.False(t, got.After(tt.now), tt.name)
	}
}
