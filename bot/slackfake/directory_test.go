package slackfake_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

func TestLookupByEmail(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	ctx := context.Background()

	fake.SetUserEmail("U1", "dana@acme.com")
	fake.AddUser(slack.User{ID: "U2", Name: "sam", Profile: slack.UserProfile{Email: "sam@acme.com"}})

	u, err := api.GetUserByEmailContext(ctx, "Dana@ACME.com")
	require.NoError(t, err)
	require.Equal(t, "U1", u.ID)
	require.Equal(t, "dana@acme.com", u.Profile.Email)
	require.Equal(t, "America/New_York", u.TZ, "an unregistered user gets the generated details")

	u, err = api.GetUserByEmailContext(ctx, "sam@acme.com")
	require.NoError(t, err)
	require.Equal(t, "sam", u.Name)

	_, err = api.GetUserByEmailContext(ctx, "nobody@acme.com")
	require.Equal(t, "users_not_found", slackError(t, err))
	_, err = api.GetUserByEmailContext(ctx, "u9@example.com")
	require.Equal(t, "users_not_found", slackError(t, err), "generated addresses are not registered")
	_, err = api.GetUserByEmailContext(ctx, "")
	require.Equal(t, "invalid_arguments", slackError(t, err))
}

func TestUserGroups(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	ctx := context.Background()

	groups, err := api.GetUserGroupsContext(ctx)
	require.NoError(t, err)
	require.Empty(t, groups)

	fake.AddUserGroup("closers", "S1", "U1", "U2")
	fake.AddUserGroup("managers", "S2", "U9")
	groups, err = api.GetUserGroupsContext(ctx)
	require.NoError(t, err)
	require.Len(t, groups, 2)
	require.Equal(t, "S1", groups[0].ID)
	require.Equal(t, "closers", groups[0].Handle)
	require.Equal(t, slackfake.TeamID, groups[0].TeamID)
	require.True(t, groups[0].IsUserGroup)
	require.Empty(t, groups[0].Users, "members only come with include_users")
	require.Zero(t, groups[0].UserCount, "the count only comes with include_count")

	groups, err = api.GetUserGroupsContext(ctx,
		slack.GetUserGroupsOptionIncludeUsers(true), slack.GetUserGroupsOptionIncludeCount(true))
	require.NoError(t, err)
	require.Equal(t, []string{"U1", "U2"}, groups[0].Users)
	require.Equal(t, 2, groups[0].UserCount)

	members, err := api.GetUserGroupMembersContext(ctx, "S1")
	require.NoError(t, err)
	require.Equal(t, []string{"U1", "U2"}, members)

	fake.SetUserGroupUsers("S1", "U3")
	members, err = api.GetUserGroupMembersContext(ctx, "S1")
	require.NoError(t, err)
	require.Equal(t, []string{"U3"}, members)
	fake.SetUserGroupUsers("S1")
	members, err = api.GetUserGroupMembersContext(ctx, "S1")
	require.NoError(t, err)
	require.Empty(t, members)

	_, err = api.GetUserGroupMembersContext(ctx, "S404")
	require.Equal(t, "no_such_subteam", slackError(t, err))
	_, err = api.GetUserGroupMembersContext(ctx, "")
	require.Equal(t, "invalid_arguments", slackError(t, err))
	require.Panics(t, func() { fake.SetUserGroupUsers("S404", "U1") })
}

func TestPresence(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	ctx := context.Background()

	p, err := api.GetUserPresenceContext(ctx, "U1")
	require.NoError(t, err)
	require.Equal(t, "active", p.Presence, "users nobody set are active")

	fake.SetPresence("U1", "away")
	p, err = api.GetUserPresenceContext(ctx, "U1")
	require.NoError(t, err)
	require.Equal(t, "away", p.Presence)
	fake.SetPresence("U1", "active")
	p, err = api.GetUserPresenceContext(ctx, "U1")
	require.NoError(t, err)
	require.Equal(t, "active", p.Presence)

	_, err = api.GetUserPresenceContext(ctx, "dana@acme.com")
	require.Equal(t, "user_not_found", slackError(t, err))
	require.Panics(t, func() { fake.SetPresence("U1", "busy") })
}

