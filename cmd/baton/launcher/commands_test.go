package launcher_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/store/storetest"
)

func TestCheckConfig(t *testing.T) {
	t.Parallel()
	out, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": batontest.WriteConfig(t, batontest.DefaultConfig)}, "check-config")
	require.NoError(t, err)
	require.Contains(t, out, "is valid: 1 pool(s) (closers), claim window 1m0s")
	require.Contains(t, out, "checklist concrete-criteria (4 questions, 2 gated)")

	_, err = batontest.RunCommand(t, map[string]string{"BATON_CONFIG": batontest.WriteConfig(t, batontest.DefaultConfig+"pols: []\n")}, "check-config")
	require.ErrorContains(t, err, "pols: unknown key")
}

func TestMissingTokensNameTheVariable(t *testing.T) {
	t.Parallel()
	cfg := batontest.WriteConfig(t, batontest.DefaultConfig)
	_, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "SLACK_APP_TOKEN": "xapp-1"}, "run")
	require.ErrorContains(t, err, "SLACK_BOT_TOKEN is not set")
	_, err = batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "SLACK_BOT_TOKEN": "xoxb-1"})
	require.ErrorContains(t, err, "SLACK_APP_TOKEN is not set")
	_, err = batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "SLACK_BOT_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xapp-1"})
	require.ErrorContains(t, err, "SLACK_BOT_TOKEN does not start with xoxb-")
	require.NotContains(t, err.Error(), "xapp-1", "the token itself is never echoed")
}

func TestBadConfigStopsStartup(t *testing.T) {
	t.Parallel()
	cfg := batontest.WriteConfig(t, "pools:\n  - {name: a, members: [U1]}\n")
	_, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, "run")
	require.ErrorContains(t, err, "pools[0].channel")
}

func TestHelpAndUnknownCommand(t *testing.T) {
	t.Parallel()
	out, err := batontest.RunCommand(t, nil, "help")
	require.NoError(t, err)
	for _, v := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL", "BATON_CONFIG", "BATON_HTTP_ADDR", "LOG_LEVEL", "LOG_FORMAT", "migrate", "check-config", "loadtest"} {
		require.Contains(t, out, v)
	}
	_, err = batontest.RunCommand(t, nil, "frobnicate")
	require.ErrorContains(t, err, `unknown command "frobnicate"`)
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	url, _ := storetest.NewDatabase(t)
	out, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": batontest.WriteConfig(t, batontest.DefaultConfig), "DATABASE_URL": url}, "migrate")
	require.NoError(t, err)
	require.Contains(t, out, "migrations applied")
}

// TestLocalPostgresWhenDatabaseURLUnset runs migrate with DATABASE_URL unset:
// Baton starts its own PostgreSQL under local_postgres.dir, reuses it on the
// next start, and stops it when done.
func TestLocalPostgresWhenDatabaseURLUnset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The server runs as the postgres user when the tests run as root: it
	// must be able to reach its data directory.
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	data := filepath.Join(dir, "pg")
	cfg := batontest.WriteConfig(t, batontest.DefaultConfig+"local_postgres:\n  dir: "+data+"\n")
	for range 2 {
		out, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg}, "migrate")
		require.NoError(t, err, out)
		require.Contains(t, out, "migrations applied")
		require.FileExists(t, filepath.Join(data, "PG_VERSION"))
		require.NoFileExists(t, filepath.Join(data, "postmaster.pid"), "stopped with the command")
	}
}

// TestSlackManifest keeps the manifest in line with the code: Socket Mode,
// interactivity, /handoff, the App Home, and exactly the scopes Baton uses.
func TestSlackManifest(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../../manifests/slack-app.yaml")
	require.NoError(t, err)
	var m struct {
		Features struct {
			AppHome struct {
				HomeTabEnabled bool `yaml:"home_tab_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct{ Command string } `yaml:"slash_commands"`
		}
		OAuthConfig struct {
			Scopes struct{ Bot []string } `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				IsEnabled bool `yaml:"is_enabled"`
			}
			SocketModeEnabled  bool `yaml:"socket_mode_enabled"`
			EventSubscriptions struct {
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &m))
	require.True(t, m.Settings.SocketModeEnabled)
	require.True(t, m.Settings.Interactivity.IsEnabled)
	require.True(t, m.Features.AppHome.HomeTabEnabled)
	require.Len(t, m.Features.SlashCommands, 1)
	require.Equal(t, "/handoff", m.Features.SlashCommands[0].Command)
	require.ElementsMatch(t, []string{"commands", "chat:write", "im:write", "users:read", "users:read.email", "usergroups:read", "dnd:read", "channels:read", "groups:read"}, m.OAuthConfig.Scopes.Bot)
	require.Equal(t, []string{"app_home_opened"}, m.Settings.EventSubscriptions.BotEvents)
}

func TestBadBotTokenIsNamed(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	_, err := batontest.RunCommand(t, map[string]string{
		"BATON_CONFIG": batontest.WriteConfig(t, batontest.DefaultConfig), "SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_APP_TOKEN": fake.AppToken(), "SLACK_API_URL": fake.APIURL(),
	}, "run")
	require.ErrorContains(t, err, "SLACK_BOT_TOKEN rejected by Slack")
	require.NotContains(t, err.Error(), "xoxb-wrong")
}

func TestBadAppTokenIsNamed(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	url, _ := storetest.NewDatabase(t)
	_, err := batontest.RunCommand(t, map[string]string{
		"BATON_CONFIG": batontest.WriteConfig(t, batontest.DefaultConfig), "SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_APP_TOKEN": "xapp-wrong",
		"SLACK_API_URL": fake.APIURL(), "DATABASE_URL": url, "BATON_HTTP_ADDR": "127.0.0.1:0",
	}, "run")
	require.ErrorContains(t, err, "SLACK_APP_TOKEN rejected by Slack")
	require.NotContains(t, err.Error(), "xapp-wrong")
}
