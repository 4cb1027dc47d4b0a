package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

// dbNow is the database's clock as a statement reads it.
func (b bundle) dbNow(t *testing.T) time.Time {
	t.Helper()
	var now time.Time
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT clock_timestamp()`).Scan(&now))
	return now
}

// TestDBClockCorrectsASkewedProcess: a process whose clock runs 35 s ahead
// reads the database's time once synced.
func TestDBClockCorrectsASkewedProcess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const skew = 35 * time.Second
	local := func() time.Time { return time.Now().Add(skew) }
	clock := store.NewDBClock(b.store, local)
	require.Greater(t, clock.Now().Sub(b.dbNow(t)), skew-time.Second, "unsynced, it is the local clock")

	require.NoError(t, clock.Sync(b.ctx))
	before := b.dbNow(t)
	got := clock.Now()
	after := b.dbNow(t)
	// Off by half the sync's round trip at most: a second is far more.
	require.False(t, got.Before(before.Add(-time.Second)) || got.After(after.Add(time.Second)),
		"synced, it reads the database's time: %s, database %s…%s", got, before, after)
	require.InDelta(t, -skew.Seconds(), clock.Offset().Seconds(), 1)
}

// TestSweepDueDecidesWithTheDatabasesClock: with a zero now, what is due
// is what the database's now() says is due, and decide gets that time.
func TestSweepDueDecidesWithTheDatabasesClock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.createPosted(t, b.newHandoff("V1"))
	var decidedAt time.Time
	decide := func(h routing.Handoff, now time.Time, loads routing.Loads) (routing.Change, error) {
		decidedAt = now
		return b.escalate(now)(h, now, loads)
	}

	_, err := b.db.Exec(b.ctx, `UPDATE handoffs SET next_step_at = now() + interval '30 seconds' WHERE id = $1`, h.ID)
	require.NoError(t, err)
	changes, err := b.store.SweepDue(b.ctx, time.Time{}, 10, decide)
	require.NoError(t, err)
	require.Empty(t, changes, "due in 30 s by the database's clock: not due")

	_, err = b.db.Exec(b.ctx, `UPDATE handoffs SET next_step_at = now() - interval '1 second' WHERE id = $1`, h.ID)
	require.NoError(t, err)
	before := b.dbNow(t)
	changes, err = b.store.SweepDue(b.ctx, time.Time{}, 1, decide)
	after := b.dbNow(t)
	require.NoError(t, err)
	require.Len(t, changes, 1, "due a second ago by the database's clock")
	require.False(t, decidedAt.Before(before) || decidedAt.After(after), "decided at the database's time %s…%s, not %s", before, after, decidedAt)
	require.True(t, changes[0].Event.At.Equal(decidedAt), "and stamped with it")
}

// TestSweepSLADecidesWithTheDatabasesClock: likewise for the SLA clocks.
func TestSweepSLADecidesWithTheDatabasesClock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pool, s := b.sla()
	h := b.claimedAt(t, "V1", "U1", b.now)
	var checkedAt time.Time
	check := func(h routing.Handoff, now time.Time) (routing.Change, error) {
		checkedAt = now
		return routing.CheckSLA(h, pool, s, now), nil
	}

	_, err := b.db.Exec(b.ctx, `UPDATE handoffs SET sla_due_at = now() + interval '30 seconds' WHERE id = $1`, h.ID)
	require.NoError(t, err)
	_, err = b.store.SweepSLA(b.ctx, time.Time{}, 10, check)
	require.NoError(t, err)
	require.True(t, checkedAt.IsZero(), "due in 30 s by the database's clock: not looked at")

	_, err = b.db.Exec(b.ctx, `UPDATE handoffs SET sla_due_at = now() - interval '1 second' WHERE id = $1`, h.ID)
	require.NoError(t, err)
	before := b.dbNow(t)
	_, err = b.store.SweepSLA(b.ctx, time.Time{}, 10, check)
	after := b.dbNow(t)
	require.NoError(t, err)
	require.False(t, checkedAt.Before(before) || checkedAt.After(after), "checked at the database's time %s…%s, not %s", before, after, checkedAt)
}
