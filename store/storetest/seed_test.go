package storetest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
			require.True(t, slices.ContainsFunc(kinds, func(e routing.Event) bool { return e.Kind == routing.EventClaimed }), "handoff %d has its claim", id)
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

	// The owners' work and its SLA record are what the product would have
	// stored: the SLA sweep at the end finds nothing due, and checking every
	// owned lead again at the end records nothing new.
	changes, err := st.SweepSLA(ctx, end, 1000, func(h routing.Handoff, _ time.Time) (routing.Change, error) {
		t.Errorf("handoff %d is due for the SLA sweep at the end of the history (%s)", h.ID, h.Work.SLADueAt)
		return routing.Change{Handoff: h}, nil
	})
	require.NoError(t, err)
	require.Empty(t, changes)
	owned, err := db.Query(ctx, `SELECT id FROM handoffs WHERE owner_id IS NOT NULL AND closed_at IS NULL`)
	require.NoError(t, err)
	ownedIDs, err := pgx.CollectRows(owned, pgx.RowTo[int64])
	require.NoError(t, err)
	require.NotEmpty(t, ownedIDs)
	pool := routing.Pool{Name: "closers", Members: h.Members}
	for _, id := range ownedIDs {
		got, err := st.Handoff(ctx, id)
		require.NoError(t, err)
		c := routing.CheckSLA(got, pool, routing.DefaultSLA(), end)
		require.Empty(t, c.Event.Kind, "handoff %d: the seeded SLA record is complete at the end", id)
	}
	var touches, outcomes, breaches int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'lead.touch_logged'), count(*) FILTER (WHERE kind = 'lead.outcome_logged'),
		count(*) FILTER (WHERE kind = 'sla.breached') FROM events`).Scan(&touches, &outcomes, &breaches))
	require.Positive(t, touches)
	require.Positive(t, outcomes)
	require.Positive(t, breaches)
	// Some leads are stuck, as in any team's year: the digest has something to list.
	stuck, err := st.StuckLeads(ctx, end, 5)
	require.NoError(t, err)
	for _, sec := range stuck.Sections {
		if sec.Section == routing.SectionUntouched || sec.Section == routing.SectionNoOutcome {
			require.Positive(t, sec.Total, "section %s", sec.Section)
		}
	}

	// The same history again is a clone of the same rows.
	_, again, seededAgain := storetest.NewSeededDatabase(t, h)
	require.Equal(t, seeded, seededAgain)
	var sameEvents int
	require.NoError(t, again.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&sameEvents))
	require.Equal(t, events, sameEvents)
}
