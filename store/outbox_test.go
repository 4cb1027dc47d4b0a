package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

func TestLeaseOneHeadPerKeyInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	_, won, err := b.store.Claim(b.ctx, h.ID, "U1", b.now.Add(time.Second))
	require.NoError(t, err)
	require.True(t, won)
	// Outbox now: message post, thread reply, passer DM, message update,
	// owner DM, passer DM.

	at := b.now.Add(time.Second)
	first, err := b.store.LeaseNotices(b.ctx, at, time.Minute, 10)
	require.NoError(t, err)
	require.Equal(t, []routing.NoticeKind{routing.NoticeChannelMessage, routing.NoticePasserSent, routing.NoticeOwnerBrief}, noticeKinds(first),
		"one notice per ordering key: the update waits for the post, the second passer DM for the first")

	// Leased notices are not handed out again while the lease holds.
	again, err := b.store.LeaseNotices(b.ctx, at, time.Minute, 10)
	require.NoError(t, err)
	require.Empty(t, again)

	for _, n := range first {
		require.NoError(t, b.store.MarkDelivered(b.ctx, n, b.now))
	}
	require.NoError(t, b.store.SetMessageTS(b.ctx, h.ID, "1700000000.000100", b.now))
	second, err := b.store.LeaseNotices(b.ctx, at, time.Minute, 10)
	require.NoError(t, err)
	require.Equal(t, []routing.NoticeKind{routing.NoticeThreadBrief, routing.NoticeChannelMessage, routing.NoticePasserClaimed}, noticeKinds(second),
		"the update and the thread reply apart, once the post is out: the update never waits behind the reply")
}

func TestLeaseLapsesAndFailedWaits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, leased, 1)
	require.Equal(t, 1, leased[0].Attempts)

	// A worker that died: after the lease, the notice is handed out again.
	later, err := b.store.LeaseNotices(b.ctx, b.now.Add(61*time.Second), time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, later, 1)
	require.Equal(t, leased[0].ID, later[0].ID)
	require.Equal(t, 2, later[0].Attempts)

	// A failure keeps it, and waits for its retry time.
	retryAt := b.now.Add(5 * time.Minute)
	require.NoError(t, b.store.MarkFailed(b.ctx, later[0], errors.New("ratelimited"), 5*time.Minute, b.now))
	soon, err := b.store.LeaseNotices(b.ctx, b.now.Add(2*time.Minute), time.Minute, 10)
	require.NoError(t, err)
	for _, n := range soon {
		require.NotEqual(t, later[0].ID, n.ID)
	}
	due, err := b.store.LeaseNotices(b.ctx, retryAt, time.Minute, 10)
	require.NoError(t, err)
	require.Contains(t, ids(due), later[0].ID)
}

// TestConcurrentLeasesNeverShare runs workers against one outbox, as replicas
// would: no notice is leased twice.
func TestConcurrentLeasesNeverShare(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, key := range []string{"V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8"} {
		_, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff(key))
		require.NoError(t, err)
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for range 10 {
		wg.Go(func() {
			got, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 3)
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			for _, n := range got {
				seen[n.ID]++
			}
		})
	}
	wg.Wait()
	for id, n := range seen {
		require.Equal(t, 1, n, "notice %d leased %d times", id, n)
	}
	require.Len(t, seen, 2, "one post in flight in the channel, across workers, and the passer's first DM")
}

func noticeKinds(ns []routing.PendingNotice) []routing.NoticeKind {
	var out []routing.NoticeKind
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return out
}

