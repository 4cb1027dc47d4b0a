package routing

import (
	"testing"
	"time"
	// Zones come with the test binary, so results do not depend on the
	// machine's zoneinfo.
	_ "time/tzdata"

	"github.com/stretchr/testify/require"
)

// loadZone loads a time zone or fails the test.
func loadZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// requireSameInstant compares instants, whatever their locations, and says
// both in UTC and in got's zone when they differ.
func requireSameInstant(t *testing.T, want, got time.Time, msgAndArgs ...any) {
	t.Helper()
	if !want.Equal(got) {
		require.Fail(t, "instants differ: want "+want.UTC().Format(time.RFC3339)+" ("+want.Format("Mon 15:04 MST")+
			"), got "+got.UTC().Format(time.RFC3339)+" ("+got.Format("Mon 15:04 MST")+")", msgAndArgs...)
	}
}

var workWeek = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// TestWorkingHoursAdd pins the business-hours arithmetic: where d of working
// time after t ends, in New York, across weekends, DST changes in both
// directions, night shifts and overlapping stretches.
func TestWorkingHoursAdd(t *testing.T) {
	t.Parallel()
	ny := loadZone(t, "America/New_York")
	h, m := time.Hour, time.Minute
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, ny)
	}
	office := WorkingHours{{Days: workWeek, Start: 9 * h, End: 17 * h}}
	// Night shift Sunday to Thursday nights, each ending the next morning.
	nights := WorkingHours{{Days: []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}, Start: 22 * h, End: 6 * h}}
	saturdayNight := WorkingHours{{Days: []time.Weekday{time.Saturday}, Start: 22 * h, End: 6 * h}}
	overlapping := WorkingHours{
		{Days: []time.Weekday{time.Monday}, Start: 9 * h, End: 17 * h},
		{Days: []time.Weekday{time.Monday}, Start: 12 * h, End: 20 * h},
		{Days: []time.Weekday{time.Monday}, Start: 10 * h, End: 11 * h}, // inside the first
	}
	allWeek := WorkingHours{{Days: []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}, Start: 0, End: 24 * h}}
	lateFriday := WorkingHours{{Days: []time.Weekday{time.Friday}, Start: 20 * h, End: 24 * h}}

	// 2026-03-02 is a Monday; DST starts in New York on Sunday 2026-03-08
	// and ends on Sunday 2026-11-01.
	tests := []struct {
		name  string
		hours WorkingHours
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within the day", office, at(3, 2, 10, 0), 2 * h, at(3, 2, 12, 0)},
		{"zero duration is the start", office, at(3, 2, 10, 0), 0, at(3, 2, 10, 0)},
		{"zero duration outside hours is the start", office, at(3, 7, 10, 0), 0, at(3, 7, 10, 0)},
		{"exactly to the end of the day", office, at(3, 2, 10, 0), 7 * h, at(3, 2, 17, 0)},
		{"a minute past the end of the day", office, at(3, 2, 10, 0), 7*h + m, at(3, 3, 9, 1)},
		{"before the day starts", office, at(3, 2, 7, 0), h, at(3, 2, 10, 0)},
		{"at the end of the day", office, at(3, 2, 17, 0), h, at(3, 3, 10, 0)},
		{"late evening", office, at(3, 2, 23, 30), 30 * m, at(3, 3, 9, 30)},
		{"friday afternoon over the weekend", office, at(3, 6, 16, 0), 2 * h, at(3, 9, 10, 0)},
		{"starting on saturday", office, at(3, 7, 12, 0), h, at(3, 9, 10, 0)},
		{"starting on sunday night", office, at(3, 8, 23, 0), 30 * m, at(3, 9, 9, 30)},
		{"a whole week", office, at(3, 9, 9, 0), 40 * h, at(3, 13, 17, 0)},
		{"a whole week and an hour", office, at(3, 9, 9, 0), 41 * h, at(3, 16, 10, 0)},
		{"several weeks, past the first stretch of spans", office, at(3, 9, 9, 0), 5 * 40 * h, at(4, 10, 17, 0)},
		// 48 working hours from Friday 16:00 EST: 1 h on Friday, 8 h a day
		// Monday to Friday (41 h), 7 h on the Monday after: 16:00 EDT, the
		// wall clock whatever DST did in between.
		{"48h from friday 16:00 across spring forward", office, at(3, 6, 16, 0), 48 * h, at(3, 16, 16, 0)},
		{"24h from friday 16:00 across spring forward", office, at(3, 6, 16, 0), 24 * h, at(3, 11, 16, 0)},
		{"friday to monday across fall back", office, at(10, 30, 16, 0), 2 * h, at(11, 2, 10, 0)},
		{"night shift, same night", nights, at(3, 1, 23, 0), 2 * h, at(3, 2, 1, 0)},
		{"night shift, to the next night", nights, at(3, 2, 5, 0), 2 * h, at(3, 2, 23, 0)},
		{"night shift begun yesterday", nights, at(3, 6, 3, 0), h, at(3, 6, 4, 0)},
		{"night shift over the weekend", nights, at(3, 6, 7, 0), h, at(3, 8, 23, 0)},
		{"night shift end is exclusive", nights, at(3, 6, 5, 0), h, at(3, 6, 6, 0)},
		// Saturday 22:00 EST to Sunday 06:00 EDT is 7 real hours.
		{"night with spring forward inside", saturdayNight, at(3, 7, 22, 0), 7 * h, at(3, 8, 6, 0)},
		{"night with spring forward inside, an hour more", saturdayNight, at(3, 7, 22, 0), 8 * h, at(3, 14, 23, 0)},
		// Saturday 22:00 EDT to Sunday 06:00 EST is 9 real hours.
		{"night with fall back inside", saturdayNight, at(10, 31, 22, 0), 8 * h, at(11, 1, 5, 0)},
		{"night with fall back inside, all of it", saturdayNight, at(10, 31, 22, 0), 9 * h, at(11, 1, 6, 0)},
		{"overlapping stretches count once", overlapping, at(3, 2, 9, 0), 10 * h, at(3, 2, 19, 0)},
		{"overlapping stretches, to the end", overlapping, at(3, 2, 9, 0), 11 * h, at(3, 2, 20, 0)},
		{"overlapping stretches, to the next week", overlapping, at(3, 2, 9, 0), 12 * h, at(3, 9, 10, 0)},
		{"starting inside the later overlap", overlapping, at(3, 2, 18, 0), h, at(3, 2, 19, 0)},
		{"every hour counts real time across DST", allWeek, at(3, 7, 12, 0), 48 * h, at(3, 7, 12, 0).Add(48 * h)},
		{"a stretch that ends at midnight", lateFriday, at(3, 6, 23, 0), 2 * h, at(3, 13, 21, 0)},
		{"exactly to midnight", lateFriday, at(3, 6, 23, 0), h, at(3, 7, 0, 0)},
		{"no hours at all counts every hour", nil, at(3, 7, 12, 0), 5 * h, at(3, 7, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.hours.add(tt.start, tt.d)
			requireSameInstant(t, tt.want, got)
			require.Equal(t, ny, got.Location(), "the answer is read in the start's zone")
		})
	}
}

