package doctor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/cmd/baton/doctor"
)

// load writes yaml to a file and loads it as baton run would.
func load(t *testing.T, yaml string) config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baton.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	return cfg
}

// workspace is a fake Slack with a closers' channel Baton is in, two
// people and a manager, and nobody else: users.info knows only them.
func workspace(t *testing.T) *slackfake.Server {
	t.Helper()
	fake := slackfaketest.New(t)
	fake.KnownUsersOnly()
	fake.AddChannel(slackfake.Channel{ID: "C0CLOSERS1", Name: "closers", BotMember: true})
	for _, id := range []string{"U0DANA0001", "U0LEE00001", "U0MANAGER1"} {
		fake.AddUser(slack.User{ID: id, Name: strings.ToLower(id), RealName: "Person " + id})
	}
	return fake
}

func check(t *testing.T, fake *slackfake.Server, cfg config.Config) doctor.Report {
	t.Helper()
	return doctor.Check(context.Background(), doctor.Input{Config: cfg, APIURL: fake.APIURL(), BotToken: fake.BotToken(), AppToken: fake.AppToken()})
}

// waitNoConnection waits for the fake to see every Socket Mode
// connection closed.
func waitNoConnection(t *testing.T, fake *slackfake.Server) {
	t.Helper()
	require.Eventually(t, func() bool { return fake.Connected() == 0 }, 5*time.Second, 10*time.Millisecond,
		"the Socket Mode connection doctor opened is still open")
}

const good = `timezone: UTC
pools:
  - name: closers
    channel: C0CLOSERS1
    members: [U0DANA0001, U0LEE00001]
    managers: [U0MANAGER1]
`

// TestAllWell: a working installation passes every check, and the Socket
// Mode connection opened to check the app token is closed.
func TestAllWell(t *testing.T) {
	t.Parallel()
	fake := workspace(t)
	r := check(t, fake, load(t, good))
	require.Empty(t, r.Problems)
	require.True(t, r.OK())
	// bot token, 5 scopes, app token, the channel, 3 people
	require.Equal(t, 11, r.Passed)
	require.Equal(t, "all 11 checks passed in workspace Fake Workspace as @baton: Baton is ready to run", r.Summary())
	require.Len(t, fake.Calls("apps.connections.open"), 1)
	waitNoConnection(t, fake)
}

// TestEveryProblemNamed: an uninvited channel, an unknown user, a
// deactivated one, a bot, an unknown email, a missing user group, a
// placeholder and a missing scope are each one line naming the key, the
// ID and the fix.
func TestEveryProblemNamed(t *testing.T) {
	t.Parallel()
	fake := workspace(t)
	fake.AddChannel(slackfake.Channel{ID: "C0UNINVITE", Name: "vip-closers"})
	fake.AddChannel(slackfake.Channel{ID: "C0DIGEST01", Name: "sales-leads", BotMember: true})
	fake.AddUser(slack.User{ID: "U0GONE0001", Name: "gone", RealName: "Gone Person", Deleted: true})
	fake.AddUser(slack.User{ID: "U0ROBOT001", Name: "robot", IsBot: true})
	fake.SetUserEmail("U0DANA0001", "dana@acme.com")
	fake.AddUserGroup("closers", "S0CLOSERS1", "U0DANA0001")
	scopes := []string{}
	for _, s := range slackfake.DefaultScopes {
		if s != "usergroups:read" {
			scopes = append(scopes, s)
		}
	}
	fake.SetScopes(scopes...)
	cfg := load(t, `timezone: UTC
pools:
  - name: closers
    channel: C0CLOSERS1
    members: [U0DANA0001, U0NOBODY01, U0GONE0001, U0ROBOT001, dana@acme.com, nobody@acme.com, "@closers", "@ghosts"]
    managers: [U0MGR]
  - name: vip
    channel: C0UNINVITE
    members: [U0LEE00001]
digest:
  channel: C0DIGEST01
`)
	r := check(t, fake, cfg)
	var lines []string
	for _, p := range r.Problems {
		lines = append(lines, p.String())
	}
	require.Equal(t, []string{
		"pools[0].managers[0] U0MGR: looks like a placeholder, not an ID Slack issues — put the real member ID (their profile → ⋮ → Copy member ID), or run baton init",
		"scope usergroups:read: the bot token lacks it, needed by pools[0].members[6] (a user group) — add it under OAuth & Permissions → Bot Token Scopes (manifests/slack-app.yaml lists it), then reinstall the app",
		"pools[1].channel C0UNINVITE: Baton is not in this channel — /invite @baton in #vip-closers",
		"pools[0].members[1] U0NOBODY01: no such user in this workspace — copy the member ID from their Slack profile (⋮ → Copy member ID)",
		"pools[0].members[2] U0GONE0001: the account of Gone Person is deactivated — remove it, or put who took over in its place",
		"pools[0].members[3] U0ROBOT001: @robot is a bot, not a person — remove it: only people claim leads",
		"pools[0].members[5] nobody@acme.com: no Slack user has this email — check the spelling, or give their member ID instead",
		"pools[0].members[7] @ghosts: no user group has this handle — check it in Slack (People → User groups), without the workspace's prefix",
	}, lines)
	require.False(t, r.OK())
	require.Equal(t, "8 problem(s), 15 checks passed in workspace Fake Workspace as @baton: fix them and run baton doctor again", r.Summary())
	waitNoConnection(t, fake)

	// Invited, the channel passes.
	fake.InviteBot("C0UNINVITE")
	r = check(t, fake, cfg)
	require.Len(t, r.Problems, 7)
	waitNoConnection(t, fake)
}

