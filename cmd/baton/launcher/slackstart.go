package launcher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
)

// The backoff of start-up's auth.test while Slack cannot be reached: a
// second, doubling, capped so that a Slack back after an outage is found
// within half a minute.
const (
	startRetryFirst = time.Second
	startRetryMax   = 30 * time.Second
)

// errStoppedStarting is a stop (SIGTERM) that came while start-up was
// still waiting for Slack: nothing was started, so it is a clean stop.
var errStoppedStarting = errors.New("stopped before Slack could be reached")

// authenticate checks SLACK_BOT_TOKEN with auth.test. While Slack cannot
// be reached (a DNS failure, a refused connection, a 5xx, a timeout,
// Slack's own internal_error) it tries again, 1 s doubling to 30 s, until
// ctx ends, logging each attempt: a replica started during a network blip
// or a Slack incident comes up when it ends, rather than exiting into a
// crash loop. A token Slack rejects stops start-up at once: no retry
// changes it.
func authenticate(ctx context.Context, api *slack.Client, apiURL string, log zerolog.Logger) (*slack.AuthTestResponse, error) {
	wait := startRetryFirst
	for attempt := 1; ; attempt++ {
		auth, err := api.AuthTestContext(ctx)
		if err == nil {
			return auth, nil
		}
		if ctx.Err() != nil {
			return nil, errStoppedStarting
		}
		if rejectedBySlack(err) {
			return nil, fmt.Errorf("SLACK_BOT_TOKEN rejected by Slack (auth.test): %w", err)
		}
		log.Warn().Err(err).Str("method", "auth.test").Str("url", apiURL).Int("attempt", attempt).Dur("retry_in", wait).
			Msg("cannot reach Slack; retrying")
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, errStoppedStarting
		}
		wait = min(2*wait, startRetryMax)
	}
}

// transientSlackErrors are answers (ok: false) in which Slack says it
// failed, not the request: they pass like a 5xx
// (https://docs.slack.dev/reference/methods/auth.test#errors).
var transientSlackErrors = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true,
	"ratelimited": true, "team_added_to_org": true,
}

// rejectedBySlack says err is Slack's answer to the request itself
// (invalid_auth, not_authed, account_inactive, token_revoked,
// token_expired, not_allowed_token_type, …), which no retry changes.
// Everything else (no answer, an HTTP error status, a 429, Slack's own
// failure) may pass.
func rejectedBySlack(err error) bool {
	var apiErr slack.SlackErrorResponse
	return errors.As(err, &apiErr) && !transientSlackErrors[apiErr.Err]
}
