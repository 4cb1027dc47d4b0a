package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

const (
	hookAll    = "https://crm.example/all"
	hookClaims = "https://crm.example/claims"
)

func webhookTypes(ds []store.WebhookDelivery) []routing.WebhookType {
	out := make([]routing.WebhookType, len(ds))
	for i, d := range ds {
		out[i] = d.Type
	}
	return out
}

func TestWebhooksEnqueuedWithTheirEvent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{
		{URL: hookAll},
		{URL: hookClaims, Types: []routing.WebhookType{routing.WebhookHandoffClaimed}},
	})
	h := b.createPosted(t, b.newHandoff("V1"))
	_, won, err := b.store.Claim(b.ctx, h.ID, "U1", b.now.Add(time.Second))
	require.NoError(t, err)
	require.True(t, won)
	// A member's event is about no lead: nothing is sent.
	require.NoError(t, b.store.SetAvailability(b.ctx, "U2", b.now.Add(time.Hour), b.now))

	ds, err := b.store.WebhookDeliveries(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, []routing.WebhookType{routing.WebhookHandoffCreated, routing.WebhookHandoffPosted, routing.WebhookHandoffClaimed, routing.WebhookHandoffClaimed},
		webhookTypes(ds))
	require.Equal(t, []string{hookAll, hookAll, hookAll, hookClaims}, []string{ds[0].Endpoint, ds[1].Endpoint, ds[2].Endpoint, ds[3].Endpoint})
	events, err := b.store.Events(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, events[0].ID, ds[0].EventID)
	require.Equal(t, events[len(events)-1].ID, ds[3].EventID)
	require.NotEqual(t, ds[2].DeliveryID, ds[3].DeliveryID, "each endpoint has its own delivery id")

	// Each delivery carries the handoff as it stood just after its event.
	require.Equal(t, routing.StateOpen, ds[0].Handoff.State)
	require.Empty(t, ds[0].Handoff.MessageTS)
	require.Equal(t, "Acme Corp", ds[0].Handoff.Lead.Company)
	require.Equal(t, h.MessageTS, ds[1].Handoff.MessageTS)
	require.Equal(t, routing.StateClaimed, ds[2].Handoff.State)
	require.Equal(t, "U1", ds[2].Handoff.OwnerID)
	require.Equal(t, "U1", ds[2].Actor)
	require.Equal(t, false, ds[2].Detail["late"])
	require.Equal(t, b.now.Add(time.Second), ds[2].OccurredAt.UTC())

	var all int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM webhook_deliveries`).Scan(&all))
	require.Equal(t, 4, all, "the member's away went to no endpoint")
}

func TestWebhookDeliveryIsInTheChangesTransaction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}})
	// A delivery that cannot be written takes the change with it.
	_, err := b.db.Exec(b.ctx, `
		CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no deliveries'; END $$;
		CREATE TRIGGER refuse BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse();`)
	require.NoError(t, err)
	_, _, err = b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.ErrorContains(t, err, "no deliveries")
	var handoffs, events, notices int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT (SELECT count(*) FROM handoffs), (SELECT count(*) FROM events), (SELECT count(*) FROM outbox)`).
		Scan(&handoffs, &events, &notices))
	require.Zero(t, handoffs+events+notices, "the handoff, its event and its notices were rolled back with the delivery")

	// Without endpoints, nothing is enqueued and nothing can fail.
	b.store.SetWebhookRoutes(nil)
	_, created, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	require.True(t, created)
}

func TestLeaseWebhooksInOrderPerEndpointAndHandoff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}, {URL: hookClaims}})
	first, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	_, _, err = b.store.Claim(b.ctx, first.ID, "U1", b.now)
	require.NoError(t, err)
	second, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V2"))
	require.NoError(t, err)

	// Only hookAll is this worker's: one head per handoff.
	leased, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Hour, 10)
	require.NoError(t, err)
	require.Len(t, leased, 2)
	require.Equal(t, []int64{first.ID, second.ID}, []int64{leased[0].Handoff.ID, leased[1].Handoff.ID})
	require.Equal(t, []routing.WebhookType{routing.WebhookHandoffCreated, routing.WebhookHandoffCreated}, webhookTypes(leased))
	again, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Hour, 10)
	require.NoError(t, err)
	require.Empty(t, again, "the claim waits for the creation, which is leased")

	// A failed attempt still holds the claim back, until its retry goes.
	require.NoError(t, b.store.RetryWebhook(b.ctx, leased[0], "500 Internal Server Error", time.Minute, b.now))
	again, err = b.store.LeaseWebhooks(b.ctx, b.now.Add(30*time.Second), []string{hookAll}, time.Hour, 10)
	require.NoError(t, err)
	require.Empty(t, again)
	retried, err := b.store.LeaseWebhooks(b.ctx, b.now.Add(time.Minute), []string{hookAll}, time.Hour, 10)
	require.NoError(t, err)
	require.Len(t, retried, 1)
	require.Equal(t, leased[0].DeliveryID, retried[0].DeliveryID, "a retry keeps its delivery id")
	require.Equal(t, 2, retried[0].Attempts)
	require.Equal(t, "500 Internal Server Error", retried[0].LastError)

	// The stale lease cannot record a result.
	require.ErrorIs(t, b.store.MarkWebhookDelivered(b.ctx, leased[0], b.now), store.ErrWebhookLeaseLost)
	require.NoError(t, b.store.MarkWebhookDelivered(b.ctx, retried[0], b.now.Add(time.Minute)))
	next, err := b.store.LeaseWebhooks(b.ctx, b.now.Add(time.Minute), []string{hookAll}, time.Hour, 10)
	require.NoError(t, err)
	require.Len(t, next, 1)
	require.Equal(t, routing.WebhookHandoffClaimed, next[0].Type)
	require.Equal(t, first.ID, next[0].Handoff.ID)

	// The other endpoint's queue is its own.
	other, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookClaims}, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, other, 2)
}

