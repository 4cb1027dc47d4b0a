package launcher_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// longestAnswers are batontest.ValidAnswers with the notes, the pain and
// the personality notes at their maximums: more text than one Slack
// message holds. Each ends in a word the brief's cut loses.
func longestAnswers() map[string]map[string]slackfake.InputValue {
	answers := batontest.ValidAnswers("Acme Corp")
	fill := func(n int, last string) string {
		return strings.Repeat("word ", (n-len(last))/5) + last
	}
	answers[string(routing.FieldNotes)] = in(slackfake.RichText(fill(routing.MaxNotesLength, "notes-end")))
	answers[string(routing.FieldPain)] = in(slackfake.TextInput(fill(routing.MaxPainLength, "pain-end")))
	answers[string(routing.FieldPersonality)] = in(slackfake.TextInput(fill(routing.MaxPersonalityLength, "personality-end")))
	return answers
}

// wholeBrief clicks Read the whole brief on the latest message of channel
// holding it, as user, and returns the modal it opens, as Slack reads it.
func wholeBrief(a *batontest.App, user, channel string) string {
	a.T.Helper()
	before := len(a.Slack.Views())
	a.ClickIn(user, channel, render.ActionWholeBrief)
	var view slackfake.View
	a.Eventually(func() bool {
		views := a.Slack.Views()
		if len(views) <= before {
			return false
		}
		view = views[len(views)-1]
		return view.CallbackID == render.CallbackWholeBrief && view.UserID == user
	}, "the whole brief opens for "+user)
	return batontest.SlackText(string(view.Blocks))
}

// TestWholeBriefOpensUncut: a brief at the form's maximums is cut to fit
// its thread reply, which says so under a Read the whole brief button; a
// closer's click opens the brief uncut, the ends of the notes, the pain
// and the personality notes included.
func TestWholeBriefOpensUncut(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	a.OpenModal("U0SDR", "")
	require.Empty(t, a.Submit("U0SDR", longestAnswers()).Payload, "stored")
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 1 }, "the brief in the thread")
	thread := string(a.Messages(batontest.Pool, true)[0].Blocks)
	require.Contains(t, thread, "Read the whole brief* opens it uncut")
	require.NotContains(t, thread, "notes-end", "the thread's brief is cut")

	whole := wholeBrief(a, "U0AE2", batontest.Pool)
	for _, end := range []string{"notes-end", "pain-end", "personality-end", "Dana Reyes"} {
		require.Contains(t, whole, end)
	}
	require.NotContains(t, whole, "Cut to fit")
}

// TestWholeBriefKeepsHiddenDetails: in a pool that keeps the contact
// details to the owner, the owner's cut brief opens whole for the owner;
// anyone else who clicks the button gets it without the details.
func TestWholeBriefKeepsHiddenDetails(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: hiddenConfig})
	a.OpenModal("U0SDR", "")
	require.Empty(t, a.Submit("U0SDR", longestAnswers()).Payload, "stored")
	h := a.Latest("U0SDR")
	a.Click("U0AE1", a.Posted(h.ID))
	a.Eventually(func() bool { _, ok := a.WithAction("DU0AE1", render.ActionWholeBrief); return ok }, "the owner's brief, cut")

	owner := wholeBrief(a, "U0AE1", "DU0AE1")
	require.Contains(t, owner, "notes-end")
	require.Contains(t, owner, "Dana Reyes")

	other := wholeBrief(a, "U0AE2", "DU0AE1")
	require.Contains(t, other, "pain-end", "what a closer decides with is shown")
	for _, detail := range []string{"notes-end", "personality-end", "Dana Reyes", "dana@acme.example"} {
		require.NotContains(t, other, detail)
	}
	require.Contains(t, other, "For the lead's owner alone")
}