func ids(ns []routing.PendingNotice) []int64 {
	var out []int64
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

// TestAbandonReleasesTheKey gives up on a notice: the next one of its key is
// handed out, and the event log says what was not delivered.
func TestAbandonReleasesTheKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	_, _, err = b.store.Claim(b.ctx, h.ID, "U1", b.now)
	require.NoError(t, err)
	leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
	require.NoError(t, err)
	var post routing.PendingNotice
	for _, n := range leased {
		if n.Kind == routing.NoticeChannelMessage {
			post = n
		}
	}
	require.NotZero(t, post.ID)
	require.NoError(t, b.store.MarkAbandoned(b.ctx, post, errors.New("channel_not_found"), b.now))

	next, err := b.store.LeaseNotices(b.ctx, b.now.Add(2*time.Minute), time.Minute, 10)
	require.NoError(t, err)
	require.Contains(t, noticeKinds(next), routing.NoticeChannelMessage, "the notice behind it is no longer blocked")
	require.NotContains(t, ids(next), post.ID, "an abandoned notice is never handed out again")
	require.NotContains(t, noticeKinds(next), routing.NoticeThreadBrief, "the thread reply waits while its message key has notices")
	for _, n := range next {
		if n.Kind == routing.NoticeChannelMessage {
			require.NoError(t, b.store.MarkAbandoned(b.ctx, n, errors.New("channel_not_found"), b.now))
		}
	}
	last, err := b.store.LeaseNotices(b.ctx, b.now.Add(2*time.Minute), time.Minute, 10)
	require.NoError(t, err)
	require.Contains(t, noticeKinds(last), routing.NoticeThreadBrief, "with no post to come, the reply is handed out (and skipped)")

	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	abandoned := events[len(events)-1]
	require.Equal(t, routing.EventNoticeAbandoned, abandoned.Kind)
	require.Equal(t, "channel_not_found", abandoned.Detail["error"])
	require.Equal(t, string(routing.NoticeChannelMessage), abandoned.Detail["notice"])
}

// TestLeaseChannelBeforeDMs: a channel post waiting goes out before an
// older DM, so a claim's update is not held behind an escalation's DMs.
func TestLeaseChannelBeforeDMs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	// Deliver the first handoff's channel notices; its passer DM waits.
	for range 2 {
		leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 1)
		require.NoError(t, err)
		require.Len(t, leased, 1)
		require.NotEqual(t, routing.NoticePasserSent, leased[0].Kind)
		require.NoError(t, b.store.MarkDelivered(b.ctx, leased[0], b.now))
		if leased[0].Kind == routing.NoticeChannelMessage {
			require.NoError(t, b.store.SetMessageTS(b.ctx, leased[0].HandoffID, "1700000000.000100", b.now))
		}
	}
	second, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V2"))
	require.NoError(t, err)

	leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, leased, 1)
	require.Equal(t, routing.NoticeChannelMessage, leased[0].Kind, "the newer post before the older DM")
	require.Equal(t, second.ID, leased[0].HandoffID)
	dm, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 1)
	require.NoError(t, err)
	require.Equal(t, []routing.NoticeKind{routing.NoticePasserSent}, noticeKinds(dm), "then the DM: the thread reply waits for its post")
}

// TestLeaseHotPostsFirstOnePerChannel: in a channel, hot posts go first in
// submission order and one at a time across workers; a thread reply waits
// for every hot post of its channel; a claim's update is taken at once.
func TestLeaseHotPostsFirstOnePerChannel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	second, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V2"))
	require.NoError(t, err)

	post := func(want int64) routing.PendingNotice {
		t.Helper()
		var got []routing.PendingNotice
		leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
		require.NoError(t, err)
		for _, n := range leased {
			if n.Kind.IsChannelBound() {
				got = append(got, n)
			}
		}
		require.Len(t, got, 1, "one post in flight in the channel: %v", noticeKinds(leased))
		require.Equal(t, routing.NoticeChannelMessage, got[0].Kind)
		require.Equal(t, want, got[0].HandoffID, "hot posts in submission order")
		return got[0]
	}
	p1 := post(first.ID)
	// While it is in flight, the channel takes nothing else.
	leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
	require.NoError(t, err)
	require.NotContains(t, noticeKinds(leased), routing.NoticeChannelMessage)
	require.NotContains(t, noticeKinds(leased), routing.NoticeThreadBrief)
	require.NoError(t, b.store.MarkDelivered(b.ctx, p1, b.now))
	require.NoError(t, b.store.SetMessageTS(b.ctx, first.ID, "1700000000.000100", b.now))

	// The first lead's brief waits for the second lead's hot post.
	p2 := post(second.ID)
	// The first lead is claimed meanwhile: its update is no post, and goes
	// at once, the second post still in flight.
	_, won, err := b.store.Claim(b.ctx, first.ID, "U1", b.now)
	require.NoError(t, err)
	require.True(t, won)
	leased, err = b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
	require.NoError(t, err)
	require.Contains(t, noticeKinds(leased), routing.NoticeChannelMessage, "the claim's update")
	require.NotContains(t, noticeKinds(leased), routing.NoticeThreadBrief)
	require.NoError(t, b.store.MarkDelivered(b.ctx, p2, b.now))
	require.NoError(t, b.store.SetMessageTS(b.ctx, second.ID, "1700000000.000200", b.now))

	leased, err = b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
	require.NoError(t, err)
	briefs := 0
	for _, n := range leased {
		if n.Kind == routing.NoticeThreadBrief {
			briefs++
			require.Equal(t, first.ID, n.HandoffID, "one post at a time: the oldest brief")
		}
	}
	require.Equal(t, 1, briefs)
}

