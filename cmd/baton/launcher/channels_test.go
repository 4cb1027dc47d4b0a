package launcher_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
)

// refused counts the posts into channel Slack refused with code.
func refused(fake *slackfake.Server, channel, code string) int {
	n := 0
	for _, c := range fake.Calls("chat.postMessage") {
		if c.Params["channel"] == channel && strings.Contains(string(c.Response), `"error":"`+code+`"`) {
			n++
		}
	}
	return n
}

// TestUninvitedPoolChannel: the pool's channel is private and Baton was
// not invited. The start-up check finds it: one error line, a detail on
// /readyz (still ready: other pools are served), the metrics, and one DM
// to the pool's manager, even with a second replica starting. A hot lead
// passed meanwhile is kept and retried, not abandoned; once @Baton is
// invited it is posted, and the detail and the metric clear.
func TestUninvitedPoolChannel(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	fake.AddChannel(slackfake.Channel{ID: batontest.Pool, Name: "closers", Private: true})
	a := batontest.Start(t, batontest.Options{Fake: fake})

	const detail = "not in channel " + batontest.Pool + " of pool closers: invite @Baton"
	a.Eventually(func() bool { code, body := a.Ready(); return code == 200 && strings.Contains(body, detail) }, "/readyz names the channel")
	a.Eventually(func() bool { return a.DMs("U0MGR", "invite @Baton") == 1 }, "the manager is asked to invite Baton")
	require.Contains(t, batontest.SlackText(a.DMText("U0MGR")), "<#"+batontest.Pool+">", "the channel as a link")
	require.Equal(t, 1.0, a.Metric(`baton_pool_channel_uninvited{pool="closers"}`))
	require.Equal(t, 1.0, a.Metric(`baton_channels_uninvited`))

	// A second replica starts: it finds the channel too, and tells nobody
	// again.
	second := batontest.Start(t, batontest.Options{Fake: fake, DBURL: a.DBURL, DB: a.DB})
	second.Eventually(func() bool { return strings.Contains(second.Log.String(), "not a member of this channel") }, "the second replica's check")
	_, body := second.Ready()
	require.Contains(t, body, detail, "every replica says it")
	second.Stop()

	// A hot lead: its post is refused, and retried.
	a.OpenModal("U0SDR", "")
	require.Empty(t, a.Submit("U0SDR", batontest.ValidAnswers("Acme")).Payload)
	a.Eventually(func() bool { return refused(fake, batontest.Pool, "channel_not_found") >= 2 }, "the post retried")
	require.Empty(t, a.Messages(batontest.Pool, false))
	require.Equal(t, 1, strings.Count(a.Log.String(), "not a member of this channel"), "one error line however many refusals")
	require.NotContains(t, a.Log.String(), "abandoned")

	fake.InviteBot(batontest.Pool)
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, false)) == 1 }, "the post goes out once Baton is invited")
	a.Eventually(func() bool { code, body := a.Ready(); return code == 200 && body == "ready\n" }, "the detail cleared")
	body = a.Scrape()
	for _, series := range []string{`baton_pool_channel_uninvited{pool="closers"}`, `baton_channels_uninvited`} {
		v, ok := batontest.MetricValue(body, series)
		require.True(t, ok, "%s is exposed", series)
		require.Zero(t, v, series)
	}
	require.Equal(t, 1, a.DMs("U0MGR", "invite @Baton"), "the manager told once")
}
