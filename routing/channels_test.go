package routing

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNoticesOnUninvited(t *testing.T) {
	t.Parallel()
	p := Policy{Pools: []Pool{
		{Name: "closers", Channel: "C1", Managers: []string{"UM1", "UM2"}},
		{Name: "vip", Channel: "C2", Managers: []string{"UM3"}},
		{Name: "overflow", Channel: "C1", Managers: []string{"UM2", "UM4"}},
	}}
	pools := p.PoolsOf("C1")
	require.Len(t, pools, 2)
	notices := NoticesOnUninvited(UninvitedChannel{Channel: "C1"}, pools)
	var to []string
	for _, n := range notices {
		require.Equal(t, NoticeChannelUninvited, n.Kind)
		require.Equal(t, "C1", n.Detail["channel"])
		require.Equal(t, "dm:"+n.Recipient, n.OrderingKey(), "a manager's DMs stay in order")
		to = append(to, n.Recipient)
	}
	require.Equal(t, []string{"UM1", "UM2", "UM4"}, to, "each manager once")
	require.Equal(t, "overflow", notices[2].Detail["pool"])
	require.Empty(t, NoticesOnUninvited(UninvitedChannel{Channel: "C9"}, p.PoolsOf("C9")), "no pool, nobody to tell")
}
