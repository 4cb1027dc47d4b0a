package slackfake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// rawConn is a hand-driven Socket Mode connection, for checking the wire
// protocol without slack-go's reconnect logic in the way.
type rawConn struct {
	ws     *websocket.Conn
	frames chan map[string]any
	pings  atomic.Int32
}

func dialRaw(t *testing.T, fake *slackfake.Server) *rawConn {
	t.Helper()
	_, url, err := newAPI(fake).StartSocketModeContext(context.Background())
	require.NoError(t, err)
	ws, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {"https://api.slack.com"}})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	c := &rawConn{ws: ws, frames: make(chan map[string]any, 16)}
	ws.SetPingHandler(func(data string) error {
		c.pings.Add(1)
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		defer close(c.frames)
		for {
			var m map[string]any
			if err := ws.ReadJSON(&m); err != nil {
				return
			}
			c.frames <- m
		}
	}()
	t.Cleanup(func() { _ = ws.Close() })
	return c
}

func (c *rawConn) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m, open := <-c.frames:
		require.True(t, open, "connection closed")
		return m
	case <-time.After(waitTimeout):
		t.Fatal("no frame")
		return nil
	}
}

func (c *rawConn) ack(t *testing.T, envelopeID string, payload any) {
	t.Helper()
	require.NoError(t, c.ws.WriteJSON(map[string]any{"envelope_id": envelopeID, "payload": payload}))
}

func TestSocketProtocol(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t, slackfake.WithPingInterval(20*time.Millisecond))

	_, url, err := newAPI(fake).StartSocketModeContext(context.Background())
	require.NoError(t, err)
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	require.NoError(t, err)
	_, _, err = ws.ReadMessage() // the hello: the connection is live now
	require.NoError(t, err)
	require.NoError(t, ws.Close())
	require.Eventually(t, func() bool { return fake.Connected() == 0 }, waitTimeout, time.Millisecond)
	_, resp, err := websocket.DefaultDialer.Dial(url, nil)
	require.Error(t, err, "tickets are single use")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	a := dialRaw(t, fake)
	hello := a.next(t)
	require.Equal(t, "hello", hello["type"])
	require.EqualValues(t, 1, hello["num_connections"])
	require.Equal(t, map[string]any{"app_id": slackfake.AppID}, hello["connection_info"])
	require.Eventually(t, func() bool { return a.pings.Load() >= 2 }, waitTimeout, 10*time.Millisecond)

	b := dialRaw(t, fake)
	require.EqualValues(t, 2, b.next(t)["num_connections"])
	require.NoError(t, fake.WaitConnected(context.Background(), 2))

	// Envelopes alternate between live connections, like Slack's.
	ctx := context.Background()
	var receivers []*rawConn
	for range 4 {
		res := async(func() (slackfake.Ack, error) {
			return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff"})
		})
		var env map[string]any
		var from *rawConn
		select {
		case env = <-a.frames:
			from = a
		case env = <-b.frames:
			from = b
		case <-time.After(waitTimeout):
			t.Fatal("no envelope")
		}
		require.Equal(t, "slash_commands", env["type"])
		from.ack(t, env["envelope_id"].(string), nil)
		wait(t, res)
		receivers = append(receivers, from)
	}
	require.NotSame(t, receivers[0], receivers[1])
	require.Same(t, receivers[0], receivers[2])
	require.Same(t, receivers[1], receivers[3])

	// An unacknowledged envelope fails when the context expires.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = fake.SendEnvelope(short, json.RawMessage(`{"envelope_id":"lost","type":"events_api","payload":{}}`))
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// Without an envelope_id nothing is awaited.
	_, err = fake.SendEnvelope(ctx, json.RawMessage(`{"type":"hello"}`))
	require.NoError(t, err)

	fake.Disconnect("warning")
	require.Equal(t, 0, fake.Connected())
	for _, c := range []*rawConn{a, b} {
		for m := c.next(t); m["type"] != "disconnect"; m = c.next(t) {
		}
	}
	_, err = fake.SendEnvelope(short, json.RawMessage(`{"envelope_id":"x"}`))
	require.Error(t, err, "no live connection after disconnect")
}

func TestViewResponseActions(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)
	c := dialRaw(t, fake)
	c.next(t) // hello
	ctx := context.Background()

	// A slash command gives the trigger for a modal with notify_on_close.
	res := async(func() (slackfake.Ack, error) {
		return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", UserID: "U3"})
	})
	env := c.next(t)
	c.ack(t, env["envelope_id"].(string), nil)
	trigger := wait(t, res).TriggerID

	label := slack.NewTextBlockObject(slack.PlainTextType, "Why", false, false)
	view := handoffModal(slack.NewInputBlock("why", label, nil, slack.NewPlainTextInputBlockElement(nil, "text")))
	view.NotifyOnClose = true
	opened, err := api.OpenView(trigger, view)
	require.NoError(t, err)

	// A view_submission answered with errors keeps the modal open.
	submit := func(payload any) (slackfake.Ack, error) {
		res := async(func() (slackfake.Ack, error) { return fake.SubmitView(ctx, slackfake.Submit{}) })
		env := c.next(t)
		require.Equal(t, true, env["accepts_response_payload"])
		p := env["payload"].(map[string]any)
		require.Equal(t, "view_submission", p["type"])
		require.Equal(t, "U3", p["user"].(map[string]any)["id"])
		c.ack(t, env["envelope_id"].(string), payload)
		r := <-res
		return r.ack, r.err
	}
	_, err = submit(slack.NewErrorsViewSubmissionResponse(map[string]string{"why": "required"}))
	require.NoError(t, err)
	require.False(t, fake.Views()[0].Closed)

	// An update with a too-long title is what Slack would reject.
	bad := view
	bad.Title = slack.NewTextBlockObject(slack.PlainTextType, "A title far too long for Slack", false, false)
	_, err = submit(slack.NewUpdateViewSubmissionResponse(&bad))
	require.ErrorContains(t, err, "/view/title/text")

	// Push stacks a new view on top.
	_, err = submit(slack.NewPushViewSubmissionResponse(&view))
	require.NoError(t, err)
	views := fake.Views()
	require.Len(t, views, 2)
	require.Equal(t, opened.View.ID, views[1].PreviousViewID)
	require.Equal(t, opened.View.ID, views[1].RootViewID)

	// Closing the top view notifies the bot; views.update still works on the root.
	res = async(func() (slackfake.Ack, error) { return fake.CloseView(ctx, "", "") })
	env = c.next(t)
	require.Equal(t, "view_closed", env["payload"].(map[string]any)["type"])
	c.ack(t, env["envelope_id"].(string), nil)
	wait(t, res)
	require.True(t, fake.Views()[1].Closed)

	updated, err := api.UpdateView(view, "", opened.View.Hash, opened.View.ID)
	require.NoError(t, err)
	require.NotEqual(t, opened.View.Hash, updated.View.Hash)
	_, err = api.UpdateView(view, "", opened.View.Hash, opened.View.ID)
	require.Equal(t, "hash_conflict", slackError(t, err))
	require.Equal(t, 1, fake.Views()[0].Updated)
}
