package batontest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/stretchr/testify/require"
)

// process is the child process, failing the test when Baton runs in the
// test's own process.
func (a *App) process() {
	a.T.Helper()
	require.NotNil(a.T, a.proc, "Baton runs in the test's process: start it with Options.Process to signal it")
}

// Freeze stops the process with SIGSTOP: it holds its socket and its
// database connections but does nothing, so an envelope sent now reaches
// its socket and is never read, and a deadline passes unseen. Follow with
// Kill for a crash at exactly that point.
//
// A signal is delivered asynchronously: on a busy machine a thread may run
// on a moment after kill returns, long enough to read the next envelope.
// Freeze returns only once every thread of the process is stopped.
func (a *App) Freeze() {
	a.T.Helper()
	a.Signal(syscall.SIGSTOP)
	tasks := fmt.Sprintf("/proc/%d/task", a.proc.Cmd.Process.Pid)
	require.Eventually(a.T, func() bool { return allStopped(tasks) }, 15*time.Second, time.Millisecond,
		"every thread of the frozen process stops")
}

// allStopped reports whether every thread under tasks (a /proc/PID/task
// directory) is stopped: state T in its stat line, which follows the
// command name in parentheses.
func allStopped(tasks string) bool {
	entries, err := os.ReadDir(tasks)
	if err != nil || len(entries) == 0 {
		return false
	}
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join(tasks, e.Name(), "stat"))
		if err != nil {
			return false
		}
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+2 >= len(stat) || stat[i+2] != 'T' {
			return false
		}
	}
	return true
}

// Kill stops the process with SIGKILL, like a crashed or evicted pod: no
// shutdown code runs, nothing is flushed or released. It returns once the
// process is gone and the fake Slack has seen its socket close.
func (a *App) Kill() {
	a.T.Helper()
	a.process()
	live := a.Slack.Connected()
	require.NoError(a.T, a.proc.Kill())
	// The clean-up's SIGTERM must not count the kill as an unclean exit.
	a.killed = true
	require.Eventually(a.T, func() bool { return a.Slack.Connected() < live }, 15*time.Second, 10*time.Millisecond,
		"the fake Slack sees the killed process's socket close")
}

// Restart starts Baton again after Kill, on the same fake Slack and
// database, with o's configuration and environment (pass the ones the
// first process had). The new App is stopped when the test ends.
func (a *App) Restart(o Options) *App {
	a.T.Helper()
	o.Fake, o.DBURL, o.DB = a.Slack, a.DBURL, a.DB
	return Start(a.T, o)
}

// Signal sends sig to the process.
func (a *App) Signal(sig os.Signal) {
	a.T.Helper()
	a.process()
	require.NoError(a.T, a.proc.Signal(sig))
}

// WaitExit waits up to timeout for the process to exit and returns its
// exit code; exited is false if it was still running. The test's cleanup
// still sees the exit.
func (a *App) WaitExit(timeout time.Duration) (code int, exited bool) {
	a.T.Helper()
	a.process()
	exited, err := a.proc.Wait(timeout)
	if !exited {
		return 0, false
	}
	if err == nil {
		return 0, true
	}
	return a.proc.Cmd.ProcessState.ExitCode(), true
}

// Readyz is the status code of /readyz: 200 when Baton can do its job (the
// database answers, the socket is connected), 503 when not.
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

// Ready asks /readyz and returns its status code and body (0 and the
// error when it did not answer).
func (a *App) Ready() (int, string) {
	res, err := http.Get(a.HTTP + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
