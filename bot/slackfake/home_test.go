package slackfake_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// TestOpenAndClickHome: opening the Home tab sends app_home_opened with
// the Home published; a click on its button arrives as block_actions in a
// view container, with a trigger_id a modal can be opened with; a click
// on a button the Home does not have is refused; Changed fires on publish.
func TestOpenAndClickHome(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	api := newAPI(fake)
	c := dialRaw(t, fake)
	require.Equal(t, "hello", c.next(t)["type"])

	changed := fake.Changed()
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewActionBlock("availability", slack.NewButtonBlockElement("away", "x", slack.NewTextBlockObject(slack.PlainTextType, "Away", false, false))),
	}}}
	_, err := api.PublishView("U1", home, "")
	require.NoError(t, err)
	<-changed // closed by the publish

	done := make(chan error, 1)
	go func() { _, err := fake.OpenHome(context.Background(), "U1"); done <- err }()
	frame := c.next(t)
	require.Equal(t, "events_api", frame["type"])
	event := frame["payload"].(map[string]any)["event"].(map[string]any)
	require.Equal(t, "app_home_opened", event["type"])
	require.Equal(t, "U1", event["user"])
	require.Equal(t, "home", event["view"].(map[string]any)["type"])
	c.ack(t, frame["envelope_id"].(string), nil)
	require.NoError(t, <-done)

	go func() {
		_, err := fake.ClickHome(context.Background(), slackfake.Click{UserID: "U1", ActionID: "away"})
		done <- err
	}()
	frame = c.next(t)
	raw, err := json.Marshal(frame["payload"])
	require.NoError(t, err)
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal(raw, &cb))
	require.Equal(t, slack.InteractionTypeBlockActions, cb.Type)
	require.Equal(t, "view", cb.Container.Type)
	require.Equal(t, "away", cb.ActionCallback.BlockActions[0].ActionID)
	c.ack(t, frame["envelope_id"].(string), nil)
	require.NoError(t, <-done)
	_, err = api.OpenView(cb.TriggerID, slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Away", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}})
	require.NoError(t, err, "the click's trigger opens a modal")

	_, err = fake.ClickHome(context.Background(), slackfake.Click{UserID: "U1", ActionID: "nope"})
	require.ErrorContains(t, err, "no element")
	_, err = fake.ClickHome(context.Background(), slackfake.Click{UserID: "U2", ActionID: "away"})
	require.ErrorContains(t, err, "no Home published")
}
