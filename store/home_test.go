package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

// homeRefreshes lists the pending App Home refreshes: recipient → how many.
func (b bundle) homeRefreshes(t *testing.T) map[string]int {
	t.Helper()
	rows, err := b.db.Query(b.ctx, `SELECT recipient, ordering_key FROM outbox
		WHERE kind = 'home_refresh' AND delivered_at IS NULL AND abandoned_at IS NULL`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var user, key string
		require.NoError(t, rows.Scan(&user, &key))
		require.Equal(t, "home:"+user, key)
		out[user]++
	}
	require.NoError(t, rows.Err())
	return out
}

// TestHomeRefreshesAreQueuedForOpenedHomesAndCoalesced: a change queues a
// refresh of the Homes of its passer and owner, only for those who opened
// their Home, at most one waiting per person, and a new one once the
// waiting one is being delivered. Refreshes go out after DMs.
func TestHomeRefreshesAreQueuedForOpenedHomesAndCoalesced(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pool, s := b.sla()

	b.claimedAt(t, "V0", "U1", b.now.Add(time.Second))
	require.Empty(t, b.homeRefreshes(t), "nobody has opened their Home: nothing to refresh")
	for {
		got, err := b.store.LeaseNotices(b.ctx, b.now.Add(time.Hour), time.Minute, 100)
		require.NoError(t, err)
		if len(got) == 0 {
			break
		}
		for _, n := range got {
			require.NoError(t, b.store.MarkDelivered(b.ctx, n, b.now))
		}
	}

	require.NoError(t, b.store.HomeOpened(b.ctx, "UPASS", nil, b.now))
	require.NoError(t, b.store.HomeOpened(b.ctx, "U1", nil, b.now))
	require.NoError(t, b.store.HomeOpened(b.ctx, "U1", nil, b.now.Add(time.Minute)), "opening again is no error")
	h := b.claimedAt(t, "V1", "U1", b.now.Add(time.Second))
	require.Equal(t, map[string]int{"UPASS": 1, "U1": 1}, b.homeRefreshes(t))

	touch := func(at time.Time) {
		_, err := b.store.Apply(b.ctx, h.ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
			return routing.LogTouch(h, pool, s, "U1", routing.TouchInput{Kind: routing.TouchCallAttempted}, at)
		})
		require.NoError(t, err)
	}
	touch(b.now.Add(time.Minute))
	require.Equal(t, map[string]int{"UPASS": 1, "U1": 1}, b.homeRefreshes(t), "a refresh not yet started covers the next change")

	// With the channel message and DMs due, those are taken first, though
	// the passer's refresh (queued at the creation) is older than the
	// owner's DM (queued at the claim).
	first, err := b.store.LeaseNotices(b.ctx, b.now.Add(time.Hour), time.Minute, 3)
	require.NoError(t, err)
	require.Len(t, first, 3)
	for _, n := range first {
		require.NotEqual(t, routing.NoticeHomeRefresh, n.Kind, "a Home refresh went before a message or a DM")
		require.NoError(t, b.store.MarkDelivered(b.ctx, n, b.now))
	}
	var leased []routing.PendingNotice
	for {
		got, err := b.store.LeaseNotices(b.ctx, b.now.Add(time.Hour), time.Minute, 100)
		require.NoError(t, err)
		if len(got) == 0 {
			break
		}
		for _, n := range got {
			if n.Kind == routing.NoticeHomeRefresh {
				leased = append(leased, n)
				continue
			}
			require.NoError(t, b.store.MarkDelivered(b.ctx, n, b.now))
		}
	}
	require.Len(t, leased, 2)
	// Being delivered, they may have read the state already: a new change
	// queues new refreshes behind them.
	touch(b.now.Add(2 * time.Minute))
	require.Equal(t, map[string]int{"UPASS": 2, "U1": 2}, b.homeRefreshes(t))

	// /handoff away refreshes the member's own toggle.
	require.NoError(t, b.store.SetAvailability(b.ctx, "U2", b.now.Add(time.Hour), b.now))
	require.Zero(t, b.homeRefreshes(t)["U2"], "U2 never opened their Home")
	require.NoError(t, b.store.HomeOpened(b.ctx, "U2", nil, b.now))
	require.NoError(t, b.store.SetAvailability(b.ctx, "U2", time.Time{}, b.now))
	require.Equal(t, 1, b.homeRefreshes(t)["U2"])
}

