package outbox

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPacerAllowsABurstThenOnePerInterval(t *testing.T) {
	p := newPacer(ChannelPace{Burst: 3, Interval: time.Second})
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		require.Zero(t, p.take("C1", now), "post %d of the burst", i+1)
	}
	require.Equal(t, time.Second, p.take("C1", now), "the fourth waits for a token")
	require.Equal(t, 400*time.Millisecond, p.take("C1", now.Add(600*time.Millisecond)))
	require.Zero(t, p.take("C2", now), "another channel has its own pace")
	require.Zero(t, p.take("C1", now.Add(time.Second)), "one token a second")
	require.Equal(t, time.Second, p.take("C1", now.Add(time.Second)))
	// At rest for long enough, the whole burst is back.
	later := now.Add(time.Minute)
	for i := range 3 {
		require.Zero(t, p.take("C1", later), "post %d after a rest", i+1)
	}
	require.Positive(t, p.take("C1", later))
}

func TestPacerOff(t *testing.T) {
	var none *pacer
	require.Zero(t, none.take("C1", time.Now()))
	p := newPacer(ChannelPace{})
	for range 100 {
		require.Zero(t, p.take("C1", time.Now()))
	}
}
