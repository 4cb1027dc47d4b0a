package launcher_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
)

// zoneAt names a fixed-offset zone where the wall clock reads hour (give or
// take the minutes) at now. Etc/GMT-3 is UTC+3: the sign is POSIX's.
func zoneAt(now time.Time, hour int) string {
	offset := ((hour-now.UTC().Hour())%24 + 24) % 24 // 0..23
	if offset >= 12 {
		offset -= 24 // -12..11, all of which Etc/ has
	}
	switch {
	case offset > 0:
		return fmt.Sprintf("Etc/GMT-%d", offset)
	case offset < 0:
		return fmt.Sprintf("Etc/GMT+%d", -offset)
	}
	return "Etc/GMT"
}

// TestProfileTimeZoneDecidesHours: working hours are read in each member's
// Slack profile time zone, unless they have their own in member_settings;
// a profile zone Go does not know falls back to the top-level timezone. The
// pool names no zone of its own and works 09:00-17:00 every day; the
// top-level zone is one where it is 13:00 now; U0AE1's profile puts
// them at 01:00, so the rotation skips them though they are first in line,
// and the up-next member's priority window keeps them from claiming.
func TestProfileTimeZoneDecidesHours(t *testing.T) {
	t.Parallel()
	now := time.Now()
	day, night := zoneAt(now, 13), zoneAt(now, 1)
	fake := slackfaketest.New(t)
	fake.SetUserTZ("U0AE1", night)          // outside hours
	fake.SetUserTZ("U0AE2", "Mars/Olympus") // unknown: the top-level zone, inside
	fake.SetUserTZ("U0AE3", night)          // but their own zone is configured: inside
	a := batontest.Start(t, batontest.Options{Fake: fake, Config: fmt.Sprintf(`
timezone: %s
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3]
    mode: round_robin
    priority_window: 30s
    hours: ["mon-sun 09:00-17:00"]
    member_settings:
      - {member: U0AE3, timezone: %s}
sla:
  claim_window: 60s
`, day, day)})
	var read []string
	for _, c := range fake.Calls("users.info") {
		read = append(read, c.Params["user"])
	}
	require.Equal(t, []string{"U0AE1", "U0AE2"}, read, "read at start; U0AE3's own zone needs no profile")

	h := a.Handoff("U0SDR", "Acme Corp")
	require.Equal(t, "U0AE2", h.Turn.UpNext, "U0AE1 is first in line but it is night where they are")
	require.Equal(t, 2, h.Turn.Available)
	require.Equal(t, 3, h.Turn.Members)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "2 of 3 in *closers* available now") }, "the passer sees who is available")

	a.Click("U0AE1", h)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE1")) == 1 }, "U0AE1 is refused")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0AE1")[0], "<@U0AE2> is up next and has until")
	a.Click("U0AE2", h)
	a.Eventually(func() bool { return a.HandoffNow(h.ID).OwnerID == "U0AE2" }, "the member in hours claims")
}
