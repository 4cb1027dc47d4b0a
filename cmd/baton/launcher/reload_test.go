package launcher_test

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/cmd/baton/launcher"
)

// reloadedConfig moves the pool to another channel with other members, so
// a lead shows which configuration routed it.
var reloadedConfig = strings.NewReplacer("C0HANDOFF", "C0NEWPOOL", "[U0AE1, U0AE2, U0AE3]", "[U0NEW1, U0NEW2]").Replace(batontest.DefaultConfig)

// badReloadConfig misspells a key: the reload must say which.
const badReloadConfig = "timezone: UTC\npools:\n  - name: closers\n    chanel: C0NEWPOOL\n    members: [U0NEW1]\n"

// TestReloadAppliesToNewHandoffs rewrites the configuration of a running
// Baton and calls the reload SIGHUP triggers: an invalid file is refused
// with the key in the log at error level and changes nothing; a valid one
// routes the next lead to the new pool's channel and members.
func TestReloadAppliesToNewHandoffs(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	before := a.Handoff("U0SDR", "Before Inc")
	require.Equal(t, "C0HANDOFF", before.Channel)

	require.NoError(t, os.WriteFile(a.Config, []byte(badReloadConfig), 0o600))
	err := a.Main.Reload(a.Ctx)
	require.ErrorContains(t, err, "pools[0].chanel: unknown key")
	require.Contains(t, a.Log.String(), `"level":"error"`)
	require.Regexp(t, `"level":"error".*pools\[0\]\.chanel: unknown key.*configuration reload rejected`, a.Log.String())
	kept := a.Handoff("U0SDR2", "Kept Inc")
	require.Equal(t, "C0HANDOFF", kept.Channel, "the running configuration is kept")
	a.Click("U0AE1", kept)
	a.Eventually(func() bool { return a.HandoffNow(kept.ID).OwnerID == "U0AE1" }, "the old members still claim")

	require.NoError(t, os.WriteFile(a.Config, []byte(reloadedConfig), 0o600))
	require.NoError(t, a.Main.Reload(a.Ctx))
	require.Contains(t, a.Log.String(), "configuration reloaded; new handoffs use it")
	after := a.Handoff("U0SDR3", "After Inc")
	require.Equal(t, "C0NEWPOOL", after.Channel, "a new handoff uses the new pool")
	require.Len(t, a.Messages("C0NEWPOOL", false), 1)

	// The old members are out of the pool; the new ones claim.
	a.Click("U0AE2", after)
	a.Eventually(func() bool { return len(a.Slack.Ephemerals("C0NEWPOOL", "U0AE2")) == 1 }, "the old member is refused")
	require.Contains(t, a.Slack.Ephemerals("C0NEWPOOL", "U0AE2")[0].Text, "not in the pool")
	a.Click("U0NEW1", after)
	a.Eventually(func() bool { return a.HandoffNow(after.ID).OwnerID == "U0NEW1" }, "a new member claims")

	// The lead already out stays where it was routed.
	require.Equal(t, "C0HANDOFF", a.HandoffNow(before.ID).Channel)
}

// TestSIGHUPReloadsTheProcess sends a real SIGHUP to Baton running in its
// own process: a bad file is refused and logged, a good one is applied.
func TestSIGHUPReloadsTheProcess(t *testing.T) {
	t.Parallel()
	p := batontest.Start(t, batontest.Options{Process: true})

	hup := func(want string) {
		t.Helper()
		p.Signal(syscall.SIGHUP)
		require.Eventually(t, func() bool { return strings.Contains(p.Log.String(), want) }, 10*time.Second, 10*time.Millisecond,
			"after SIGHUP the log says %q; log:\n%s", want, p.Log.String())
	}
	require.NoError(t, os.WriteFile(p.Config, []byte(badReloadConfig), 0o600))
	hup("configuration reload rejected")
	require.Contains(t, p.Log.String(), "pools[0].chanel: unknown key")
	require.Equal(t, "C0HANDOFF", p.Handoff("U0SDR", "Kept Inc").Channel)

	require.NoError(t, os.WriteFile(p.Config, []byte(reloadedConfig), 0o600))
	hup("configuration reloaded")
	require.Equal(t, "C0NEWPOOL", p.Handoff("U0SDR2", "After Inc").Channel)

	p.Signal(syscall.SIGTERM)
	code, exited := p.WaitExit(20 * time.Second)
	require.True(t, exited, "stops on SIGTERM; log:\n%s", p.Log.String())
	require.Zero(t, code, "still stops cleanly; log:\n%s", p.Log.String())
}

// TestReloadWithoutRunningBot: Reload answers, rather than hangs, when no
// bot runs.
func TestReloadWithoutRunningBot(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, launcher.New().Reload(ctx), context.DeadlineExceeded)
}

// TestRestartOnlyKeys: a reload names the keys it cannot apply.
func TestRestartOnlyKeys(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	changed := strings.Replace(batontest.DefaultConfig, `schedule: "0 9 * * 1-5"`, `schedule: "@every 1h"`, 1)
	require.NoError(t, os.WriteFile(a.Config, []byte(changed), 0o600))
	require.NoError(t, a.Main.Reload(a.Ctx))
	require.Regexp(t, `"keys":\["digest.schedule"\].*take effect at the next restart`, a.Log.String())
}
