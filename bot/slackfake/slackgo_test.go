package slackfake_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

const waitTimeout = 5 * time.Second

func newAPI(fake *slackfake.Server) *slack.Client {
	return slack.New(fake.BotToken(),
		slack.OptionAPIURL(fake.APIURL()),
		slack.OptionAppLevelToken(fake.AppToken()))
}

// startBot runs a real slack-go Socket Mode client against the fake until
// the test ends, and waits for its first hello.
func startBot(t *testing.T, fake *slackfake.Server) (*slack.Client, *socketmode.Client) {
	t.Helper()
	api := newAPI(fake)
	client := socketmode.New(api, socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = client.RunContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Error("socketmode client did not stop")
		}
	})
	connected := nextEvent(t, client, socketmode.EventTypeConnected)
	require.NotNil(t, connected.Data)
	hello := nextEvent(t, client, socketmode.EventTypeHello)
	require.Equal(t, 1, hello.Request.NumConnections)
	require.Equal(t, slackfake.AppID, hello.Request.ConnectionInfo.AppID)
	return api, client
}

// nextEvent returns the next event of type typ, skipping others.
func nextEvent(t *testing.T, client *socketmode.Client, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case evt := <-client.Events:
			if evt.Type == typ {
				return evt
			}
		case <-timeout:
			t.Fatalf("no %s event within %v", typ, waitTimeout)
		}
	}
}

type ackResult struct {
	ack slackfake.Ack
	err error
}

// async runs a driving call in the background, since it blocks until the
// bot (the test itself, here) acks.
func async(f func() (slackfake.Ack, error)) <-chan ackResult {
	ch := make(chan ackResult, 1)
	go func() {
		ack, err := f()
		ch <- ackResult{ack, err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan ackResult) slackfake.Ack {
	t.Helper()
	select {
	case r := <-ch:
		require.NoError(t, r.err)
		return r.ack
	case <-time.After(waitTimeout):
		t.Fatal("driving call did not return")
		return slackfake.Ack{}
	}
}

func slackError(t *testing.T, err error) string {
	t.Helper()
	var se slack.SlackErrorResponse
	require.ErrorAs(t, err, &se)
	return se.Err
}

func handoffModal(triggerBlocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Hand off", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Send", false, false),
		CallbackID:      "handoff",
		PrivateMetadata: "ticket-42",
		Blocks:          slack.Blocks{BlockSet: triggerBlocks},
	}
}

