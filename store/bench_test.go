package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// The benchmarks of this file run against a real PostgreSQL, like the
// tests. Those that read history load it with storetest.NewSeededDatabase,
// which seeds each size once per run (a million handoffs take a few
// minutes) and clones it for every benchmark. Run them with
//
//	go test ./store -run '^$' -bench . -benchtime 2s -count 6

// historySizes are the histories the sweep and member-state benchmarks
// run against: the performance budget (docs/performance.md) is for a million handoffs.
var historySizes = []int{10_000, 100_000, 1_000_000}

// benchEnd is the end of every seeded history: fixed, so every run loads
// the same rows.
var benchEnd = time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)

// benchOpen is how many handoffs are in flight at benchEnd.
const benchOpen = 20

func benchHistory(n int) storetest.History {
	return storetest.History{Handoffs: n, Open: benchOpen, End: benchEnd, Seed: 1}
}

// BenchmarkClaim is the claim transaction raced by simultaneous clickers:
// each op is one handoff claimed by that many goroutines at once, and it
// ends when all of them have an answer. winner-ns/op is how long the
// winner's Claim took, which is what the message update waits on.
func BenchmarkClaim(b *testing.B) {
	for _, claimers := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("claimers=%d", claimers), func(b *testing.B) {
			_, db := storetest.NewDatabase(b)
			st := store.New(db)
			ctx := context.Background()
			now := time.Now()
			pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: storetest.SeedMembers(claimers)}
			policy := routing.Policy{Pools: []routing.Pool{pool}, SLA: routing.DefaultSLA()}
			lead := routing.Lead{Company: "Acme Corp", ContactName: "Dana", Phone: "+14155550100", Consent: true}

			// One fresh handoff per op, created before the clock runs.
			ids := make([]int64, b.N)
			for i := range ids {
				h, _, err := st.CreateHandoff(ctx, policy.Open(fmt.Sprintf("V%d", i), "UPASS", lead, pool, routing.Decide(pool, nil, now), now))
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = h.ID
			}
			b.ReportAllocs()
			b.ResetTimer()
			var winnerTime time.Duration
			for i := range b.N {
				var wg sync.WaitGroup
				var mu sync.Mutex
				winners := 0
				start := make(chan struct{})
				for c := range claimers {
					wg.Go(func() {
						<-start
						t0 := time.Now()
						_, won, err := st.Claim(ctx, ids[i], pool.Members[c], now)
						took := time.Since(t0)
						if err != nil {
							b.Error(err)
							return
						}
						if won {
							mu.Lock()
							winners++
							winnerTime += took
							mu.Unlock()
						}
					})
				}
				close(start)
				wg.Wait()
				if winners != 1 {
					b.Fatalf("handoff %d: %d winners of %d claimers, want exactly one", ids[i], winners, claimers)
				}
			}
			b.ReportMetric(float64(winnerTime.Nanoseconds())/float64(b.N), "winner-ns/op")
			b.ReportMetric(1, "winners/op") // checked above: exactly one, every time
		})
	}
}

// BenchmarkSweep is the escalation sweeper against a history: idle is the
// pass every replica makes each tick when nothing is due (SweepDue finding
// nothing, then NextDeadline), fire is a pass that fires one due rung
// (lock, read, decide with the pool's member states, write the change, its
// event and its notice).
func BenchmarkSweep(b *testing.B) {
	for _, n := range historySizes {
		b.Run(fmt.Sprintf("handoffs=%d", n), func(b *testing.B) {
			_, db, _ := storetest.NewSeededDatabase(b, benchHistory(n))
			st := store.New(db)
			ctx := context.Background()
			members := storetest.SeedMembers(10)

			b.Run("idle", func(b *testing.B) {
				never := func(routing.Handoff, time.Time, routing.Loads) (routing.Change, error) {
					b.Fatal("nothing is due before the end of the history")
					return routing.Change{}, nil
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := st.SweepDue(ctx, benchEnd, 50, never); err != nil {
						b.Fatal(err)
					}
					if _, ok, err := st.NextDeadline(ctx); err != nil || !ok {
						b.Fatal(ok, err)
					}
				}
			})

			// Each op of fire moves the clock an hour on and fires the
			// earliest due rung; the decision puts that handoff's next rung
			// benchOpen hours ahead, so a rung is always due and the open
			// handoffs stay open. The clock lives out here: -count runs
			// fire again on the same database, where it must go on.
			now := benchEnd.Add(time.Minute)
			b.Run("fire", func(b *testing.B) {
				period, today := routing.PeriodStart(routing.ResetMonthly, benchEnd, time.UTC), routing.DayStart(benchEnd, time.UTC)
				decide := func(h routing.Handoff, _ time.Time, loads routing.Loads) (routing.Change, error) {
					if _, err := loads("closers", members, period, today); err != nil {
						return routing.Change{}, err
					}
					h.NextStepAt = now.Add(benchOpen * time.Hour)
					return routing.Change{
						Handoff: h,
						Event:   routing.Event{HandoffID: h.ID, At: now, Actor: "baton", Kind: routing.EventEscalated, Detail: map[string]any{"step": 1}},
						Notices: []routing.Notice{{Kind: routing.NoticeReping, HandoffID: h.ID}},
					}, nil
				}
				b.ReportAllocs()
				for b.Loop() {
					now = now.Add(time.Hour)
					changes, err := st.SweepDue(ctx, now, 1, decide)
					if err != nil || len(changes) != 1 {
						b.Fatal(len(changes), err)
					}
				}
			})
		})
	}
}

