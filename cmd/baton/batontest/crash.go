package batontest

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"syscall"
	"time"

	"github.com/stretchr/testify/require"
)

// Freeze stops the process with SIGSTOP: it holds its socket and its
// database connections but does nothing, so an envelope sent now reaches
// its socket and is never read, and a deadline passes unseen. Follow with
// Kill for a crash at exactly that point.
func (a *App) Freeze() {
	a.T.Helper()
	require.NoError(a.T, a.cmd.Process.Signal(syscall.SIGSTOP))
}

// Kill stops the process with SIGKILL, like a crashed or evicted pod: no
// shutdown code runs, nothing is flushed or released. It returns once the
// process is gone and the fake Slack has seen its socket close.
func (a *App) Kill() {
	a.T.Helper()
	live := a.Slack.Connected()
	require.NoError(a.T, a.cmd.Process.Kill())
	err := <-a.exit
	var exit *exec.ExitError
	require.True(a.T, errors.As(err, &exit), "killed, not exited: %v", err)
	status, ok := exit.Sys().(syscall.WaitStatus)
	require.True(a.T, ok && status.Signaled() && status.Signal() == syscall.SIGKILL, "killed by SIGKILL: %v", err)
	// Nothing is left to stop: the clean-up's SIGTERM finds the process
	// gone and must not count the kill as an unclean exit.
	a.exit <- nil
	require.Eventually(a.T, func() bool { return a.Slack.Connected() < live }, 15*time.Second, 10*time.Millisecond,
		"the fake Slack sees the killed process's socket close")
}

// Restart starts baton again after Kill, on the same fake Slack and
// database, with o's configuration and environment (pass the ones the
// first process had). The new App is stopped when the test ends.
func (a *App) Restart(o Options) *App {
	a.T.Helper()
	o.Fake, o.DBURL, o.DB = a.Slack, a.DBURL, a.DB
	return Start(a.T, o)
}

// Readyz is the status code of /readyz: 200 when the process can do its
// job (the database answers, the socket is connected), 503 when not.
func (a *App) Readyz() int {
	a.T.Helper()
	ctx, cancel := context.WithTimeout(a.Ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.HTTP+"/readyz", nil)
	require.NoError(a.T, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(a.T, err)
	defer res.Body.Close()
	return res.StatusCode
}
