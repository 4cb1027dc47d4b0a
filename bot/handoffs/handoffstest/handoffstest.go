// Package handoffstest sets up the use cases on a real PostgreSQL for the
// tests of the units around them (the service itself, the outbox worker,
// the sweeper, the Slack edge): one database per test, a clock the test
// moves, and the signals the service sends.
package handoffstest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/wakeup"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// Clock is a clock the test moves by hand.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Bundle is what a test works with: the service on a database of its
// own, its store, its clock, its one pool and the signals it sends.
type Bundle struct {
	Ctx       context.Context
	Service   *handoffs.Service
	Store     *store.Store
	Clock     *Clock
	Pool      routing.Pool
	Committed *wakeup.Signal
	Deadlines *wakeup.Signal
	// DB is the database itself, for a test that holds a lock or reads a
	// table the store does not expose.
	DB *pgxpool.Pool
}

// New sets up a bundle: a pool "closers" in C0HANDOFF with members U0AE1
// and U0AE2 and manager U0BOSS, the default checklist, the digest in
// C0DIGEST. The test's package must run storetest.Main.
func New(t testing.TB) Bundle {
	t.Helper()
	_, db := storetest.NewDatabase(t)
	checklist, ok := routing.Template(routing.DefaultTemplate)
	require.True(t, ok)
	pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: []string{"U0AE1", "U0AE2"}, Managers: []string{"U0BOSS"}}
	policy := routing.Policy{Pools: []routing.Pool{pool}, SLA: routing.DefaultSLA(), Checklist: checklist, Location: time.UTC,
		Digest: routing.Digest{Channel: "C0DIGEST"}}
	b := Bundle{
		Ctx:       context.Background(),
		Store:     store.New(db),
		Clock:     &Clock{now: time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)},
		Pool:      pool,
		Committed: wakeup.New(),
		Deadlines: wakeup.New(),
		DB:        db,
	}
	b.Service = handoffs.New(handoffs.Config{Store: b.Store, Policy: policy, Log: zerolog.Nop(), Now: b.Clock.Now,
		Committed: b.Committed, DeadlineSet: b.Deadlines, Replica: "test"})
	return b
}

// Form is a form that passes the default checklist's live-transfer gates.
func Form(company string) routing.Form {
	return routing.Form{
		Lead: routing.Lead{Company: company, ContactName: "Dana Reyes", Phone: "+1 415 555 0100", Email: "dana@acme.example",
			Notes: "600 seats", Consent: true},
		Answers: map[string]routing.RawAnswer{
			"crm": {Text: "Salesforce"}, "employees": {Text: "600"}, "industry": {Text: "E-commerce"}, "decision_maker_level": {Text: "VP"},
		},
		Live: true,
	}
}

// Create stores a live handoff passed by U0SDR. The signals it sends are
// left for the unit under test (the outbox worker, the sweeper).
func (b Bundle) Create(t testing.TB, view, company string) routing.Handoff {
	t.Helper()
	c, err := b.Service.Create(b.Ctx, handoffs.Submission{ViewID: view, User: "U0SDR", Form: Form(company)})
	require.NoError(t, err)
	require.Empty(t, c.Problems)
	require.Nil(t, c.Later)
	require.True(t, c.New)
	return c.Handoff
}

// Post records handoff id's channel post at the clock's time, as the
// outbox does once Slack took it: its claim window starts then. It returns
// the handoff as it now stands.
func (b Bundle) Post(t testing.TB, id int64) routing.Handoff {
	t.Helper()
	require.NoError(t, b.Store.SetMessageTS(b.Ctx, id, fmt.Sprintf("1700000000.%06d", id), b.Clock.Now()))
	h, err := b.Store.Handoff(b.Ctx, id)
	require.NoError(t, err)
	return h
}

// Events are the kinds of handoff id's events, oldest first.
func (b Bundle) Events(t testing.TB, id int64) []routing.EventKind {
	t.Helper()
	events, err := b.Store.Events(b.Ctx, id)
	require.NoError(t, err)
	var kinds []routing.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}