func TestSlashCommandModalAndSubmission(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api, client := startBot(t, fake)
	ctx := context.Background()

	res := async(func() (slackfake.Ack, error) {
		return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", Text: "to oncall", UserID: "U1", ChannelID: "C1"})
	})
	evt := nextEvent(t, client, socketmode.EventTypeSlashCommand)
	cmd, isCmd := evt.Data.(slack.SlashCommand)
	require.True(t, isCmd)
	require.Equal(t, "/handoff", cmd.Command)
	require.Equal(t, "to oncall", cmd.Text)
	require.Equal(t, "U1", cmd.UserID)
	require.Equal(t, "C1", cmd.ChannelID)
	require.Equal(t, slackfake.TeamID, cmd.TeamID)
	require.Equal(t, slackfake.AppID, cmd.APIAppID)
	require.NotEmpty(t, cmd.TriggerID)
	require.True(t, strings.HasPrefix(cmd.ResponseURL, "http://127.0.0.1:"))
	require.True(t, evt.Request.AcceptsResponsePayload)
	require.NoError(t, client.Ack(*evt.Request, map[string]any{"text": "on it"}))

	ack := wait(t, res)
	require.Equal(t, evt.Request.EnvelopeID, ack.EnvelopeID)
	require.Equal(t, cmd.TriggerID, ack.TriggerID)
	require.JSONEq(t, `{"text":"on it"}`, string(ack.Payload))
	require.Positive(t, ack.Latency)
	require.Contains(t, fake.Acks(), ack)

	// The trigger opens one modal, once.
	team := slack.NewTextBlockObject(slack.PlainTextType, "Team", false, false)
	note := slack.NewTextBlockObject(slack.PlainTextType, "Note", false, false)
	teamOpts := []*slack.OptionBlockObject{
		slack.NewOptionBlockObject("sre", slack.NewTextBlockObject(slack.PlainTextType, "SRE", false, false), nil),
		slack.NewOptionBlockObject("dba", slack.NewTextBlockObject(slack.PlainTextType, "DBA", false, false), nil),
	}
	view := handoffModal(
		slack.NewInputBlock("team", team, nil, slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, "pick", teamOpts...)),
		slack.NewInputBlock("note", note, nil, slack.NewPlainTextInputBlockElement(nil, "text")),
	)
	opened, err := api.OpenView(cmd.TriggerID, view)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(opened.View.ID, "V"))
	require.Equal(t, "handoff", opened.View.CallbackID)
	require.NotEmpty(t, opened.View.Hash)
	_, err = api.OpenView(cmd.TriggerID, view)
	require.Equal(t, "exchanged_trigger_id", slackError(t, err))
	_, err = api.OpenView("1.2.3", view)
	require.Equal(t, "invalid_trigger_id", slackError(t, err))

	views := fake.Views()
	require.Len(t, views, 1)
	require.Equal(t, "U1", views[0].UserID)
	require.Equal(t, "Hand off", views[0].Title)

	// The user submits; the bot sees values the way slack-go decodes them.
	res = async(func() (slackfake.Ack, error) {
		return fake.SubmitView(ctx, slackfake.Submit{Values: map[string]map[string]slackfake.InputValue{
			"team": {"pick": slackfake.SelectedOption("dba")},
			"note": {"text": slackfake.TextInput("db is on fire")},
		}})
	})
	evt = nextEvent(t, client, socketmode.EventTypeInteractive)
	cb, isCallback := evt.Data.(slack.InteractionCallback)
	require.True(t, isCallback)
	require.Equal(t, slack.InteractionTypeViewSubmission, cb.Type)
	require.Equal(t, opened.View.ID, cb.View.ID)
	require.Equal(t, "handoff", cb.View.CallbackID)
	require.Equal(t, "ticket-42", cb.View.PrivateMetadata)
	require.Equal(t, "U1", cb.User.ID)
	require.Equal(t, "db is on fire", cb.View.State.Values["note"]["text"].Value)
	require.Equal(t, "dba", cb.View.State.Values["team"]["pick"].SelectedOption.Value)
	require.Equal(t, "DBA", cb.View.State.Values["team"]["pick"].SelectedOption.Text.Text)
	require.NoError(t, client.Ack(*evt.Request, slack.NewClearViewSubmissionResponse()))
	wait(t, res)
	require.True(t, fake.Views()[0].Closed)

	// Unknown inputs are a test bug, reported without sending anything.
	_, err = fake.SubmitView(ctx, slackfake.Submit{ViewID: opened.View.ID})
	require.Error(t, err)
}

