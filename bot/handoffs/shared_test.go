package handoffs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// TestSharedReads: callers arriving while a read of the same key runs get
// its result; a later caller, or another key, reads afresh.
func TestSharedReads(t *testing.T) {
	t.Parallel()
	var s sharedReads
	ctx := context.Background()
	release := make(chan struct{})
	reads := 0
	read := func(context.Context) ([]routing.MemberState, error) {
		reads++
		<-release
		return []routing.MemberState{{User: "U0AE1"}}, nil
	}

	first := make(chan []routing.MemberState)
	go func() {
		got, _ := s.states(ctx, "closers", read)
		first <- got
	}()
	// Wait until the first read is in flight, then join it.
	require.Eventually(t, func() bool { return joined(&s, "closers") >= 0 }, 5*time.Second, time.Millisecond)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			got, err := s.states(ctx, "closers", func(context.Context) ([]routing.MemberState, error) {
				return nil, errors.New("joined a read in flight: must not read")
			})
			assert.NoError(t, err)
			assert.Equal(t, []routing.MemberState{{User: "U0AE1"}}, got)
		})
	}
	require.Eventually(t, func() bool { return joined(&s, "closers") == 10 }, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	require.Equal(t, "U0AE1", (<-first)[0].User)
	require.Equal(t, 1, reads)

	// Done: the next caller reads again.
	got, err := s.states(ctx, "closers", func(context.Context) ([]routing.MemberState, error) { return nil, errors.New("fresh") })
	require.EqualError(t, err, "fresh")
	require.Nil(t, got)
}

// joined is how many callers wait for key's read in flight; -1 for none.
func joined(s *sharedReads, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.inFlight[key]; ok {
		return r.joined
	}
	return -1
}
