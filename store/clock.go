package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DBClock is this process's clock corrected to the database's: replicas
// whose own clocks disagree stamp their changes, and compute the deadlines
// those changes set, with one time. What is due (a rung, an offer's end,
// an SLA clock, a notice) is decided by the database's now() itself (see
// SweepDue and LeaseNotices); DBClock is for the changes people make, such
// as a claim checked against an offer's end, and for deciding when to look.
//
// It measures the offset between the database's clock_timestamp() and the
// local clock against the midpoint of the round trip, so it is off by half
// a round trip at most: milliseconds, where the skew it corrects may be
// seconds. Until the first Sync it is the local clock.
type DBClock struct {
	store *Store
	local func() time.Time

	mu     sync.Mutex
	offset time.Duration
}

// ClockSyncInterval is how often Run measures the offset again: clocks
// drift by milliseconds a day, but an operator may step one.
const ClockSyncInterval = time.Minute

// NewDBClock is a clock aligned with s's database once synced. local is
// this process's clock; nil means time.Now.
func NewDBClock(s *Store, local func() time.Time) *DBClock {
	if local == nil {
		local = time.Now
	}
	return &DBClock{store: s, local: local}
}

// Now is the database's time as this process reckons it.
func (c *DBClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.local().Add(c.offset)
}

// Offset is how far the database's clock is ahead of the local one.
func (c *DBClock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Sync measures the offset again.
func (c *DBClock) Sync(ctx context.Context) error {
	before := c.local()
	var db time.Time
	if err := c.store.pool.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&db); err != nil {
		return fmt.Errorf("read the database's clock: %w", err)
	}
	after := c.local()
	offset := db.Sub(before.Add(after.Sub(before) / 2))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = offset
	return nil
}

// Run syncs every ClockSyncInterval until ctx ends; a failed sync keeps
// the last offset and is reported to failed, which may be nil.
func (c *DBClock) Run(ctx context.Context, failed func(error)) error {
	ticker := time.NewTicker(ClockSyncInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			if err := c.Sync(ctx); err != nil && ctx.Err() == nil && failed != nil {
				failed(err)
			}
		}
	}
}
