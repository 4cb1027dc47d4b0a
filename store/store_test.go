package store_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

type bundle struct {
	store *store.Store
	db    *pgxpool.Pool
	ctx   context.Context
	now   time.Time
	pool  routing.Pool
}

func setup(t *testing.T) bundle {
	t.Helper()
	_, pool := storetest.NewDatabase(t)
	return bundle{
		store: store.New(pool),
		db:    pool,
		ctx:   context.Background(),
		now:   time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC),
		pool:  routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: []string{"U1", "U2"}},
	}
}

func (b bundle) newHandoff(key string) routing.NewHandoff {
	lead := routing.Lead{Company: "Acme Corp", ContactName: "Dana", Phone: "+14155550100", Email: "d@acme.example", Notes: "<!everyone> notes", Consent: true}
	policy := routing.Policy{Pools: []routing.Pool{b.pool}, SLA: routing.DefaultSLA()}
	return policy.Open(key, "UPASS", lead, b.pool, routing.Decide(b.pool, nil, b.now), b.now)
}

// createPosted stores in and records its post at b.now, as the outbox does
// once it is out: its claim window starts then.
func (b bundle) createPosted(t *testing.T, in routing.NewHandoff) routing.Handoff {
	t.Helper()
	h, _, err := b.store.CreateHandoff(b.ctx, in)
	require.NoError(t, err)
	require.NoError(t, b.store.SetMessageTS(b.ctx, h.ID, fmt.Sprintf("1700000000.%06d", h.ID), b.now))
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	return h
}

func TestCreateHandoff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, created, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	require.True(t, created)
	require.Positive(t, h.ID)
	require.Equal(t, routing.StateOpen, h.State)
	require.Equal(t, "C0HANDOFF", h.Channel)
	require.Equal(t, "<!everyone> notes", h.Lead.Notes, "stored as given; escaping is for output")
	require.True(t, h.CreatedAt.Equal(b.now))
	require.True(t, h.ClaimDeadline.Equal(b.now.Add(time.Minute)))

	got, err := b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, h, got)

	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, routing.EventCreated, events[0].Kind)
	require.Equal(t, "UPASS", events[0].Actor)
	require.Equal(t, "closers", events[0].Detail["pool"])

	// The announcement was written with the handoff, in the same transaction.
	pending, err := b.store.PendingCount(b.ctx)
	require.NoError(t, err)
	require.Equal(t, 3, pending, "the post, its thread reply, the passer's DM")
}

func TestCreateHandoffTwiceIsOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, created, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	require.True(t, created)
	again, created, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first.ID, again.ID)
	events, err := b.store.Events(b.ctx, first.ID)
	require.NoError(t, err)
	require.Len(t, events, 1)
	pending, err := b.store.PendingCount(b.ctx)
	require.NoError(t, err)
	require.Equal(t, 3, pending, "a double submit announces once")
}

func TestHandoffNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.store.Handoff(b.ctx, 999)
	require.ErrorIs(t, err, routing.ErrNotFound)
}

// TestClaimRace has 50 goroutines claim one handoff at once: exactly one
// wins, every loser learns who, and the log shows one claim.
func TestClaimRace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)

	const claimers = 50
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
		owners  = map[string]int{}
	)
	start := make(chan struct{})
	for i := range claimers {
		user := fmt.Sprintf("U%02d", i)
		wg.Go(func() {
			<-start
			got, won, err := b.store.Claim(b.ctx, h.ID, user, b.now.Add(14*time.Second))
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			if won {
				winners = append(winners, user)
			}
			owners[got.OwnerID]++
		})
	}
	close(start)
	wg.Wait()

	require.Len(t, winners, 1)
	require.Equal(t, map[string]int{winners[0]: claimers}, owners, "every claimer sees the one owner")

	got, err := b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateClaimed, got.State)
	require.Equal(t, winners[0], got.OwnerID)
	require.Equal(t, 14*time.Second, got.TimeToClaim())

	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	var claims []routing.Event
	for _, e := range events {
		if e.Kind == routing.EventClaimed {
			claims = append(claims, e)
		}
	}
	require.Len(t, claims, 1)
	require.Equal(t, winners[0], claims[0].Actor)
	require.InDelta(t, 14.0, claims[0].Detail["seconds_to_claim"], 0.001)
	require.Equal(t, false, claims[0].Detail["late"])
}

func TestLateClaimIsFlagged(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	got, won, err := b.store.Claim(b.ctx, h.ID, "U1", b.now.Add(90*time.Second))
	require.NoError(t, err)
	require.True(t, won)
	require.True(t, got.ClaimedLate())
	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, true, events[len(events)-1].Detail["late"])
}

func TestEventsAreAppendOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	_, err = b.db.Exec(b.ctx, `UPDATE events SET actor = 'forger' WHERE handoff_id = $1`, h.ID)
	require.ErrorContains(t, err, "append-only")
	_, err = b.db.Exec(b.ctx, `DELETE FROM events WHERE handoff_id = $1`, h.ID)
	require.ErrorContains(t, err, "append-only")
	_, err = b.db.Exec(b.ctx, `TRUNCATE events CASCADE`)
	require.ErrorContains(t, err, "append-only")
}

func TestSetMessageTSOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	require.NoError(t, b.store.SetMessageTS(b.ctx, h.ID, "1.0001", b.now))
	require.NoError(t, b.store.SetMessageTS(b.ctx, h.ID, "2.0002", b.now), "a second post's ts never replaces the first")
	got, err := b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, "1.0001", got.MessageTS)
	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	require.Len(t, events, 2)
	require.Equal(t, routing.EventPosted, events[1].Kind)
}

func TestMigrateTwiceIsHarmless(t *testing.T) {
	t.Parallel()
	_, pool := storetest.NewDatabase(t)
	require.NoError(t, store.Migrate(context.Background(), pool))
	require.NoError(t, store.Migrate(context.Background(), pool))
}
