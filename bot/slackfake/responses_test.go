package slackfake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// command delivers a slash command in channel and returns the response_url
// the bot received with it.
func command(t *testing.T, fake *slackfake.Server, client *socketmode.Client, channel string) string {
	t.Helper()
	res := async(func() (slackfake.Ack, error) {
		return fake.SlashCommand(context.Background(), slackfake.SlashCommand{Command: "/handoff", Text: "stats", UserID: "U1", ChannelID: channel})
	})
	evt := nextEvent(t, client, socketmode.EventTypeSlashCommand)
	require.NoError(t, client.Ack(*evt.Request))
	wait(t, res)
	cmd, ok := evt.Data.(slack.SlashCommand)
	require.True(t, ok)
	return cmd.ResponseURL
}

func respond(api *slack.Client, url, text string, opts ...slack.MsgOption) error {
	opts = append([]slack.MsgOption{slack.MsgOptionResponseURL(url, slack.ResponseTypeEphemeral), slack.MsgOptionText(text, false)}, opts...)
	_, _, err := api.PostMessageContext(context.Background(), "", opts...)
	return err
}

func TestResponseURLReachesThePersonFiveTimesInHalfAnHour(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	fake := slackfaketest.Unchecked(t, slackfake.WithClock(clock.Now))
	api, client := startBot(t, fake)

	// A DM between two people: the bot is no member, the reply still shows.
	url := command(t, fake, client, "D0ALICEBOB")
	for i := range 5 {
		require.NoError(t, respond(api, url, "answer"), "use %d", i+1)
	}
	err := respond(api, url, "one too many")
	var status slack.StatusCodeError
	require.ErrorAs(t, err, &status)
	require.Equal(t, 404, status.Code)
	shown := fake.Ephemerals("D0ALICEBOB", "U1")
	require.Len(t, shown, 5)
	require.True(t, shown[0].ResponseURL)
	require.Equal(t, "answer", shown[0].Text)
	last := fake.Calls("response_url")
	require.JSONEq(t, `{"ok":false,"error":"used_url"}`, string(last[len(last)-1].Response))

	// After 30 minutes a fresh URL is spent too.
	url = command(t, fake, client, "C0ELSEWHERE")
	clock.Advance(31 * time.Minute)
	require.ErrorAs(t, respond(api, url, "late"), &status)
	last = fake.Calls("response_url")
	require.JSONEq(t, `{"ok":false,"error":"expired_url"}`, string(last[len(last)-1].Response))
	require.Empty(t, fake.Ephemerals("C0ELSEWHERE", "U1"))

	// What Slack would refuse in a message, it refuses here.
	url = command(t, fake, client, "C0ELSEWHERE")
	require.ErrorAs(t, respond(api, url, ""), &status)
	require.Equal(t, 400, status.Code)
	var sections []slack.Block
	for total := slackfake.MaxBlocksText + 1; total > 0; total -= 3000 {
		sections = append(sections, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("é", min(total, 3000)), false, false), nil, nil))
	}
	require.ErrorAs(t, respond(api, url, "too much", slack.MsgOptionBlocks(sections...)), &status)
	require.Equal(t, 400, status.Code)
	last = fake.Calls("response_url")
	require.JSONEq(t, `{"ok":false,"error":"msg_blocks_too_long"}`, string(last[len(last)-1].Response))
	require.NoError(t, respond(api, url, "at the limit", slack.MsgOptionBlocks(sections[:len(sections)-1]...)))
	shown = fake.Ephemerals("C0ELSEWHERE", "U1")
	require.Len(t, shown, 1, "the refused message is not shown")
	require.Equal(t, "at the limit", shown[0].Text)
}

func TestResponseURLReplacesTheClickedMessage(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api, client := startBot(t, fake)
	button := slack.NewActionBlock("b", slack.NewButtonBlockElement("press", "1", slack.NewTextBlockObject(slack.PlainTextType, "Press", false, false)))
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("hi", false), slack.MsgOptionBlocks(button))
	require.NoError(t, err)

	res := async(func() (slackfake.Ack, error) {
		return fake.ClickButton(context.Background(), slackfake.Click{UserID: "U2", ChannelID: "C1", MessageTS: ts, ActionID: "press"})
	})
	evt := nextEvent(t, client, socketmode.EventTypeInteractive)
	require.NoError(t, client.Ack(*evt.Request))
	wait(t, res)
	cb, ok := evt.Data.(slack.InteractionCallback)
	require.True(t, ok)
	require.NotEmpty(t, cb.ResponseURL)

	require.NoError(t, respond(api, cb.ResponseURL, "just for you"))
	_, _, err = api.PostMessage("", slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("pressed", false))
	require.NoError(t, err)
	require.Equal(t, "just for you", fake.Ephemerals("C1", "U2")[0].Text)
	msgs := fake.Messages("C1")
	require.Len(t, msgs, 1)
	require.Equal(t, "pressed", msgs[0].Text)
	require.Equal(t, 1, msgs[0].Updated)
}
