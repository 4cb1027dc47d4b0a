package routing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HoursRange is one stretch of working time on some weekdays, in the wall
// clock of the zone it is read in, so 09:00 stays 09:00 across DST changes.
type HoursRange struct {
	// Days are the weekdays the stretch starts on.
	Days []time.Weekday
	// Start and End are times of day as durations since midnight (9*time.Hour
	// is 09:00; End may be 24*time.Hour). An End before Start runs past
	// midnight into the next day, for night shifts (22:00-06:00).
	Start, End time.Duration
}

// WorkingHours are the stretches someone works in a week. Empty means
// always: a pool that never mentions hours never has anyone "off".
type WorkingHours []HoursRange

// Validate reports the first range that cannot be read one way only.
func (w WorkingHours) Validate() error {
	for i, r := range w {
		switch {
		case len(r.Days) == 0:
			return fmt.Errorf("range %d names no days", i+1)
		case slices.ContainsFunc(r.Days, func(d time.Weekday) bool { return d < time.Sunday || d > time.Saturday }):
			return fmt.Errorf("range %d has a day that is not a weekday", i+1)
		case r.Start < 0 || r.Start >= 24*time.Hour:
			return fmt.Errorf("range %d starts outside 00:00-23:59", i+1)
		case r.End <= 0 || r.End > 24*time.Hour:
			return fmt.Errorf("range %d ends outside 00:01-24:00", i+1)
		case r.Start == r.End:
			// Empty or a full day? Ambiguous, so refused: 00:00-24:00 says a full day.
			return fmt.Errorf("range %d starts and ends at the same time", i+1)
		}
	}
	return nil
}

// Contains reports whether t is working time, read in t's location.
func (w WorkingHours) Contains(t time.Time) bool {
	if len(w) == 0 {
		return true
	}
	// A stretch that contains t started today or, past midnight, yesterday.
	for _, s := range w.spans(t, -1, 0) {
		if !t.Before(s.from) && t.Before(s.to) {
			return true
		}
	}
	return false
}

// nextStart is when the next stretch after t begins, zero if none does
// within a week (no hours at all).
func (w WorkingHours) nextStart(t time.Time) time.Time {
	var next time.Time
	for _, s := range w.spans(t, 0, 7) {
		if s.from.After(t) && (next.IsZero() || s.from.Before(next)) {
			next = s.from
		}
	}
	return next
}

type span struct{ from, to time.Time }

// spans lists the concrete stretches that start from firstDay to lastDay
// days after t's date, in t's location. Building instants from dates (not by
// adding hours) keeps them on the wall clock across DST changes.
func (w WorkingHours) spans(t time.Time, firstDay, lastDay int) []span {
	y, m, d := t.Date()
	loc := t.Location()
	var out []span
	for off := firstDay; off <= lastDay; off++ {
		// Noon exists on every date, whatever DST does around midnight.
		weekday := time.Date(y, m, d+off, 12, 0, 0, 0, loc).Weekday()
		for _, r := range w {
			if !slices.Contains(r.Days, weekday) {
				continue
			}
			endOff := off
			if r.End <= r.Start {
				endOff++
			}
			out = append(out, span{wallClock(y, m, d+off, r.Start, loc), wallClock(y, m, d+endOff, r.End, loc)})
		}
	}
	return out
}

// wallClock is the instant at which clocks in loc show clock (since
// midnight) on the given date.
func wallClock(y int, m time.Month, d int, clock time.Duration, loc *time.Location) time.Time {
	if clock%(24*time.Hour) == 0 {
		return midnight(y, m, d+int(clock/(24*time.Hour)), loc)
	}
	return time.Date(y, m, d, 0, 0, 0, int(clock), loc)
}

// DayStart is the first instant of now's date in loc (UTC when nil): where
// "today" begins for a daily cap. The store counts a member's assignments
// since the start of the pool's day (see Policy.RotationSince).
func DayStart(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	return midnight(y, m, d, loc)
}

// midnight is the first instant of a date. Where DST skips midnight itself
// (Chile, Cuba, Lebanon), time.Date answers with the last hour of the day
// before; the day really begins when the clocks jump, at the zone's change.
func midnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if t.Hour() >= 12 {
		_, t = t.ZoneBounds()
	}
	return t
}

