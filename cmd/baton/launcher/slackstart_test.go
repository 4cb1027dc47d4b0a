package launcher

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

// TestRejectedBySlack sorts what auth.test can end with: Slack refusing
// the token stops start-up; no answer, or Slack failing, is retried.
func TestRejectedBySlack(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"} {
		err := fmt.Errorf("auth.test: %w", slack.SlackErrorResponse{Err: code})
		require.True(t, rejectedBySlack(err), code)
	}
	for name, err := range map[string]error{
		"internal_error":      slack.SlackErrorResponse{Err: "internal_error"},
		"fatal_error":         slack.SlackErrorResponse{Err: "fatal_error"},
		"service_unavailable": slack.SlackErrorResponse{Err: "service_unavailable"},
		"request_timeout":     slack.SlackErrorResponse{Err: "request_timeout"},
		"a 503":               slack.StatusCodeError{Code: 503, Status: "503 Service Unavailable"},
		"a 429":               &slack.RateLimitedError{RetryAfter: time.Second},
		"a DNS failure":       &url.Error{Op: "Post", URL: "https://slack.com/api/auth.test", Err: &net.DNSError{Err: "no such host", Name: "slack.com", IsNotFound: true}},
		"a timeout":           &url.Error{Op: "Post", URL: "https://slack.com/api/auth.test", Err: errors.New("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")},
	} {
		require.False(t, rejectedBySlack(err), name)
	}
}