// BenchmarkMemberStates is the rotation's read of a pool's members, made
// before the form opens, on submit and at every click (for one member),
// against a year of history owned by 1,000 members.
func BenchmarkMemberStates(b *testing.B) {
	for _, n := range historySizes {
		b.Run(fmt.Sprintf("handoffs=%d", n), func(b *testing.B) {
			_, db, _ := storetest.NewSeededDatabase(b, benchHistory(n))
			st := store.New(db)
			ctx := context.Background()
			period, today := routing.PeriodStart(routing.ResetMonthly, benchEnd, time.UTC), routing.DayStart(benchEnd, time.UTC)
			for _, size := range []int{1, 10, 100, 1000} {
				members := storetest.SeedMembers(size)
				b.Run(fmt.Sprintf("members=%d", size), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := st.MemberStates(ctx, "closers", members, period, today); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkSLASweep is the SLA sweep (every replica, every sweep tick)
// against a history whose owned leads carry the record routing's clocks
// left on them: idle is a tick with nothing due, fire a tick that checks
// one due lead with the real routing.CheckSLA and writes what it decided
// (a breach or an alert with its event and DM, or only the next look).
func BenchmarkSLASweep(b *testing.B) {
	pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: storetest.SeedMembers(1000)}
	for _, n := range historySizes {
		b.Run(fmt.Sprintf("handoffs=%d", n), func(b *testing.B) {
			_, db, _ := storetest.NewSeededDatabase(b, benchHistory(n))
			st := store.New(db)
			ctx := context.Background()

			b.Run("idle", func(b *testing.B) {
				never := func(h routing.Handoff, _ time.Time) (routing.Change, error) {
					b.Fatalf("handoff %d is due before the end of the history", h.ID)
					return routing.Change{}, nil
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := st.SweepSLA(ctx, benchEnd, 200, never); err != nil {
						b.Fatal(err)
					}
				}
			})

			// Each op moves the clock to the next lead due (the sweep's
			// own index answers that) and checks it; leads owned in the
			// last days come due one after another. The clock lives out
			// here so -count runs go on.
			now := benchEnd
			b.Run("fire", func(b *testing.B) {
				check := func(h routing.Handoff, _ time.Time) (routing.Change, error) {
					c := routing.CheckSLA(h, pool, routing.DefaultSLA(), now)
					if c.Handoff.Work.SLADueAt.IsZero() {
						// Nothing left to watch: look again tomorrow, so a
						// small history never runs out of due leads.
						c.Handoff.Work.SLADueAt = now.Add(24 * time.Hour)
					}
					return c, nil
				}
				checked := 0
				b.ReportAllocs()
				for b.Loop() {
					if err := db.QueryRow(ctx, `SELECT min(sla_due_at) FROM handoffs`).Scan(&now); err != nil {
						b.Fatal(err)
					}
					changes, err := st.SweepSLA(ctx, now, 1, check)
					if err != nil {
						b.Fatal(err)
					}
					checked += len(changes)
				}
				b.ReportMetric(float64(checked)/float64(b.N), "events/op")
			})
		})
	}
}

// BenchmarkStuckLeads is the digest's read: its four sections (counts and
// the oldest few of each) against a year of history, in which a few
// percent of the owned leads were never touched or never given an outcome.
func BenchmarkStuckLeads(b *testing.B) {
	for _, n := range historySizes {
		b.Run(fmt.Sprintf("handoffs=%d", n), func(b *testing.B) {
			_, db, _ := storetest.NewSeededDatabase(b, benchHistory(n))
			st := store.New(db)
			ctx := context.Background()
			stuck, err := st.StuckLeads(ctx, benchEnd, routing.DefaultDigestPerSection)
			if err != nil {
				b.Fatal(err)
			}
			total := 0
			for _, s := range stuck.Sections {
				total += s.Total
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := st.StuckLeads(ctx, benchEnd, routing.DefaultDigestPerSection); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total), "stuck-leads")
		})
	}
}