// TestWorkingHoursAddConsistentWithContains: d of working time after t, as
// add counts it, is exactly the working time Contains sees quarter hour by
// quarter hour (every boundary here is on a quarter hour), and the last
// quarter hour before the answer is working time.
func TestWorkingHoursAddConsistentWithContains(t *testing.T) {
	t.Parallel()
	ny := loadZone(t, "America/New_York")
	hours := []WorkingHours{
		{{Days: workWeek, Start: 9 * time.Hour, End: 17 * time.Hour}},
		{{Days: []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}, Start: 22 * time.Hour, End: 6 * time.Hour}},
		{
			{Days: []time.Weekday{time.Monday, time.Wednesday}, Start: 8 * time.Hour, End: 12 * time.Hour},
			{Days: []time.Weekday{time.Wednesday, time.Saturday}, Start: 11 * time.Hour, End: 15*time.Hour + 30*time.Minute},
		},
	}
	// Starts around both DST changes, on the quarter hour.
	starts := []time.Time{
		time.Date(2026, 3, 5, 8, 15, 0, 0, ny),
		time.Date(2026, 3, 7, 23, 45, 0, 0, ny),
		time.Date(2026, 10, 29, 16, 30, 0, 0, ny),
		time.Date(2026, 10, 31, 21, 0, 0, 0, ny),
	}
	const quarter = 15 * time.Minute
	for hi, w := range hours {
		for _, start := range starts {
			for _, d := range []time.Duration{15 * time.Minute, 3 * time.Hour, 8 * time.Hour, 17*time.Hour + 45*time.Minute, 30 * time.Hour} {
				end := w.add(start, d)
				var counted time.Duration
				for at := start; at.Before(end); at = at.Add(quarter) {
					if w.Contains(at) {
						counted += quarter
					}
				}
				require.Equal(t, d, counted, "hours %d from %s plus %s ends %s", hi, start, d, end)
				require.True(t, w.Contains(end.Add(-quarter)), "hours %d from %s plus %s: the last quarter hour counted is working time", hi, start, d)
			}
		}
	}
}
