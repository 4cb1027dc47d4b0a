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

// roundRobinConfig gives the up-next member a 3 s priority window and sets
// them away after one lapsed offer.
const roundRobinConfig = `
timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3]
    managers: [U0MGR]
    mode: round_robin
    priority_window: 3s
    lapse_limit: 1
sla:
  claim_window: 60s
`

func privateReplies(a *batontest.App, user string) string {
	var out []string
	for _, e := range a.Slack.Ephemerals("C0SALES", user) {
		out = append(out, e.Text)
	}
	return strings.Join(out, "\n")
}

// TestAwayMemberCannotClaim: a member who said they are away can't claim
// (the message is not changed), and can once they are back.
func TestAwayMemberCannotClaim(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	a.Command("U0AE2", "away 30m")
	a.Eventually(func() bool { return strings.Contains(privateReplies(a, "U0AE2"), "You're away until <!date^") }, "away is confirmed")
	ack := a.Command("U0AE2", "away whenever")
	require.Contains(t, string(ack.Payload), "I didn't get that", "a bad length is explained at once")

	h := a.Handoff("U0SDR", "Acme Corp")
	require.NotEqual(t, "U0AE2", h.Turn.UpNext, "an away member is never up next")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "2 of 3 in *closers* available now") }, "the passer sees who is available")
	before := a.Messages(batontest.Pool, false)[0]
	a.Click("U0AE2", h)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE2")) == 1 }, "the away member is told")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0AE2")[0], "You're set as away")
	require.Equal(t, routing.StateOpen, a.HandoffNow(h.ID).State)
	require.Equal(t, before, a.Messages(batontest.Pool, false)[0], "the message is not changed")

	a.Command("U0AE2", "back")
	a.Eventually(func() bool { return strings.Contains(privateReplies(a, "U0AE2"), render.BackSet) }, "back is confirmed")
	a.Click("U0AE2", h)
	a.Eventually(func() bool { return a.HandoffNow(h.ID).OwnerID == "U0AE2" }, "back, they can claim")
}

// TestRoundRobinPriorityWindow: the up-next member alone may claim during
// their window; then the lead opens to the pool, and the member who let it
// lapse is set away.
func TestRoundRobinPriorityWindow(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: roundRobinConfig})
	h := a.Handoff("U0SDR", "Acme Corp")
	require.Equal(t, routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U0AE1", PriorityUntil: h.Turn.PriorityUntil, Available: 3, Members: 3}, h.Turn)
	require.Contains(t, string(a.Messages(batontest.Pool, false)[0].Blocks), "<@U0AE1> is up next and may claim alone until")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "You're up next") }, "the up-next member is DMed")

	// Inside the window, someone else is refused.
	a.Click("U0AE2", h)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE2")) == 1 }, "refused in the window")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0AE2")[0], "<@U0AE1> is up next and has until")

	// The window ends: the message opens to the pool; U0AE1 lapsed once,
	// which is this pool's limit, so they are set away and told.
	a.Eventually(func() bool {
		return strings.Contains(string(a.Messages(batontest.Pool, false)[0].Blocks), "Open to everyone in the pool")
	}, "the lead opens to the pool")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "I've set you as away") }, "the lapsing member is set away")
	a.Click("U0AE1", h)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE1")) == 1 }, "the away member is refused")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0AE1")[0], "You're set as away")

	a.Click("U0AE2", h)
	a.Eventually(func() bool { return a.HandoffNow(h.ID).OwnerID == "U0AE2" }, "after the window anyone may claim")
	require.Contains(t, a.Events(h.ID), routing.EventOfferLapsed)
}

// TestPassMovesTheLeadOn: the up-next member passes with a reason and the
// next in the rotation gets the window at once.
func TestPassMovesTheLeadOn(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: strings.Replace(roundRobinConfig, "priority_window: 3s", "priority_window: 30s", 1)})
	h := a.Handoff("U0SDR", "Acme Corp")

	// Only U0AE1 may pass.
	a.ClickIn("U0AE3", "C0HANDOFF", render.ActionPass)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE3")) == 1 }, "a stranger's pass is refused")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0AE3")[0], "Only the member this lead is offered to")

	a.ClickIn("U0AE1", "C0HANDOFF", render.ActionPass)
	a.WaitForModal(render.CallbackPass)
	ack := a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{render.BlockReason: {render.ActionInput: slackfake.SelectedOption("busy")}})
	require.Empty(t, ack.Payload)
	h = a.HandoffNow(h.ID)
	require.Equal(t, "U0AE2", h.Turn.UpNext)
	require.Equal(t, []string{"U0AE1"}, h.DeclinedBy)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE2"), "You're up next") }, "the next member is DMed")
	a.Eventually(func() bool {
		return strings.Contains(string(a.Messages(batontest.Pool, false)[0].Blocks), "<@U0AE2> is up next")
	}, "the message names them")

	a.Click("U0AE3", h)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE3")) == 2 }, "U0AE3 still waits")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0AE3")[1], "<@U0AE2> is up next")
	a.Click("U0AE2", h)
	a.Eventually(func() bool { return a.HandoffNow(h.ID).OwnerID == "U0AE2" }, "the new up-next member claims")
	events, err := a.Store.Events(a.Ctx, h.ID)
	require.NoError(t, err)
	var passed routing.Event
	for _, e := range events {
		if e.Kind == routing.EventPassed {
			passed = e
		}
	}
	require.Equal(t, "I'm with another prospect", passed.Detail["reason"])
	require.Equal(t, "U0AE1", passed.Actor)
}

// TestNobodyAvailableSaysSoBeforeSubmit: with every closer away, the form
// says so and starts on Schedule for later; with some, it says how many.
func TestNobodyAvailableSaysSoBeforeSubmit(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	a.Command("U0AE1", "away 1h")
	a.Eventually(func() bool { return strings.Contains(privateReplies(a, "U0AE1"), "You're away") }, "U0AE1 away")
	a.OpenModal("U0SDR", "")
	require.Contains(t, batontest.SlackText(string(a.Slack.Views()[0].Blocks)), "2 of 3 in *closers* available now · up next: <@U0AE2>")

	for _, u := range []string{"U0AE2", "U0AE3"} {
		a.Command(u, "away 1h")
		a.Eventually(func() bool { return strings.Contains(privateReplies(a, u), "You're away") }, u+" away")
	}
	a.OpenModal("U0SDR2", "")
	blocks := batontest.SlackText(string(a.Slack.Views()[1].Blocks))
	require.Contains(t, blocks, "Nobody in *closers* is available right now")
	require.Contains(t, blocks, `"initial_option":{"text":{"type":"plain_text","text":"Schedule for later"`)
}
