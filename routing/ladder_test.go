package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLadderValidate(t *testing.T) {
	t.Parallel()
	missed := []EscalationAction{ActionMissed}
	for _, tc := range []struct {
		name   string
		ladder Ladder
		want   string // "" = valid
	}{
		{"default", DefaultLadder(), ""},
		{"missed only", Ladder{{At: 0, Do: missed}}, ""},
		{"repeats then missed", Ladder{{At: 0, Do: []EscalationAction{ActionReping}, Repeat: 2, Every: 20 * time.Second}, {At: 40 * time.Second, Do: missed}}, ""},
		{"empty", Ladder{}, "at least one step"},
		{"negative", Ladder{{At: -time.Second, Do: missed}}, "[0].at: must not be negative"},
		{"out of order", Ladder{{At: time.Minute, Do: []EscalationAction{ActionReping}}, {At: 0, Do: missed}}, "[1].at: 0s is before the previous step's last firing at 1m0s"},
		{"repeats overlap next", Ladder{{At: 0, Do: []EscalationAction{ActionReping}, Repeat: 3, Every: 30 * time.Second}, {At: time.Minute, Do: missed}}, "[1].at: 1m0s is before the previous step's last firing at 1m30s"},
		{"no actions", Ladder{{At: 0}, {At: 0, Do: missed}}, "[0].do: at least one action"},
		{"unknown action", Ladder{{At: 0, Do: []EscalationAction{"page"}}, {At: 0, Do: missed}}, `[0].do: unknown action "page"`},
		{"too many repeats", Ladder{{At: 0, Do: []EscalationAction{ActionReping}, Repeat: 11, Every: time.Second}, {At: time.Hour, Do: missed}}, "[0].repeat: must be between 0 and 10"},
		{"repeat without every", Ladder{{At: 0, Do: []EscalationAction{ActionReping}, Repeat: 1}, {At: time.Hour, Do: missed}}, "[0].every: must be at least 1s"},
		{"missed early", Ladder{{At: 0, Do: missed}, {At: time.Minute, Do: []EscalationAction{ActionReping}}}, "[0].do: missed ends the ladder"},
		{"missed repeating", Ladder{{At: 0, Do: missed, Repeat: 1, Every: time.Second}}, "[0].do: missed ends the ladder"},
		{"no missed", Ladder{{At: 0, Do: []EscalationAction{ActionReping}}}, "[0].do: the last step must include missed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.ladder.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestLadderRungs(t *testing.T) {
	t.Parallel()
	l := Ladder{
		{At: 0, Do: []EscalationAction{ActionReping}, Repeat: 2, Every: 20 * time.Second},
		{At: time.Minute, Do: []EscalationAction{ActionAlertManagers}},
		{At: 2 * time.Minute, Do: []EscalationAction{ActionMissed}},
	}
	rungs := l.Rungs()
	require.Len(t, rungs, 5)
	var after []time.Duration
	for _, r := range rungs {
		after = append(after, r.After)
		require.Equal(t, 3, r.Steps)
	}
	require.Equal(t, []time.Duration{0, 20 * time.Second, 40 * time.Second, time.Minute, 2 * time.Minute}, after)
	require.Equal(t, Rung{Step: 1, Steps: 3, Repeat: 2, After: 40 * time.Second, Do: []EscalationAction{ActionReping}}, rungs[2])
	require.True(t, rungs[4].Has(ActionMissed))

	deadline := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	e := Escalation{Rungs: rungs}
	at, ok := e.NextRungAt(deadline, 0)
	require.True(t, ok)
	require.Equal(t, deadline, at)
	at, ok = e.NextRungAt(deadline, 3)
	require.True(t, ok)
	require.Equal(t, deadline.Add(time.Minute), at)
	_, ok = e.NextRungAt(deadline, 5)
	require.False(t, ok, "done after the last rung")
}

func TestPolicyEscalationFreezesLadderAndFallback(t *testing.T) {
	t.Parallel()
	p := Policy{Pools: []Pool{
		{Name: "closers", Channel: "C1", Members: []string{"U1"}, Fallback: "overflow"},
		{Name: "overflow", Channel: "C2", Members: []string{"U9"}, Ladder: Ladder{{At: 5 * time.Second, Do: []EscalationAction{ActionMissed}}}},
	}, SLA: DefaultSLA()}
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

	in := p.Open("V1", "U0", Lead{Company: "Acme"}, p.Pools[0], Offer{}, now)
	require.Equal(t, now.Add(time.Minute), in.ClaimDeadline)
	require.Equal(t, DefaultLadder().Rungs(), in.Escalation.Rungs, "a pool without a ladder runs the default")
	require.Equal(t, "overflow", in.Escalation.Fallback)
	require.Equal(t, "C2", in.Escalation.FallbackChannel)

	in = p.Open("V2", "U0", Lead{Company: "Acme"}, p.Pools[1], Offer{}, now)
	require.Len(t, in.Escalation.Rungs, 1)
	require.Empty(t, in.Escalation.Fallback)
}

func TestClaimingPool(t *testing.T) {
	t.Parallel()
	p := Policy{Pools: []Pool{
		{Name: "closers", Channel: "C1", Members: []string{"U1"}},
		{Name: "overflow", Channel: "C2", Members: []string{"U9"}},
	}}
	h := Handoff{Pool: "closers", Escalation: Escalation{Fallback: "overflow", FallbackChannel: "C2"}}

	pool, ok := p.ClaimingPool(h, "U9")
	require.True(t, ok)
	require.Equal(t, "closers", pool.Name, "the fallback pool may claim only once opened to it")
	require.NotNil(t, CheckClaim(h, pool, "U9"))

	h.FallbackOpen = true
	pool, ok = p.ClaimingPool(h, "U9")
	require.True(t, ok)
	require.Equal(t, "overflow", pool.Name)
	require.Nil(t, CheckClaim(h, pool, "U9"))

	pool, _ = p.ClaimingPool(h, "U1")
	require.Equal(t, "closers", pool.Name)

	_, ok = p.ClaimingPool(Handoff{Pool: "gone"}, "U1")
	require.False(t, ok)
}
