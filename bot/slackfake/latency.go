package slackfake

import (
	"context"
	"math/rand/v2"
	"time"
)

// WithLatency has the fake take between min and max (uniformly at random,
// per call) to answer each Web API call, as the real Web API does not
// answer at once: a call's round trip to slack.com is its time on the
// network plus Slack's work. Slack publishes no figure for it; a load
// generator picks one (baton loadtest takes 100-300 ms). The default, 0,
// answers at once, so the test suite stays fast.
//
// The time passes before the fake does anything with the call, as if it
// were all spent in Slack before the message is in the channel: the call's
// effect (a post, an update, a refusal for the channel's pace) comes at the
// end of it, and its answer with it. Call.At stays the call's arrival, so
// what a hook times is still the bot's work alone. The latency runs on the
// wall clock, not WithClock's. A max below min is taken as min.
func WithLatency(min, max time.Duration) Option {
	return func(s *Server) { s.latency = latency{min: min, max: max} }
}

// latency is how long the fake takes to answer a Web API call.
type latency struct {
	min, max time.Duration
}

// draw is one call's latency.
func (l latency) draw() time.Duration {
	if l.max <= l.min {
		return max(l.min, 0)
	}
	return l.min + rand.N(l.max-l.min+1)
}

// wait spends one call's latency, and reports false if the caller gave up
// (ctx) or the fake is closing (stop) meanwhile: the call is then left
// undone and unanswered, as Slack never got to it.
func (l latency) wait(ctx context.Context, stop <-chan struct{}) bool {
	d := l.draw()
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
	case <-stop:
	}
	return false
}
