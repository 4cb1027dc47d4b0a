package directory_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

type zonesBundle struct {
	fake  *slackfake.Server
	zones *directory.Zones
	log   *bytes.Buffer // read once Refresh has returned
	// waited records the Retry-After waits, which take no time.
	mu     sync.Mutex
	waited []time.Duration
}

// setupZones returns Zones talking to a fake Slack over HTTP, logging at
// debug, with waits recorded instead of slept.
func setupZones(t *testing.T) *zonesBundle {
	t.Helper()
	b := &zonesBundle{fake: slackfaketest.New(t), log: &bytes.Buffer{}}
	b.zones = directory.NewZones(directory.ZonesConfig{
		API: slack.New(b.fake.BotToken(), slack.OptionAPIURL(b.fake.APIURL())),
		Log: zerolog.New(zerolog.SyncWriter(b.log)).Level(zerolog.DebugLevel),
		Wait: func(_ context.Context, d time.Duration) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.waited = append(b.waited, d)
			return nil
		},
	})
	return b
}

func zoneName(loc *time.Location) string {
	if loc == nil {
		return ""
	}
	return loc.String()
}

func TestZonesReadProfiles(t *testing.T) {
	t.Parallel()
	b := setupZones(t)
	ctx := context.Background()
	b.fake.SetUserTZ("U1", "Europe/Paris")
	b.fake.SetUserTZ("U2", "Asia/Tokyo")
	b.fake.SetUserTZ("U3", "Mars/Olympus")
	b.fake.SetUserTZ("U4", "")

	require.Nil(t, b.zones.Zone("U1"), "nothing read yet")
	require.NoError(t, b.zones.Refresh(ctx, []string{"U1", "U2", "U3", "U4", "U5"}))
	require.Equal(t, "Europe/Paris", zoneName(b.zones.Zone("U1")))
	require.Equal(t, "Asia/Tokyo", zoneName(b.zones.Zone("U2")))
	require.Nil(t, b.zones.Zone("U3"), "a zone Go does not know: none, silently")
	require.Nil(t, b.zones.Zone("U4"), "no zone in the profile")
	require.Equal(t, "America/New_York", zoneName(b.zones.Zone("U5")), "the fake's default")
	require.Nil(t, b.zones.Zone("U9"), "never asked about")
	require.Contains(t, b.log.String(), `"level":"debug"`)
	require.Contains(t, b.log.String(), "Mars/Olympus")
	require.NotContains(t, b.log.String(), `"level":"warn"`, "a bad profile zone is no warning")

	calls := len(b.fake.Calls("users.info"))
	require.Equal(t, 5, calls, "one call per user")
	for range 10 {
		b.zones.Zone("U1")
	}
	require.Len(t, b.fake.Calls("users.info"), calls, "Zone never calls Slack")

	// The next refresh follows profile changes and forgets former members.
	b.fake.SetUserTZ("U1", "America/Chicago")
	require.NoError(t, b.zones.Refresh(ctx, []string{"U1"}))
	require.Equal(t, "America/Chicago", zoneName(b.zones.Zone("U1")))
	require.Nil(t, b.zones.Zone("U2"), "no longer a member: forgotten")
}

func TestZonesWaitOutRateLimits(t *testing.T) {
	t.Parallel()
	b := setupZones(t)
	b.fake.SetUserTZ("U1", "Europe/Paris")
	b.fake.SetUserTZ("U2", "Asia/Tokyo")
	b.fake.RateLimit("users.info", 2, 3*time.Second)

	require.NoError(t, b.zones.Refresh(context.Background(), []string{"U1", "U2"}))
	require.Equal(t, []time.Duration{3 * time.Second, 3 * time.Second}, b.waited, "Retry-After waited out, twice")
	require.Equal(t, "Europe/Paris", zoneName(b.zones.Zone("U1")), "then asked again")
	require.Equal(t, "Asia/Tokyo", zoneName(b.zones.Zone("U2")))
	require.Len(t, b.fake.Calls("users.info"), 4)
}

func TestZonesKeepTheLastKnownOnFailure(t *testing.T) {
	t.Parallel()
	b := setupZones(t)
	ctx := context.Background()
	b.fake.SetUserTZ("U1", "Europe/Paris")
	b.fake.SetUserTZ("U2", "Asia/Tokyo")
	require.NoError(t, b.zones.Refresh(ctx, []string{"U1", "U2"}))

	b.fake.SetUserTZ("U1", "America/Chicago")
	b.fake.SetUserTZ("U2", "America/Denver")
	b.fake.FailNext("users.info", 1, http.StatusInternalServerError)
	err := b.zones.Refresh(ctx, []string{"U1", "U2"})
	require.ErrorContains(t, err, "users.info U1")
	require.Equal(t, "Europe/Paris", zoneName(b.zones.Zone("U1")), "the last known zone is kept")
	require.Equal(t, "America/Denver", zoneName(b.zones.Zone("U2")), "the others are still read")
	require.NotContains(t, err.Error(), b.fake.BotToken())
}

func TestZonesStopWhenCanceled(t *testing.T) {
	t.Parallel()
	b := setupZones(t)
	b.fake.SetUserTZ("U1", "Europe/Paris")
	require.NoError(t, b.zones.Refresh(context.Background(), []string{"U1"}))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := b.zones.Refresh(ctx, []string{"U1", "U2", "U3"})
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, b.fake.Calls("users.info"), 1, "no call after the context ended")
	require.Equal(t, "Europe/Paris", zoneName(b.zones.Zone("U1")), "the last known zone is kept")
}

// noScope answers users.info as Slack does for a token without users:read.
type noScope struct{ calls int }

func (n *noScope) GetUserInfoContext(context.Context, string, ...slack.GetUserInfoOption) (*slack.User, error) {
	n.calls++
	return nil, slack.SlackErrorResponse{Err: "missing_scope"}
}

func TestZonesWithoutTheScope(t *testing.T) {
	t.Parallel()
	api := &noScope{}
	logs := &bytes.Buffer{}
	zones := directory.NewZones(directory.ZonesConfig{API: api, Log: zerolog.New(logs)})
	ctx := context.Background()

	require.ErrorIs(t, zones.Refresh(ctx, []string{"U1", "U2", "U3"}), directory.ErrMissingScope)
	require.Equal(t, 1, api.calls, "no other user would answer better")
	require.Nil(t, zones.Zone("U1"))
	require.ErrorContains(t, zones.Refresh(ctx, []string{"U1", "U2"}), "users:read")
	require.Equal(t, 1, bytes.Count(logs.Bytes(), []byte(`"level":"warn"`)), "told once, not every refresh")
	require.Contains(t, logs.String(), "add users:read")
}
