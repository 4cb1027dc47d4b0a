package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// deadline is the sweeper's decision, as the bot makes it: the wait for the
// post while the handoff awaits it, else the ladder.
func (b bundle) deadline(now time.Time) routing.DecideDue {
	return func(h routing.Handoff, _ time.Time, loads routing.Loads) (routing.Change, error) {
		if h.AwaitingPost() {
			return routing.PostOverdue(h, routing.DefaultSLA(), now)
		}
		return b.escalate(now)(h, now, loads)
	}
}

func (b bundle) outboxCount(t *testing.T, id int64, kind routing.NoticeKind) int {
	t.Helper()
	var n int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM outbox WHERE handoff_id = $1 AND kind = $2`, id, kind).Scan(&n))
	return n
}

// TestPostStartsTheWindow: a handoff whose post is late has no window
// running, and its ladder is not swept, until the post is recorded; the
// post starts the window at its recorded time, in one transaction with its
// event.
func TestPostStartsTheWindow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	require.True(t, h.AwaitingPost())
	next, ok, err := b.store.NextDeadline(b.ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.WithinDuration(t, b.now.Add(routing.DefaultPostDelayNotice), next, 0, "the wait for the post, not the ladder")

	changes, err := b.store.SweepDue(b.ctx, b.now.Add(9*time.Second), 10, b.deadline(b.now.Add(9*time.Second)))
	require.NoError(t, err)
	require.Empty(t, changes)

	posted := b.now.Add(40 * time.Second)
	require.NoError(t, b.store.SetMessageTS(b.ctx, h.ID, "1700000000.000100", posted))
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.False(t, h.AwaitingPost())
	require.Equal(t, "1700000000.000100", h.MessageTS)
	require.WithinDuration(t, posted, h.WindowAt, 0)
	require.WithinDuration(t, posted.Add(time.Minute), h.ClaimDeadline, 0, "the window runs from the post")
	require.WithinDuration(t, posted.Add(time.Minute), h.NextStepAt, 0)
	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPosted}, b.kinds(t, h.ID))
	require.Equal(t, true, events[1].Detail["window_started"])
	require.WithinDuration(t, posted, events[1].At, 0)

	next, _, err = b.store.NextDeadline(b.ctx)
	require.NoError(t, err)
	require.WithinDuration(t, posted.Add(time.Minute), next, 0)

	// A retried record changes nothing.
	require.NoError(t, b.store.SetMessageTS(b.ctx, h.ID, "1700000000.000999", posted.Add(5*time.Second)))
	again, err := b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, h, again)
	require.Len(t, b.kinds(t, h.ID), 2)

	// The window closes a minute after the post, not after the submission.
	at := b.now.Add(99 * time.Second)
	changes, err = b.store.SweepDue(b.ctx, at, 10, b.deadline(at))
	require.NoError(t, err)
	require.Empty(t, changes)
	at = posted.Add(time.Minute)
	changes, err = b.store.SweepDue(b.ctx, at, 10, b.deadline(at))
	require.NoError(t, err)
	require.Len(t, changes, 1)
	require.Equal(t, routing.EventEscalated, changes[0].Event.Kind)
	require.Equal(t, 1, b.outboxCount(t, h.ID, routing.NoticeReping), "a posted lead is re-pinged")
	require.Zero(t, b.outboxCount(t, h.ID, routing.NoticePasserQueued), "posted in time: nothing to tell")
}

// TestPostOverdueSweep: a post not out after the delay notice has the
// passer told once, however many sweepers; at the end of the grace the
// window starts anyway, and the ladder then runs without re-pings.
func TestPostOverdueSweep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)

	at := b.now.Add(routing.DefaultPostDelayNotice)
	require.Equal(t, 1, b.sweepers(t, 5, at, b.deadline(at)))
	require.Equal(t, 1, b.outboxCount(t, h.ID, routing.NoticePasserQueued), "the passer is told once")
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.True(t, h.PostDelayTold)
	require.True(t, h.AwaitingPost())
	next, _, err := b.store.NextDeadline(b.ctx)
	require.NoError(t, err)
	require.WithinDuration(t, b.now.Add(routing.DefaultPostGrace), next, 0, "next: the end of the grace")

	// The ladder as it would have run from the submission does not.
	at = b.now.Add(90 * time.Second)
	changes, err := b.store.SweepDue(b.ctx, at, 10, b.deadline(at))
	require.NoError(t, err)
	require.Empty(t, changes)

	// The grace ends: the window starts without the post.
	at = b.now.Add(routing.DefaultPostGrace)
	changes, err = b.store.SweepDue(b.ctx, at, 10, b.deadline(at))
	require.NoError(t, err)
	require.Len(t, changes, 1)
	require.Equal(t, routing.EventWindowStarted, changes[0].Event.Kind)
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.False(t, h.AwaitingPost())
	require.WithinDuration(t, at, h.WindowAt, 0)
	require.WithinDuration(t, at.Add(time.Minute), h.NextStepAt, 0)

	// The ladder runs to an owner, re-pinging nobody.
	late := at.Add(time.Hour)
	for range 3 {
		_, err = b.store.SweepDue(b.ctx, late, 10, b.deadline(late))
		require.NoError(t, err)
	}
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateScheduled, h.State)
	require.NotEmpty(t, h.OwnerID, "a lead never posted still gets an owner")
	require.Zero(t, b.outboxCount(t, h.ID, routing.NoticeReping), "no re-ping without a post")
	require.Equal(t, 1, b.outboxCount(t, h.ID, routing.NoticePasserQueued))
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPostDelayed, routing.EventWindowStarted,
		routing.EventEscalated, routing.EventEscalated, routing.EventMissed}, b.kinds(t, h.ID))
}
