package launcher_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
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
	a := batontest.Start(t, batontest.Options{Config: directoryConfig, Fake: fake})

	h := a.Handoff("U0SDR", "Acme Corp")
	require.Equal(t, "U0AE1", h.Turn.UpNext, "dana resolved from her email; U0AE2 is away in Slack")
	a.Click("U0AE2", h)
	a.Eventually(func() bool { return a.HandoffNow(h.ID).OwnerID == "U0AE2" }, "away in Slack, yet clicking: they are there")
	require.NotEmpty(t, a.Slack.Calls("users.getPresence"))
}