// TestHomeQueries seeds a small history and checks every figure the App
// Home reads: a receiver's open leads and numbers of the week, a passer's
// recent handoffs, a pool's board.
func TestHomeQueries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pool, s := b.sla()
	apply := func(h routing.Handoff, decide func(routing.Handoff) (routing.Change, error)) {
		t.Helper()
		_, err := b.store.Apply(b.ctx, h.ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) { return decide(h) })
		require.NoError(t, err)
	}
	// All created at b.now. U1 claims two, in 14 s and 30 s, and closes
	// the first; U2 claims one and never touches it; one waits.
	closed := b.claimedAt(t, "V1", "U1", b.now.Add(14*time.Second))
	kept := b.claimedAt(t, "V2", "U1", b.now.Add(30*time.Second))
	stuck := b.claimedAt(t, "V3", "U2", b.now.Add(40*time.Second))
	waiting, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V4"))
	require.NoError(t, err)
	apply(closed, func(h routing.Handoff) (routing.Change, error) {
		return routing.LogOutcome(h, pool, s, "U1", routing.OutcomeInput{Kind: routing.OutcomeQualifiedSQL}, b.now.Add(time.Minute))
	})
	apply(kept, func(h routing.Handoff) (routing.Change, error) {
		return routing.LogTouch(h, pool, s, "U1", routing.TouchInput{Kind: routing.TouchCallAttempted}, b.now.Add(time.Minute))
	})
	later := b.now.Add(2 * time.Hour) // past U2's first touch (1 h), not U1's outcome (24 h)
	_, err = b.store.SweepSLA(b.ctx, later, 10, func(h routing.Handoff, _ time.Time) (routing.Change, error) {
		return routing.CheckSLA(h, pool, s, later), nil
	})
	require.NoError(t, err)

	leads, total, err := b.store.OpenLeads(b.ctx, "U1", 10)
	require.NoError(t, err)
	require.Equal(t, 1, total, "the closed lead is not open")
	require.Len(t, leads, 1)
	require.Equal(t, kept.ID, leads[0].ID)
	leads, total, err = b.store.OpenLeads(b.ctx, "U2", 10)
	require.NoError(t, err)
	require.Equal(t, 1, total)
	require.Equal(t, stuck.ID, leads[0].ID)
	require.Len(t, leads[0].OpenBreaches(), 1)
	_, total, err = b.store.OpenLeads(b.ctx, "UPASS", 10)
	require.NoError(t, err)
	require.Zero(t, total)

	recent, err := b.store.PassedRecently(b.ctx, "UPASS", 3)
	require.NoError(t, err)
	var ids []int64
	for _, h := range recent {
		ids = append(ids, h.ID)
	}
	require.Equal(t, []int64{waiting.ID, stuck.ID, kept.ID}, ids, "newest first, at most the limit")
	recent, err = b.store.PassedRecently(b.ctx, "U1", 10)
	require.NoError(t, err)
	require.Empty(t, recent)

	week := b.now.Add(-time.Hour)
	n, err := b.store.HomeNumbers(b.ctx, "U1", week, later)
	require.NoError(t, err)
	require.Equal(t, routing.ReceiverNumbers{Since: week, Until: later, Claimed: 2, MedianToClaim: 22 * time.Second,
		Outcomes: map[routing.OutcomeKind]int{routing.OutcomeQualifiedSQL: 1}}, n)
	n, err = b.store.HomeNumbers(b.ctx, "U2", week, later.Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, routing.ReceiverNumbers{Since: week, Until: later.Add(time.Second), Claimed: 1, MedianToClaim: 40 * time.Second,
		Breaches: 1, Outcomes: map[routing.OutcomeKind]int{}}, n)
	// The period bounds every figure: [since, until).
	n, err = b.store.HomeNumbers(b.ctx, "U1", b.now.Add(20*time.Second), b.now.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, 1, n.Claimed)
	require.Equal(t, 30*time.Second, n.MedianToClaim)
	require.Zero(t, n.OutcomeTotal(), "the outcome was logged at the end of the period, outside it")
	n, err = b.store.HomeNumbers(b.ctx, "U2", week, later)
	require.NoError(t, err)
	require.Zero(t, n.Breaches, "the breach came at the end of the period, outside it")

	boards, err := b.store.TeamBoard(b.ctx, []string{"other", "closers"}, later, 1)
	require.NoError(t, err)
	require.Len(t, boards, 2)
	require.Equal(t, routing.PoolBoard{Pool: "other"}, boards[0], "a pool with nothing open")
	board := boards[1]
	require.Equal(t, "closers", board.Pool)
	require.Equal(t, 1, board.Unclaimed)
	require.Equal(t, 2, board.Owned, "U1's kept lead and U2's")
	require.Equal(t, 1, board.Breached)
	require.Len(t, board.OldestUnclaimed, 1)
	require.Equal(t, waiting.ID, board.OldestUnclaimed[0].ID)
	require.Len(t, board.OldestBreached, 1)
	require.Equal(t, stuck.ID, board.OldestBreached[0].ID)
	boards, err = b.store.TeamBoard(b.ctx, []string{"closers"}, later.Add(31*24*time.Hour), 5)
	require.NoError(t, err)
	require.Zero(t, boards[0].Owned, "leads their owner got more than 30 days ago are history")
	require.Equal(t, 1, boards[0].Breached, "an open breach stays on the board")
}

