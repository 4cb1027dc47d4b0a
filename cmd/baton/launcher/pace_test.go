package launcher_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/batontest"
)

// TestChannelPaceHoldsPostsBack: with a pace of two posts at once, then one
// a second, four handoffs passed together reach the channel all the same,
// each once, the later ones held back to the pace rather than sent into
// Slack's 429s; a post held back is not a failed attempt.
func TestChannelPaceHoldsPostsBack(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: batontest.DefaultConfig + "channel_pace:\n  burst: 2\n  interval: 1s\n"})
	for _, company := range []string{"Acme", "Globex", "Initech", "Umbrella"} {
		a.OpenModal("U0SDR", "")
		ack := a.Submit("U0SDR", batontest.ValidAnswers(company))
		require.Empty(t, ack.Payload)
	}
	// Each handoff is a channel post and a thread brief: eight posts into
	// one channel, two at once and then one a second.
	var posts []time.Time
	a.Eventually(func() bool {
		posts = posts[:0]
		for _, c := range a.Slack.Calls("chat.postMessage") {
			if c.Params["channel"] == "C0HANDOFF" {
				posts = append(posts, c.At)
			}
		}
		return len(posts) == 8
	}, "every post and brief in the channel")
	require.Len(t, a.Messages(batontest.Pool, false), 4, "each handoff posted once")
	// Slack's clock and Baton's are the same here; allow the fake's stamp
	// to trail Baton's decision by a little.
	const slack = 50 * time.Millisecond
	for i := 2; i < len(posts); i++ {
		require.GreaterOrEqual(t, posts[i].Sub(posts[0]), time.Duration(i-1)*time.Second-slack,
			"post %d kept the pace", i+1)
	}
	var attempts, abandoned int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT coalesce(max(attempts), 0), count(*) FILTER (WHERE abandoned_at IS NOT NULL)
		FROM outbox WHERE kind IN ('channel_message', 'thread_brief')`).Scan(&attempts, &abandoned))
	require.Equal(t, 1, attempts, "waiting for the pace is not a failed attempt")
	require.Zero(t, abandoned)
	require.NotContains(t, a.Log.String(), "notice delivery failed")
}
