package config

import (
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// calendarSpec is the calendar key: how Baton fills in the "Add to Google
// Calendar" and "Add to Outlook" links of a scheduled call.
type calendarSpec struct {
	Duration *time.Duration `yaml:"duration"`
}

// Bounds of calendar.duration: a call shorter than five minutes, or one
// longer than a working day, is a typo.
const (
	minCallLength = 5 * time.Minute
	maxCallLength = 8 * time.Hour
)

// build checks the calendar key.
func (c calendarSpec) build() (routing.CalendarLinks, error) {
	if c.Duration == nil {
		return routing.CalendarLinks{Duration: routing.DefaultCallLength}, nil
	}
	d := *c.Duration
	if d < minCallLength || d > maxCallLength || d%time.Minute != 0 {
		return routing.CalendarLinks{}, fmt.Errorf("calendar.duration: the length of a scheduled call in whole minutes, from %s to %s (e.g. 30m), got %s",
			ShortDuration(minCallLength), ShortDuration(maxCallLength), d)
	}
	return routing.CalendarLinks{Duration: d}, nil
}

// ShortDuration writes d as a configuration would, without its zero
// units: 5m, 8h, 720h (Go writes 720h0m0s).
func ShortDuration(d time.Duration) string {
	s := d.String()
	for _, zero := range []string{"0s", "0m"} {
		if len(s) > len(zero) && s[len(s)-len(zero):] == zero {
			s = s[:len(s)-len(zero)]
		}
	}
	return s
}