// TestHomeRefreshesManagersBoards: a change to a lead republishes the Home
// of every manager whose Home shows that pool's board, once, a few seconds
// later so that a burst of changes shares the refresh; another pool's
// manager and one who never opened their Home get nothing.
func TestHomeRefreshesManagersBoards(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.store.HomeOpened(b.ctx, "UMGR", []string{"elsewhere", b.pool.Name}, b.now))
	require.NoError(t, b.store.HomeOpened(b.ctx, "UOTHER", []string{"elsewhere"}, b.now))
	h := b.claimedAt(t, "V1", "U1", b.now.Add(time.Second))
	got := b.homeRefreshes(t)
	require.Equal(t, 1, got["UMGR"], "created then claimed: the refresh waiting covers both")
	require.Zero(t, got["UOTHER"], "another pool's board")
	var due time.Time
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT deliver_after FROM outbox WHERE kind = 'home_refresh' AND recipient = 'UMGR'`).Scan(&due))
	require.WithinDuration(t, h.CreatedAt.Add(store.BoardRefreshDelay), due, time.Millisecond, "a few seconds late, for the burst")

	// Delivered, the next change queues the next refresh.
	mustLease(t, b)
	pool, s := b.sla()
	_, err := b.store.Apply(b.ctx, h.ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.LogTouch(h, pool, s, "U1", routing.TouchInput{Kind: routing.TouchCallAttempted}, b.now.Add(time.Minute))
	})
	require.NoError(t, err)
	require.Equal(t, 1, b.homeRefreshes(t)["UMGR"])

	// No longer a manager of the pool when the Home was last opened: no refresh.
	require.NoError(t, b.store.HomeOpened(b.ctx, "UMGR", nil, b.now))
	mustLease(t, b)
	_, err = b.store.Apply(b.ctx, h.ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.LogTouch(h, pool, s, "U1", routing.TouchInput{Kind: routing.TouchReplyReceived}, b.now.Add(2*time.Minute))
	})
	require.NoError(t, err)
	require.Zero(t, b.homeRefreshes(t)["UMGR"])
}

// mustLease delivers every notice due within the hour.
func mustLease(t *testing.T, b bundle) {
	t.Helper()
	for {
		got, err := b.store.LeaseNotices(b.ctx, b.now.Add(time.Hour), time.Minute, 100)
		require.NoError(t, err)
		if len(got) == 0 {
			return
		}
		for _, n := range got {
			require.NoError(t, b.store.MarkDelivered(b.ctx, n, b.now))
		}
	}
}
