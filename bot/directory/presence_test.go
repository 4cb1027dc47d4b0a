package directory_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// testClock is a settable clock, shared by the fake Slack (for DND windows)
// and the Presence (for its cache), safe for concurrent use.
type testClock struct{ nanos atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Unix(0, c.nanos.Load()) }
func (c *testClock) Advance(d time.Duration) { c.nanos.Add(int64(d)) }

type presenceBundle struct {
	fake     *slackfake.Server
	clock    *testClock
	presence *directory.Presence
	log      *bytes.Buffer // read once concurrent callers have finished
}

// setupPresence returns a Presence with the default TTL (60 s) talking to a
// fake Slack over HTTP, both on one test clock.
func setupPresence(t *testing.T) presenceBundle {
	t.Helper()
	clock := &testClock{}
	clock.nanos.Store(time.Unix(1700000000, 0).UnixNano())
	fake := slackfaketest.New(t, slackfake.WithClock(clock.Now))
	logs := &bytes.Buffer{}
	p := directory.NewPresence(directory.PresenceConfig{
		API: slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL())),
		Log: zerolog.New(zerolog.SyncWriter(logs)).Level(zerolog.DebugLevel),
		Now: clock.Now,
	})
	return presenceBundle{fake: fake, clock: clock, presence: p, log: logs}
}

// calls counts the fake's presence and DND calls.
func (b presenceBundle) calls() [2]int {
	return [2]int{len(b.fake.Calls("users.getPresence")), len(b.fake.Calls("dnd.info"))}
}

func (b presenceBundle) requireAway(t *testing.T, user string, wantAway bool, wantUntil time.Time) {
	t.Helper()
	away, until := b.presence.Away(context.Background(), user)
	require.Equal(t, wantAway, away, "away")
	require.True(t, wantUntil.Equal(until), "until: want %v, got %v", wantUntil, until)
}

func TestAwayByPresence(t *testing.T) {
	t.Parallel()
	b := setupPresence(t)

	b.requireAway(t, "U1", false, time.Time{})
	require.Equal(t, [2]int{1, 1}, b.calls())
	require.Equal(t, "U1", b.fake.Calls("users.getPresence")[0].Params["user"])
	require.Equal(t, "U1", b.fake.Calls("dnd.info")[0].Params["user"])

	// Cached for the TTL: Slack's change is seen once it has passed.
	b.fake.SetPresence("U1", "away")
	b.clock.Advance(59 * time.Second)
	b.requireAway(t, "U1", false, time.Time{})
	require.Equal(t, [2]int{1, 1}, b.calls())
	b.clock.Advance(time.Second)
	b.requireAway(t, "U1", true, time.Time{})
	require.Equal(t, [2]int{2, 2}, b.calls())

	b.requireAway(t, "U2", false, time.Time{})
	require.Equal(t, [2]int{3, 3}, b.calls(), "each user has their own answer")
}

func TestAwayByDND(t *testing.T) {
	t.Parallel()
	b := setupPresence(t)
	start := b.clock.Now()

	b.fake.SetDND("U1", start.Add(90*time.Second))
	b.requireAway(t, "U1", true, start.Add(90*time.Second))

	b.clock.Advance(60 * time.Second)
	b.requireAway(t, "U1", true, start.Add(90*time.Second))
	require.Equal(t, [2]int{2, 2}, b.calls())

	// DND ends inside the TTL: the cached window says so without asking.
	b.clock.Advance(30 * time.Second)
	b.requireAway(t, "U1", false, time.Time{})
	require.Equal(t, [2]int{2, 2}, b.calls())

	// Away by presence as well: the DND end is the one end known.
	b.fake.SetDND("U1", b.clock.Now().Add(time.Hour))
	b.fake.SetPresence("U1", "away")
	b.clock.Advance(30 * time.Second)
	b.requireAway(t, "U1", true, start.Add(90*time.Second+time.Hour))
	require.Equal(t, [2]int{3, 3}, b.calls())
}

func TestRateLimitKeepsLastAnswer(t *testing.T) {
	t.Parallel()
	b := setupPresence(t)

	b.fake.SetPresence("U1", "away")
	b.requireAway(t, "U1", true, time.Time{})

	b.clock.Advance(time.Minute)
	b.fake.SetPresence("U1", "active")
	b.fake.RateLimit("users.getPresence", 1, 30*time.Second)
	b.requireAway(t, "U1", true, time.Time{})
	require.Equal(t, [2]int{2, 2}, b.calls(), "asked once, answered 429")
	require.Contains(t, b.log.String(), "rate limited")

	// Until Retry-After has passed, users.getPresence is not called, for
	// this user or any other; dnd.info is not limited and is still asked.
	b.clock.Advance(29 * time.Second)
	b.requireAway(t, "U1", true, time.Time{})
	b.requireAway(t, "U2", false, time.Time{})
	require.Equal(t, [2]int{2, 3}, b.calls())

	b.clock.Advance(time.Second)
	b.requireAway(t, "U1", false, time.Time{})
	require.Equal(t, [2]int{3, 3}, b.calls(), "asked again as soon as Retry-After allows; dnd.info is still fresh")
}

func TestFailuresCountAsAvailable(t *testing.T) {
	t.Parallel()
	b := setupPresence(t)

	b.fake.SetPresence("U1", "away")
	b.fake.SetDND("U1", b.clock.Now().Add(time.Hour))
	b.fake.FailNext("users.getPresence", 1, http.StatusInternalServerError)
	b.fake.FailNext("dnd.info", 1, http.StatusInternalServerError)
	b.requireAway(t, "U1", false, time.Time{})
	require.Contains(t, b.log.String(), `"level":"warn"`)
	require.NotContains(t, b.log.String(), b.fake.BotToken())

	// A failing Slack is asked once per TTL, not per offer.
	b.requireAway(t, "U1", false, time.Time{})
	require.Equal(t, [2]int{1, 1}, b.calls())

	b.clock.Advance(time.Minute)
	b.requireAway(t, "U1", true, b.clock.Now().Add(-time.Minute).Add(time.Hour))

	// A failure after a good answer keeps the good answer.
	b.fake.SetPresence("U1", "active")
	b.fake.SetDND("U1", time.Time{})
	b.fake.FailNext("users.getPresence", 1, http.StatusInternalServerError)
	b.fake.FailNext("dnd.info", 1, http.StatusInternalServerError)
	b.clock.Advance(time.Minute)
	away, _ := b.presence.Away(context.Background(), "U1")
	require.True(t, away)

	// Slack refuses what is not a user ID; that user is simply available.
	b.requireAway(t, "dana@acme.com", false, time.Time{})
}

func TestAwayCanceledIsNotRemembered(t *testing.T) {
	t.Parallel()
	b := setupPresence(t)
	b.fake.SetPresence("U1", "away")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	away, _ := b.presence.Away(ctx, "U1")
	require.False(t, away, "unknown counts as available")

	b.requireAway(t, "U1", true, time.Time{})
}

func TestAwayConcurrentCallersShareOneLookup(t *testing.T) {
	t.Parallel()
	b := setupPresence(t)
	b.fake.SetPresence("U1", "away")

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { b.presence.Away(context.Background(), "U1") })
	}
	wg.Wait()
	require.Equal(t, [2]int{1, 1}, b.calls())
	b.requireAway(t, "U1", true, time.Time{})
}
