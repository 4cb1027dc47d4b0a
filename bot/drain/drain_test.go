package drain

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDetachedOutlivesCancelNotBound(t *testing.T) {
	t.Parallel()
	parent, cancelParent := context.WithCancel(context.Background())
	bound, cutOff := context.WithCancel(context.Background())
	ctx := WithBound(parent, bound)

	work, done := Detached(ctx, time.Hour)
	defer done()
	cancelParent()
	require.NoError(t, work.Err(), "a stop does not end work already taken on")
	require.False(t, CutOff(work))

	cutOff()
	<-work.Done()
	require.ErrorIs(t, work.Err(), context.Canceled, "the end of the bound cuts it off")
	require.True(t, CutOff(work))
	require.Equal(t, time.Second, Deadline(work, time.Second), "cut off: only the minimum to record")
}

func TestDetachedWithoutBound(t *testing.T) {
	t.Parallel()
	work, done := Detached(context.Background(), time.Hour)
	defer done()
	require.False(t, CutOff(work))
	require.Greater(t, Deadline(work, time.Second), 59*time.Minute, "its own deadline, when longer than the minimum")
	done()
	require.ErrorIs(t, work.Err(), context.Canceled)
}
