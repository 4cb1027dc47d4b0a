package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/store/storetest"
)

func runMain(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &out
	m.Getenv = env(vars)
	err := m.Run(context.Background(), args)
	return out.String(), err
}

func TestCheckConfig(t *testing.T) {
	t.Parallel()
	out, err := runMain(t, map[string]string{"BATON_CONFIG": writeConfig(t, testConfig)}, "check-config")
	require.NoError(t, err)
	require.Contains(t, out, "is valid: 1 pool(s) (closers), claim window 1m0s")

	_, err = runMain(t, map[string]string{"BATON_CONFIG": writeConfig(t, testConfig+"pols: []\n")}, "check-config")
	require.ErrorContains(t, err, "pols: unknown key")
}

func TestMissingTokensNameTheVariable(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	_, err := runMain(t, map[string]string{"BATON_CONFIG": cfg, "SLACK_APP_TOKEN": "xapp-1"}, "run")
	require.ErrorContains(t, err, "SLACK_BOT_TOKEN is not set")
	_, err = runMain(t, map[string]string{"BATON_CONFIG": cfg, "SLACK_BOT_TOKEN": "xoxb-1"})
	require.ErrorContains(t, err, "SLACK_APP_TOKEN is not set")
	_, err = runMain(t, map[string]string{"BATON_CONFIG": cfg, "SLACK_BOT_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xapp-1"})
	require.ErrorContains(t, err, "SLACK_BOT_TOKEN does not start with xoxb-")
	require.NotContains(t, err.Error(), "xapp-1", "the token itself is never echoed")
}

func TestBadConfigStopsStartup(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "pools:\n  - {name: a, members: [U1]}\n")
	_, err := runMain(t, map[string]string{"BATON_CONFIG": cfg, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, "run")
	require.ErrorContains(t, err, "pools[0].channel")
}

func TestHelpAndUnknownCommand(t *testing.T) {
	t.Parallel()
	out, err := runMain(t, nil, "help")
	require.NoError(t, err)
	for _, v := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL", "BATON_CONFIG", "BATON_HTTP_ADDR", "LOG_LEVEL", "LOG_FORMAT", "migrate", "check-config"} {
		require.Contains(t, out, v)
	}
	_, err = runMain(t, nil, "frobnicate")
	require.ErrorContains(t, err, `unknown command "frobnicate"`)
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	url, _ := storetest.NewDatabase(t)
	out, err := runMain(t, map[string]string{"BATON_CONFIG": writeConfig(t, testConfig), "DATABASE_URL": url}, "migrate")
	require.NoError(t, err)
	require.Contains(t, out, "migrations applied")
}
