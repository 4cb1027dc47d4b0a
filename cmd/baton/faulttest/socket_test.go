package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// homeOpened is an app_home_opened event for user, in envelope id: the one
// event Baton acts on (it publishes the person's Home once per event).
func homeOpened(t *testing.T, id, user string) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"envelope_id": id, "type": "events_api", "accepts_response_payload": false,
		"payload": map[string]any{"token": "x", "team_id": slackfake.TeamID, "api_app_id": slackfake.AppID, "type": "event_callback",
			"event_id": "Ev" + id, "event_time": 1, "event": map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}}})
	require.NoError(t, err)
	return raw
}

// publishes counts the views.publish calls for user's Home.
func publishes(a *batontest.App, user string) int {
	n := 0
	for _, c := range a.Slack.Calls("views.publish") {
		if c.Params["user_id"] == user {
			n++
		}
	}
	return n
}

// TestFaultSocketDisconnect: Slack asks for a reconnect (disconnect with
// reason refresh_requested, warning or link_disabled, as Slack sends them)
// or the WebSocket drops without a word. Baton opens a new connection
// (apps.connections.open again), /readyz says not ready while it has none
// and ready after, and the events Slack could not deliver meanwhile, which
// it sends again with retry_attempt once a connection is back, are handled
// once. The handoff started before goes on as if nothing happened.
func TestFaultSocketDisconnect(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Process: true})
	ready := func(want bool) {
		t.Helper()
		a.Eventually(func() bool { code, _ := a.Ready(); return (code == http.StatusOK) == want }, fmt.Sprintf("/readyz ready=%v", want))
	}
	opens := func() int { return len(a.Slack.Calls("apps.connections.open")) }
	ready(true)
	h := a.Handoff("U0SDR", "Acme")

	// 1. Slack's disconnect messages. Reconnects are refused for a while,
	// so the gap can be seen: /readyz, and an event that has to wait.
	for i, reason := range []string{"refresh_requested", "warning", "link_disabled"} {
		before := opens()
		lift := a.Slack.FailWhile("apps.connections.open", http.StatusInternalServerError)
		a.Slack.Disconnect(reason)
		ready(false)
		_, body := a.Ready()
		require.Contains(t, body, "socket mode not connected")
		a.Eventually(func() bool { return opens() >= before+1 }, "Baton tries to reconnect")

		user := fmt.Sprintf("U0GAP%d", i)
		type result struct {
			ack slackfake.Ack
			err error
		}
		sent := make(chan result, 1)
		go func() {
			ctx, cancel := context.WithTimeout(a.Ctx, 30*time.Second)
			defer cancel()
			ack, err := a.Slack.SendEventsAPI(ctx, homeOpened(t, fmt.Sprintf("gap-%d", i), user))
			sent <- result{ack, err}
		}()
		// The event waits for a connection: nothing reaches Baton yet.
		a.Eventually(func() bool { code, _ := a.Ready(); return code == http.StatusServiceUnavailable }, "still down")
		require.Zero(t, publishes(a, user))
		lift()
		ready(true)
		r := <-sent
		require.NoError(t, r.err, "the event is acked on the new connection")
		require.Equal(t, 1, r.ack.RetryAttempt, "it came as Slack's retry")
		a.Eventually(func() bool { return publishes(a, user) == 1 }, "the Home is published")
		require.Greater(t, opens(), before+1, "a refused apps.connections.open, then the one that worked")
	}

	// 2. The WebSocket drops right after an event is written to it, before
	// any ack can come back: Slack sends it again on the new connection.
	// Baton may have read the first delivery or not; either way it
	// publishes once.
	for i := range 3 {
		before := opens()
		user := fmt.Sprintf("U0DROP%d", i)
		a.Slack.DropAfterNextEvent()
		ctx, cancel := context.WithTimeout(a.Ctx, 30*time.Second)
		_, err := a.Slack.SendEventsAPI(ctx, homeOpened(t, fmt.Sprintf("drop-%d", i), user))
		cancel()
		require.NoError(t, err)
		a.Eventually(func() bool { return opens() > before }, "reconnected")
		a.Eventually(func() bool { return publishes(a, user) == 1 }, "the Home is published")
		ready(true)
	}

	// 3. Baton reads an event and acks it, and the ack is lost with the
	// connection: Slack sends it again, Baton acks it and does not handle
	// it twice.
	for i := range 2 {
		user := fmt.Sprintf("U0LOST%d", i)
		a.Slack.LoseNextEventAck()
		ctx, cancel := context.WithTimeout(a.Ctx, 30*time.Second)
		ack, err := a.Slack.SendEventsAPI(ctx, homeOpened(t, fmt.Sprintf("lost-%d", i), user))
		cancel()
		require.NoError(t, err)
		require.Equal(t, 1, ack.RetryAttempt, "the retry was acked")
		a.Eventually(func() bool {
			return strings.Count(a.Log.String(), `"envelope":"lost-`+fmt.Sprint(i)+`","retry_attempt":1`) == 1
		}, "the retry is recognised")
		a.Eventually(func() bool { return publishes(a, user) == 1 }, "the Home is published")
	}

	// 4. A plain drop, no event in flight: Baton reconnects and works.
	before := opens()
	a.Slack.DropConnections()
	a.Eventually(func() bool { return opens() > before && a.Slack.Connected() == 1 }, "reconnected after a drop")
	ready(true)

	// The handoff from before all this is claimed as usual.
	a.Click("U0AE1", h)
	a.Eventually(func() bool {
		return strings.HasPrefix(a.Messages(batontest.Pool, false)[0].Text, "Claimed by <@U0AE1>")
	}, "claimed")
	a.Drained()

	// Every event handled once, whatever its deliveries.
	for _, user := range []string{"U0GAP0", "U0GAP1", "U0GAP2", "U0DROP0", "U0DROP1", "U0DROP2", "U0LOST0", "U0LOST1"} {
		require.Equal(t, 1, publishes(a, user), user)
	}
	require.Equal(t, 1, batontest.Count(a.Events(h.ID), routing.EventClaimed))
	require.Len(t, a.Messages(batontest.Pool, false), 1)
	require.Equal(t, 1, a.DMs("U0AE1", "You own"))
	require.NotContains(t, a.Log.String(), "handler panicked")
}