func TestDeadLetteredWebhooksListedAndReplayed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}})
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	_, _, err = b.store.Claim(b.ctx, h.ID, "U1", b.now)
	require.NoError(t, err)

	leased, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, leased, 1)
	require.NoError(t, b.store.DeadLetterWebhook(b.ctx, leased[0], "connection refused", b.now))

	dead, err := b.store.WebhookDeadLetters(b.ctx)
	require.NoError(t, err)
	require.Len(t, dead, 1)
	require.Equal(t, leased[0].DeliveryID, dead[0].DeliveryID)
	require.Equal(t, "connection refused", dead[0].LastError)
	counts, err := b.store.CountDeadWebhooks(b.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, counts)

	// A dead letter no longer holds its handoff's later events back.
	next, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, next, 1)
	require.Equal(t, routing.WebhookHandoffClaimed, next[0].Type)
	require.NoError(t, b.store.MarkWebhookDelivered(b.ctx, next[0], b.now))

	n, err := b.store.ReplayWebhooks(b.ctx, "no-such-id", b.now)
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = b.store.ReplayWebhooks(b.ctx, dead[0].DeliveryID, b.now)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	counts, err = b.store.CountDeadWebhooks(b.ctx)
	require.NoError(t, err)
	require.Zero(t, counts)
	replayed, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, replayed, 1)
	require.Equal(t, dead[0].DeliveryID, replayed[0].DeliveryID, "a replay keeps the delivery id")
	require.Equal(t, 1, replayed[0].Attempts, "a replay counts its attempts again")
	n, err = b.store.ReplayWebhooks(b.ctx, "", b.now)
	require.NoError(t, err)
	require.Zero(t, n, "nothing else is dead")
}

func TestPruneWebhooksKeepsWhatIsNotDelivered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}, {URL: hookClaims}})
	_, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	_, _, err = b.store.CreateHandoff(b.ctx, b.newHandoff("V2"))
	require.NoError(t, err)
	leased, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, leased, 2)
	// b.now is days ago by the database's clock.
	require.NoError(t, b.store.MarkWebhookDelivered(b.ctx, leased[0], b.now))
	require.NoError(t, b.store.DeadLetterWebhook(b.ctx, leased[1], "gone", b.now))

	n, err := b.store.PruneWebhooks(b.ctx, 24*time.Hour, 10)
	require.NoError(t, err)
	require.Equal(t, 1, n, "only the old delivered one")
	var left int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM webhook_deliveries`).Scan(&left))
	require.Equal(t, 3, left, "the dead letter and the two still to send to hookClaims stay")
	n, err = b.store.PruneWebhooks(b.ctx, 24*time.Hour, 10)
	require.NoError(t, err)
	require.Zero(t, n)

	// hookClaims is removed from the configuration: its two deliveries
	// are listed, then pruned, being older than the retention; the dead
	// letter to hookAll stays.
	backlog, err := b.store.UnconfiguredWebhooks(b.ctx, []string{hookAll, hookClaims})
	require.NoError(t, err)
	require.Empty(t, backlog)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}})
	backlog, err = b.store.UnconfiguredWebhooks(b.ctx, []string{hookAll})
	require.NoError(t, err)
	require.Len(t, backlog, 1)
	require.Equal(t, hookClaims, backlog[0].Endpoint)
	require.Equal(t, 2, backlog[0].Count)
	require.WithinDuration(t, b.now, backlog[0].Oldest, time.Second)
	// They were queued at b.now, a fixed day in the past: a retention an
	// hour longer than their age keeps them, one an hour shorter does not.
	age := time.Since(b.now)
	n, err = b.store.PruneWebhooks(b.ctx, age+time.Hour, 10)
	require.NoError(t, err)
	require.Zero(t, n, "younger than the retention: kept")
	n, err = b.store.PruneWebhooks(b.ctx, age-time.Hour, 10)
	require.NoError(t, err)
	require.Equal(t, 2, n, "the deliveries to the removed endpoint")
	var dead int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FROM webhook_deliveries WHERE dead_at IS NOT NULL`).Scan(&dead))
	require.Equal(t, 1, dead, "the dead letter stays")
}

