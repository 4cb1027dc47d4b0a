package sweeper_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs/handoffstest"
	"github.com/batonhq/baton/bot/sweeper"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestSweeperFiresTheLadderAtItsDeadline: a running sweeper fires the
// first rung once the claim window has closed, woken by the rewind when
// the deadline is set, and stops when told to.
func TestSweeperFiresTheLadderAtItsDeadline(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	h := b.Create(t, "V1", "Acme Corp")
	h = b.Post(t, h.ID)
	b.Clock.Add(h.NextStepAt.Sub(b.Clock.Now()))

	s := sweeper.New(sweeper.Config{Deadlines: b.Service, Log: zerolog.Nop(), Now: b.Clock.Now, Interval: time.Hour, Rewind: b.Deadlines})
	ctx, stop := context.WithCancel(b.Ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	require.Eventually(t, func() bool {
		return slices.Contains(b.Events(t, h.ID), routing.EventEscalated)
	}, 10*time.Second, 10*time.Millisecond, "the first pass fires what is due")
	stop()
	require.NoError(t, <-done)
}

// TestSweeperWakesForANewDeadline: a sweeper asleep for its whole
// interval looks again when rewound, so a deadline set in this process
// fires on time.
func TestSweeperWakesForANewDeadline(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	h := b.Create(t, "V1", "Acme Corp")
	h = b.Post(t, h.ID)
	s := sweeper.New(sweeper.Config{Deadlines: b.Service, Log: zerolog.Nop(), Now: b.Clock.Now, Interval: time.Hour, Rewind: b.Deadlines})
	ctx, stop := context.WithCancel(b.Ctx)
	defer stop()
	go func() { _ = s.Run(ctx) }()

	// Nothing is due at the first pass; the sweeper then sleeps until the
	// deadline as its clock reads it, a minute away. The test's clock
	// jumps there, which only a rewind can tell it.
	b.Clock.Add(h.NextStepAt.Sub(b.Clock.Now()))
	b.Deadlines.Notify()
	require.Eventually(t, func() bool {
		return slices.Contains(b.Events(t, h.ID), routing.EventEscalated)
	}, 10*time.Second, 10*time.Millisecond, "rewound, the sweeper fires the deadline without waiting out its interval")
}
