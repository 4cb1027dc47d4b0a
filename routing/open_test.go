package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNewHandoffOpens: a live transfer opens claimable with its ladder
// running; a call for later opens owned, nothing running, and needs an
// owner; the opening change carries the event and the notices.
func TestNewHandoffOpens(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	pool := Pool{Name: "closers", Channel: "C1", Members: []string{"UAE1"}}
	policy := Policy{Pools: []Pool{pool}, SLA: DefaultSLA()}
	in := policy.Open("V1", "UPASS", Lead{Company: "Acme"}, pool, Decide(pool, nil, now), now)
	in.Rule = "employees >= 500"

	live, err := in.Row()
	require.NoError(t, err)
	require.Equal(t, StateOpen, live.State)
	require.False(t, live.NextStepAt.IsZero(), "the ladder runs")
	require.Empty(t, live.OwnerID)

	_, err = in.Later(now.Add(time.Hour), "").Row()
	require.Error(t, err, "a call for later needs an owner")
	later, err := in.Later(now.Add(time.Hour), "UAE1").Row()
	require.NoError(t, err)
	require.Equal(t, StateScheduled, later.State)
	require.Equal(t, "UAE1", later.OwnerID)
	require.True(t, later.NextStepAt.IsZero(), "no ladder on a call for later")
	require.True(t, later.Work.SLADueAt.Equal(now), "the owner's clocks start now")

	live.ID = 7
	c := in.Opened(live)
	require.Equal(t, EventCreated, c.Event.Kind)
	require.Equal(t, int64(7), c.Event.HandoffID)
	require.Equal(t, "UPASS", c.Event.Actor)
	require.Equal(t, "employees >= 500", c.Event.Detail["rule"])
	kinds := map[NoticeKind]bool{}
	for _, n := range c.Notices {
		if n.Kind != NoticeHomeRefresh { // a Home is a person's, not a handoff's
			require.Equal(t, int64(7), n.HandoffID)
		}
		kinds[n.Kind] = true
	}
	require.True(t, kinds[NoticeChannelMessage] && kinds[NoticeThreadBrief] && kinds[NoticePasserSent], "the post, its brief and the passer's DM")
	require.True(t, kinds[NoticeHomeRefresh], "the passer's Home follows")
}
