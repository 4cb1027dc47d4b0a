package main

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
)

// childEnv marks a test binary re-executed to run Baton as a separate
// process, so a test can kill it with SIGKILL like a crashed pod.
const childEnv = "BATON_TEST_CHILD"

// runChild runs Main from the environment, like the real binary, when this
// test binary was started by startProcess; it reports whether it did.
func runChild() (code int, ran bool) {
	if os.Getenv(childEnv) != "1" {
		return 0, false
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := NewMain().Run(ctx, []string{"run"}); err != nil {
		os.Stderr.WriteString("baton: " + err.Error() + "\n")
		return 1, true
	}
	return 0, true
}

// process is Baton running in a child process.
type process struct {
	t   *testing.T
	cmd *exec.Cmd
	log *syncBuffer
	// config is its BATON_CONFIG file.
	config string
}

// startProcess runs Baton in a child process against fake and dbURL, and
// waits until its socket is connected.
func startProcess(t *testing.T, fake *slackfake.Server, dbURL, config string) *process {
	t.Helper()
	connected := fake.Connected()
	a := &app{t: t, slack: fake, dbURL: dbURL}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	vars := a.env(config)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{t: t, cmd: cmd, log: &syncBuffer{}, config: vars["BATON_CONFIG"]}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, fake.WaitConnected(ctx, connected+1), "the child never connected; log:\n%s", p.log.String())
	return p
}

// kill stops the process with SIGKILL: no shutdown code runs.
func (p *process) kill() {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Kill())
	err := p.cmd.Wait()
	require.Error(p.t, err, "killed, not exited")
	require.True(p.t, strings.Contains(err.Error(), "killed"), "%v", err)
}