// TestSubmitPickersAndRichText submits the inputs of a checklist form:
// slack-go decodes a datetime, a date, a number and rich text as Slack sends
// them, and inputs left empty arrive empty.
func TestSubmitPickersAndRichText(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api, client := startBot(t, fake)
	ctx := context.Background()
	label := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}

	res := async(func() (slackfake.Ack, error) {
		return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", UserID: "U1"})
	})
	evt := nextEvent(t, client, socketmode.EventTypeSlashCommand)
	require.NoError(t, client.Ack(*evt.Request))
	wait(t, res)
	cmd := evt.Data.(slack.SlashCommand)
	_, err := api.OpenView(cmd.TriggerID, handoffModal(
		slack.NewInputBlock("when", label("When"), nil, slack.NewDateTimePickerBlockElement("a")),
		slack.NewInputBlock("day", label("Day"), nil, slack.NewDatePickerBlockElement("a")),
		slack.NewInputBlock("seats", label("Seats"), nil, slack.NewNumberInputBlockElement(nil, "a", false)),
		slack.NewInputBlock("notes", label("Notes"), nil, slack.NewRichTextInputBlockElement(nil, "a")),
		slack.NewInputBlock("later", label("Later"), nil, slack.NewDateTimePickerBlockElement("a")),
		slack.NewInputBlock("more", label("More"), nil, slack.NewRichTextInputBlockElement(nil, "a")),
	))
	require.NoError(t, err)

	at := time.Date(2026, 11, 22, 16, 30, 0, 0, time.UTC)
	res = async(func() (slackfake.Ack, error) {
		return fake.SubmitView(ctx, slackfake.Submit{Values: map[string]map[string]slackfake.InputValue{
			"when":  {"a": slackfake.DateTimePicked(at)},
			"day":   {"a": slackfake.DatePicked("2027-02-28")},
			"seats": {"a": slackfake.TextInput("12")},
			"notes": {"a": slackfake.RichText("first line\nsecond line")},
		}})
	})
	evt = nextEvent(t, client, socketmode.EventTypeInteractive)
	cb := evt.Data.(slack.InteractionCallback)
	values := cb.View.State.Values
	require.Equal(t, at.Unix(), values["when"]["a"].SelectedDateTime)
	require.Equal(t, "2027-02-28", values["day"]["a"].SelectedDate)
	require.Equal(t, "12", values["seats"]["a"].Value)
	notes := values["notes"]["a"].RichTextValue
	require.Len(t, notes.Elements, 2)
	first := notes.Elements[0].(*slack.RichTextSection)
	require.Equal(t, "first line\n", first.Elements[0].(*slack.RichTextSectionTextElement).Text)
	require.Zero(t, values["later"]["a"].SelectedDateTime)
	require.Empty(t, values["more"]["a"].RichTextValue.Elements)
	require.NoError(t, client.Ack(*evt.Request))
	wait(t, res)
}

func TestClickButton(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api, client := startBot(t, fake)

	btn := slack.NewButtonBlockElement("take", "ticket-7", slack.NewTextBlockObject(slack.PlainTextType, "Take", false, false))
	_, ts, err := api.PostMessage("C1",
		slack.MsgOptionText("Ticket 7", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("ticket", btn)))
	require.NoError(t, err)

	res := async(func() (slackfake.Ack, error) {
		return fake.ClickButton(context.Background(), slackfake.Click{UserID: "U2", ChannelID: "C1", MessageTS: ts, ActionID: "take"})
	})
	evt := nextEvent(t, client, socketmode.EventTypeInteractive)
	cb := evt.Data.(slack.InteractionCallback)
	require.Equal(t, slack.InteractionTypeBlockActions, cb.Type)
	require.Equal(t, "U2", cb.User.ID)
	require.Equal(t, "C1", cb.Channel.ID)
	require.Equal(t, ts, cb.Container.MessageTs)
	require.Equal(t, ts, cb.Message.Timestamp)
	require.Len(t, cb.Message.Blocks.BlockSet, 1)
	require.Len(t, cb.ActionCallback.BlockActions, 1)
	action := cb.ActionCallback.BlockActions[0]
	require.Equal(t, "take", action.ActionID)
	require.Equal(t, "ticket", action.BlockID)
	require.Equal(t, "ticket-7", action.Value)
	require.NotEmpty(t, cb.TriggerID)
	require.NoError(t, client.Ack(*evt.Request))
	ack := wait(t, res)
	require.Nil(t, ack.Payload)

	_, err = fake.ClickButton(context.Background(), slackfake.Click{ChannelID: "C1", MessageTS: ts, ActionID: "nope"})
	require.Error(t, err)
}

