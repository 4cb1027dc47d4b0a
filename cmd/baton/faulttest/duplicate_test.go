package faulttest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// TestFaultDuplicateDelivery: Slack delivers the same envelope twice (the
// same envelope_id, with retry_attempt, as when an ack is late), a person
// double-clicks Claim, and a form is submitted twice. Each has one effect.
func TestFaultDuplicateDelivery(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Process: true})
	redelivered := func(n int) {
		t.Helper()
		a.Eventually(func() bool {
			return strings.Count(a.Log.String(), "envelope delivered again; acked, not handled twice") == n
		}, "the redelivery is acked and dropped")
	}

	// 1. An events_api envelope redelivered: the App Home is published once.
	home, err := json.Marshal(map[string]any{"envelope_id": "home-1", "type": "events_api", "accepts_response_payload": false,
		"payload": map[string]any{"token": "x", "team_id": slackfake.TeamID, "api_app_id": slackfake.AppID, "type": "event_callback",
			"event_id": "Ev1", "event_time": 1, "event": map[string]any{"type": "app_home_opened", "user": "U0SDR", "channel": "DU0SDR", "tab": "home"}}})
	require.NoError(t, err)
	_, err = a.Slack.SendEnvelope(a.Ctx, home)
	require.NoError(t, err)
	a.Eventually(func() bool { return a.Slack.HomeView("U0SDR") != nil }, "the home tab is published")
	_, err = a.Slack.Redeliver(a.Ctx, "home-1", 1, "timeout")
	require.NoError(t, err)
	redelivered(1)
	require.Len(t, a.Slack.Calls("views.publish"), 1)

	// 2. /handoff redelivered: one form. A second views.open would spend
	// the used trigger_id and tell the passer the form failed.
	cmd := a.OpenModal("U0SDR", "")
	_, err = a.Slack.Redeliver(a.Ctx, cmd.EnvelopeID, 1, "timeout")
	require.NoError(t, err)
	redelivered(2)
	opened := 0
	for _, c := range a.Slack.Calls("views.open") {
		if c.Params["trigger_id"] == cmd.TriggerID {
			opened++
		}
	}
	require.Equal(t, 1, opened)
	require.Empty(t, a.Ephemerals(batontest.Sales, "U0SDR"), "no false alarm")

	// 3. The form submitted, then the same submission again (a double
	// click on Hand off) and redelivered: one handoff, one post, one DM.
	sub := a.Submit("U0SDR", batontest.ValidAnswers("Acme"))
	require.Empty(t, sub.Payload)
	again, err := a.Slack.Repeat(a.Ctx, sub.EnvelopeID)
	require.NoError(t, err)
	require.Empty(t, again.Payload, "the second submit closes the form too")
	again, err = a.Slack.Redeliver(a.Ctx, sub.EnvelopeID, 1, "timeout")
	require.NoError(t, err)
	require.Empty(t, again.Payload)
	h := a.Posted(a.Latest("U0SDR").ID)
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 1 && a.DMs("U0SDR", "is out in") == 1 }, "the brief and the passer's DM")
	var handoffs int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM handoffs`).Scan(&handoffs))
	require.Equal(t, 1, handoffs)

	// 4. A click on Claim redelivered, and clicked twice: one claim.
	click := a.Click("U0AE1", h)
	_, err = a.Slack.Redeliver(a.Ctx, click.EnvelopeID, 1, "timeout")
	require.NoError(t, err)
	redelivered(3)
	_, err = a.Slack.Repeat(a.Ctx, click.EnvelopeID)
	require.NoError(t, err)
	a.Eventually(func() bool {
		return strings.HasPrefix(a.Messages(batontest.Pool, false)[0].Text, "Claimed by <@U0AE1>")
	}, "claimed")
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE1")) == 1 }, "the double click is answered")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0AE1")[0], "already own", "the second click is told, and changes nothing")

	// 5. The touch form submitted twice: one touch.
	a.ClickIn("U0AE1", "DU0AE1", render.ActionLogTouch)
	a.WaitForModal(render.CallbackTouch)
	touch := a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{
		render.BlockKind: {render.ActionInput: slackfake.SelectedOption(string(routing.TouchCallAttempted))}})
	require.Empty(t, touch.Payload)
	again, err = a.Slack.Repeat(a.Ctx, touch.EnvelopeID)
	require.NoError(t, err)
	require.Empty(t, again.Payload)
	a.Drained()

	// Every effect once.
	require.Len(t, a.Messages(batontest.Pool, false), 1)
	require.Len(t, a.Messages(batontest.Pool, true), 1)
	require.Equal(t, 1, a.DMs("U0SDR", "is out in"))
	require.Equal(t, 1, a.DMs("U0AE1", "You own"))
	require.Equal(t, 1, a.DMs("U0SDR", "claimed"))
	kinds := a.Events(h.ID)
	for kind, want := range map[routing.EventKind]int{routing.EventCreated: 1, routing.EventClaimed: 1, routing.EventTouchLogged: 1} {
		require.Equal(t, want, batontest.Count(kinds, kind), "%s in %v", kind, kinds)
	}
	require.Equal(t, 1.0, a.Metric(`baton_handoffs_total{outcome="created"}`))
	require.Equal(t, 1.0, a.Metric(`baton_handoffs_total{outcome="claimed"}`))
	require.Equal(t, 1.0, a.Metric(`baton_lead_touches_total{touch="call_attempted"}`))
}
