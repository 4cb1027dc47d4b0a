package launcher_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/store/localpg"
)

// localDataDir is a data directory for a local PostgreSQL, reachable by
// the server when the tests run as root (it then runs as postgres).
func localDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "baton-localpg-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	return filepath.Join(dir, "pg")
}

// localOptions run Baton with DATABASE_URL unset, on the local PostgreSQL
// in data.
func localOptions(data string) batontest.Options {
	return batontest.Options{
		Config:  batontest.DefaultConfig + "local_postgres:\n  dir: " + data + "\n",
		EditEnv: func(vars map[string]string) { delete(vars, "DATABASE_URL") },
	}
}

// serverPID is the pid of the server running on data, 0 when none runs.
func serverPID(t *testing.T, data string) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(raw), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	require.NoError(t, err)
	if syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

// TestLocalPostgresSurvivesExportAndMigrate: `baton migrate` and `baton
// export` beside a running bot use its local PostgreSQL and leave it
// running.
func TestLocalPostgresSurvivesExportAndMigrate(t *testing.T) {
	t.Parallel()
	data := localDataDir(t)
	a := batontest.Start(t, localOptions(data))
	pid := serverPID(t, data)
	require.NotZero(t, pid)

	vars := map[string]string{"BATON_CONFIG": a.Config}
	out, err := batontest.RunCommand(t, vars, "migrate")
	require.NoError(t, err, out)
	require.Contains(t, out, "migrations applied")
	require.Equal(t, pid, serverPID(t, data), "migrate left the bot's server running")
	require.Equal(t, http.StatusOK, a.Readyz())

	out, err = batontest.RunCommand(t, vars, "export", "--since", "2020-01-01")
	require.NoError(t, err, out)
	require.Equal(t, pid, serverPID(t, data), "export left the bot's server running")
	require.Equal(t, http.StatusOK, a.Readyz())

	a.Stop()
	require.Zero(t, serverPID(t, data), "the bot stops the server it started")
}

// TestSecondRunOnLocalPostgresIsRefused: a second `baton run` on the
// same data directory (here one that would also fail on the first's HTTP
// port) is refused before it touches the server, and the first bot keeps
// its database.
func TestSecondRunOnLocalPostgresIsRefused(t *testing.T) {
	t.Parallel()
	data := localDataDir(t)
	o := localOptions(data)
	a := batontest.Start(t, o)
	pid := serverPID(t, data)

	vars := map[string]string{
		"BATON_CONFIG": a.Config, "SLACK_BOT_TOKEN": a.Slack.BotToken(), "SLACK_APP_TOKEN": a.Slack.AppToken(),
		"SLACK_API_URL": a.Slack.APIURL(), "BATON_HTTP_ADDR": strings.TrimPrefix(a.HTTP, "http://"),
	}
	out, err := batontest.RunCommand(t, vars, "run")
	require.Error(t, err, out)
	require.ErrorContains(t, err, "another baton run")
	require.ErrorContains(t, err, data)
	require.Equal(t, pid, serverPID(t, data))
	require.Equal(t, http.StatusOK, a.Readyz())
}

// TestBotReconnectsWhenLocalPostgresReturns: the server stops under the
// bot (an operator, the OOM killer) and comes back: /readyz says the
// database is unreachable meanwhile, and the bot recovers on its own.
func TestBotReconnectsWhenLocalPostgresReturns(t *testing.T) {
	t.Parallel()
	data := localDataDir(t)
	a := batontest.Start(t, localOptions(data))

	pgCtl(t, "stop", "-m", "fast", "-w", "-D", data)
	a.Eventually(func() bool {
		code, body := a.Ready()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "database unreachable")
	},
		"/readyz says the database is unreachable")

	// Started again by another process (here the test).
	again, err := localpg.Start(context.Background(), localpg.Options{DataDir: data})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, again.Stop(context.Background())) })
	a.Eventually(func() bool { code, _ := a.Ready(); return code == http.StatusOK }, "the bot reconnects")
	a.Stop()
}

// TestRunTakesOverAfterKill9: a bot killed with SIGKILL leaves its server
// running; the next says it takes it over, and stops it when it stops.
func TestRunTakesOverAfterKill9(t *testing.T) {
	t.Parallel()
	data := localDataDir(t)
	o := localOptions(data)
	o.Process = true
	a := batontest.Start(t, o)
	pid := serverPID(t, data)
	a.Kill()
	require.Equal(t, pid, serverPID(t, data), "the server outlives the killed bot")

	o.Process = false
	b := a.Restart(o)
	require.Contains(t, b.Log.String(), "taking over the local PostgreSQL already running")
	require.NotContains(t, b.Log.String(), "starting a local PostgreSQL")
	require.Equal(t, pid, serverPID(t, data))
	b.Stop()
	require.Zero(t, serverPID(t, data))
}

// pgCtl runs pg_ctl on the server's behalf (as postgres when we are root).
func pgCtl(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("pg_ctl")
	if err != nil {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
		require.NotEmpty(t, matches, "pg_ctl")
		bin = matches[len(matches)-1]
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = "/"
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		require.NoError(t, err)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}
