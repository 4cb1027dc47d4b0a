package outbox

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// ChannelPace is how fast Baton posts into one conversation (a channel or a
// DM): Slack takes about one message a second per channel and answers a
// faster sender with 429s, allowing short bursts. Burst posts may go at
// once, then one per Interval. Every replica shares one pace per
// conversation, kept in the database.
type ChannelPace struct {
	Burst    int
	Interval time.Duration
}

// DefaultChannelPace allows four posts at once into a channel, then one a
// second. Slack allows about one a second per channel with short bursts,
// and does not say how short; a burst of five is what it is seen to take.
// Baton keeps one turn under it: Baton takes a turn on the database's
// clock and Slack counts the post on its own when it arrives, so two
// posts a second apart for Baton can arrive a little closer for Slack,
// and the spare turn absorbs that instead of drawing a 429.
var DefaultChannelPace = ChannelPace{Burst: 4, Interval: time.Second}

// heldError is a Slack call that was not made, or that Slack answered
// with a 429: the conversation's pace held it back, or Slack asked to
// wait. Nothing was done; the outbox delivers the notice again after
// Wait, without counting an attempt.
type heldError struct {
	// What was held: "channel C…" or a Web API method.
	What string
	Wait time.Duration
	// Until, when set, is when the channel's next turn comes, by the
	// outbox's clock: the notice is put back until then exactly.
	Until time.Time
	err   error // Slack's 429, if it was one
}

func (e *heldError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%s: Slack asked to wait %s: %v", e.What, e.Wait.Round(time.Millisecond), e.err)
	}
	if !e.Until.IsZero() {
		return fmt.Sprintf("%s is at its pace; next turn at %s", e.What, e.Until.Format(time.RFC3339Nano))
	}
	return fmt.Sprintf("%s is at its pace; next in %s", e.What, e.Wait.Round(time.Millisecond))
}

func (e *heldError) Unwrap() error { return e.err }

// rateLimited turns Slack's 429 into a heldError for what, and reports
// whether err was one.
func rateLimited(what string, err error) (*heldError, bool) {
	var limited *slack.RateLimitedError
	if !errors.As(err, &limited) {
		return nil, false
	}
	return &heldError{What: what, Wait: max(limited.RetryAfter, time.Second), err: err}, true
}

// methodHolds keeps the Web API methods Slack answered with a 429 from
// being called again by any delivery of this process until its
// Retry-After is over (chat.update, views.publish, conversations.open:
// Slack's limits on those are per app and method, not per channel).
type methodHolds struct {
	mu    sync.Mutex
	until map[string]time.Time
}

// held says how long method is still held at now; zero if it is not.
func (h *methodHolds) held(method string, now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if until, ok := h.until[method]; ok && until.After(now) {
		return until.Sub(now)
	}
	return 0
}

// hold holds method until now+wait.
func (h *methodHolds) hold(method string, wait time.Duration, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.until == nil {
		h.until = map[string]time.Time{}
	}
	if until := now.Add(wait); until.After(h.until[method]) {
		h.until[method] = until
	}
}
