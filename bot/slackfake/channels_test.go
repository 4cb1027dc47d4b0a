package slackfake_test

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

func channelInfo(t *testing.T, api *slack.Client, id string) (*slack.Channel, error) {
	t.Helper()
	return api.GetConversationInfoContext(context.Background(), &slack.GetConversationInfoInput{ChannelID: id, IncludeNumMembers: true})
}

// TestUndeclaredChannel: a channel no test declared is a public channel
// the bot was invited to.
func TestUndeclaredChannel(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)

	_, ts, err := api.PostMessage("C0ANY", slack.MsgOptionText("hello", false))
	require.NoError(t, err)
	_, _, _, err = api.UpdateMessage("C0ANY", ts, slack.MsgOptionText("hello again", false))
	require.NoError(t, err)
	_, err = api.PostEphemeral("C0ANY", "U1", slack.MsgOptionText("only you", false))
	require.NoError(t, err)

	info, err := channelInfo(t, api, "C0ANY")
	require.NoError(t, err)
	require.Equal(t, "C0ANY", info.ID)
	require.True(t, info.IsMember)
	require.True(t, info.IsChannel)
	require.False(t, info.IsPrivate)
	require.False(t, info.IsIM)
	require.False(t, info.IsMpIM)
}

// TestPublicChannelWithoutBot: a public channel the bot is not in is
// visible but not postable; once invited it is.
func TestPublicChannelWithoutBot(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	fake.AddChannel(slackfake.Channel{ID: "C0PUB", Name: "closers", Members: []string{"U1", "U2"}})

	_, _, err := api.PostMessage("C0PUB", slack.MsgOptionText("hello", false))
	require.Equal(t, "not_in_channel", slackError(t, err))
	_, err = api.PostEphemeral("C0PUB", "U1", slack.MsgOptionText("only you", false))
	require.Equal(t, "not_in_channel", slackError(t, err))
	require.Empty(t, fake.Messages("C0PUB"))
	require.Empty(t, fake.Ephemerals("C0PUB", ""))

	info, err := channelInfo(t, api, "C0PUB")
	require.NoError(t, err)
	require.Equal(t, "closers", info.Name)
	require.False(t, info.IsMember)
	require.False(t, info.IsPrivate)
	require.True(t, info.IsChannel)
	require.Equal(t, 2, info.NumMembers)

	fake.InviteBot("C0PUB")
	_, ts, err := api.PostMessage("C0PUB", slack.MsgOptionText("hello", false))
	require.NoError(t, err)
	require.Len(t, fake.Messages("C0PUB"), 1)
	info, err = channelInfo(t, api, "C0PUB")
	require.NoError(t, err)
	require.True(t, info.IsMember)
	require.Equal(t, 3, info.NumMembers)

	fake.RemoveBot("C0PUB")
	_, _, _, err = api.UpdateMessage("C0PUB", ts, slack.MsgOptionText("taken", false))
	require.Equal(t, "channel_not_found", slackError(t, err), "chat.update documents no not_in_channel")
	_, _, err = api.PostMessage("C0PUB", slack.MsgOptionText("hello", false))
	require.Equal(t, "not_in_channel", slackError(t, err))
	require.Equal(t, "hello", fake.Messages("C0PUB")[0].Text, "the refused update changed nothing")
}

