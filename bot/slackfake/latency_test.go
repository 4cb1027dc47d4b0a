package slackfake_test

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// TestLatencyDelaysTheAnswer: with a latency, the fake answers no sooner
// than its least, the call's effect (the post) comes with the answer, and
// the call is stamped at its arrival, before the time Slack took.
func TestLatencyDelaysTheAnswer(t *testing.T) {
	t.Parallel()
	const least = 40 * time.Millisecond
	fake := slackfaketest.New(t, slackfake.WithLatency(least, 2*least))
	before := time.Now()
	_, ts, err := newAPI(fake).PostMessage("C1", slack.MsgOptionText("hi", false))
	require.NoError(t, err)
	answered := time.Now()
	require.GreaterOrEqual(t, answered.Sub(before), least, "the answer took Slack's time")
	calls := fake.Calls("chat.postMessage")
	require.Len(t, calls, 1)
	require.LessOrEqual(t, calls[0].At.Sub(before), answered.Sub(before)-least, "stamped on arrival, before the latency")
	msgs := fake.Messages("C1")
	require.Len(t, msgs, 1)
	require.Equal(t, ts, msgs[0].TS)
}

// TestLatencyCutShort: a call still waiting out its latency when the bot
// gives up is left undone, and closing the fake ends the wait rather than
// waiting for it.
func TestLatencyCutShort(t *testing.T) {
	t.Parallel()
	fake, err := slackfake.New(slackfake.WithLatency(time.Hour, time.Hour))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _, err = newAPI(fake).PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	fake.Close() // returns: the call's wait ends with the fake
	require.Empty(t, fake.Messages("C1"), "Slack never got to the call")
	require.Empty(t, fake.Calls(""), "nor answered it")
}
