package outbox

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	require.Equal(t, time.Second, retryDelay(1))
	require.Equal(t, 2*time.Second, retryDelay(2))
	require.Equal(t, 16*time.Second, retryDelay(5))
	require.Equal(t, maxRetryDelay, retryDelay(14), "capped")
	var total time.Duration
	for attempt := 1; attempt < maxAttempts; attempt++ {
		total += retryDelay(attempt)
	}
	require.Equal(t, 33*time.Minute+31*time.Second, total, "what the docs say: about half an hour of retries")
}

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	require.True(t, isPermanent(fmt.Errorf("post: %w", slack.SlackErrorResponse{Err: "channel_not_found"})))
	require.True(t, isPermanent(slack.SlackErrorResponse{Err: "invalid_blocks"}))
	require.True(t, isPermanent(slack.SlackErrorResponse{Err: "msg_blocks_too_long"}), "too much text in the blocks: no retry makes it fit")
	require.True(t, isPermanent(slack.SlackErrorResponse{Err: "msg_too_long"}), "a text over 40,000 characters stays over")
	require.True(t, isPermanent(slack.SlackErrorResponse{Err: "invalid_blocks_format"}))
	require.False(t, isPermanent(slack.SlackErrorResponse{Err: "not_in_channel"}), "fixed by inviting the app: keep trying")
	require.False(t, isPermanent(&slack.RateLimitedError{RetryAfter: time.Second}))
	require.False(t, isPermanent(slack.StatusCodeError{Code: 500, Status: "500"}))
	require.False(t, isPermanent(errors.New("connection reset")))
	require.False(t, isPermanent(fmt.Errorf("post: %w", &uninvitedError{Channel: "C1", Code: "channel_not_found",
		err: slack.SlackErrorResponse{Err: "channel_not_found"}})), "a private channel Baton is not in: keep trying")
}

func TestCheckAccess(t *testing.T) {
	t.Parallel()
	w := &Worker{}
	for _, code := range []string{"channel_not_found", "not_in_channel"} {
		err := w.checkAccess(t.Context(), "C1", slack.SlackErrorResponse{Err: code})
		var uninvited *uninvitedError
		require.ErrorAs(t, err, &uninvited)
		require.Equal(t, code, uninvited.Code)
		require.False(t, isPermanent(err))
	}
	err := w.checkAccess(t.Context(), "DU1", slack.SlackErrorResponse{Err: "channel_not_found"})
	require.True(t, isPermanent(err), "a DM Slack does not find: no invitation fixes it")
	require.NoError(t, w.checkAccess(t.Context(), "C1", nil))
	err = w.checkAccess(t.Context(), "C1", slack.SlackErrorResponse{Err: "is_archived"})
	require.True(t, isPermanent(err))
}
