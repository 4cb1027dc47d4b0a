package routing_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/batonhq/baton/routing"
	"github.com/stretchr/testify/require"
)

// handoffs is how many handoffs each property simulates.
const handoffs = 10_000

// simulation plays the store's part for the property tests: it keeps each
// member's state the way the store derives it, moving time forward between
// handoffs, with a fixed seed so that a failure can be replayed.
type simulation struct {
	t      *testing.T
	rng    *rand.Rand
	pool   routing.Pool
	now    time.Time
	states map[string]*routing.MemberState
}

func newSimulation(t *testing.T, seed uint64, pool routing.Pool) *simulation {
	s := &simulation{
		t:      t,
		rng:    rand.New(rand.NewPCG(seed, 2026)),
		pool:   pool,
		now:    time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
		states: map[string]*routing.MemberState{},
	}
	for _, user := range pool.Members {
		s.states[user] = &routing.MemberState{User: user}
	}
	return s
}

// members builds a pool's member list: U1, U2, ...
func members(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("U%d", i+1)
	}
	return out
}

func (s *simulation) snapshot() []routing.MemberState {
	out := make([]routing.MemberState, 0, len(s.states))
	for _, user := range s.pool.Members {
		out = append(out, *s.states[user])
	}
	// The store returns states in no particular order; Decide must not care.
	s.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// advance moves time to the next handoff, up to 15 minutes later, and starts
// a new day's counts at midnight, as the store's DayStart query would.
func (s *simulation) advance() {
	day := routing.DayStart(s.now, time.UTC)
	s.now = s.now.Add(time.Duration(1+s.rng.IntN(900)) * time.Second)
	if !routing.DayStart(s.now, time.UTC).Equal(day) {
		for _, m := range s.states {
			m.Today = 0
		}
	}
}

// wander sends members away now and then, for up to two hours.
func (s *simulation) wander(chance float64) {
	for _, m := range s.states {
		if s.rng.Float64() < chance {
			m.AwayUntil = s.now.Add(time.Duration(s.rng.IntN(7200)) * time.Second)
		}
	}
}

// closeLeads gives outcomes to some open leads, freeing open-cap room.
func (s *simulation) closeLeads(chance float64) {
	for _, m := range s.states {
		for range m.Open {
			if s.rng.Float64() < chance {
				m.Open--
			}
		}
	}
}

// assign records a lead for user, as a claim or Schedule-for-later does.
func (s *simulation) assign(user string) {
	m := s.states[user]
	m.Assigned++
	m.Today++
	m.Open++
	m.LastAssigned = s.now
}

func (s *simulation) counts() []int {
	var out []int
	for _, user := range s.pool.Members {
		out = append(out, s.states[user].Assigned)
	}
	return out
}

func TestPropertyEqualWeightsStayWithinOne(t *testing.T) {
	t.Parallel()
	for _, mode := range []routing.Mode{routing.ModeFirstToClaim, routing.ModeRoundRobin, routing.ModeStrictRoundRobin} {
		s := newSimulation(t, 1, routing.Pool{Name: "closers", Members: members(7), Rotation: routing.Rotation{Mode: mode}})
		for i := range handoffs {
			s.advance()
			offer := routing.Decide(s.pool, s.snapshot(), s.now)
			require.NotEmpty(t, offer.UpNext, "%s handoff %d", mode, i)
			s.assign(offer.UpNext)
			s.closeLeads(1) // no caps here; open leads do not matter
			counts := s.counts()
			require.LessOrEqual(t, slices.Max(counts)-slices.Min(counts), 1, "%s handoff %d: %v", mode, i, counts)
		}
	}
}

func TestPropertyWeightedSharesHold(t *testing.T) {
	t.Parallel()
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := 2 + rng.IntN(7)
		pool := routing.Pool{Name: "closers", Members: members(n), Rotation: routing.Rotation{Mode: routing.ModeRoundRobin, Settings: map[string]routing.MemberSettings{}}}
		total := 0.0
		for _, user := range pool.Members {
			w := []float64{0.25, 0.5, 0.75, 1, 1.5, 2, 3}[rng.IntN(7)]
			pool.Settings[user] = routing.MemberSettings{Weight: w}
			total += w
		}
		s := newSimulation(t, seed, pool)
		for range handoffs {
			s.advance()
			s.assign(routing.Decide(s.pool, s.snapshot(), s.now).UpNext)
		}
		for _, user := range pool.Members {
			want := pool.Settings[user].Weight / total
			got := float64(s.states[user].Assigned) / handoffs
			require.InEpsilon(t, want, got, 0.02, "seed %d, %s (weight %v of %v)", seed, user, pool.Settings[user].Weight, total)
		}
	}
}

