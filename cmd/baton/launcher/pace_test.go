package launcher_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
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
	// Slack's clock and Baton's are the same here, but Baton takes a
	// post's turn in the database and then calls Slack, whose stamp is the
	// call's arrival: allow the first post's stamp to trail its turn by a
	// database round trip on a busy machine.
	const slack = 250 * time.Millisecond
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

// TestReplicasShareTheChannelPace: two replicas take handoffs passed at
// once into one channel. They share one pace, kept in the database, so
// Slack (the fake keeps its pace: five at once, then one a second) never
// answers 429; and every hot post goes out before any thread brief, in
// submission order.
func TestReplicasShareTheChannelPace(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	batontest.Start(t, batontest.Options{Fake: a.Slack, DBURL: a.DBURL, DB: a.DB})
	require.Equal(t, 2, a.Slack.Connected())
	companies := []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"}
	// Slack turns every post away until all are passed, so that they are
	// all waiting at once, as in a burst.
	lift := a.Slack.Throttle("chat.postMessage", time.Second)
	for i, company := range companies {
		passer := fmt.Sprintf("U0SDR%d", i)
		a.OpenModal(passer, "")
		require.Empty(t, a.Submit(passer, batontest.ValidAnswers(company)).Payload)
	}
	a.Eventually(func() bool { n, err := a.Store.PendingCount(a.Ctx); return err == nil && n >= 3*len(companies) }, "every notice queued")
	refused := len(a.Slack.Calls("chat.postMessage"))
	lift()

	var posts []slackfake.Call
	a.Eventually(func() bool {
		posts = posts[:0]
		for _, c := range a.Slack.Calls("chat.postMessage")[refused:] {
			if c.Params["channel"] == batontest.Pool {
				posts = append(posts, c)
			}
		}
		return len(posts) >= 2*len(companies)
	}, "every post and brief in the channel")
	for i, c := range posts {
		require.NotContains(t, string(c.Response), "ratelimited", "post %d: the replicas kept one pace", i+1)
	}
	for i, company := range companies {
		require.Empty(t, posts[i].Params["thread_ts"], "post %d is a hot post, not a brief", i+1)
		require.Contains(t, posts[i].Params["text"], company, "hot posts in submission order")
	}
	require.Len(t, a.Messages(batontest.Pool, false), len(companies), "each handoff posted once")
	require.Len(t, a.Messages(batontest.Pool, true), len(companies), "each brief once")
}
