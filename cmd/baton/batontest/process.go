package batontest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	plainOnce sync.Once
	plainDir  string
	plainBin  string
	plainErr  error
)

// PlainBinary returns baton built without the race detector, whatever the
// tests run with: for a test that runs many processes at once (ten
// replicas), where the detector's cost in CPU and memory on a small
// machine would slow every process past the deadlines under test. It is
// removed when the test binary ends (see Main).
func PlainBinary(t testing.TB) string {
	t.Helper()
	if !raceEnabled {
		return Binary(t) // the same build
	}
	plainOnce.Do(func() {
		plainDir, plainErr = os.MkdirTemp("", "batontest-plain-")
		if plainErr != nil {
			return
		}
		plainBin = filepath.Join(plainDir, "baton")
		goTool, err := exec.LookPath("go")
		if err != nil {
			plainErr = fmt.Errorf("the go tool is needed to build baton: %w", err)
			return
		}
		cmd := exec.Command(goTool, "build", "-o", plainBin, "github.com/batonhq/baton/cmd/baton")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			plainErr = fmt.Errorf("go build baton: %w\n%s", err, out.String())
		}
	})
	require.NoError(t, plainErr)
	return plainBin
}

// removePlain removes what PlainBinary built.
func removePlain() {
	if plainDir != "" {
		_ = os.RemoveAll(plainDir)
	}
}

// Signal sends sig to the process.
func (a *App) Signal(sig os.Signal) {
	a.T.Helper()
	require.NoError(a.T, a.cmd.Process.Signal(sig))
}

// WaitExit waits up to timeout for the process to exit and returns its
// exit code; exited is false if it was still running. The test's cleanup
// still sees the exit.
func (a *App) WaitExit(timeout time.Duration) (code int, exited bool) {
	select {
	case err := <-a.exit:
		a.exit <- err // for stop, at cleanup
		var exitErr *exec.ExitError
		switch {
		case err == nil:
			return 0, true
		case errors.As(err, &exitErr):
			return exitErr.ExitCode(), true
		}
		a.T.Fatalf("waiting for baton: %v", err)
	case <-time.After(timeout):
	}
	return 0, false
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
