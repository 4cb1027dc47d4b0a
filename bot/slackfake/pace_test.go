package slackfake_test

import (
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// TestChannelPaceAnswers429: chat.postMessage takes a burst of five into
// one channel, then answers 429 with Retry-After, as Slack does; another
// channel has its own pace, and chat.update has none.
func TestChannelPaceAnswers429(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	var ts string
	for i := range slackfake.DefaultChannelPace.Burst {
		_, posted, err := api.PostMessage("C1", slack.MsgOptionText("hi", false))
		require.NoError(t, err, "post %d of the burst", i+1)
		ts = posted
	}
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("one too many", false))
	var limited *slack.RateLimitedError
	require.ErrorAs(t, err, &limited)
	require.Positive(t, limited.RetryAfter)
	require.Len(t, fake.Messages("C1"), slackfake.DefaultChannelPace.Burst, "the refused post is not in the channel")

	_, _, err = api.PostMessage("C2", slack.MsgOptionText("elsewhere", false))
	require.NoError(t, err, "each channel keeps its own pace")
	_, _, _, err = api.UpdateMessage("C1", ts, slack.MsgOptionText("edited", false))
	require.NoError(t, err, "chat.update is not paced per channel")

	off := slackfaketest.Unchecked(t, slackfake.WithChannelPace(slackfake.ChannelPace{}))
	for range 2 * slackfake.DefaultChannelPace.Burst {
		_, _, err := newAPI(off).PostMessage("C1", slack.MsgOptionText("hi", false))
		require.NoError(t, err, "no pace")
	}
}
