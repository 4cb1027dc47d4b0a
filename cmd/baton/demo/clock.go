package demo

import (
	"sync"
	"time"
)

// Clock is the sandbox's time: the machine's clock plus an offset that
// only grows. The bot runs on it (launcher.Main.Now), so that moving it
// ahead makes a claim window end, a ladder step or an SLA clock fall due
// at once; Skipped tells the scheduled jobs, which cron wakes on the
// machine's clock, to run the tick a skip passed over.
type Clock struct {
	mu      sync.Mutex
	offset  time.Duration
	skipped chan struct{}
	moved   chan struct{} // closed and replaced at each skip
}

// NewClock returns a clock that reads the machine's time until skipped.
func NewClock() *Clock {
	return &Clock{skipped: make(chan struct{}, 1), moved: make(chan struct{})}
}

// Now is the sandbox's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Offset is how far ahead of the machine's clock the sandbox is.
func (c *Clock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// SkipTo moves the clock ahead to t; a t not after Now changes nothing.
// It reports whether the clock moved.
func (c *Clock) SkipTo(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ahead := t.Sub(time.Now().Add(c.offset))
	if ahead <= 0 {
		return false
	}
	c.offset += ahead
	close(c.moved)
	c.moved = make(chan struct{})
	select {
	case c.skipped <- struct{}{}:
	default: // a skip not yet taken covers this one too
	}
	return true
}

// Skipped receives after each skip (one pending at most): pass it as
// launcher.Main.ClockSkips.
func (c *Clock) Skipped() <-chan struct{} { return c.skipped }

// Moved returns a channel closed at the next skip.
func (c *Clock) Moved() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.moved
}