// TestTokens: a rejected bot token stops the Slack checks there; a
// rejected app token is said; neither token is ever printed.
func TestTokens(t *testing.T) {
	t.Parallel()
	fake := workspace(t)
	cfg := load(t, good)
	r := doctor.Check(context.Background(), doctor.Input{Config: cfg, APIURL: fake.APIURL(), BotToken: "xoxb-revoked-secret", AppToken: "xapp-wrong-secret"})
	var out strings.Builder
	r.Write(&out)
	require.Equal(t, `SLACK_BOT_TOKEN: Slack rejected it (auth.test: invalid_auth) — copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page (install the app first)
SLACK_APP_TOKEN: Slack refused a Socket Mode connection (apps.connections.open: invalid_auth) — generate an App-Level Token with the connections:write scope under Basic Information → App-Level Tokens; and turn Socket Mode on under Settings → Socket Mode
2 problem(s), 0 checks passed (channels and people not checked: they need a working bot token): fix them and run baton doctor again
`, out.String())
	require.NotContains(t, out.String(), "secret")

	r = doctor.Check(context.Background(), doctor.Input{Config: cfg, APIURL: fake.APIURL(), BotToken: fake.AppToken(), AppToken: ""})
	require.Equal(t, "SLACK_BOT_TOKEN: does not start with xoxb- — copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page (install the app first)", r.Problems[0].String())
	require.Equal(t, "SLACK_APP_TOKEN: not set (nor SLACK_APP_TOKEN_FILE) — generate an App-Level Token with the connections:write scope under Basic Information → App-Level Tokens", r.Problems[1].String())
}

// TestSlackUnreachable: a Slack that does not answer is one line, well
// within the budget.
func TestSlackUnreachable(t *testing.T) {
	t.Parallel()
	fake := workspace(t)
	cfg := load(t, good)
	fake.Close()
	start := time.Now()
	r := check(t, fake, cfg)
	require.Less(t, time.Since(start), 15*time.Second)
	require.NotEmpty(t, r.Problems)
	require.Contains(t, r.Problems[0].String(), "SLACK_API_URL "+fake.APIURL()+": cannot reach Slack")
}

// TestSlackHangs: a Slack that takes every channel and person lookup and
// never answers uses up the doctor's budget (shortened here); the report
// says the rest was not checked, and the Socket Mode connection it opened
// is closed.
func TestSlackHangs(t *testing.T) {
	t.Parallel()
	fake := workspace(t)
	cfg := load(t, good)
	fake.Hang("conversations.info", 100)
	fake.Hang("users.info", 100)
	const budget = 2 * time.Second
	r := doctor.Check(context.Background(), doctor.Input{Config: cfg, APIURL: fake.APIURL(), BotToken: fake.BotToken(), AppToken: fake.AppToken(), Budget: budget})
	var problems []string
	for _, p := range r.Problems {
		problems = append(problems, p.String())
	}
	require.Contains(t, strings.Join(problems, "\n"),
		"SLACK_API_URL "+fake.APIURL()+": Slack did not answer every check within "+budget.String()+"; the rest were not checked")
	require.NotEmpty(t, fake.Calls("apps.connections.open"), "the app token was checked before the lookups hung")
	waitNoConnection(t, fake)
}

// TestPlaceholders: the example configuration's short IDs are found
// without asking Slack; made-up long ones are left to Slack.
func TestPlaceholders(t *testing.T) {
	t.Parallel()
	cfg := load(t, config.Minimal)
	var got []string
	for _, p := range doctor.Placeholders(cfg) {
		got = append(got, p.Key+" "+p.ID)
	}
	require.Equal(t, []string{"pools[0].members[0] U0AE1", "pools[0].members[1] U0AE2", "pools[0].members[2] U0AE3", "pools[0].managers[0] U0MGR"}, got)
	for id, want := range map[string]bool{"C0123ABCD": true, "UXXXXXXXX": true, "C024BE91L": false, "U024BE7LH": false, "C01234ABCDE": false, "U0AE1": true} {
		require.Equal(t, want, doctor.LooksPlaceholder(id), id)
	}
}