func TestMessages(t *testing.T) {
	t.Parallel()
	// Many posts into one channel: what they are, not how fast (see
	// TestChannelPaceAnswers429).
	fake := slackfaketest.Unchecked(t, slackfake.WithChannelPace(slackfake.ChannelPace{}))
	api := newAPI(fake)

	section := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Ticket 1*", false, false), nil, nil)
	ch, ts, err := api.PostMessage("C1", slack.MsgOptionText("Ticket 1", false), slack.MsgOptionBlocks(section))
	require.NoError(t, err)
	require.Equal(t, "C1", ch)
	require.Equal(t, "1700000000.000100", ts)
	_, ts2, err := api.PostMessage("C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts))
	require.NoError(t, err)
	require.Greater(t, ts2, ts)

	_, _, _, err = api.UpdateMessage("C1", ts, slack.MsgOptionText("Ticket 1 (taken)", false))
	require.NoError(t, err)
	_, _, _, err = api.UpdateMessage("C1", "1.000000", slack.MsgOptionText("x", false))
	require.Equal(t, "message_not_found", slackError(t, err))

	msgs := fake.Messages("C1")
	require.Len(t, msgs, 2)
	require.Equal(t, "Ticket 1 (taken)", msgs[0].Text)
	require.Equal(t, 1, msgs[0].Updated)
	require.Contains(t, string(msgs[0].Blocks), "*Ticket 1*", "blocks left out of an update are kept")
	require.Equal(t, ts, msgs[1].ThreadTS)

	call := slackfaketest.WaitFor(t, fake, "chat.update", func(c slackfake.Call) bool { return c.Params["ts"] == ts }, time.Second)
	require.Equal(t, "Ticket 1 (taken)", call.Params["text"])
	require.JSONEq(t, `"message_not_found"`, mustField(t, fake.Calls("chat.update")[1].Response, "error"))

	_, _, err = api.PostMessage("C1")
	require.Equal(t, "no_text", slackError(t, err))
	_, _, err = api.PostMessage("C1", slack.MsgOptionText(strings.Repeat("x", 40001), false))
	require.Equal(t, "msg_too_long", slackError(t, err))
	_, _, err = api.PostMessage("C1", slack.MsgOptionText(strings.Repeat("x", 40000), false))
	require.NoError(t, err)

	long := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false))
	_, _, err = api.PostMessage("C1", slack.MsgOptionBlocks(long))
	require.Equal(t, "invalid_blocks", slackError(t, err))
	var se slack.SlackErrorResponse
	require.ErrorAs(t, err, &se)
	require.Len(t, se.Errors, 1)
	require.Contains(t, *se.Errors[0].Message, "/blocks/0/text/text")

	ets, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("only you", false))
	require.NoError(t, err)
	eph := fake.Ephemerals("C1", "U1")
	require.Len(t, eph, 1)
	require.Equal(t, ets, eph[0].TS)
	require.Equal(t, "only you", eph[0].Text)
}

func mustField(t *testing.T, raw json.RawMessage, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m))
	return string(m[key])
}

func TestOtherMethods(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)

	auth, err := api.AuthTest()
	require.NoError(t, err)
	require.Equal(t, slackfake.BotUserID, auth.UserID)
	require.Equal(t, slackfake.TeamID, auth.TeamID)
	require.Equal(t, slackfake.BotID, auth.BotID)

	dm, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	require.NoError(t, err)
	require.Equal(t, "DU1", dm.ID)

	u, err := api.GetUserInfo("U9")
	require.NoError(t, err)
	require.Equal(t, "U9", u.ID)
	require.Equal(t, "America/New_York", u.TZ)
	require.NotEmpty(t, u.Profile.Email)
	fake.AddUser(slack.User{ID: "U9", Name: "ada", RealName: "Ada", TZ: "Europe/London", Profile: slack.UserProfile{Email: "ada@example.com"}})
	u, err = api.GetUserInfo("U9")
	require.NoError(t, err)
	require.Equal(t, "Europe/London", u.TZ)
	require.Equal(t, "ada@example.com", u.Profile.Email)

	link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: "1700000000.000100"})
	require.NoError(t, err)
	require.Contains(t, link, "/archives/C1/p1700000000000100")

	resp, err := http.Post(fake.APIURL()+"chat.frobnicate", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.JSONEq(t, `{"ok":false,"error":"unknown_method"}`, string(body))
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	ctx := context.Background()

	_, err := slack.New("", slack.OptionAPIURL(fake.APIURL())).AuthTest()
	require.Equal(t, "not_authed", slackError(t, err))
	_, err = slack.New("xoxb-wrong", slack.OptionAPIURL(fake.APIURL())).AuthTest()
	require.Equal(t, "invalid_auth", slackError(t, err))
	_, _, err = slack.New(fake.AppToken(), slack.OptionAPIURL(fake.APIURL())).PostMessage("C1", slack.MsgOptionText("x", false))
	require.Equal(t, "not_allowed_token_type", slackError(t, err))

	_, _, err = slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken(fake.BotToken())).StartSocketModeContext(ctx)
	require.Equal(t, "not_allowed_token_type", slackError(t, err))
	_, _, err = slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL())).StartSocketModeContext(ctx)
	require.Equal(t, "not_authed", slackError(t, err))

	_, url, err := newAPI(fake).StartSocketModeContext(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(url, "ws://127.0.0.1:"))
	require.Contains(t, url, "/socket?ticket=")
}

