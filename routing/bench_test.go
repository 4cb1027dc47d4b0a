package routing_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/batonhq/baton/routing"
)

// poolSizes are the pools the routing benchmarks decide for.
var poolSizes = []int{10, 100, 1000}

// benchPool is a round-robin pool of n members with working hours, some
// weights and caps, and their states as the store would read them in a
// busy month: the decisions walk every rule, as a real pool's would.
func benchPool(n int) (routing.Pool, []routing.MemberState) {
	hours, err := routing.ParseHoursRange("mon-fri 08:00-20:00")
	if err != nil {
		panic(err)
	}
	pool := routing.Pool{
		Name: "closers", Channel: "C0HANDOFF", Managers: []string{"U0MGR"},
		Rotation: routing.Rotation{
			Mode:     routing.ModeRoundRobin,
			Hours:    routing.WorkingHours{hours},
			Settings: map[string]routing.MemberSettings{},
		},
	}
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	states := make([]routing.MemberState, 0, n)
	for i := range n {
		user := fmt.Sprintf("UM%05d", i)
		pool.Members = append(pool.Members, user)
		if i%10 == 0 {
			pool.Settings[user] = routing.MemberSettings{Weight: 0.5, DailyCap: 8, OpenCap: 20}
		}
		s := routing.MemberState{User: user, Assigned: rng.IntN(40), Today: rng.IntN(6), Open: rng.IntN(15),
			LastAssigned: decisionTime.Add(-time.Duration(rng.IntN(72*60)) * time.Minute)}
		if i%17 == 0 {
			s.AwayUntil = decisionTime.Add(time.Hour)
		}
		states = append(states, s)
	}
	return pool, states
}

// BenchmarkDecide is the routing decision made when a handoff opens (and,
// for the passer's preview, before the form opens).
func BenchmarkDecide(b *testing.B) {
	for _, n := range poolSizes {
		pool, states := benchPool(n)
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if offer := routing.Decide(pool, states, decisionTime); offer.UpNext == "" {
					b.Fatal("nobody up next")
				}
			}
		})
	}
}

// BenchmarkPickOwner is the rotation's choice of an owner for a lead
// nobody took live or one scheduled for later.
func BenchmarkPickOwner(b *testing.B) {
	for _, n := range poolSizes {
		pool, states := benchPool(n)
		exclude := pool.Members[:3]
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := routing.PickOwner(pool, states, exclude, decisionTime); !ok {
					b.Fatal("no owner")
				}
			}
		})
	}
}

// BenchmarkCheckEligibility is the check made at every click on Claim,
// for the last member of the pool (membership is a scan of the members).
func BenchmarkCheckEligibility(b *testing.B) {
	for _, n := range poolSizes {
		pool, states := benchPool(n)
		pool.Mode = routing.ModeFirstToClaim
		h := routing.Handoff{ID: 1, State: routing.StateOpen, Pool: pool.Name, Channel: pool.Channel,
			CreatedAt: decisionTime, ClaimDeadline: decisionTime.Add(time.Minute)}
		clicker := states[n-1]
		clicker.AwayUntil, clicker.Today, clicker.Open = time.Time{}, 0, 0
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := routing.CheckEligibility(h, pool, routing.Turn{}, clicker, decisionTime); r != nil {
					b.Fatal(r)
				}
			}
		})
	}
}
