package slackfake_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// sections are n section blocks of 3,000 characters each, the most a
// section's text holds: valid Block Kit, of whatever size n makes.
func sections(n int) []slack.Block {
	blocks := make([]slack.Block, n)
	for i := range blocks {
		blocks[i] = slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("x", 3000), false, false), nil, nil)
	}
	return blocks
}

// viewBytes is v's JSON size, as slack-go sends it.
func viewBytes(t *testing.T, v any) int {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return len(raw)
}

// TestViewsOverTheLimit: views.open, views.push, views.update and
// views.publish refuse a view over 250 KB with view_too_large, as Slack
// does, and take one just under it.
func TestViewsOverTheLimit(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api, client := startBot(t, fake)
	ctx := context.Background()
	trigger := func() string {
		res := async(func() (slackfake.Ack, error) {
			return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff"})
		})
		evt := nextEvent(t, client, "slash_commands")
		client.Ack(*evt.Request)
		return wait(t, res).TriggerID
	}

	big, fits := handoffModal(sections(90)...), handoffModal(sections(80)...)
	require.Greater(t, viewBytes(t, big), 250_000)
	require.Less(t, viewBytes(t, fits), 250_000)

	_, err := api.OpenView(trigger(), big)
	require.Equal(t, "view_too_large", slackError(t, err))
	opened, err := api.OpenView(trigger(), fits)
	require.NoError(t, err)

	_, err = api.PushView(trigger(), big)
	require.Equal(t, "view_too_large", slackError(t, err))
	_, err = api.PushView(trigger(), fits)
	require.NoError(t, err)

	_, err = api.UpdateView(big, "", "", opened.View.ID)
	require.Equal(t, "view_too_large", slackError(t, err))
	_, err = api.UpdateView(fits, "", "", opened.View.ID)
	require.NoError(t, err)

	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: sections(90)}}
	_, err = api.PublishView("U1", home, "")
	require.Equal(t, "view_too_large", slackError(t, err))
	require.Nil(t, fake.HomeView("U1"))
	home.Blocks.BlockSet = sections(80)
	_, err = api.PublishView("U1", home, "")
	require.NoError(t, err)
}

// TestOversizedAckIsDropped: an ack of 20 KB or more is dropped, as Slack
// drops it: the envelope stays unacknowledged and the fake records it
// among DroppedAcks, not Acks. One just under goes through.
func TestOversizedAckIsDropped(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	c := dialRaw(t, fake)
	c.next(t) // hello
	ctx := context.Background()

	// ackOf sends an ack whose frame is exactly size bytes.
	ackOf := func(size int) <-chan ackResult {
		short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		res := async(func() (slackfake.Ack, error) {
			defer cancel()
			return fake.SlashCommand(short, slackfake.SlashCommand{Command: "/handoff"})
		})
		id := c.next(t)["envelope_id"].(string)
		frame := func(text string) []byte {
			raw, err := json.Marshal(map[string]any{"envelope_id": id, "payload": map[string]string{"text": text}})
			require.NoError(t, err)
			return raw
		}
		raw := frame(strings.Repeat("x", size-len(frame(""))))
		require.Len(t, raw, size)
		require.NoError(t, c.ws.WriteMessage(1, raw))
		return res
	}

	got := wait(t, ackOf(20*1024-1))
	require.NotEmpty(t, got.Payload, "an ack just under 20 KB is taken")

	r := <-ackOf(20 * 1024)
	require.ErrorIs(t, r.err, context.DeadlineExceeded, "an ack of 20 KB is as good as none")
	dropped := fake.DroppedAcks()
	require.Len(t, dropped, 1)
	require.Equal(t, r.ack.EnvelopeID, dropped[0].EnvelopeID)
	for _, a := range fake.Acks() {
		require.NotEqual(t, dropped[0].EnvelopeID, a.EnvelopeID, "not recorded as acknowledged")
	}
}
