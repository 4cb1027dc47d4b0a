package routing_test

import (
	"testing"
	"time"
	// Zones come with the test binary, so results do not depend on the
	// machine's zoneinfo.
	_ "time/tzdata"

	"github.com/batonhq/baton/routing"
	"github.com/stretchr/testify/require"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

func TestParseHoursRange(t *testing.T) {
	t.Parallel()
	h := time.Hour
	tests := []struct {
		in   string
		want routing.HoursRange
		ok   bool
	}{
		{"mon-fri 09:00-17:30", routing.HoursRange{Days: weekdays, Start: 9 * h, End: 17*h + 30*time.Minute}, true},
		{"Monday-Friday 9am-5pm", routing.HoursRange{Days: weekdays, Start: 9 * h, End: 17 * h}, true},
		{"sat 10:00-14:00", routing.HoursRange{Days: []time.Weekday{time.Saturday}, Start: 10 * h, End: 14 * h}, true},
		{"mon,wed, fri 8-12", routing.HoursRange{Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday}, Start: 8 * h, End: 12 * h}, true},
		{"fri-mon 00:00-24:00", routing.HoursRange{Days: []time.Weekday{time.Friday, time.Saturday, time.Sunday, time.Monday}, Start: 0, End: 24 * h}, true},
		{"sun-thu 22:00-06:00", routing.HoursRange{Days: []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}, Start: 22 * h, End: 6 * h}, true},
		{"mon 12am-12pm", routing.HoursRange{Days: []time.Weekday{time.Monday}, Start: 0, End: 12 * h}, true},
		{"09:00-17:00", routing.HoursRange{}, false},          // no days
		{"weekdays 09:00-17:00", routing.HoursRange{}, false}, // not a day
		// Read literally: a night shift from 09:00 to 05:00 the next day.
		// Guessing "pm" would be wrong for real night shifts.
		{"mon-fri 9-5", routing.HoursRange{Days: weekdays, Start: 9 * h, End: 5 * h}, true},
		{"mon-fri 09:00-09:00", routing.HoursRange{}, false},
		{"mon-fri 09:00", routing.HoursRange{}, false},
		{"mon-fri 25:00-26:00", routing.HoursRange{}, false},
		{"mon-fri 09:60-17:00", routing.HoursRange{}, false},
		{"mon-fri 13pm-14:00", routing.HoursRange{}, false},
		{"mon-fri 24:00-08:00", routing.HoursRange{}, false}, // a stretch cannot start at 24:00
	}
	for _, tt := range tests {
		got, err := routing.ParseHoursRange(tt.in)
		if !tt.ok {
			require.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
	}
}

func TestWorkingHoursContains(t *testing.T) {
	t.Parallel()
	paris := zone(t, "Europe/Paris")
	office := routing.WorkingHours{{Days: weekdays, Start: 9 * time.Hour, End: 17 * time.Hour}}
	night := routing.WorkingHours{{Days: []time.Weekday{time.Friday}, Start: 22 * time.Hour, End: 6 * time.Hour}}
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, paris)
	}
	tests := []struct {
		name  string
		hours routing.WorkingHours
		t     time.Time
		want  bool
	}{
		{"no hours means always", nil, at(3, 29, 3, 0), true},
		{"monday morning", office, at(3, 23, 9, 0), true},
		{"end is exclusive", office, at(3, 23, 17, 0), false},
		{"just before start", office, at(3, 23, 8, 59), false},
		{"saturday", office, at(3, 28, 12, 0), false},
		// 2026-03-29 is the spring-forward Sunday; the Monday after, 09:00
		// is still 09:00 on the wall clock, an hour earlier in UTC.
		{"wall clock after DST", office, at(3, 30, 9, 0), true},
		{"wall clock after DST, UTC 08:00 is 10:00", office, time.Date(2026, 3, 30, 7, 59, 0, 0, time.UTC), true},
		{"wall clock after DST, UTC 06:59 is 08:59", office, time.Date(2026, 3, 30, 6, 59, 0, 0, time.UTC), false},
		{"night shift evening", night, at(3, 27, 23, 0), true},
		{"night shift past midnight", night, at(3, 28, 5, 59), true},
		{"night shift over", night, at(3, 28, 6, 0), false},
		{"night shift starts friday only", night, at(3, 26, 23, 0), false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.hours.Contains(tt.t.In(paris)), tt.name)
	}
}

func TestDayStart(t *testing.T) {
	t.Parallel()
	paris := zone(t, "Europe/Paris")
	santiago := zone(t, "America/Santiago")
	tests := []struct {
		name string
		now  time.Time
		loc  *time.Location
		want time.Time
	}{
		{"late evening", time.Date(2026, 3, 29, 23, 30, 0, 0, paris), paris, time.Date(2026, 3, 29, 0, 0, 0, 0, paris)},
		{"a UTC instant read in Paris is already tomorrow", time.Date(2026, 6, 1, 22, 30, 0, 0, time.UTC), paris, time.Date(2026, 6, 2, 0, 0, 0, 0, paris)},
		{"nil location is UTC", time.Date(2026, 6, 1, 22, 30, 0, 0, paris), nil, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)},
		// Chile skips midnight on 2026-09-06: the clocks go from 23:59:59 to
		// 01:00, so the day starts at 01:00 -03, not at 23:00 the day before.
		{"midnight skipped by DST", time.Date(2026, 9, 6, 12, 0, 0, 0, santiago), santiago, time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := routing.DayStart(tt.now, tt.loc)
		require.True(t, tt.want.Equal(got), "%s: got %s, want %s", tt.name, got, tt.want)
	}
}
