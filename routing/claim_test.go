package routing_test

import (
	"testing"
	"time"

	"github.com/batonhq/baton/routing"
	"github.com/stretchr/testify/require"
)

func TestCheckClaim(t *testing.T) {
	t.Parallel()
	pool := routing.Pool{Name: "closers", Channel: "C1", Members: []string{"U1", "U2"}, Managers: []string{"UM"}}
	open := routing.Handoff{ID: 1, State: routing.StateOpen, Pool: "closers"}
	claimed := routing.Handoff{ID: 1, State: routing.StateClaimed, OwnerID: "U1"}
	cancelled := routing.Handoff{ID: 1, State: routing.StateCancelled}
	tests := []struct {
		name  string
		h     routing.Handoff
		user  string
		code  routing.RefusalCode // "" for allowed
		owner string
	}{
		{"member on open", open, "U2", "", ""},
		{"outsider on open", open, "UX", routing.RefusedNotInPool, ""},
		{"manager who is not a member", open, "UM", routing.RefusedNotInPool, ""},
		{"member on claimed", claimed, "U2", routing.RefusedAlreadyClaimed, "U1"},
		{"outsider on claimed is told they are not in the pool", claimed, "UX", routing.RefusedNotInPool, ""},
		{"owner clicks again", claimed, "U1", routing.RefusedOwnedByYou, "U1"},
		{"cancelled", cancelled, "U1", routing.RefusedCancelled, ""},
		{"scheduled after a missed window", routing.Handoff{ID: 1, State: routing.StateScheduled, OwnerID: "U2"}, "U1", routing.RefusedScheduled, "U2"},
		{"open after the window (a late claim is allowed)", routing.Handoff{ID: 1, State: routing.StateOpen, Rung: 2}, "U1", "", ""},
	}
	for _, tt := range tests {
		got := routing.CheckClaim(tt.h, pool, tt.user)
		if tt.code == "" {
			require.Nil(t, got, tt.name)
			continue
		}
		require.NotNil(t, got, tt.name)
		require.Equal(t, tt.code, got.Code, tt.name)
		require.Equal(t, tt.owner, got.Owner, tt.name)
		require.NotEmpty(t, got.Error())
	}
}

func TestTimeToClaim(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	h := routing.Handoff{State: routing.StateClaimed, CreatedAt: created, ClaimDeadline: created.Add(time.Minute), ClaimedAt: created.Add(14 * time.Second), OwnerID: "U1"}
	require.Equal(t, 14*time.Second, h.TimeToClaim())
	require.False(t, h.ClaimedLate())
	h.ClaimedAt = created.Add(61 * time.Second)
	require.True(t, h.ClaimedLate())
	require.Zero(t, routing.Handoff{State: routing.StateOpen, CreatedAt: created}.TimeToClaim())
}

func TestNotices(t *testing.T) {
	t.Parallel()
	h := routing.Handoff{ID: 7, Channel: "C1", PasserID: "UP", OwnerID: "U1"}
	open := routing.NoticesOnOpen(h)
	require.Equal(t, []routing.NoticeKind{routing.NoticeChannelMessage, routing.NoticeThreadBrief, routing.NoticePasserSent}, kinds(open))
	require.NotEqual(t, open[0].OrderingKey(), open[1].OrderingKey(), "the claim's update never waits behind the thread reply")
	require.True(t, open[0].HotPost())
	require.False(t, open[1].HotPost())
	require.True(t, open[1].ChannelBound(), "the thread reply shares the channel's pace")
	require.False(t, open[2].ChannelBound(), "a DM does not")
	claim := routing.NoticesOnClaim(h)
	require.Equal(t, []routing.NoticeKind{routing.NoticeChannelMessage, routing.NoticeOwnerBrief, routing.NoticePasserClaimed}, kinds(claim))
	// The post and every later update of one message share a key, so they stay in order.
	require.Equal(t, open[0].OrderingKey(), claim[0].OrderingKey())
	require.NotEqual(t, open[0].OrderingKey(), routing.Notice{Kind: routing.NoticeChannelMessage, HandoffID: 8}.OrderingKey())
	require.Equal(t, "dm:UP", open[2].OrderingKey())
}

func kinds(ns []routing.Notice) []routing.NoticeKind {
	var out []routing.NoticeKind
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return out
}
