package launcher_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/batontest"
)

// TestCheckConfigChecksTheFileGiven expects check-config FILE to check
// FILE, whatever BATON_CONFIG says, and BATON_CONFIG without one.
func TestCheckConfigChecksTheFileGiven(t *testing.T) {
	t.Parallel()
	good := batontest.WriteConfig(t, batontest.DefaultConfig)
	bad := batontest.WriteConfig(t, batontest.DefaultConfig+"pols: []\n")

	_, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": good}, "check-config", bad)
	require.ErrorContains(t, err, "pols: unknown key", "the file given is checked, not BATON_CONFIG")
	require.ErrorContains(t, err, bad)

	out, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": bad}, "check-config", good)
	require.NoError(t, err, "the file given wins over BATON_CONFIG")
	require.Contains(t, out, good+" is valid")

	out, err = batontest.RunCommand(t, nil, "check-config", good)
	require.NoError(t, err)
	require.Contains(t, out, good+" is valid")

	_, err = batontest.RunCommand(t, map[string]string{"BATON_CONFIG": good}, "check-config", filepath.Join(t.TempDir(), "missing.yaml"))
	require.ErrorContains(t, err, "missing.yaml: no such file")

	out, err = batontest.RunCommand(t, map[string]string{"BATON_CONFIG": good}, "check-config")
	require.NoError(t, err, "no file given: BATON_CONFIG")
	require.Contains(t, out, good+" is valid")

	_, err = batontest.RunCommand(t, nil, "check-config", good, bad)
	require.ErrorContains(t, err, `check-config: unexpected argument "`+bad+`": give one file`)
}

// TestHelpAfterAnyCommand expects --help and -h after each command to
// print that command's help and succeed, starting nothing: the
// environment is empty, so a command that ran would fail.
func TestHelpAfterAnyCommand(t *testing.T) {
	t.Parallel()
	for cmd, want := range map[string]string{
		"run":          "baton [run]",
		"migrate":      "baton migrate",
		"check-config": "baton check-config [FILE]",
		"export":       "baton export --since",
		"loadtest":     "-passers",
	} {
		for _, flag := range []string{"--help", "-h", "-help"} {
			out, err := batontest.RunCommand(t, nil, cmd, flag)
			require.NoError(t, err, "%s %s: %s", cmd, flag, out)
			require.Contains(t, out, want, "%s %s", cmd, flag)
			require.NotContains(t, out, "Environment:", "%s %s: the command's help, not the whole usage", cmd, flag)
		}
		if cmd != "loadtest" {
			out, err := batontest.RunCommand(t, nil, "help", cmd)
			require.NoError(t, err, "help %s", cmd)
			require.Contains(t, out, want, "help %s", cmd)
		}
	}
	out, err := batontest.RunCommand(t, nil, "run", "--help")
	require.NoError(t, err)
	require.Contains(t, out, "SIGTERM", "run's help says how it stops")
}

// TestUnknownArgumentsRefused expects every command to refuse what it
// does not take, saying what it got, before it starts anything.
func TestUnknownArgumentsRefused(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{
		"run now":                         `run: unexpected argument "now"`,
		"run --verbose":                   `run: unknown flag "--verbose"`,
		"migrate up":                      `migrate: unexpected argument "up"`,
		"migrate -n":                      `migrate: unknown flag "-n"`,
		"check-config --strict":           `check-config: unknown flag "--strict"`,
		"export --since 2026-01-01 --csv": `export: unknown flag "--csv"`,
		"help me":                         `help: unknown command "me"`,
		"help run migrate":                `help: unexpected argument "migrate"`,
		"frobnicate":                      `unknown command "frobnicate"`,
		"--verbose":                       `unknown command "--verbose"`,
		"loadtest 10":                     `loadtest: unexpected argument "10"`,
	} {
		out, err := batontest.RunCommand(t, nil, strings.Fields(args)...)
		require.ErrorContains(t, err, want, "%s: %s", args, out)
	}
}

// TestLogSettingsRefused expects an unknown LOG_LEVEL or LOG_FORMAT to
// stop each command that logs, with the values it takes, rather than
// quietly meaning the default.
func TestLogSettingsRefused(t *testing.T) {
	t.Parallel()
	cfg := batontest.WriteConfig(t, batontest.DefaultConfig)
	for _, cmd := range [][]string{{"run"}, {"migrate"}, {"export", "--since", "2026-01-01"}} {
		_, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "LOG_LEVEL": "verbose"}, cmd...)
		require.ErrorContains(t, err, `LOG_LEVEL "verbose": want debug, info, warn or error`, cmd[0])
		_, err = batontest.RunCommand(t, map[string]string{"BATON_CONFIG": cfg, "LOG_FORMAT": "text"}, cmd...)
		require.ErrorContains(t, err, `LOG_FORMAT "text": want json or console`, cmd[0])
	}
}