func TestDND(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(1700000000, 0)}
	fake := slackfaketest.Unchecked(t, slackfake.WithClock(clock.Now))
	api := newAPI(fake)
	ctx := context.Background()
	user := "U1"

	dnd, err := api.GetDNDInfoContext(ctx, &user)
	require.NoError(t, err)
	require.False(t, dnd.Enabled)
	require.Equal(t, 1, dnd.NextEndTimestamp)

	until := clock.Now().Add(30 * time.Minute)
	fake.SetDND(user, until)
	dnd, err = api.GetDNDInfoContext(ctx, &user)
	require.NoError(t, err)
	require.True(t, dnd.Enabled)
	require.Equal(t, int(clock.Now().Unix()), dnd.NextStartTimestamp)
	require.Equal(t, int(until.Unix()), dnd.NextEndTimestamp)
	require.False(t, dnd.SnoozeEnabled, "snooze_* fields are only shown to the user themself")

	clock.Advance(30 * time.Minute)
	dnd, err = api.GetDNDInfoContext(ctx, &user)
	require.NoError(t, err)
	require.False(t, dnd.Enabled, "DND ends at until")

	fake.SetDND(user, clock.Now().Add(time.Hour))
	fake.SetDND(user, time.Time{})
	dnd, err = api.GetDNDInfoContext(ctx, &user)
	require.NoError(t, err)
	require.False(t, dnd.Enabled, "a zero until ends DND")

	bad := "@closers"
	_, err = api.GetDNDInfoContext(ctx, &bad)
	require.Equal(t, "user_not_found", slackError(t, err))
}

// TestDirectoryMethodsFail checks that the injected failures reach the new
// methods like any other.
func TestDirectoryMethodsFail(t *testing.T) {
	t.Parallel()
	user := "U1"
	calls := map[string]func(context.Context, *slack.Client) error{
		"users.lookupByEmail": func(ctx context.Context, api *slack.Client) error {
			_, err := api.GetUserByEmailContext(ctx, "dana@acme.com")
			return err
		},
		"usergroups.list": func(ctx context.Context, api *slack.Client) error {
			_, err := api.GetUserGroupsContext(ctx)
			return err
		},
		"usergroups.users.list": func(ctx context.Context, api *slack.Client) error {
			_, err := api.GetUserGroupMembersContext(ctx, "S1")
			return err
		},
		"users.getPresence": func(ctx context.Context, api *slack.Client) error {
			_, err := api.GetUserPresenceContext(ctx, user)
			return err
		},
		"dnd.info": func(ctx context.Context, api *slack.Client) error {
			_, err := api.GetDNDInfoContext(ctx, &user)
			return err
		},
	}
	for method, call := range calls {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			fake := slackfaketest.Unchecked(t)
			fake.SetUserEmail(user, "dana@acme.com")
			fake.AddUserGroup("closers", "S1", user)
			api := newAPI(fake)
			ctx := context.Background()

			fake.RateLimit(method, 1, 30*time.Second)
			var rl *slack.RateLimitedError
			require.ErrorAs(t, call(ctx, api), &rl)
			require.Equal(t, 30*time.Second, rl.RetryAfter)

			fake.FailNext(method, 1, http.StatusInternalServerError)
			var sc slack.StatusCodeError
			require.ErrorAs(t, call(ctx, api), &sc)
			require.Equal(t, http.StatusInternalServerError, sc.Code)

			require.NoError(t, call(ctx, api))
			require.Len(t, fake.Calls(method), 3)
		})
	}
}

func TestUserTZ(t *testing.T) {
	t.Parallel()
	clock := func() time.Time { return time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC) } // summer time in Paris
	fake := slackfaketest.Unchecked(t, slackfake.WithClock(clock))
	api := newAPI(fake)
	ctx := context.Background()

	fake.SetUserTZ("U1", "Europe/Paris")
	u, err := api.GetUserInfoContext(ctx, "U1")
	require.NoError(t, err)
	require.Equal(t, "Europe/Paris", u.TZ)
	require.Equal(t, "CEST", u.TZLabel)
	require.Equal(t, 7200, u.TZOffset)
	require.Equal(t, "User U1", u.RealName, "the rest of the generated profile stays")

	fake.SetUserEmail("U2", "sam@acme.com")
	fake.SetUserTZ("U2", "Mars/Olympus")
	u, err = api.GetUserInfoContext(ctx, "U2")
	require.NoError(t, err)
	require.Equal(t, "Mars/Olympus", u.TZ, "passed on as held")
	require.Zero(t, u.TZOffset)
	require.Equal(t, "sam@acme.com", u.Profile.Email, "a registered user keeps their details")

	fake.SetUserTZ("U3", "")
	u, err = api.GetUserInfoContext(ctx, "U3")
	require.NoError(t, err)
	require.Empty(t, u.TZ)

	u, err = api.GetUserInfoContext(ctx, "U4")
	require.NoError(t, err)
	require.Equal(t, "America/New_York", u.TZ, "users never set")
}
