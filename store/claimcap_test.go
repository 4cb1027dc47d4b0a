package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// TestClaimIfCapRace has one member with a daily cap of 2 click Claim on
// ten open leads of two pools at the same instant. Caps count a person's
// leads in every pool, and the check runs inside each claim's transaction
// under a lock on the claimer: exactly two claims win, the other eight are
// refused as capped with nothing written, and the log holds two claims.
func TestClaimIfCapRace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	capped := map[string]routing.MemberSettings{"U1": {DailyCap: 2}}
	pools := []routing.Pool{
		{Name: "closers", Channel: "C0HANDOFF", Members: []string{"U1", "U2"}, Rotation: routing.Rotation{Settings: capped}},
		{Name: "enterprise", Channel: "C0ENT", Members: []string{"U1", "U3"}, Rotation: routing.Rotation{Settings: capped}},
	}
	policy := routing.Policy{Pools: pools, SLA: routing.DefaultSLA(), Location: time.UTC}
	const leads = 10
	ids := make([]int64, leads)
	for i := range leads {
		pool := pools[i%2]
		lead := routing.Lead{Company: fmt.Sprintf("Lead %d", i), Consent: true}
		h, _, err := b.store.CreateHandoff(b.ctx, policy.Open(fmt.Sprintf("V%d", i), "UPASS", lead, pool, routing.Decide(pool, nil, b.now), b.now))
		require.NoError(t, err)
		ids[i] = h.ID
	}

	at := b.now.Add(5 * time.Second)
	check := func(h routing.Handoff, loads routing.Loads) error {
		pool, _ := policy.Pool(h.Pool)
		period, today := policy.RotationSince(pool, at)
		states, err := loads(pool.Name, []string{"U1"}, period, today)
		if err != nil {
			return err
		}
		clicker := routing.MemberState{User: "U1"}
		if len(states) == 1 {
			clicker = states[0]
		}
		if r := routing.CheckEligibility(h, pool, h.Turn, clicker, at); r != nil {
			return r
		}
		return nil
	}

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     []int64
		refused int
	)
	start := make(chan struct{})
	for _, id := range ids {
		wg.Go(func() {
			<-start
			h, ok, err := b.store.ClaimIf(b.ctx, id, "U1", at, check)
			mu.Lock()
			defer mu.Unlock()
			var refusal *routing.ClaimRefusal
			switch {
			case errors.As(err, &refusal):
				require.Equal(t, routing.RefusedCapped, refusal.Code)
				require.False(t, ok)
				require.Equal(t, routing.StateOpen, h.State, "a refusal changes nothing")
				refused++
			case err != nil:
				t.Errorf("claim %d: %v", id, err)
			case ok:
				won = append(won, id)
			default:
				t.Errorf("claim %d: neither won nor refused", id)
			}
		})
	}
	close(start)
	wg.Wait()
	require.Len(t, won, 2, "the cap holds however many claims run at once")
	require.Equal(t, leads-2, refused)

	var claimed, events int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM handoffs WHERE state = 'claimed'`).Scan(&claimed))
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM events WHERE kind = $1`, routing.EventClaimed).Scan(&events))
	require.Equal(t, 2, claimed)
	require.Equal(t, 2, events, "refused claims leave no event")
}

// TestClaimIfOnClosedHandoff: a handoff already claimed is not checked
// again; the loser gets it as it stands, to be told who has it.
func TestClaimIfOnClosedHandoff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	_, ok, err := b.store.Claim(b.ctx, h.ID, "U1", b.now)
	require.NoError(t, err)
	require.True(t, ok)
	got, ok, err := b.store.ClaimIf(b.ctx, h.ID, "U2", b.now, func(routing.Handoff, routing.Loads) error {
		t.Error("the check runs only on an open handoff")
		return nil
	})
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, "U1", got.OwnerID)

	_, _, err = b.store.ClaimIf(b.ctx, 999999, "U2", b.now, nil)
	require.ErrorIs(t, err, routing.ErrNotFound)
}
