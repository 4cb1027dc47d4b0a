package directory_test

import (
	"context"
	"testing"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/routing"
)

// TestResolvePolicyFollowsTheGroup resolves a pool, changes the group in
// Slack, refreshes, and sees the change; settings follow people, and a
// failed refresh keeps the last good members.
func TestResolvePolicyFollowsTheGroup(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	fake.SetUserEmail("U0AE1", "dana@acme.example")
	fake.AddUserGroup("closers", "S0CLOSERS", "U0AE1", "U0AE2")
	// As baton.yaml's loader gives it for members [dana@acme.example,
	// "@closers"], daily_cap 4, and dana's weight 0.5.
	policy := routing.Policy{Pools: []routing.Pool{{
		Name: "closers", Channel: "C0HANDOFF", Managers: []string{"U0MGR"},
		Members: []string{"dana@acme.example", "@closers"},
		Rotation: routing.Rotation{Settings: map[string]routing.MemberSettings{
			"dana@acme.example": {Weight: 0.5, DailyCap: 4},
			"@closers":          {DailyCap: 4},
		}},
	}}}

	ctx := context.Background()
	dir := directory.New(slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL())), zerolog.Nop())
	p := dir.ResolvePolicy(ctx, policy)
	pool := p.Pools[0]
	require.Equal(t, []string{"U0AE1", "U0AE2"}, pool.Members, "de-duplicated, in config order")
	require.Equal(t, routing.MemberSettings{Weight: 0.5, DailyCap: 4}, pool.Settings["U0AE1"], "her own settings beat the group's")
	require.Equal(t, routing.MemberSettings{DailyCap: 4}, pool.Settings["U0AE2"], "the pool's cap through the group")
	require.Equal(t, []string{"dana@acme.example", "@closers"}, policy.Pools[0].Members, "the configured policy is left as it was")

	fake.SetUserGroupUsers("S0CLOSERS", "U0AE3")
	require.NoError(t, dir.Refresh(ctx))
	require.Equal(t, []string{"U0AE1", "U0AE3"}, dir.ResolvePolicy(ctx, policy).Pools[0].Members)

	fake.FailNext("usergroups.users.list", 1, 500)
	fake.SetUserGroupUsers("S0CLOSERS")
	require.Error(t, dir.Refresh(ctx))
	require.Equal(t, []string{"U0AE1", "U0AE3"}, dir.ResolvePolicy(ctx, policy).Pools[0].Members, "last good kept")
}
