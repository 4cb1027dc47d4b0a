package routing

import "time"

// DefaultCallLength is how long a scheduled call or a booked meeting is
// in the calendar links Baton offers, unless calendar.duration says.
const DefaultCallLength = 30 * time.Minute

// CalendarLinks is how Baton fills in the calendar links of a scheduled call.
type CalendarLinks struct {
	// Duration is the length of the event; zero means DefaultCallLength.
	Duration time.Duration
}

// CallLength is c's duration, or the default.
func (c CalendarLinks) CallLength() time.Duration {
	if c.Duration <= 0 {
		return DefaultCallLength
	}
	return c.Duration
}
