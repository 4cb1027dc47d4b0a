package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/drive"
)

// unanswered counts the edge's private answers (POSTs to a response_url)
// that Slack has not answered yet: a call the fake hangs stays counted
// until the edge gives up on it.
type unanswered struct {
	n atomic.Int64
}

func (u *unanswered) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/response/") {
		u.n.Add(1)
		defer u.n.Add(-1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (u *unanswered) count() int { return int(u.n.Load()) }

// startBusyEdge runs an edge whose Slack client counts its unanswered
// private answers.
func startBusyEdge(t *testing.T) (edgeBundle, *unanswered) {
	t.Helper()
	answers := &unanswered{}
	// A short drain: the hung answers are cut off at the test's end
	// rather than waited for.
	b, _ := startEdge(t, bot.Config{ShutdownTimeout: time.Second}, slack.OptionHTTPClient(&http.Client{Transport: answers}))
	return b, answers
}

// hangClaimAnswers fills every slot the claims run in: as many outsiders
// as there are slots click Claim on a posted lead, each is refused, and
// each refusal's private answer hangs in Slack. It returns once every one
// of them waits for Slack.
func hangClaimAnswers(t *testing.T, b edgeBundle, answers *unanswered) int {
	t.Helper()
	h := b.Create(t, "V-BUSY", "Busy Corp")
	api := slack.New(b.slack.BotToken(), slack.OptionAPIURL(b.slack.APIURL()))
	_, ts, err := api.PostMessage(h.Channel, render.Clock{Location: time.UTC}.ChannelMessage(h).Options()...)
	require.NoError(t, err)
	require.NoError(t, b.Store.SetMessageTS(b.Ctx, h.ID, ts, b.Clock.Now()))

	slots := bot.HandlerSlots()
	b.slack.Hang("response_url", slots)
	for i := range slots {
		_, err := b.slack.ClickButton(b.Ctx, slackfake.Click{UserID: fmt.Sprintf("U0OUT%03d", i), ChannelID: h.Channel, MessageTS: ts, ActionID: render.ActionClaim})
		require.NoError(t, err, "each click is acked at once")
	}
	require.Eventually(t, func() bool { return answers.count() == slots }, 30*time.Second, 10*time.Millisecond,
		"every claim's answer hangs")
	return slots
}

// untilAnswered is the context a test waits for an ack with: long, so that
// an ack that comes late comes, and the test says what it came after.
func untilAnswered(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestEdgeAcksAFormWhileClaimAnswersHang: with every claim handler waiting
// on a private answer Slack does not give, a /handoff form submitted then
// is stored and acked while they all still wait: a form's ack never queues
// behind Slack calls.
func TestEdgeAcksAFormWhileClaimAnswersHang(t *testing.T) {
	t.Parallel()
	b, answers := startBusyEdge(t)
	_, err := b.slack.SlashCommand(b.Ctx, slackfake.SlashCommand{Command: "/handoff", UserID: "U0SDR", ChannelID: "C0SALES"})
	require.NoError(t, err)
	slackfaketest.WaitFor(t, b.slack, "views.open", nil, 10*time.Second)
	slots := hangClaimAnswers(t, b, answers)

	ack, err := b.slack.SubmitView(untilAnswered(t), slackfake.Submit{UserID: "U0SDR", Values: drive.Answers("Acme Corp")})
	require.NoError(t, err)
	require.Equal(t, slots, answers.count(), "the form is acked while every claim's answer still hangs")
	require.Nil(t, ack.Payload, "the form is stored and closes")
	h, err := b.Service.Handoff(b.Ctx, 2) // after the clicked lead
	require.NoError(t, err, "stored before the ack")
	require.Equal(t, "Acme Corp", h.Lead.Company)
}

// TestEdgeOpensFormsWhileClaimAnswersHang: with every claim handler
// waiting on a private answer Slack does not give, /handoff and a button
// that opens a form (the passer's Cancel) open their modals on their
// trigger_id while the claims all still wait.
func TestEdgeOpensFormsWhileClaimAnswersHang(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		open func(t *testing.T, b edgeBundle)
	}{
		{"/handoff", func(t *testing.T, b edgeBundle) {
			_, err := b.slack.SlashCommand(b.Ctx, slackfake.SlashCommand{Command: "/handoff", Text: "Acme Corp", UserID: "U0SDR", ChannelID: "C0SALES"})
			require.NoError(t, err, "the command is acked at once")
		}},
		{"cancel button", func(t *testing.T, b edgeBundle) {
			h := b.Create(t, "V-CANCEL", "Acme Corp")
			api := slack.New(b.slack.BotToken(), slack.OptionAPIURL(b.slack.APIURL()))
			im, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U0SDR"}})
			require.NoError(t, err)
			dm, ts, err := api.PostMessage(im.ID, render.Clock{Location: time.UTC}.PasserSent(h).Options()...)
			require.NoError(t, err)
			_, err = b.slack.ClickButton(b.Ctx, slackfake.Click{UserID: "U0SDR", ChannelID: dm, MessageTS: ts, ActionID: render.ActionCancel})
			require.NoError(t, err, "the click is acked at once")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b, answers := startBusyEdge(t)
			slots := hangClaimAnswers(t, b, answers)

			c.open(t, b)
			opened, err := b.slack.WaitFor(untilAnswered(t), "views.open", nil)
			require.NoError(t, err)
			require.Equal(t, slots, answers.count(), "the modal opens while every claim's answer still hangs")
			require.Contains(t, string(opened.Response), `"ok":true`, "on a live trigger_id")
		})
	}
}
