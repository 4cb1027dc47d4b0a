package outbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

func TestMethodHoldsLastUntilRetryAfter(t *testing.T) {
	var h methodHolds
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	require.Zero(t, h.held("chat.update", now))
	h.hold("chat.update", 3*time.Second, now)
	h.hold("chat.update", time.Second, now) // a shorter hold does not shorten it
	require.Equal(t, 2*time.Second, h.held("chat.update", now.Add(time.Second)))
	require.Zero(t, h.held("views.publish", now), "each method its own")
	require.Zero(t, h.held("chat.update", now.Add(3*time.Second)))
}

func TestRateLimitedIsAHold(t *testing.T) {
	held, ok := rateLimited("chat.update", fmt.Errorf("update: %w", &slack.RateLimitedError{RetryAfter: 2 * time.Second}))
	require.True(t, ok)
	require.Equal(t, 2*time.Second, held.Wait)
	_, ok = rateLimited("chat.update", fmt.Errorf("boom"))
	require.False(t, ok)
}
