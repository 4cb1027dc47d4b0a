package slackfake_test

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// TestThrottleUntilLifted: every call is answered 429 while the throttle
// holds, and none once it is lifted.
func TestThrottleUntilLifted(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	lift := fake.Throttle("chat.postMessage", 2*time.Second)
	for range 3 {
		_, _, err := api.PostMessage("C0HANDOFF", slack.MsgOptionText("hello", false))
		var limited *slack.RateLimitedError
		require.ErrorAs(t, err, &limited)
		require.Equal(t, 2*time.Second, limited.RetryAfter)
	}
	require.Empty(t, fake.Messages("C0HANDOFF"))
	lift()
	lift() // idempotent
	_, _, err := api.PostMessage("C0HANDOFF", slack.MsgOptionText("hello", false))
	require.NoError(t, err)
	require.Len(t, fake.Messages("C0HANDOFF"), 1)
	require.Len(t, fake.Calls("chat.postMessage"), 4, "the refused calls are recorded")
}

// TestHang: a hung call gets no answer until the client gives up, is
// recorded, and has no effect; the next call is answered.
func TestHang(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	fake.Hang("chat.postMessage", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err := api.PostMessageContext(ctx, "C0HANDOFF", slack.MsgOptionText("lost", false))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Empty(t, fake.Messages("C0HANDOFF"), "Slack never acted on it")
	require.Len(t, fake.Calls("chat.postMessage"), 1)
	require.Contains(t, string(fake.Calls("chat.postMessage")[0].Response), "no_answer")
	_, _, err = api.PostMessage("C0HANDOFF", slack.MsgOptionText("hello", false))
	require.NoError(t, err)
	require.Len(t, fake.Messages("C0HANDOFF"), 1)
}

// TestHangWhen: only the call that matches is lost, once; the others are
// answered.
func TestHangWhen(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	fake.HangWhen("chat.postMessage", 1, func(p map[string]string) bool { return p["channel"] == "C0HANDOFF" })
	_, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U0SDR"}})
	require.NoError(t, err)
	_, _, err = api.PostMessage("DU0SDR", slack.MsgOptionText("a DM goes", false))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err = api.PostMessageContext(ctx, "C0HANDOFF", slack.MsgOptionText("lost", false))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Empty(t, fake.Messages("C0HANDOFF"), "Slack never acted on it")
	_, _, err = api.PostMessage("C0HANDOFF", slack.MsgOptionText("hello", false))
	require.NoError(t, err, "once")
	require.Len(t, fake.Messages("C0HANDOFF"), 1)
	require.Len(t, fake.Messages("DU0SDR"), 1)
}
