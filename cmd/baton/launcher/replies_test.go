package launcher_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
)

// Slash commands can be typed anywhere, and Baton answers each one where
// it was typed, through the command's response_url: in a DM between two
// people or a channel Baton is not in, chat.postEphemeral would fail and
// the person would see nothing.
func TestCommandsAreAnsweredWhereverTheyAreTyped(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	// Slack answers chat.postEphemeral with not_in_channel in the first
	// and channel_not_found in the other two.
	a.Slack.AddChannel(slackfake.Channel{ID: "C0RANDOM", Name: "random"})
	a.Slack.AddChannel(slackfake.Channel{ID: "C0SECRET", Name: "secret", Private: true})
	const dm = "D0ALICEBOB" // a DM between two people: Baton is not in it
	for _, where := range []string{"C0RANDOM", "C0SECRET", dm} {
		shown := func(user string, s string) bool {
			for _, text := range a.Ephemerals(where, user) {
				if strings.Contains(text, s) {
					return true
				}
			}
			return false
		}
		a.CommandIn("U0AE1", where, "away 30m")
		a.Eventually(func() bool { return shown("U0AE1", "You're away until") }, "the away confirmation in "+where)
		a.CommandIn("U0AE1", where, "back")
		a.Eventually(func() bool { return shown("U0AE1", render.BackSet) }, "the back confirmation in "+where)
		a.CommandIn("U0AE1", where, "stats")
		a.Eventually(func() bool { return shown("U0AE1", "last 7 days") }, "the stats in "+where)

		// The form could not open (its trigger_id already spent, as when
		// Slack delivered it late): the passer is told where they typed.
		a.Slack.FailNext("views.open", 1, 500)
		a.CommandIn("U0SDR", where, "Acme")
		a.Eventually(func() bool { return shown("U0SDR", render.OpenModalFailed) }, "the form-failed notice in "+where)
	}
	for _, e := range a.Slack.Ephemerals("", "") {
		require.True(t, e.ResponseURL, "answered through the response_url: %+v", e)
	}
	require.Empty(t, a.Slack.Calls("chat.postEphemeral"), "no answer needed chat.postEphemeral")
}

// A click on a message in a channel Baton has since left (here: Claim
// clicked by someone outside the pool after Baton was removed from the
// pool's channel) is answered on that message, through the click's
// response_url.
func TestClicksAreAnsweredInAChannelBatonLeft(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	h := a.Handoff("U0SDR", "Acme")
	a.Slack.RemoveBot(batontest.Pool)
	a.Click("U0OUTSIDER", h)
	a.Eventually(func() bool {
		for _, text := range a.Ephemerals(batontest.Pool, "U0OUTSIDER") {
			if strings.Contains(text, "*Acme*") && strings.Contains(text, "not in the pool") {
				return true
			}
		}
		return false
	}, "the clicker is told why not, on the message they clicked")
	require.Empty(t, a.Slack.Calls("chat.postEphemeral"))
}
