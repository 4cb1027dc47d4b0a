package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
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
		require.NoError(t, b.store.MarkDelivered(b.ctx, n.ID, b.now))
	}
	second, err := b.store.LeaseNotices(b.ctx, at, time.Minute, 10)
	require.NoError(t, err)
	require.Equal(t, []routing.NoticeKind{routing.NoticeThreadBrief, routing.NoticePasserClaimed}, noticeKinds(second),
		"the thread reply right after the post it replies to")
	for _, n := range second {
		require.NoError(t, b.store.MarkDelivered(b.ctx, n.ID, b.now))
	}
	third, err := b.store.LeaseNotices(b.ctx, at, time.Minute, 10)
	require.NoError(t, err)
	require.Equal(t, []routing.NoticeKind{routing.NoticeChannelMessage}, noticeKinds(third))
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
	require.NoError(t, b.store.MarkFailed(b.ctx, later[0].ID, errors.New("ratelimited"), retryAt))
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
	require.Len(t, seen, 9, "8 channel messages and the passer's first DM")
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
	require.Contains(t, noticeKinds(next), routing.NoticeThreadBrief, "the notice behind it is no longer blocked")
	require.NotContains(t, ids(next), post.ID, "an abandoned notice is never handed out again")

	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	last := events[len(events)-1]
	require.Equal(t, routing.EventNoticeAbandoned, last.Kind)
	require.Equal(t, "channel_not_found", last.Detail["error"])
	require.Equal(t, string(routing.NoticeChannelMessage), last.Detail["notice"])
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
		require.NoError(t, b.store.MarkDelivered(b.ctx, leased[0].ID, b.now))
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
