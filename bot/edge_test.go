package bot_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/bot/handoffs/handoffstest"
	"github.com/batonhq/baton/bot/home"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/drive"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// edgeBundle is the edge connected to the fake Slack over a real
// WebSocket, with the use cases on a real database behind it.
type edgeBundle struct {
	handoffstest.Bundle
	slack *slackfake.Server
}

func setupEdge(t *testing.T) edgeBundle {
	t.Helper()
	b, _ := startEdge(t, bot.Config{})
	return b
}

// startEdge runs an edge built with cfg (its service, homes, API and log
// filled in) until the test ends or stop is called; stop returns Run's
// error. opts are added to the edge's Slack client's.
func startEdge(t *testing.T, cfg bot.Config, opts ...slack.Option) (b edgeBundle, stop func() error) {
	t.Helper()
	b = edgeBundle{Bundle: handoffstest.New(t), slack: slackfaketest.New(t)}
	opts = append([]slack.Option{slack.OptionAPIURL(b.slack.APIURL()), slack.OptionAppLevelToken(b.slack.AppToken())}, opts...)
	api := slack.New(b.slack.BotToken(), opts...)
	cfg.Service, cfg.API, cfg.Log = b.Service, api, zerolog.Nop()
	cfg.Homes = &home.Homes{Store: b.Store, Service: b.Service, API: api, Log: zerolog.Nop()}
	edge := bot.New(cfg)
	ctx, cancel := context.WithCancel(b.Ctx)
	done := make(chan error, 1)
	go func() { done <- edge.Run(ctx, socketmode.New(api)) }()
	stop = sync.OnceValue(func() error {
		cancel()
		return <-done
	})
	t.Cleanup(func() { require.NoError(t, stop()) })
	require.NoError(t, b.slack.WaitConnected(b.Ctx, 1))
	require.Eventually(t, edge.Connected, 10*time.Second, 10*time.Millisecond)
	return b, stop
}

// TestEdgeTurnsAFormIntoAHandoff: /handoff is acked and opens the form;
// the form submitted with a field missing stays open with the error under
// it; fixed, it closes and the handoff is stored.
func TestEdgeTurnsAFormIntoAHandoff(t *testing.T) {
	t.Parallel()
	b := setupEdge(t)
	ack, err := b.slack.SlashCommand(b.Ctx, slackfake.SlashCommand{Command: "/handoff", Text: "Acme Corp", UserID: "U0SDR", ChannelID: "C0SALES"})
	require.NoError(t, err)
	require.Nil(t, ack.Payload, "the command is acked empty; the form follows")
	slackfaketest.WaitFor(t, b.slack, "views.open", nil, 10*time.Second)

	answers := drive.Answers("Acme Corp")
	answers["company"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.TextInput("")}
	ack, err = b.slack.SubmitView(b.Ctx, slackfake.Submit{Values: answers})
	require.NoError(t, err)
	require.Contains(t, string(ack.Payload), `"response_action":"errors"`, "a missing company keeps the form open")
	require.Contains(t, string(ack.Payload), `"company"`)

	ack, err = b.slack.SubmitView(b.Ctx, slackfake.Submit{Values: drive.Answers("Acme Corp")})
	require.NoError(t, err)
	require.Nil(t, ack.Payload, "a valid form closes")
	h, err := b.Service.Handoff(b.Ctx, 1)
	require.NoError(t, err, "stored before the ack")
	require.Equal(t, "Acme Corp", h.Lead.Company)
	require.Equal(t, "U0SDR", h.PasserID)
}

