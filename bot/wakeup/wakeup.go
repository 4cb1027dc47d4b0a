// Package wakeup lets one part of the process tell a waiting loop that there
// is something new for it, without waiting itself: a committed change tells
// the outbox worker its notices are there, a new deadline tells the sweeper
// it may have to look earlier than it planned.
package wakeup

// Signal is a wake-up that coalesces: any number of Notify calls before the
// loop looks wake it once. The zero value is not usable; a nil *Signal
// ignores Notify, so a unit built without a listener needs no check.
type Signal struct{ c chan struct{} }

// New returns a signal nobody has notified yet.
func New() *Signal { return &Signal{c: make(chan struct{}, 1)} }

// Notify wakes the loop waiting on C, or the next one to wait.
func (s *Signal) Notify() {
	if s == nil {
		return
	}
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// C is what the loop waits on. A nil signal's C never fires.
func (s *Signal) C() <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.c
}
