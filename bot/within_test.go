package bot

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWithinCountsFromArrival: a budget runs from the envelope's arrival,
// not from when its handler got a slot; one spent while waiting leaves a
// context already ended.
func TestWithinCountsFromArrival(t *testing.T) {
	t.Parallel()
	received := time.Now().Add(-time.Second)
	ctx, cancel := within(context.Background(), received, time.Minute)
	defer cancel()
	deadline, ok := ctx.Deadline()
	require.True(t, ok)
	require.WithinDuration(t, received.Add(time.Minute), deadline, 100*time.Millisecond, "a minute from the arrival, not from now")

	spent, cancel := within(context.Background(), time.Now().Add(-3*time.Second), 2*time.Second)
	defer cancel()
	require.ErrorIs(t, spent.Err(), context.DeadlineExceeded, "the budget was spent waiting")
}