// TestEdgeAnswersARefusedClaimPrivately: a click on Claim by someone
// outside the pool is refused with a private sentence that names the
// lead; the handoff stays open.
func TestEdgeAnswersARefusedClaimPrivately(t *testing.T) {
	t.Parallel()
	b := setupEdge(t)
	h := b.Create(t, "V1", "Acme Corp")
	api := slack.New(b.slack.BotToken(), slack.OptionAPIURL(b.slack.APIURL()))
	_, ts, err := api.PostMessage(h.Channel, render.Clock{Location: time.UTC}.ChannelMessage(h).Options()...)
	require.NoError(t, err)
	require.NoError(t, b.Store.SetMessageTS(b.Ctx, h.ID, ts, b.Clock.Now()))

	_, err = b.slack.ClickButton(b.Ctx, slackfake.Click{UserID: "U0OUTSIDER", ChannelID: h.Channel, MessageTS: ts, ActionID: render.ActionClaim})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(b.slack.Ephemerals(h.Channel, "U0OUTSIDER")) == 1 }, 10*time.Second, 10*time.Millisecond)
	answer := b.slack.Ephemerals(h.Channel, "U0OUTSIDER")[0].Text
	require.Contains(t, answer, "*Acme Corp*", "the answer names the lead")
	require.Contains(t, answer, "not in the pool")
	got, err := b.Service.Handoff(b.Ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateOpen, got.State)
}

