package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHomeRefreshes(t *testing.T) {
	t.Parallel()
	open := openHandoff()
	claimed := open
	claimed.State, claimed.OwnerID = StateClaimed, "U1"
	reassigned := claimed
	reassigned.OwnerID, reassigned.Work.PreviousOwner = "U2", "U1"
	selfPassed := claimed
	selfPassed.PasserID = "U1"

	recipients := func(ns []Notice) []string {
		var out []string
		for _, n := range ns {
			require.Equal(t, NoticeHomeRefresh, n.Kind)
			require.Zero(t, n.HandoffID, "a Home is about a person")
			require.Equal(t, "home:"+n.Recipient, n.OrderingKey())
			out = append(out, n.Recipient)
		}
		return out
	}
	for name, tc := range map[string]struct {
		before Handoff
		change Change
		want   []string
	}{
		"claim: passer and owner":            {open, Change{Handoff: claimed}, []string{"U0", "U1"}},
		"reassign: the previous owner too":   {claimed, Change{Handoff: reassigned}, []string{"U0", "U2", "U1"}},
		"still open: the passer alone":       {open, Change{Handoff: open}, []string{"U0"}},
		"passer who owns it: once":           {selfPassed, Change{Handoff: selfPassed}, []string{"U1"}},
		"a member set away after lapses":     {open, Change{Handoff: open, Member: &MemberChange{User: "U3"}}, []string{"U0", "U3"}},
		"hand back without a previous owner": {claimed, Change{Handoff: func() Handoff { h := claimed; h.OwnerID = "U3"; return h }()}, []string{"U0", "U3", "U1"}},
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, recipients(HomeRefreshes(tc.before, tc.change)))
		})
	}
}

func TestNextClock(t *testing.T) {
	t.Parallel()
	_, ok := NextClock(nil)
	require.False(t, ok)
	touch := Running{Clock: ClockFirstTouch, DueAt: t0.Add(48 * time.Hour)}
	outcome := Running{Clock: ClockOutcome, DueAt: t0.Add(24 * time.Hour)}
	next, ok := NextClock([]Running{touch, outcome})
	require.True(t, ok)
	require.Equal(t, ClockOutcome, next.Clock)
}

func TestReceiverNumbersOutcomeTotal(t *testing.T) {
	t.Parallel()
	require.Zero(t, ReceiverNumbers{}.OutcomeTotal())
	require.Equal(t, 3, ReceiverNumbers{Outcomes: map[OutcomeKind]int{OutcomeNoShow: 1, OutcomeQualifiedSQL: 2}}.OutcomeTotal())
}