// TestLeaseFencesItsWrites: a worker whose lease ran out cannot record a
// result over the worker that holds the notice now.
func TestLeaseFencesItsWrites(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	stale, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, stale, 1)
	holder, err := b.store.LeaseNotices(b.ctx, b.now.Add(2*time.Minute), time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, holder, 1)
	require.Equal(t, stale[0].ID, holder[0].ID)

	boom := errors.New("boom")
	require.ErrorIs(t, b.store.MarkFailed(b.ctx, stale[0], boom, time.Hour, b.now), store.ErrLeaseLost)
	require.ErrorIs(t, b.store.Postpone(b.ctx, stale[0], time.Hour, time.Time{}, b.now), store.ErrLeaseLost)
	require.ErrorIs(t, b.store.MarkDelivered(b.ctx, stale[0], b.now), store.ErrLeaseLost)
	require.ErrorIs(t, b.store.MarkAbandoned(b.ctx, stale[0], boom, b.now), store.ErrLeaseLost)
	require.NoError(t, b.store.MarkDelivered(b.ctx, holder[0], b.now), "the holder's result is taken")
	require.ErrorIs(t, b.store.MarkDelivered(b.ctx, holder[0], b.now), store.ErrLeaseLost, "once")
}

// TestChannelTurnsAreSharedAndHeld: a channel's pace is one bucket for
// every caller (replica): a burst, then one a turn per interval; a 429's
// hold keeps everyone out until it ends.
func TestChannelTurnsAreSharedAndHeld(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pace := store.Pace{Burst: 3, Interval: time.Second}
	turn := func(channel string, at time.Time) time.Time {
		t.Helper()
		next, err := b.store.TakeChannelTurn(b.ctx, channel, pace, at)
		require.NoError(t, err)
		return next
	}
	for i := range 3 {
		require.Zero(t, turn("C1", b.now), "turn %d of the burst", i+1)
	}
	require.WithinDuration(t, b.now.Add(time.Second), turn("C1", b.now), 0, "then one a second")
	require.WithinDuration(t, b.now.Add(time.Second), turn("C1", b.now.Add(300*time.Millisecond)), 0, "the same next turn, asked later")
	require.Zero(t, turn("C2", b.now), "each channel has its own")
	require.Zero(t, turn("C1", b.now.Add(time.Second)))

	require.NoError(t, b.store.HoldChannel(b.ctx, "C2", 30*time.Second, pace, b.now))
	require.WithinDuration(t, b.now.Add(30*time.Second), turn("C2", b.now.Add(10*time.Second)), 0, "held until Retry-After is over")
	require.Zero(t, turn("C2", b.now.Add(30*time.Second)))
	require.WithinDuration(t, b.now.Add(31*time.Second), turn("C2", b.now.Add(30*time.Second)), 0,
		"after a hold, one a second rather than a burst")
}