// TestEdgeStopAcksWhatItTookThenClosesTheSocket: at a stop, a form
// submission whose ack is still being worked out (its handoff's row is
// locked) keeps the socket open; a command that arrives meanwhile is
// acked and answered, not left for Slack to show an error; once the form
// is acked the socket closes, and nothing was left unacked.
func TestEdgeStopAcksWhatItTookThenClosesTheSocket(t *testing.T) {
	t.Parallel()
	b, stop := startEdge(t, bot.Config{SubmitTimeout: time.Minute, ShutdownTimeout: time.Minute})
	h := b.Create(t, "V1", "Acme Corp")
	api := slack.New(b.slack.BotToken(), slack.OptionAPIURL(b.slack.APIURL()))
	im, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U0SDR"}})
	require.NoError(t, err)
	dm, ts, err := api.PostMessage(im.ID, render.Clock{Location: time.UTC}.PasserSent(h).Options()...)
	require.NoError(t, err)
	_, err = b.slack.ClickButton(b.Ctx, slackfake.Click{UserID: "U0SDR", ChannelID: dm, MessageTS: ts, ActionID: render.ActionCancel})
	require.NoError(t, err)
	slackfaketest.WaitFor(t, b.slack, "views.open", nil, 10*time.Second)

	// The cancel waits for the row: its ack is not sent yet.
	tx, err := b.DB.Begin(b.Ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(b.Ctx) }()
	_, err = tx.Exec(b.Ctx, "SELECT id FROM handoffs WHERE id = $1 FOR UPDATE", h.ID)
	require.NoError(t, err)
	submitted := make(chan slackfake.Ack, 1)
	go func() {
		ack, err := b.slack.SubmitView(b.Ctx, slackfake.Submit{UserID: "U0SDR", Values: map[string]map[string]slackfake.InputValue{
			render.BlockReason: {render.ActionInput: slackfake.SelectedOption("dropped_off")}}})
		assert.NoError(t, err)
		submitted <- ack
	}()
	require.Eventually(t, func() bool {
		var waiting int
		err := b.DB.QueryRow(b.Ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()").Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, 10*time.Millisecond, "the cancel waits for the row")

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	ack, err := b.slack.SlashCommand(b.Ctx, slackfake.SlashCommand{Command: "/handoff", Text: "help", UserID: "U0AE1", ChannelID: "C0ELSEWHERE"})
	require.NoError(t, err, "a command during the stop is acked")
	require.Contains(t, string(ack.Payload), "/handoff away", "and answered")
	require.Equal(t, 1, b.slack.Connected(), "the socket stays open for the form's ack")

	require.NoError(t, tx.Rollback(b.Ctx))
	require.Nil(t, (<-submitted).Payload, "the form is stored and closes")
	require.NoError(t, <-stopped)
	require.Eventually(t, func() bool { return b.slack.Connected() == 0 }, 10*time.Second, 10*time.Millisecond, "then the socket is closed")
	require.Empty(t, b.slack.Unacked(), "nothing was left unacked")
	got, err := b.Service.Handoff(b.Ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateCancelled, got.State)
}

// TestEdgeShowsALargeOfferWithViewsUpdate: a live transfer the gates
// refuse, with 10,000-character notes, makes a schedule-for-later form too
// large for the ack of the submission (Slack drops an ack of 20 KB or
// more). The ack shows a short "preparing" view instead, and views.update
// replaces it with the offer, every answer kept; the offer, submitted for
// later, hands the lead off. No ack was dropped on the way.
func TestEdgeShowsALargeOfferWithViewsUpdate(t *testing.T) {
	t.Parallel()
	b := setupEdge(t)
	_, err := b.slack.SlashCommand(b.Ctx, slackfake.SlashCommand{Command: "/handoff", UserID: "U0SDR", ChannelID: "C0SALES"})
	require.NoError(t, err)
	slackfaketest.WaitFor(t, b.slack, "views.open", nil, 10*time.Second)

	notes := strings.Repeat("Budget <talk> & more. ", routing.MaxNotesLength/22)
	answers := drive.Answers("Acme Corp")
	answers["q.employees"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.TextInput("120")}
	answers["notes"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.RichText(notes)}
	ack, err := b.slack.SubmitView(b.Ctx, slackfake.Submit{Values: answers})
	require.NoError(t, err)
	require.Less(t, len(ack.Payload), 20*1024)
	require.Contains(t, string(ack.Payload), `"response_action":"update"`)
	require.Contains(t, string(ack.Payload), "Preparing the *Schedule for later* form")

	update := slackfaketest.WaitFor(t, b.slack, "views.update", func(c slackfake.Call) bool {
		return strings.Contains(string(c.Response), `"ok":true`)
	}, 10*time.Second)
	require.NotEmpty(t, update.Params["external_id"], "the update names the preparing view")
	require.Empty(t, update.Params["view_id"])
	require.Greater(t, len(update.Params["view"]), 20*1024, "the offer could not have been an ack")
	views := b.slack.Views()
	require.Len(t, views, 1)
	require.False(t, views[0].Closed)
	require.Equal(t, 2, views[0].Updated, "the preparing view, then the offer")
	offer := drive.SlackText(string(views[0].Blocks))
	require.Contains(t, offer, "Not ready for a live transfer")
	require.Contains(t, offer, strings.TrimSpace(notes), "every answer is kept")
	require.Empty(t, views[0].ExternalID, "the offer is not found by the preparing view's id")

	at := b.Clock.Now().Add(26 * time.Hour).Truncate(time.Minute)
	ack, err = b.slack.SubmitView(b.Ctx, slackfake.Submit{Values: map[string]map[string]slackfake.InputValue{
		render.BlockTransferOffered: {render.ActionInput: slackfake.SelectedOption(render.TransferLater)},
		"scheduled_for":             {render.ActionInput: slackfake.DateTimePicked(at)},
	}})
	require.NoError(t, err)
	require.Nil(t, ack.Payload, "the offer, taken, closes")
	h, err := b.Service.Handoff(b.Ctx, 1)
	require.NoError(t, err)
	require.Equal(t, routing.StateScheduled, h.State)
	require.Equal(t, strings.TrimSpace(notes), h.Lead.Notes)
	require.Empty(t, b.slack.DroppedAcks())
}

// TestEdgeCommandAcksFit: the answers a command's ack carries (the help,
// a command Baton could not read, however long) reach the fake, which
// drops an ack of 20 KB or more as Slack does.
func TestEdgeCommandAcksFit(t *testing.T) {
	t.Parallel()
	b := setupEdge(t)
	for _, text := range []string{"help", "away " + strings.Repeat("<", 3900), "stats " + strings.Repeat("&", 3900)} {
		ack, err := b.slack.SlashCommand(b.Ctx, slackfake.SlashCommand{Command: "/handoff", Text: text, UserID: "U0SDR", ChannelID: "C0SALES"})
		require.NoError(t, err, "acknowledged")
		require.Contains(t, string(ack.Payload), `"response_type":"ephemeral"`)
	}
	require.Empty(t, b.slack.DroppedAcks())
}
