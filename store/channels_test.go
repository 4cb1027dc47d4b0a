package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// TestChannelEpisodeOnce: of many replicas finding a channel uninvited at
// once, one opens the episode and queues the managers' DMs; retries within
// the episode queue nothing; once invited again, a new episode tells them
// again.
func TestChannelEpisodeOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := routing.UninvitedChannel{Channel: "C0VIP", Pools: []string{"vip"}, Error: "channel_not_found"}
	notices := routing.NoticesOnUninvited(c, []routing.Pool{{Name: "vip", Channel: "C0VIP", Managers: []string{"UM1", "UM2"}}})

	var opened sync.Map
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			first, err := b.store.ChannelUninvited(b.ctx, c, notices, b.now)
			require.NoError(t, err)
			opened.Store(i, first)
		})
	}
	wg.Wait()
	count := 0
	opened.Range(func(_, v any) bool {
		if v.(bool) {
			count++
		}
		return true
	})
	require.Equal(t, 1, count, "one episode")

	leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, leased, 2, "each manager told once")
	for _, n := range leased {
		require.Equal(t, routing.NoticeChannelUninvited, n.Kind)
		require.Equal(t, "C0VIP", n.Detail["channel"])
		require.NoError(t, b.store.MarkDelivered(b.ctx, n, b.now))
	}

	c.Name = "vip-closers"
	first, err := b.store.ChannelUninvited(b.ctx, c, notices, b.now.Add(time.Minute))
	require.NoError(t, err)
	require.False(t, first, "a retry in the episode")
	uninvited, err := b.store.UninvitedChannels(b.ctx)
	require.NoError(t, err)
	require.Len(t, uninvited, 1)
	require.Equal(t, "vip-closers", uninvited[0].Name, "the name learnt later is kept")
	require.Equal(t, []string{"vip"}, uninvited[0].Pools)
	require.True(t, uninvited[0].Since.Equal(b.now), "since the episode began")

	closed, err := b.store.ChannelInvited(b.ctx, "C0VIP", b.now.Add(2*time.Minute))
	require.NoError(t, err)
	require.True(t, closed)
	closed, err = b.store.ChannelInvited(b.ctx, "C0VIP", b.now.Add(2*time.Minute))
	require.NoError(t, err)
	require.False(t, closed, "no episode left to end")
	uninvited, err = b.store.UninvitedChannels(b.ctx)
	require.NoError(t, err)
	require.Empty(t, uninvited)

	c.Name = ""
	first, err = b.store.ChannelUninvited(b.ctx, c, notices, b.now.Add(time.Hour))
	require.NoError(t, err)
	require.True(t, first, "a new episode")
	leased, err = b.store.LeaseNotices(b.ctx, b.now.Add(time.Hour), time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, leased, 2, "the managers told again")
	uninvited, err = b.store.UninvitedChannels(b.ctx)
	require.NoError(t, err)
	require.Equal(t, "vip-closers", uninvited[0].Name, "an unknown name does not erase the known one")

	var kinds []string
	rows, err := b.db.Query(b.ctx, `SELECT kind FROM events WHERE detail->>'channel' = 'C0VIP' ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		kinds = append(kinds, k)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"channel.uninvited", "channel.invited", "channel.uninvited"}, kinds)
}
