package metrics_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/metrics"
)

// TestWatchChannels: the number of channels Baton is not in, and every
// pool as a series, 1 where Baton is not in its channel, 0 where it can
// post.
func TestWatchChannels(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	pools, channels := map[string]bool{"closers": false, "vip": true}, 2
	m.WatchChannels(func(context.Context) (map[string]bool, int, error) { return pools, channels, nil })
	require.Equal(t, 2.0, value(t, m, "baton_channels_uninvited"))
	require.Equal(t, 1.0, value(t, m, "baton_pool_channel_uninvited", "pool", "vip"))
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	series := 0
	for _, f := range families {
		if f.GetName() == "baton_pool_channel_uninvited" {
			series = len(f.GetMetric())
		}
	}
	require.Equal(t, 2, series, "the pool whose channel Baton can post into is reported too, at 0")
	pools["vip"], channels = false, 0
	require.Equal(t, 0.0, value(t, m, "baton_pool_channel_uninvited", "pool", "vip"))
	require.Equal(t, 0.0, value(t, m, "baton_channels_uninvited"))
}
