package slackfake_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// scopesOf calls method with token and returns the X-OAuth-Scopes header.
func scopesOf(t *testing.T, fake *slackfake.Server, method, token string) string {
	t.Helper()
	resp, err := http.PostForm(fake.APIURL()+method, url.Values{"token": {token}})
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.Header.Get("X-OAuth-Scopes")
}

// TestScopesHeader: every answer to a call with a valid token reports the
// token's scopes; SetScopes changes the bot token's.
func TestScopesHeader(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	require.Equal(t, strings.Join(slackfake.DefaultScopes, ","), scopesOf(t, fake, "auth.test", fake.BotToken()))
	require.Equal(t, "connections:write", scopesOf(t, fake, "apps.connections.open", fake.AppToken()))
	require.Empty(t, scopesOf(t, fake, "auth.test", "xoxb-wrong"), "a rejected token has no scopes to report")

	fake.SetScopes("commands", "chat:write")
	require.Equal(t, "commands,chat:write", scopesOf(t, fake, "auth.test", fake.BotToken()))
}

// TestKnownUsersOnly: users.info makes up no user once asked not to, and
// still describes the registered ones, deleted or bot.
func TestKnownUsersOnly(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	api := newAPI(fake)
	ctx := context.Background()

	u, err := api.GetUserInfoContext(ctx, "U0STRANGER")
	require.NoError(t, err, "by default any ID is a user")
	require.Equal(t, "U0STRANGER", u.ID)

	fake.KnownUsersOnly()
	fake.AddUser(slack.User{ID: "U0GONE", Name: "gone", Deleted: true})
	fake.AddUser(slack.User{ID: "U0ROBOT", Name: "robot", IsBot: true})
	_, err = api.GetUserInfoContext(ctx, "U0STRANGER")
	require.EqualError(t, err, "user_not_found")
	u, err = api.GetUserInfoContext(ctx, "U0GONE")
	require.NoError(t, err)
	require.True(t, u.Deleted)
	u, err = api.GetUserInfoContext(ctx, "U0ROBOT")
	require.NoError(t, err)
	require.True(t, u.IsBot)
}

// TestUsersConversations: the bot's channels are the declared ones it is
// in; private ones only when asked for.
func TestUsersConversations(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	api := newAPI(fake)
	ctx := context.Background()
	fake.AddChannel(slackfake.Channel{ID: "C0CLOSERS", Name: "closers", BotMember: true})
	fake.AddChannel(slackfake.Channel{ID: "C0VIP", Name: "vip", Private: true, BotMember: true})
	fake.AddChannel(slackfake.Channel{ID: "C0RANDOM", Name: "random"})

	ids := func(types ...string) []string {
		chans, cursor, err := api.GetConversationsForUserContext(ctx, &slack.GetConversationsForUserParameters{Types: types})
		require.NoError(t, err)
		require.Empty(t, cursor)
		var out []string
		for _, c := range chans {
			require.True(t, c.IsMember)
			out = append(out, c.ID)
		}
		return out
	}
	require.Equal(t, []string{"C0CLOSERS"}, ids())
	require.Equal(t, []string{"C0CLOSERS", "C0VIP"}, ids("public_channel", "private_channel"))
	fake.InviteBot("C0RANDOM")
	require.Equal(t, []string{"C0CLOSERS", "C0RANDOM"}, ids("public_channel"))
}

// TestConversationsMembers: a channel's people and the bot when it is in;
// a private channel it is not in cannot be seen.
func TestConversationsMembers(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	api := newAPI(fake)
	ctx := context.Background()
	fake.AddChannel(slackfake.Channel{ID: "C0CLOSERS", Name: "closers", BotMember: true, Members: []string{"U0DANA", "U0LEE"}})
	fake.AddChannel(slackfake.Channel{ID: "C0OPEN", Name: "open", Members: []string{"U0DANA"}})
	fake.AddChannel(slackfake.Channel{ID: "C0VIP", Name: "vip", Private: true, Members: []string{"U0LEE"}})

	members := func(id string) ([]string, error) {
		m, _, err := api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: id})
		return m, err
	}
	m, err := members("C0CLOSERS")
	require.NoError(t, err)
	require.Equal(t, []string{"U0DANA", "U0LEE", slackfake.BotUserID}, m)
	m, err = members("C0OPEN")
	require.NoError(t, err)
	require.Equal(t, []string{"U0DANA"}, m)
	_, err = members("C0VIP")
	require.EqualError(t, err, "channel_not_found")
}