// TestPrivateChannelWithoutBot: a private channel the bot is not in does
// not exist for it.
func TestPrivateChannelWithoutBot(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	fake.AddChannel(slackfake.Channel{ID: "C0PRIV", Name: "vip-closers", Private: true})

	_, _, err := api.PostMessage("C0PRIV", slack.MsgOptionText("hello", false))
	require.Equal(t, "channel_not_found", slackError(t, err))
	_, err = api.PostEphemeral("C0PRIV", "U1", slack.MsgOptionText("only you", false))
	require.Equal(t, "channel_not_found", slackError(t, err))
	_, _, _, err = api.UpdateMessage("C0PRIV", "1700000000.000100", slack.MsgOptionText("x", false))
	require.Equal(t, "channel_not_found", slackError(t, err))
	_, err = channelInfo(t, api, "C0PRIV")
	require.Equal(t, "channel_not_found", slackError(t, err))

	fake.InviteBot("C0PRIV")
	_, _, err = api.PostMessage("C0PRIV", slack.MsgOptionText("hello", false))
	require.NoError(t, err)
	info, err := channelInfo(t, api, "C0PRIV")
	require.NoError(t, err)
	require.Equal(t, "vip-closers", info.Name)
	require.True(t, info.IsPrivate)
	require.True(t, info.IsMember)

	fake.RemoveBot("C0PRIV")
	_, err = channelInfo(t, api, "C0PRIV")
	require.Equal(t, "channel_not_found", slackError(t, err))
}

// TestDeclaredBotMember: a channel declared with the bot in it takes posts.
func TestDeclaredBotMember(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	fake.AddChannel(slackfake.Channel{ID: "C0IN", Name: "in", Private: true, BotMember: true})
	_, _, err := api.PostMessage("C0IN", slack.MsgOptionText("hello", false))
	require.NoError(t, err)
}

// TestEphemeralToNonMember: in a channel whose members the test listed,
// an ephemeral goes only to one of them.
func TestEphemeralToNonMember(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	fake.AddChannel(slackfake.Channel{ID: "C0PUB", Name: "closers", BotMember: true, Members: []string{"U1"}})

	_, err := api.PostEphemeral("C0PUB", "U2", slack.MsgOptionText("only you", false))
	require.Equal(t, "user_not_in_channel", slackError(t, err))
	_, err = api.PostEphemeral("C0PUB", "U1", slack.MsgOptionText("only you", false))
	require.NoError(t, err)
	require.Len(t, fake.Ephemerals("C0PUB", "U1"), 1)
}

// TestDirectMessages: the bot posts in a DM or group DM only once it has
// opened it; any other is a conversation between other people.
func TestDirectMessages(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	ctx := context.Background()

	_, _, err := api.PostMessage("DU1", slack.MsgOptionText("hi", false))
	require.Equal(t, "channel_not_found", slackError(t, err))
	_, err = api.PostEphemeral("DU1", "U1", slack.MsgOptionText("hi", false))
	require.Equal(t, "channel_not_found", slackError(t, err))
	_, err = channelInfo(t, api, "DU1")
	require.Equal(t, "channel_not_found", slackError(t, err))
	_, _, _, err = api.OpenConversationContext(ctx, &slack.OpenConversationParameters{ChannelID: "DU1"})
	require.Equal(t, "channel_not_found", slackError(t, err), "only a conversation the bot is in can be resumed")

	dm, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	require.NoError(t, err)
	require.Equal(t, "DU1", dm.ID)
	_, _, err = api.PostMessage("DU1", slack.MsgOptionText("hi", false))
	require.NoError(t, err)
	info, err := channelInfo(t, api, "DU1")
	require.NoError(t, err)
	require.True(t, info.IsIM)
	require.Equal(t, "U1", info.User)
	resumed, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{ChannelID: "DU1"})
	require.NoError(t, err)
	require.Equal(t, "DU1", resumed.ID)

	_, _, err = api.PostMessage("GU1U2", slack.MsgOptionText("hi", false))
	require.Equal(t, "channel_not_found", slackError(t, err))
	_, err = channelInfo(t, api, "GU1U2")
	require.Equal(t, "channel_not_found", slackError(t, err))
	group, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1", "U2"}})
	require.NoError(t, err)
	require.Equal(t, "GU1U2", group.ID)
	_, _, err = api.PostMessage("GU1U2", slack.MsgOptionText("hi", false))
	require.NoError(t, err)
	info, err = channelInfo(t, api, "GU1U2")
	require.NoError(t, err)
	require.True(t, info.IsMpIM)
}
