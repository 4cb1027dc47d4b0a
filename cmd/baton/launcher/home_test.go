package launcher_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/cmd/baton/batontest"
)

var homeEnvelopes atomic.Int64

// openHome sends Slack's app_home_opened event for user, as Slack does when
// they open Baton's Home tab, and checks it is acked with nothing.
func openHome(a *batontest.App, user string) {
	a.T.Helper()
	n := homeEnvelopes.Add(1)
	env := fmt.Sprintf(`{"envelope_id":"home-%d","type":"events_api","accepts_response_payload":false,"payload":{
		"token":"x","team_id":"T0TEST","api_app_id":"A0BATON","type":"event_callback","event_id":"EvH%d","event_time":1,
		"event":{"type":"app_home_opened","user":%q,"channel":"D%s","tab":"home"}}}`, n, n, user, user)
	ack, err := a.Slack.SendEnvelope(a.Ctx, json.RawMessage(env))
	require.NoError(a.T, err)
	require.Empty(a.T, ack.Payload)
}

// clickHome sends the block_actions envelope of a click by user on one of
// their Home's buttons.
func clickHome(a *batontest.App, user, actionID string) {
	a.T.Helper()
	n := homeEnvelopes.Add(1)
	env := fmt.Sprintf(`{"envelope_id":"home-click-%d","type":"interactive","accepts_response_payload":false,"payload":{
		"type":"block_actions","team":{"id":"T0TEST","domain":"test"},"user":{"id":%q,"name":"u","team_id":"T0TEST"},
		"api_app_id":"A0BATON","container":{"type":"view","view_id":"VHOME%s"},"trigger_id":"1.2.3",
		"view":{"id":"VHOME%s","type":"home","blocks":[]},
		"actions":[{"type":"button","action_id":%q,"block_id":"home_availability","value":"x","action_ts":"1.2"}]}}`,
		n, user, user, user, actionID)
	ack, err := a.Slack.SendEnvelope(a.Ctx, json.RawMessage(env))
	require.NoError(a.T, err)
	require.Empty(a.T, ack.Payload)
}

// home is user's App Home as last published, as Slack reads its text; ""
// when it never was.
func home(a *batontest.App, user string) string {
	raw := a.Slack.HomeView(user)
	if raw == nil {
		return ""
	}
	return batontest.SlackText(string(raw))
}

// publishes counts the views.publish calls for user.
func publishes(a *batontest.App, user string) int {
	n := 0
	for _, c := range a.Slack.Calls("views.publish") {
		if c.Params["user_id"] == user {
			n++
		}
	}
	return n
}

// TestAppHomePerRoleRefreshedOnChanges opens the Home of a passer, a
// receiver and a manager, then passes and claims a lead: the passer's and
// the owner's Homes are republished through the outbox with where it
// stands, and the manager's board a few seconds later; a member who never
// opened their Home gets no views.publish. The
// Home's availability button is /handoff away, with its event.
func TestAppHomePerRoleRefreshedOnChanges(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	for _, u := range []string{"U0SDR", "U0AE1", "U0MGR"} {
		openHome(a, u)
	}
	a.Eventually(func() bool { return home(a, "U0SDR") != "" && home(a, "U0AE1") != "" && home(a, "U0MGR") != "" }, "each Home is published on open")
	require.Contains(t, home(a, "U0SDR"), "Nothing here yet", "no role yet")
	require.Contains(t, home(a, "U0AE1"), "Your open leads (0)")
	require.Contains(t, home(a, "U0AE1"), render.ActionAwayHour)
	require.Contains(t, home(a, "U0AE1"), "claimed *0*")
	require.Contains(t, home(a, "U0MGR"), "Team board — closers")
	require.Contains(t, home(a, "U0MGR"), "*Available now*: 3 of 3 — <@U0AE1>, <@U0AE2>, <@U0AE3>")
	require.NotContains(t, home(a, "U0MGR"), "Your open leads", "a manager who is not a member has no toggle")

	h := a.Handoff("U0SDR", "Acme <Corp>")
	a.Eventually(func() bool { return strings.Contains(home(a, "U0SDR"), "waiting for a claim") }, "the passer's Home shows the new handoff")
	require.Contains(t, home(a, "U0SDR"), "Acme &lt;Corp&gt;", "escaped")

	a.Click("U0AE1", h)
	a.Eventually(func() bool { return strings.Contains(home(a, "U0AE1"), "Your open leads (1)") }, "the owner's Home shows the claimed lead")
	owner := home(a, "U0AE1")
	require.Contains(t, owner, "Acme &lt;Corp&gt;")
	require.Contains(t, owner, "Next: outcome due", "24 h for the outcome beats 48 h for the first touch")
	require.Contains(t, owner, "claimed *1*")
	a.Eventually(func() bool { return strings.Contains(home(a, "U0SDR"), "claimed by <@U0AE1>") }, "the passer's Home says who claimed it")

	a.Eventually(func() bool {
		n, err := a.Store.PendingCount(a.Ctx)
		return err == nil && n == 0
	}, "the outbox drains")
	require.Contains(t, home(a, "U0MGR"), "owned, not closed *1*", "the manager's board follows its pool's leads without being opened again")
	require.Zero(t, publishes(a, "U0AE2"), "never opened: never published")
	require.Zero(t, publishes(a, "U0AE3"))

	// The Home's toggle is /handoff away: the event, and the Home follows.
	clickHome(a, "U0AE1", render.ActionAwayHour)
	a.Eventually(func() bool { return strings.Contains(home(a, "U0AE1"), "You're away") }, "the toggle shows away")
	var away int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM events WHERE kind = 'member.away' AND actor = 'U0AE1'`).Scan(&away))
	require.Equal(t, 1, away)
	openHome(a, "U0MGR")
	a.Eventually(func() bool {
		return strings.Contains(home(a, "U0MGR"), "*Available now*: 2 of 3") && strings.Contains(home(a, "U0MGR"), "owned, not closed *1*")
	}, "the manager's board on the next open")
	clickHome(a, "U0AE1", render.ActionBack)
	a.Eventually(func() bool { return strings.Contains(home(a, "U0AE1"), "You're available") }, "and back")
}
