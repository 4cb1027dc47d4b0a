package main

import (
	"context"
	"testing"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
)

const directoryConfig = `
timezone: UTC
presence: true
pools:
  - name: closers
    channel: C0HANDOFF
    members: [dana@acme.example, "@closers"]
    managers: [U0MGR]
    daily_cap: 4
    member_settings:
      - {member: dana@acme.example, weight: 0.5}
`

// TestMembersByEmailGroupAndPresence starts Baton with members named by
// email and by user group, and presence on: they resolve to user IDs, a
// member Slack shows away is not up next but may still claim.
func TestMembersByEmailGroupAndPresence(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	fake.SetUserEmail("U0AE1", "dana@acme.example")
	fake.AddUserGroup("closers", "S0CLOSERS", "U0AE2", "U0AE3")
	fake.SetPresence("U0AE2", "away")
	a := start(t, options{config: directoryConfig, fake: fake})

	h := a.handoff("U0SDR", "Acme Corp")
	require.Equal(t, "U0AE1", h.Turn.UpNext, "dana resolved from her email; U0AE2 is away in Slack")
	a.click("U0AE2", h, "")
	a.eventually(func() bool { return a.handoffNow(h.ID).OwnerID == "U0AE2" }, "away in Slack, yet clicking: they are there")
	require.NotEmpty(t, a.slack.Calls("users.getPresence"))
}

// TestResolvePolicyFollowsTheGroup resolves a pool, changes the group in
// Slack, refreshes, and sees the change; settings follow people, and a
// failed refresh keeps the last good members.
func TestResolvePolicyFollowsTheGroup(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	fake.SetUserEmail("U0AE1", "dana@acme.example")
	fake.AddUserGroup("closers", "S0CLOSERS", "U0AE1", "U0AE2")
	cfg, err := config.Parse([]byte(directoryConfig))
	require.NoError(t, err)
	require.True(t, cfg.NeedsDirectory())

	ctx := context.Background()
	dir := directory.New(slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL())), zerolog.Nop())
	p := resolvePolicy(ctx, dir, cfg.Policy, zerolog.Nop())
	pool := p.Pools[0]
	require.Equal(t, []string{"U0AE1", "U0AE2"}, pool.Members, "de-duplicated, in config order")
	require.Equal(t, routing.MemberSettings{Weight: 0.5, DailyCap: 4}, pool.Settings["U0AE1"], "her own settings beat the group's")
	require.Equal(t, routing.MemberSettings{DailyCap: 4}, pool.Settings["U0AE2"], "the pool's cap through the group")

	fake.SetUserGroupUsers("S0CLOSERS", "U0AE3")
	require.NoError(t, dir.Refresh(ctx))
	require.Equal(t, []string{"U0AE1", "U0AE3"}, resolvePolicy(ctx, dir, cfg.Policy, zerolog.Nop()).Pools[0].Members)

	fake.FailNext("usergroups.users.list", 1, 500)
	fake.SetUserGroupUsers("S0CLOSERS")
	require.Error(t, dir.Refresh(ctx))
	require.Equal(t, []string{"U0AE1", "U0AE3"}, resolvePolicy(ctx, dir, cfg.Policy, zerolog.Nop()).Pools[0].Members, "last good kept")
}