func TestRateLimitAndFailures(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	api := newAPI(fake)

	fake.RateLimit("chat.postMessage", 1, 1500*time.Millisecond)
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	require.ErrorAs(t, err, &rl)
	require.Equal(t, 2*time.Second, rl.RetryAfter)
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("x", false))
	require.NoError(t, err)

	fake.FailNext("chat.update", 2, http.StatusInternalServerError)
	for range 2 {
		_, _, _, err = api.UpdateMessage("C1", ts, slack.MsgOptionText("y", false))
		var sc slack.StatusCodeError
		require.ErrorAs(t, err, &sc)
		require.Equal(t, http.StatusInternalServerError, sc.Code)
	}
	_, _, _, err = api.UpdateMessage("C1", ts, slack.MsgOptionText("y", false))
	require.NoError(t, err)
	require.Len(t, fake.Calls("chat.update"), 3, "failed calls are recorded too")
}

func TestTriggerExpires(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(1700000000, 0)}
	fake := slackfaketest.Unchecked(t, slackfake.WithClock(clock.Now))
	api, client := startBot(t, fake)

	res := async(func() (slackfake.Ack, error) {
		return fake.SlashCommand(context.Background(), slackfake.SlashCommand{Command: "/handoff"})
	})
	evt := nextEvent(t, client, socketmode.EventTypeSlashCommand)
	require.NoError(t, client.Ack(*evt.Request))
	ack := wait(t, res)

	clock.Advance(3001 * time.Millisecond)
	_, err := api.OpenView(ack.TriggerID, handoffModal(slack.NewDividerBlock()))
	require.Equal(t, "expired_trigger_id", slackError(t, err))
}

func TestReconnects(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	_, client := startBot(t, fake)
	ctx := context.Background()

	fake.Disconnect("refresh_requested")
	nextEvent(t, client, socketmode.EventTypeHello)
	require.NoError(t, fake.WaitConnected(ctx, 1))

	fake.DropConnections()
	nextEvent(t, client, socketmode.EventTypeHello)
	require.NoError(t, fake.WaitConnected(ctx, 1))
	require.Equal(t, 1, fake.Connected())

	// Redelivery of the same envelope, as Slack does after a late ack.
	raw := json.RawMessage(`{"envelope_id":"env-1","type":"slash_commands","accepts_response_payload":true,` +
		`"retry_attempt":1,"retry_reason":"timeout","payload":{"command":"/handoff","user_id":"U1"}}`)
	res := async(func() (slackfake.Ack, error) { return fake.SendEnvelope(ctx, raw) })
	evt := nextEvent(t, client, socketmode.EventTypeSlashCommand)
	require.Equal(t, "env-1", evt.Request.EnvelopeID)
	require.Equal(t, 1, evt.Request.RetryAttempt)
	require.NoError(t, client.Ack(*evt.Request))
	require.Equal(t, "env-1", wait(t, res).EnvelopeID)
}

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestCloseWithLiveClient(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.Unchecked(t)
	startBot(t, fake)
	closed := make(chan struct{})
	go func() {
		fake.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(waitTimeout):
		t.Fatal("Close hung with a connected client")
	}
	require.Equal(t, 0, fake.Connected())
	_, err := fake.SlashCommand(context.Background(), slackfake.SlashCommand{Command: "/handoff"})
	require.Error(t, err)
}
