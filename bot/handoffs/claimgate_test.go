package handoffs

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// TestClaimGates: clicks on one handoff take turns; a win is remembered
// for the clicks that follow and forgotten when it expires; gates without
// a win are forgotten as soon as nobody waits.
func TestClaimGates(t *testing.T) {
	t.Parallel()
	var g claimGates

	// Fifty clicks at once hold the gate one at a time.
	var wg sync.WaitGroup
	var mu sync.Mutex
	holding, most := 0, 0
	for range 50 {
		wg.Go(func() {
			gate := g.acquire(1)
			mu.Lock()
			holding++
			most = max(most, holding)
			mu.Unlock()
			mu.Lock()
			holding--
			mu.Unlock()
			g.release(1, gate)
		})
	}
	wg.Wait()
	require.Equal(t, 1, most, "one click at a time")
	require.Zero(t, g.size(), "no win: nothing kept")

	// A win is seen by the next click on the same handoff only.
	gate := g.acquire(2)
	g.remember(2, gate, routing.Handoff{ID: 2, State: routing.StateClaimed, OwnerID: "U0AE1"})
	g.release(2, gate)
	require.Equal(t, 1, g.size())
	next := g.acquire(2)
	require.NotNil(t, next.won)
	require.Equal(t, "U0AE1", next.won.OwnerID)
	other := g.acquire(3)
	require.Nil(t, other.won)
	g.release(3, other)

	// Expiry while a click holds the gate: forgotten when it lets go.
	g.expire(2, next)
	require.Equal(t, 1, g.size())
	g.release(2, next)
	require.Zero(t, g.size())
	require.Nil(t, g.acquire(2).won, "a new gate: the database decides again")
}
