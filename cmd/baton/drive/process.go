package drive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/batonhq/baton/bot/slackfake"
)

// addrFDEnv names the file descriptor on which a child started with
// ProcessOptions.WantAddr reports its HTTP address (see ReportAddr).
const addrFDEnv = "BATON_DRIVE_ADDR_FD"

// ProcessOptions vary what StartProcess runs.
type ProcessOptions struct {
	// Env is added to the command's environment, over what it has.
	Env map[string]string
	// WantAddr waits for the child to report its HTTP address with
	// ReportAddr (a program that runs launcher.Main for a test does); the
	// baton binary itself does not.
	WantAddr bool
	// Timeout bounds the wait for the address and the Socket Mode
	// connection; default a minute.
	Timeout time.Duration
}

// Process is Baton running in a child process.
type Process struct {
	// Cmd is the running command.
	Cmd *exec.Cmd
	// Log is everything it writes to stdout and stderr.
	Log *Log
	// Addr is its HTTP probes' address (host:port), when asked for.
	Addr string

	exit chan error // the result of Cmd.Wait, put back by whoever reads it
}

// StartProcess starts cmd, a Baton that runs against fake, and returns
// once it has connected its Socket Mode socket (and reported its address,
// with o.WantAddr). A process that exits before, or does not get there
// within o.Timeout, is killed and reported with the end of its log.
func StartProcess(ctx context.Context, cmd *exec.Cmd, fake *slackfake.Server, o ProcessOptions) (*Process, error) {
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	for k, v := range o.Env {
		cmd.Env = append(cmd.Env, k+"="+v) // later entries win
	}
	p := &Process{Cmd: cmd, Log: &Log{}, exit: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.Log, p.Log
	var addrs, addrw *os.File
	if o.WantAddr {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("start baton: address pipe: %w", err)
		}
		defer r.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, w)
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", addrFDEnv, 2+len(cmd.ExtraFiles)))
		addrs, addrw = r, w
	}
	connected := fake.Connected()
	err := cmd.Start()
	if addrw != nil {
		// The child has its copy; with this one closed, the pipe ends
		// when the child does.
		addrw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("start baton: %w", err)
	}
	go func() { p.exit <- cmd.Wait() }()

	timeout := o.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(err error) (*Process, error) {
		p.kill()
		return nil, fmt.Errorf("%w; its log ends:\n%s", err, p.Log.Tail(40))
	}
	if addrs != nil {
		got := make(chan string, 1)
		go func() {
			// One line, or nothing when the child exits first (the pipe
			// closes with it).
			line, _ := bufio.NewReader(addrs).ReadString('\n')
			got <- strings.TrimSpace(line)
		}()
		select {
		case p.Addr = <-got:
			if p.Addr == "" {
				return fail(errors.New("baton exited before its HTTP probes listened"))
			}
		case <-ctx.Done():
			return fail(fmt.Errorf("baton's HTTP probes never listened: %w", ctx.Err()))
		}
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- fake.WaitConnected(ctx, connected+1) }()
	select {
	case err := <-waitErr:
		if err != nil {
			return fail(fmt.Errorf("baton never connected to the fake Slack: %w", err))
		}
	case err := <-p.exit:
		p.exit <- err
		return fail(fmt.Errorf("baton exited before it connected: %v", err))
	}
	return p, nil
}

// ReportAddr is the child's side of ProcessOptions.WantAddr: it waits for
// addr (Main.HTTPAddr) and writes it to the descriptor StartProcess passed.
// It does nothing in a process not started so.
func ReportAddr(addr func(context.Context) (string, error)) {
	fd, err := strconv.Atoi(os.Getenv(addrFDEnv))
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "baton-addr")
	defer f.Close()
	a, err := addr(context.Background())
	if err != nil {
		return
	}
	_, _ = fmt.Fprintln(f, a)
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.Cmd.Process.Signal(sig) }

// Wait waits up to timeout for the process to exit and returns what
// exec.Cmd.Wait said; exited is false if it still runs. Later calls see
// the same exit.
func (p *Process) Wait(timeout time.Duration) (exited bool, err error) {
	select {
	case err := <-p.exit: // gone already, whatever the timeout
		p.exit <- err
		return true, err
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-p.exit:
		p.exit <- err
		return true, err
	case <-t.C:
		return false, nil
	}
}

// Stop sends SIGTERM, as a deployment does, and waits up to timeout for the
// process to exit; then it kills it. It returns an error when the process
// did not exit cleanly, or had to be killed, with the end of its log.
func (p *Process) Stop(timeout time.Duration) error {
	_ = p.Signal(syscall.SIGTERM) // it may be gone already: Wait says how it went
	exited, err := p.Wait(timeout)
	if !exited {
		p.kill()
		err = fmt.Errorf("did not stop within %s of SIGTERM", timeout)
	}
	if err != nil {
		return fmt.Errorf("%w; its log ends:\n%s", err, p.Log.Tail(40))
	}
	return nil
}

// Kill stops the process with SIGKILL, like a crashed or evicted pod: no
// shutdown code runs. It returns once the process is gone, and an error
// unless SIGKILL is what ended it.
func (p *Process) Kill() error {
	if err := p.Cmd.Process.Kill(); err != nil {
		return fmt.Errorf("kill baton: %w", err)
	}
	_, err := p.Wait(time.Hour) // a killed process goes at once
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return fmt.Errorf("baton was not killed: it exited with %v", err)
	}
	status, ok := exit.Sys().(syscall.WaitStatus)
	if !ok || !status.Signaled() || status.Signal() != syscall.SIGKILL {
		return fmt.Errorf("baton was not killed by SIGKILL: %v", err)
	}
	return nil
}

// kill ends the process, however it is, and waits for it.
func (p *Process) kill() {
	_ = p.Cmd.Process.Kill()
	p.Wait(time.Hour)
}
