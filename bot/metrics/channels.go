package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// channelAccess reports, at scrape time, the channels Baton cannot post
// into: how many, and which pools' channels.
type channelAccess struct {
	count, pools *prometheus.Desc
	read         func(context.Context) (pools map[string]bool, channels int, err error)
}

func (c channelAccess) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.count
	ch <- c.pools
}

func (c channelAccess) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxDepthTimeout)
	defer cancel()
	pools, channels, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.count, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(channels))
	for pool, out := range pools {
		v := 0.0
		if out {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.pools, prometheus.GaugeValue, v, pool)
	}
}

// WatchChannels registers baton_channels_uninvited and
// baton_pool_channel_uninvited, read with read at every scrape: how many
// channels Baton must post into and is not a member of, and for each pool
// whether its channel is one (by pool name: channel IDs are not labels).
// Call it once.
func (m *Metrics) WatchChannels(read func(context.Context) (pools map[string]bool, channels int, err error)) {
	if m == nil {
		return
	}
	m.registry.MustRegister(channelAccess{
		count: prometheus.NewDesc("baton_channels_uninvited",
			"Channels Baton must post into (a pool's, the digest's) and is not a member of: invite @Baton. Read from the database (all replicas) at scrape time.",
			nil, nil),
		pools: prometheus.NewDesc("baton_pool_channel_uninvited",
			"1 while Baton is not a member of the pool's channel (invite @Baton), 0 once it can post there; every configured pool, read from the database at scrape time.",
			[]string{"pool"}, nil),
		read: read,
	})
}