// TestPropertyNoUnfairSkip: with members going away at random, whoever gets
// a lead in round robin is, among those available, the lowest in count per
// weight: availability can pass someone over, fairness never does.
func TestPropertyNoUnfairSkip(t *testing.T) {
	t.Parallel()
	pool := routing.Pool{Name: "closers", Members: members(6), Rotation: routing.Rotation{
		Mode: routing.ModeRoundRobin, Settings: map[string]routing.MemberSettings{"U2": {Weight: 0.5}, "U5": {Weight: 2}},
	}}
	s := newSimulation(t, 3, pool)
	skipped := 0
	for i := range handoffs {
		s.advance()
		s.wander(0.05)
		offer := routing.Decide(s.pool, s.snapshot(), s.now)
		if offer.UpNext == "" {
			require.True(t, offer.EscalateNow)
			continue
		}
		share := func(user string) float64 {
			return float64(s.states[user].Assigned) / pool.SettingsFor(user).Weight
		}
		for _, c := range offer.Ranked {
			if c.Available() {
				require.LessOrEqual(t, share(offer.UpNext), share(c.User), "handoff %d: %s passed over for %s", i, c.User, offer.UpNext)
			}
		}
		if offer.Ranked[0].User != offer.UpNext {
			skipped++
		}
		s.assign(offer.UpNext)
	}
	require.Positive(t, skipped, "the simulation must exercise skips")
}

// TestPropertyCapsNeverExceeded: members click Claim in random order, the
// first click CheckEligibility allows wins, across weeks of daily resets,
// and no member ever holds more than their caps allow.
func TestPropertyCapsNeverExceeded(t *testing.T) {
	t.Parallel()
	for _, mode := range []routing.Mode{routing.ModeFirstToClaim, routing.ModeRoundRobin, routing.ModeStrictRoundRobin} {
		pool := routing.Pool{Name: "closers", Members: members(6), Rotation: routing.Rotation{Mode: mode, Settings: map[string]routing.MemberSettings{}}}
		caps := rand.New(rand.NewPCG(11, 0))
		for _, user := range pool.Members {
			pool.Settings[user] = routing.MemberSettings{DailyCap: caps.IntN(6), OpenCap: caps.IntN(4)}
		}
		s := newSimulation(t, 5, pool)
		claims, refusals := 0, 0
		for i := range handoffs {
			s.advance()
			s.wander(0.02)
			s.closeLeads(0.2)
			offer := routing.Decide(s.pool, s.snapshot(), s.now)
			h := routing.Handoff{ID: int64(i), State: routing.StateOpen, Pool: "closers", CreatedAt: s.now, ClaimDeadline: s.now.Add(time.Minute)}
			// Clicks land inside or after the priority window.
			clickAt := s.now.Add(time.Duration(s.rng.IntN(60)) * time.Second)
			clickers := append(slices.Clone(pool.Members), "UX")
			s.rng.Shuffle(len(clickers), func(i, j int) { clickers[i], clickers[j] = clickers[j], clickers[i] })
			for _, user := range clickers {
				clicker := routing.MemberState{User: user}
				if m, ok := s.states[user]; ok {
					clicker = *m
				}
				if routing.CheckEligibility(h, pool, offer.Turn, clicker, clickAt) != nil {
					refusals++
					continue
				}
				s.assign(user)
				claims++
				break
			}
			for _, user := range pool.Members {
				m, set := s.states[user], pool.SettingsFor(user)
				if set.DailyCap > 0 {
					require.LessOrEqual(t, m.Today, set.DailyCap, "%s handoff %d: %s over the daily cap", mode, i, user)
				}
				if set.OpenCap > 0 {
					require.LessOrEqual(t, m.Open, set.OpenCap, "%s handoff %d: %s over the open cap", mode, i, user)
				}
			}
		}
		require.Positive(t, claims, mode)
		require.Positive(t, refusals, mode)
	}
}

// TestPropertyStrictNeverSkips: in strict round robin the next in line is
// always the member with the fewest leads, whoever is away or capped; when
// they are unavailable the handoff escalates and nobody else may claim.
func TestPropertyStrictNeverSkips(t *testing.T) {
	t.Parallel()
	pool := routing.Pool{Name: "closers", Members: members(5), Rotation: routing.Rotation{
		Mode:     routing.ModeStrictRoundRobin,
		Settings: map[string]routing.MemberSettings{"U1": {DailyCap: 3}, "U4": {OpenCap: 1}},
	}}
	s := newSimulation(t, 9, pool)
	escalations := 0
	for i := range handoffs {
		s.advance()
		s.wander(0.05)
		s.closeLeads(0.3)
		offer := routing.Decide(s.pool, s.snapshot(), s.now)
		counts := s.counts()
		require.Equal(t, slices.Min(counts), s.states[offer.UpNext].Assigned, "handoff %d: %s is not next in line (%v)", i, offer.UpNext, counts)
		require.Subset(t, []string{offer.UpNext}, offer.MayClaim)

		h := routing.Handoff{ID: int64(i), State: routing.StateOpen, Pool: "closers", CreatedAt: s.now, ClaimDeadline: s.now.Add(time.Minute)}
		for _, user := range pool.Members {
			if user != offer.UpNext {
				refusal := routing.CheckEligibility(h, pool, offer.Turn, *s.states[user], s.now.Add(time.Hour))
				require.NotNil(t, refusal, "handoff %d: %s may claim out of turn", i, user)
				require.Equal(t, routing.RefusedNotYourTurn, refusal.Code)
			}
		}
		if offer.EscalateNow {
			escalations++
			require.False(t, offer.Ranked[0].Available())
			// Schedule for later gives the lead to the next in line anyway;
			// sometimes the passer takes it elsewhere and nobody gets it.
			if s.rng.IntN(2) == 0 {
				continue
			}
		}
		s.assign(offer.UpNext)
	}
	require.Positive(t, escalations, "the simulation must exercise escalations")
}