// ParseHoursRange reads one stretch of working hours as people write it:
// days, then times, like "mon-fri 09:00-17:30", "sat 10:00-14:00",
// "mon,wed,fri 9am-5pm" or "sun-thu 22:00-06:00" (a night shift). Day ranges
// may wrap ("fri-mon"); "24:00" ends a stretch at midnight.
func ParseHoursRange(s string) (HoursRange, error) {
	fields := strings.Fields(strings.ToLower(s))
	if len(fields) < 2 {
		return HoursRange{}, fmt.Errorf("%q: write days then times, like \"mon-fri 09:00-17:00\"", s)
	}
	days, err := parseDays(strings.Join(fields[:len(fields)-1], ""))
	if err != nil {
		return HoursRange{}, fmt.Errorf("%q: %w", s, err)
	}
	from, to, ok := strings.Cut(fields[len(fields)-1], "-")
	start, okStart := parseClock(from)
	end, okEnd := parseClock(to)
	if !ok || !okStart || !okEnd {
		return HoursRange{}, fmt.Errorf("%q: write the times like 09:00-17:00", s)
	}
	r := HoursRange{Days: days, Start: start, End: end}
	if err := (WorkingHours{r}).Validate(); err != nil {
		return HoursRange{}, fmt.Errorf("%q: %w", s, err)
	}
	return r, nil
}

// parseDays reads "mon-fri", "mon,wed,fri" or "fri-mon,wed".
func parseDays(s string) ([]time.Weekday, error) {
	var days []time.Weekday
	for part := range strings.SplitSeq(s, ",") {
		first, last, isRange := strings.Cut(part, "-")
		from, ok := parseWeekday(first)
		to := from
		if isRange {
			var okTo bool
			to, okTo = parseWeekday(last)
			ok = ok && okTo
		}
		if !ok {
			return nil, fmt.Errorf("%q is not a day or a range of days like mon-fri", part)
		}
		for d := from; ; d = (d + 1) % 7 {
			if !slices.Contains(days, d) {
				days = append(days, d)
			}
			if d == to {
				break
			}
		}
	}
	return days, nil
}

// parseWeekday accepts "mon" or "monday", in lower case.
func parseWeekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] {
			return d, true
		}
	}
	return 0, false
}

// parseClock reads a time of day as people type it: "17:00", "9:30", "17",
// "5pm", "5:30pm", "12am" (midnight), up to "24:00".
func parseClock(s string) (time.Duration, bool) {
	s = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "")
	half := 0 // 0: 24-hour clock; 1: am; 2: pm
	if rest, ok := strings.CutSuffix(s, "am"); ok {
		s, half = rest, 1
	} else if rest, ok := strings.CutSuffix(s, "pm"); ok {
		s, half = rest, 2
	}
	hh, mm, hasMinutes := strings.Cut(s, ":")
	if len(hh) == 0 || len(hh) > 2 || (hasMinutes && len(mm) != 2) {
		return 0, false
	}
	h, err := strconv.Atoi(hh)
	if err != nil || h < 0 {
		return 0, false
	}
	m := 0
	if hasMinutes {
		if m, err = strconv.Atoi(mm); err != nil || m < 0 || m > 59 {
			return 0, false
		}
	}
	switch {
	case half != 0 && (h < 1 || h > 12):
		return 0, false
	case half != 0:
		h %= 12 // 12am is 00, 12pm is 12
		if half == 2 {
			h += 12
		}
	case h > 24 || (h == 24 && m != 0):
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

// add is the instant at which d of working time has passed since t, read
// in t's location. Overlapping stretches count once. A week without any
// working time (which Validate makes impossible) counts every hour.
func (w WorkingHours) add(t time.Time, d time.Duration) time.Time {
	for d > 0 {
		spans := w.spans(t, -1, 7)
		slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
		progressed := false
		for _, s := range spans {
			if !s.to.After(t) {
				continue
			}
			from := s.from
			if t.After(from) {
				from = t
			}
			left := s.to.Sub(from)
			if d <= left {
				return from.Add(d)
			}
			d -= left
			t, progressed = s.to, true
		}
		if !progressed {
			return t.Add(d)
		}
	}
	return t
}
