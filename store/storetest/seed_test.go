package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// TestSeedHistory loads a small history (the benchmarks load up to a
// million) and reads it back through the store: every state is there,
// every row decodes, the open ones are due just after the end, and the
// event log tells each handoff's story.
func TestSeedHistory(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)
	h := storetest.History{Handoffs: 400, Open: 5, End: end, Members: storetest.SeedMembers(20), Seed: 7}
	_, db, seeded := storetest.NewSeededDatabase(t, h)
	ctx := context.Background()

	require.Equal(t, 400, seeded.Handoffs)
	require.Equal(t, 5, seeded.ByState[routing.StateOpen])
	for _, s := range []routing.State{routing.StateClaimed, routing.StateScheduled, routing.StateCancelled} {
		require.Positive(t, seeded.ByState[s], "some %s handoffs", s)
	}
	var handoffs, events int
	require.NoError(t, db.QueryRow(ctx, `SELECT (SELECT count(*) FROM handoffs), (SELECT count(*) FROM events)`).Scan(&handoffs, &events))
	require.Equal(t, seeded.Handoffs, handoffs)
	require.Equal(t, seeded.Events, events)
	var pending int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL`).Scan(&pending))
	require.Zero(t, pending, "history has nothing left to tell Slack")

	st := store.New(db)
	rows, err := db.Query(ctx, `SELECT DISTINCT ON (state, live) id FROM handoffs ORDER BY state, live, id`)
	require.NoError(t, err)
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	for _, id := range ids {
		got, err := st.Handoff(ctx, id)
		require.NoError(t, err, "seeded handoff %d decodes", id)
		require.Equal(t, "closers", got.Pool)
		require.NotEmpty(t, got.Lead.Checklist.Questions)
		require.False(t, got.CreatedAt.After(end))
		kinds, err := st.Events(ctx, id)
		require.NoError(t, err)
		require.Equal(t, routing.EventCreated, kinds[0].Kind)
		switch got.State {
		case routing.StateClaimed:
			require.Equal(t, routing.EventClaimed, kinds[len(kinds)-1].Kind)
		case routing.StateCancelled:
			require.Equal(t, routing.EventCancelled, kinds[len(kinds)-1].Kind)
		case routing.StateOpen:
			require.True(t, got.NextStepAt.After(end), "an open handoff's first step is still ahead")
		}
	}

	next, ok, err := st.NextDeadline(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, next.After(end) && next.Before(end.Add(time.Minute)), "next deadline %s", next)

	// The same history again is a clone of the same rows.
	_, again, seededAgain := storetest.NewSeededDatabase(t, h)
	require.Equal(t, seeded, seededAgain)
	var sameEvents int
	require.NoError(t, again.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&sameEvents))
	require.Equal(t, events, sameEvents)
}
