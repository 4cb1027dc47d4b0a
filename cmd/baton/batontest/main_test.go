package batontest

import (
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMain lets PlainBinary's build of this test binary run Baton.
func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestStartInProcessAndInAChild starts Baton both ways on one fake Slack
// and database: each reports the address of its probes, is ready once
// started, and takes a handoff; the child process stops cleanly on SIGTERM.
func TestStartInProcessAndInAChild(t *testing.T) {
	t.Parallel()
	a := Start(t, Options{})
	require.NotNil(t, a.Main, "in the test's process")
	require.Equal(t, http.StatusOK, a.Readyz(), "Start waits until ready")
	a.Handoff("U0SDR", "In Process Inc")

	b := Start(t, Options{Process: true, Fake: a.Slack, DBURL: a.DBURL, DB: a.DB})
	require.Nil(t, b.Main, "in a child process")
	require.NotEqual(t, a.HTTP, b.HTTP)
	require.Equal(t, http.StatusOK, b.Readyz(), "Start waits until ready")
	h := b.Handoff("U0SDR2", "Child Inc")
	b.Click("U0AE1", h)
	b.Eventually(func() bool { return b.HandoffNow(h.ID).OwnerID == "U0AE1" }, "claimed")
	b.Stop()
	code, exited := b.WaitExit(0)
	require.True(t, exited)
	require.Zero(t, code)
}
