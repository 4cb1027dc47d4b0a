package main

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// reloadedConfig moves the pool to another channel with other members, so
// a lead shows which configuration routed it.
var reloadedConfig = strings.NewReplacer("C0HANDOFF", "C0NEWPOOL", "[U0AE1, U0AE2, U0AE3]", "[U0NEW1, U0NEW2]").Replace(testConfig)

// badReloadConfig misspells a key: the reload must say which.
const badReloadConfig = "timezone: UTC\npools:\n  - name: closers\n    chanel: C0NEWPOOL\n    members: [U0NEW1]\n"

// TestReloadAppliesToNewHandoffs rewrites the configuration of a running
// Baton and calls the reload SIGHUP triggers: an invalid file is refused
// with the key in the log at error level and changes nothing; a valid one
// routes the next lead to the new pool's channel and members.
func TestReloadAppliesToNewHandoffs(t *testing.T) {
	t.Parallel()
	a := setup(t)
	before := a.handoff("U0SDR", "Before Inc")
	require.Equal(t, "C0HANDOFF", before.Channel)

	require.NoError(t, os.WriteFile(a.config, []byte(badReloadConfig), 0o600))
	err := a.main.Reload(a.ctx)
	require.ErrorContains(t, err, "pools[0].chanel: unknown key")
	require.Contains(t, a.log.String(), `"level":"error"`)
	require.Regexp(t, `"level":"error".*pools\[0\]\.chanel: unknown key.*configuration reload rejected`, a.log.String())
	kept := a.handoff("U0SDR2", "Kept Inc")
	require.Equal(t, "C0HANDOFF", kept.Channel, "the running configuration is kept")
	a.click("U0AE1", kept, "")
	a.eventually(func() bool { return a.handoffNow(kept.ID).OwnerID == "U0AE1" }, "the old members still claim")

	require.NoError(t, os.WriteFile(a.config, []byte(reloadedConfig), 0o600))
	require.NoError(t, a.main.Reload(a.ctx))
	require.Contains(t, a.log.String(), "configuration reloaded; new handoffs use it")
	after := a.handoff("U0SDR3", "After Inc")
	require.Equal(t, "C0NEWPOOL", after.Channel, "a new handoff uses the new pool")
	require.Len(t, a.messagesIn("C0NEWPOOL", false), 1)

	// The old members are out of the pool; the new ones claim.
	a.click("U0AE2", after, "")
	a.eventually(func() bool { return len(a.slack.Ephemerals("C0NEWPOOL", "U0AE2")) == 1 }, "the old member is refused")
	require.Contains(t, a.slack.Ephemerals("C0NEWPOOL", "U0AE2")[0].Text, "not in the pool")
	a.click("U0NEW1", after, "")
	a.eventually(func() bool { return a.handoffNow(after.ID).OwnerID == "U0NEW1" }, "a new member claims")

	// The lead already out stays where it was routed.
	require.Equal(t, "C0HANDOFF", a.handoffNow(before.ID).Channel)
}

// TestSIGHUPReloadsTheProcess sends a real SIGHUP to Baton running in its
// own process: a bad file is refused and logged, a good one is applied.
func TestSIGHUPReloadsTheProcess(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	dbURL, db := storetest.NewDatabase(t)
	p := startProcess(t, fake, dbURL, testConfig)
	a := &app{t: t, ctx: t.Context(), slack: fake, db: db, store: store.New(db)}

	hup := func(want string) {
		t.Helper()
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
		require.Eventually(t, func() bool { return strings.Contains(p.log.String(), want) }, 10*time.Second, 10*time.Millisecond,
			"after SIGHUP the log says %q; log:\n%s", want, p.log.String())
	}
	require.NoError(t, os.WriteFile(p.config, []byte(badReloadConfig), 0o600))
	hup("configuration reload rejected")
	require.Contains(t, p.log.String(), "pools[0].chanel: unknown key")
	require.Equal(t, "C0HANDOFF", a.handoff("U0SDR", "Kept Inc").Channel)

	require.NoError(t, os.WriteFile(p.config, []byte(reloadedConfig), 0o600))
	hup("configuration reloaded")
	require.Equal(t, "C0NEWPOOL", a.handoff("U0SDR2", "After Inc").Channel)

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait(), "still stops cleanly; log:\n%s", p.log.String())
}

// TestReloadWithoutRunningBot: Reload answers, rather than hangs, when no
// bot runs.
func TestReloadWithoutRunningBot(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, NewMain().Reload(ctx), context.DeadlineExceeded)
}

// TestRestartOnlyKeys: a reload names the keys it cannot apply.
func TestRestartOnlyKeys(t *testing.T) {
	t.Parallel()
	a := setup(t)
	changed := strings.Replace(testConfig, `schedule: "0 9 * * 1-5"`, `schedule: "@every 1h"`, 1)
	require.NoError(t, os.WriteFile(a.config, []byte(changed), 0o600))
	require.NoError(t, a.main.Reload(a.ctx))
	require.Regexp(t, `"keys":\["digest.schedule"\].*take effect at the next restart`, a.log.String())
}
