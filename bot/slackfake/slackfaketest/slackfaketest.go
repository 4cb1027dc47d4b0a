// Package slackfaketest is the fake Slack (bot/slackfake) for tests: it
// starts one that the test's cleanup closes, and turns the fake's errors
// into test failures, so that slackfake itself imports no testing package.
//
//	fake := slackfaketest.New(t)
//	call := slackfaketest.WaitFor(t, fake, "chat.postMessage", nil, 5*time.Second)
package slackfaketest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
)

// New starts a fake Slack on 127.0.0.1 and closes it when the test ends.
// The test then fails if the bot sent anything Slack refuses as malformed
// or too large, or an ack Slack would drop (see Server.Breaches): the
// fake is as strict as Slack, and nothing it refuses may be sent anywhere
// in the suite.
func New(t testing.TB, opts ...slackfake.Option) *slackfake.Server {
	t.Helper()
	s := Unchecked(t, opts...)
	t.Cleanup(func() {
		for _, b := range s.Breaches() {
			t.Errorf("Slack would refuse this: %s", b)
		}
	})
	return s
}

// Unchecked is New for a test that sends what Slack refuses on purpose:
// the fake's own tests of its refusals.
func Unchecked(t testing.TB, opts ...slackfake.Option) *slackfake.Server {
	t.Helper()
	s, err := slackfake.New(opts...)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// WaitFor waits until fake has recorded a call to method satisfying pred
// (nil matches any) and returns the first such call. It fails the test,
// listing the calls seen, if none arrives within timeout.
func WaitFor(t testing.TB, fake *slackfake.Server, method string, pred func(slackfake.Call) bool, timeout time.Duration) slackfake.Call {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := fake.WaitFor(ctx, method, pred)
	require.NoError(t, err)
	return c
}
