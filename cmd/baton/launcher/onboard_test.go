package launcher_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/store/storetest"
)

// TestInitThenDoctor is a new installation's last steps, as the README
// gives them: baton init writes the configuration from flags, baton
// doctor finds the channel Baton was not invited to, an unknown user and
// a deactivated one, exits 1; once they are fixed, it exits 0.
func TestInitThenDoctor(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	fake.KnownUsersOnly()
	fake.AddChannel(slackfake.Channel{ID: "C0CLOSERS1", Name: "closers"})
	fake.AddUser(slack.User{ID: "U0DANA0001", Name: "dana", RealName: "Dana Smith"})
	fake.AddUser(slack.User{ID: "U0GONE0001", Name: "gone", RealName: "Gone Person", Deleted: true})
	fake.AddUser(slack.User{ID: "U0MANAGER1", Name: "max"})
	cfg := filepath.Join(t.TempDir(), "baton.yaml")
	vars := map[string]string{"BATON_CONFIG": cfg, "SLACK_API_URL": fake.APIURL(),
		"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_APP_TOKEN": fake.AppToken()}

	out, err := batontest.RunCommand(t, vars, "init", "--channel", "C0CLOSERS1", "--members", "U0DANA0001,U0NOBODY01,U0GONE0001", "--managers", "U0MANAGER1")
	require.NoError(t, err)
	require.Contains(t, out, "wrote "+cfg)

	out, err = batontest.RunCommand(t, vars, "doctor")
	require.EqualError(t, err, "doctor: 3 problem(s)")
	require.Equal(t, `pools[0].channel C0CLOSERS1: Baton is not in this channel — /invite @baton in #closers
pools[0].members[1] U0NOBODY01: no such user in this workspace — copy the member ID from their Slack profile (⋮ → Copy member ID)
pools[0].members[2] U0GONE0001: the account of Gone Person is deactivated — remove it, or put who took over in its place
3 problem(s), 9 checks passed in workspace Fake Workspace as @baton: fix them and run baton doctor again
`, out)

	fake.InviteBot("C0CLOSERS1")
	_, err = batontest.RunCommand(t, vars, "init", "--channel", "C0CLOSERS1", "--members", "U0DANA0001", "--managers", "U0MANAGER1", "--force")
	require.NoError(t, err)
	out, err = batontest.RunCommand(t, vars, "doctor")
	require.NoError(t, err)
	require.Equal(t, "all 10 checks passed in workspace Fake Workspace as @baton: Baton is ready to run\n", out)
}

// TestDoctorWithoutAConfig: a file that does not load is a problem line,
// and Slack is not asked.
func TestDoctorWithoutAConfig(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "baton.yaml")
	out, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": missing, "SLACK_API_URL": "http://127.0.0.1:1/api/"}, "doctor")
	require.EqualError(t, err, "doctor: 1 problem(s)")
	require.Contains(t, out, "BATON_CONFIG "+missing+": ")
	require.Contains(t, out, "— fix the file (baton check-config), or write one with baton init\n1 problem(s), 0 checks passed")
}

// TestCheckConfigWarnsOfPlaceholders: the example's IDs pass check-config,
// which says they look like placeholders.
func TestCheckConfigWarnsOfPlaceholders(t *testing.T) {
	t.Parallel()
	out, err := batontest.RunCommand(t, nil, "check-config", filepath.Join("..", "..", "..", "manifests", "baton.example.yaml"))
	require.NoError(t, err)
	require.Contains(t, out, "warning: pools[0].members[0] U0AE1: looks like a placeholder, not an ID Slack issues")
}

// TestDatabaseURLFile: migrate reads DATABASE_URL from DATABASE_URL_FILE;
// both set, or an unreadable file, stop it naming the variables, never
// the URL.
func TestDatabaseURLFile(t *testing.T) {
	t.Parallel()
	url, _ := storetest.NewDatabase(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "database-url")
	require.NoError(t, os.WriteFile(file, []byte(url+"\n"), 0o600))
	cfg := filepath.Join(dir, "baton.yaml")
	_, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg}, "init", "--channel", "C0CLOSERS1", "--members", "U0DANA0001")
	require.NoError(t, err)

	out, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "DATABASE_URL_FILE": file}, "migrate")
	require.NoError(t, err)
	require.Contains(t, out, "migrations applied")

	_, err = batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "DATABASE_URL_FILE": file, "DATABASE_URL": url}, "migrate")
	require.EqualError(t, err, "DATABASE_URL and DATABASE_URL_FILE are both set: set one of them")
	_, err = batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "DATABASE_URL_FILE": filepath.Join(dir, "nope")}, "migrate")
	require.EqualError(t, err, "DATABASE_URL_FILE: cannot read "+filepath.Join(dir, "nope")+": no such file or directory")
}