// TestPruneWebhooksBeforeRoutesRemovesNothingWaiting: a store whose
// routes were never set knows of no endpoint, and so of none removed.
func TestPruneWebhooksBeforeRoutesRemovesNothingWaiting(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}})
	_, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	fresh := store.New(b.db)
	n, err := fresh.PruneWebhooks(b.ctx, time.Hour, 10)
	require.NoError(t, err)
	require.Zero(t, n)
	fresh.SetWebhookRoutes(nil)
	n, err = fresh.PruneWebhooks(b.ctx, time.Hour, 10)
	require.NoError(t, err)
	require.Equal(t, 1, n, "no endpoint configured: the waiting delivery goes")
}

func TestPutBackWebhookCountsNoAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}})
	_, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	leased, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, leased, 1)
	require.NoError(t, b.store.PutBackWebhook(b.ctx, leased[0], "cut off by a stop", b.now))
	again, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, again, 1, "due at once")
	require.Equal(t, 1, again[0].Attempts, "the put-back lease was no attempt")
	require.ErrorIs(t, b.store.PutBackWebhook(b.ctx, leased[0], "stale", b.now), store.ErrWebhookLeaseLost)
}

// TestConcurrentWebhookLeasesKeepTheOrder runs workers against one table,
// as replicas would: no delivery is leased twice, and a lead's claim is
// never leased before its creation was delivered.
func TestConcurrentWebhookLeasesKeepTheOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}})
	const leads = 12
	for i := range leads {
		h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff(fmt.Sprintf("V%d", i)))
		require.NoError(t, err)
		_, _, err = b.store.Claim(b.ctx, h.ID, "U1", b.now)
		require.NoError(t, err)
	}
	var (
		mu        sync.Mutex
		leased    = map[int64]bool{}
		delivered = map[int64]bool{} // handoffs whose creation was delivered
		problems  []string
		wg        sync.WaitGroup
	)
	for range 6 {
		wg.Go(func() {
			for idle := 0; idle < 20; {
				ds, err := b.store.LeaseWebhooks(b.ctx, b.now, []string{hookAll}, time.Hour, 3)
				if err != nil {
					mu.Lock()
					problems = append(problems, err.Error())
					mu.Unlock()
					return
				}
				if len(ds) == 0 {
					idle++
					continue
				}
				for _, d := range ds {
					mu.Lock()
					if leased[d.ID] {
						problems = append(problems, fmt.Sprintf("delivery %d leased twice", d.ID))
					}
					leased[d.ID] = true
					if d.Type == routing.WebhookHandoffClaimed && !delivered[d.Handoff.ID] {
						problems = append(problems, fmt.Sprintf("the claim of %d leased before its creation was delivered", d.Handoff.ID))
					}
					if d.Type == routing.WebhookHandoffCreated {
						// Recorded before the mark, so a lease that follows the mark sees it.
						delivered[d.Handoff.ID] = true
					}
					mu.Unlock()
					if err := b.store.MarkWebhookDelivered(b.ctx, d, b.now); err != nil {
						mu.Lock()
						problems = append(problems, err.Error())
						mu.Unlock()
					}
				}
			}
		})
	}
	wg.Wait()
	require.Empty(t, problems)
	require.Len(t, leased, 2*leads, "every delivery went, once")
}

// TestWebhookSnapshotOfAnOlderSchema: a snapshot taken before a column
// was added reads that column from the handoff as it is now, not as a
// NULL its field cannot hold.
func TestWebhookSnapshotOfAnOlderSchema(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.SetWebhookRoutes([]store.WebhookRoute{{URL: hookAll}})
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
	require.NoError(t, err)
	// As if post_delay_told (NOT NULL, a bool) had come after the snapshot.
	_, err = b.db.Exec(b.ctx, `UPDATE webhook_deliveries SET handoff = handoff - 'post_delay_told' - 'company'`)
	require.NoError(t, err)
	ds, err := b.store.WebhookDeliveries(b.ctx, h.ID)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, "Acme Corp", ds[0].Handoff.Lead.Company, "from the live row")
	require.Equal(t, routing.StateOpen, ds[0].Handoff.State, "from the snapshot")
}
