package initconfig_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/cmd/baton/initconfig"
)

func run(t *testing.T, o initconfig.Options, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	o.Stdout = &out
	if o.Stdin == nil {
		o.Stdin = strings.NewReader("")
	}
	err := initconfig.Run(context.Background(), o, args)
	return out.String(), err
}

// TestFromFlags: the flags make a file that loads, with the pool they
// name; an existing file is kept unless --force.
func TestFromFlags(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "baton.yaml")
	out, err := run(t, initconfig.Options{DefaultPath: path}, "--channel", "C0CLOSERS1", "--members", "U0DANA0001, U0LEE00001,@closers", "--managers", "U0MANAGER1")
	require.NoError(t, err)
	require.Contains(t, out, "wrote "+path+": pool closers in C0CLOSERS1, 3 closer(s), 1 manager(s)")
	cfg, err := config.Load(path)
	require.NoError(t, err)
	require.Len(t, cfg.Policy.Pools, 1)
	pool := cfg.Policy.Pools[0]
	require.Equal(t, "closers", pool.Name)
	require.Equal(t, "C0CLOSERS1", pool.Channel)
	require.Equal(t, []string{"U0DANA0001", "U0LEE00001", "@closers"}, pool.Members)
	require.Equal(t, []string{"U0MANAGER1"}, pool.Managers)
	require.Equal(t, "C0CLOSERS1", cfg.Policy.Digest.Channel)

	_, err = run(t, initconfig.Options{DefaultPath: path}, "--channel", "C0OTHER001", "--members", "U0DANA0001")
	require.ErrorContains(t, err, path+" exists: pass --force")
	_, err = run(t, initconfig.Options{DefaultPath: path}, "--channel", "C0OTHER001", "--members", "U0DANA0001", "--force", "--pool", "vip", "--timezone", "Europe/Paris")
	require.NoError(t, err)
	cfg, err = config.Load(path)
	require.NoError(t, err)
	require.Equal(t, "vip", cfg.Policy.Pools[0].Name)
	require.Equal(t, "Europe/Paris", cfg.Policy.Location.String())
}

// TestRefusals: what would not load is not written, and half the flags
// are refused.
func TestRefusals(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "baton.yaml")
	o := initconfig.Options{DefaultPath: path}
	_, err := run(t, o, "--channel", "C0CLOSERS1")
	require.EqualError(t, err, "init: --members is required with --channel: the closers who take the leads")
	_, err = run(t, o, "--members", "U0DANA0001")
	require.EqualError(t, err, "init: --channel is required with --members and --managers")
	_, err = run(t, o, "--channel", "#closers", "--members", "U0DANA0001")
	require.ErrorContains(t, err, `pools[0].channel: want a Slack channel ID such as C0123ABCD, got "#closers"`)
	_, err = run(t, o, "--channel", "C0CLOSERS1", "--members", "U0DANA0001", "--timezone", "Mars/Olympus")
	require.ErrorContains(t, err, "Mars/Olympus")
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = run(t, o, "--chanel", "C0CLOSERS1")
	require.ErrorContains(t, err, "flag provided but not defined: -chanel")
	out, err := run(t, o, "--help")
	require.NoError(t, err)
	require.Equal(t, initconfig.Help, out)
}

// TestInteractive: init lists the channels Baton is in, then the chosen
// channel's people (not bots, not deactivated accounts), and writes the
// picks.
func TestInteractive(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	fake.KnownUsersOnly()
	fake.AddChannel(slackfake.Channel{ID: "C0GENERAL1", Name: "general", BotMember: true})
	fake.AddChannel(slackfake.Channel{ID: "C0CLOSERS1", Name: "closers", BotMember: true,
		Members: []string{"U0DANA0001", "U0ROBOT001", "U0GONE0001", "U0LEE00001", "U0MANAGER1"}})
	fake.AddChannel(slackfake.Channel{ID: "C0ELSEWHER", Name: "elsewhere"})
	fake.AddUser(slack.User{ID: "U0DANA0001", Name: "dana", RealName: "Dana Smith"})
	fake.AddUser(slack.User{ID: "U0LEE00001", Name: "lee"})
	fake.AddUser(slack.User{ID: "U0MANAGER1", Name: "max", RealName: "Max Manager"})
	fake.AddUser(slack.User{ID: "U0ROBOT001", Name: "robot", IsBot: true})
	fake.AddUser(slack.User{ID: "U0GONE0001", Name: "gone", Deleted: true})
	fake.AddUser(slack.User{ID: slackfake.BotUserID, Name: "baton", IsBot: true})
	path := filepath.Join(t.TempDir(), "baton.yaml")
	o := initconfig.Options{DefaultPath: path, Stdin: strings.NewReader("3\n1\n1,2\n3\n"),
		Slack: func() (*slack.Client, error) {
			return slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL())), nil
		}}
	out, err := run(t, o)
	require.NoError(t, err)
	require.Equal(t, `Channels Baton is in:
  1. #closers (C0CLOSERS1)
  2. #general (C0GENERAL1)
The pool's channel, where leads are posted [1-2]:   answer with numbers from 1 to 2
The pool's channel, where leads are posted [1-2]: People in #closers:
  1. Dana Smith (U0DANA0001)
  2. @lee (U0LEE00001)
  3. Max Manager (U0MANAGER1)
Closers who take the leads (numbers such as 1,3, or all) [all]: Managers, told when a lead is stuck (numbers, or empty for none): wrote `+path+`: pool closers in C0CLOSERS1, 2 closer(s), 1 manager(s)
next: /invite Baton in the channel if it is not in it, then run baton doctor
`, out)
	cfg, err := config.Load(path)
	require.NoError(t, err)
	pool := cfg.Policy.Pools[0]
	require.Equal(t, "closers", pool.Name)
	require.Equal(t, "C0CLOSERS1", pool.Channel)
	require.Equal(t, []string{"U0DANA0001", "U0LEE00001"}, pool.Members)
	require.Equal(t, []string{"U0MANAGER1"}, pool.Managers)
}

// TestInteractiveNoChannel: a Baton in no channel is told how to fix it.
func TestInteractiveNoChannel(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	path := filepath.Join(t.TempDir(), "baton.yaml")
	_, err := run(t, initconfig.Options{DefaultPath: path, Slack: func() (*slack.Client, error) {
		return slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL())), nil
	}})
	require.EqualError(t, err, "init: Baton is in no channel yet: /invite @baton in the closers' channel, then run baton init again")
}
