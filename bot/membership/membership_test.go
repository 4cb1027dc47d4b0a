package membership_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/membership"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func policy() routing.Policy {
	return routing.Policy{Pools: []routing.Pool{
		{Name: "closers", Channel: "C0OPEN", Managers: []string{"UM1"}},
		{Name: "vip", Channel: "C0VIP", Managers: []string{"UM2"}},
		{Name: "smb", Channel: "C0SMB", Managers: []string{"UM3"}},
		{Name: "smb-overflow", Channel: "C0SMB", Managers: []string{"UM3", "UM4"}},
	}}
}

func newWatch(t *testing.T, st *store.Store, fake *slackfake.Server) *membership.Watch {
	t.Helper()
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))
	return membership.New(membership.Config{Store: st, API: api, Policy: policy, Log: zerolog.Nop()})
}

// TestCheckAtStart: the start-up check finds the channels Baton is not in
// (a private one Slack hides, a public one it names), opens their episodes
// once whatever the number of replicas, and ends an episode from before
// for a channel Baton is now in.
func TestCheckAtStart(t *testing.T) {
	t.Parallel()
	_, db := storetest.NewDatabase(t)
	st := store.New(db)
	ctx := context.Background()
	fake := slackfaketest.New(t)
	fake.AddChannel(slackfake.Channel{ID: "C0VIP", Name: "vip-closers", Private: true})
	fake.AddChannel(slackfake.Channel{ID: "C0SMB", Name: "smb"})

	// A channel left uninvited before the restart, where Baton is now.
	_, err := st.ChannelUninvited(ctx, routing.UninvitedChannel{Channel: "C0OPEN", Error: "not_in_channel"}, nil, time.Now())
	require.NoError(t, err)

	for range 2 { // two replicas starting
		newWatch(t, st, fake).Check(ctx)
	}
	uninvited, err := st.UninvitedChannels(ctx)
	require.NoError(t, err)
	require.Len(t, uninvited, 2)
	require.Equal(t, "C0SMB", uninvited[0].Channel)
	require.Equal(t, "smb", uninvited[0].Name, "a public channel is named")
	require.Equal(t, []string{"smb", "smb-overflow"}, uninvited[0].Pools)
	require.Equal(t, "not_in_channel", uninvited[0].Error)
	require.Equal(t, "C0VIP", uninvited[1].Channel)
	require.Empty(t, uninvited[1].Name, "Slack hides a private channel")
	require.Equal(t, "channel_not_found", uninvited[1].Error)

	leased, err := st.LeaseNotices(ctx, time.Now(), time.Minute, 10)
	require.NoError(t, err)
	var told []string
	for _, n := range leased {
		require.Equal(t, routing.NoticeChannelUninvited, n.Kind)
		told = append(told, n.Recipient+" "+n.Detail["channel"])
	}
	require.ElementsMatch(t, []string{"UM2 C0VIP", "UM3 C0SMB", "UM4 C0SMB"}, told, "each manager once, whatever the replicas")

	w := newWatch(t, st, fake)
	details, err := w.Details(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{
		"not in channel #smb (C0SMB) of pool smb, smb-overflow: invite @Baton",
		"not in channel C0VIP of pool vip: invite @Baton",
	}, details)
	pools, channels, err := w.Access(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"closers": false, "vip": true, "smb": true, "smb-overflow": true}, pools)
	require.Equal(t, 2, channels)

	// Invited, and a post goes through: the episode ends, for every
	// replica, even one that never saw the refusal.
	fake.InviteBot("C0VIP")
	w.Invited(ctx, "C0VIP")
	details, err = newWatch(t, st, fake).Details(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"not in channel #smb (C0SMB) of pool smb, smb-overflow: invite @Baton"}, details)
}

func TestIsUninvited(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"not_in_channel", "channel_not_found"} {
		got, ok := membership.IsUninvited("C1", slack.SlackErrorResponse{Err: code})
		require.True(t, ok)
		require.Equal(t, code, got)
	}
	_, ok := membership.IsUninvited("DU1", slack.SlackErrorResponse{Err: "channel_not_found"})
	require.False(t, ok, "a DM is not fixed by an invitation")
	_, ok = membership.IsUninvited("C1", slack.SlackErrorResponse{Err: "is_archived"})
	require.False(t, ok)
	_, ok = membership.IsUninvited("C1", nil)
	require.False(t, ok)
}
