package launcher_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// viewResponse is the ack of a view submission.
type viewResponse struct {
	ResponseAction string            `json:"response_action"`
	Errors         map[string]string `json:"errors"`
	View           json.RawMessage   `json:"view"`
}

func decodeAck(t *testing.T, ack slackfake.Ack) viewResponse {
	t.Helper()
	var resp viewResponse
	require.NoError(t, json.Unmarshal(ack.Payload, &resp))
	return resp
}

func handoffCount(a *batontest.App) int {
	a.T.Helper()
	var n int
	require.NoError(a.T, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM handoffs`).Scan(&n))
	return n
}

// TestGateFailureOffersScheduleForLater: a live transfer of a lead that
// misses a gate is not refused with an error but put to the passer as a
// choice. The form comes back with every answer, the unmet criteria and
// Schedule for later chosen; picking a time hands the lead off as a call for
// later, announced without pinging anyone.
func TestGateFailureOffersScheduleForLater(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	a.OpenModal("U0SDR", "")

	// 1. Live, with 120 employees where a live transfer needs 500.
	small := batontest.ValidAnswers("Tiny Co")
	small["q.employees"] = in(slackfake.TextInput("120"))
	resp := decodeAck(t, a.Submit("U0SDR", small))
	require.Equal(t, "update", resp.ResponseAction)
	offer := batontest.SlackText(string(resp.View))
	require.Contains(t, offer, "Not ready for a live transfer")
	require.Contains(t, offer, "*Number of employees*: 120 ❌ needs at least 500")
	require.Contains(t, offer, `"initial_value":"Tiny Co"`, "every answer is kept")
	require.Contains(t, offer, `"block_id":"transfer_offered"`)
	require.Zero(t, handoffCount(a), "nothing is handed off yet")
	views := a.Slack.Views()
	require.Len(t, views, 1)
	require.False(t, views[0].Closed, "the form stays open, updated")
	require.Equal(t, 1, views[0].Updated)

	// 2. Schedule for later without a time: an error under the picker.
	resp = decodeAck(t, a.Submit("U0SDR", map[string]map[string]slackfake.InputValue{
		render.BlockTransferOffered: in(slackfake.SelectedOption(render.TransferLater)),
	}))
	require.Equal(t, "errors", resp.ResponseAction)
	require.Equal(t, map[string]string{"scheduled_for": "Pick when the closer should call the prospect."}, resp.Errors)

	// 3. With a time, and the consent unticked (a later call needs none):
	// every other answer comes from the form as it was shown again.
	at := time.Now().Add(26 * time.Hour).Truncate(time.Minute)
	ack := a.Submit("U0SDR", map[string]map[string]slackfake.InputValue{
		render.BlockTransferOffered: in(slackfake.SelectedOption(render.TransferLater)),
		"scheduled_for":             in(slackfake.DateTimePicked(at)),
		"consent":                   in(slackfake.SelectedOptions()),
	})
	require.Empty(t, ack.Payload, "the form closes")
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, false)) == 1 }, "the channel post")

	var id int64
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT id FROM handoffs`).Scan(&id))
	h, err := a.Store.Handoff(a.Ctx, id)
	require.NoError(t, err)
	require.False(t, h.Live, "recorded as not live")
	require.True(t, h.ScheduledFor.Equal(at), "at the time picked: %s", h.ScheduledFor)
	require.Equal(t, "Tiny Co", h.Lead.Company)
	require.False(t, h.Lead.Consent)
	require.Equal(t, "Uses Salesforce, 600 seats, wants routing.", h.Lead.Notes, "the notes survived the round trip through the offer")
	employees, ok := routing.FindAnswer(h.Lead.Answers, "employees")
	require.True(t, ok)
	require.Equal(t, 120.0, employees.Number)
	require.Equal(t, []string{"employees"}, routing.QuestionIDs(h.Lead.Unmet()))
	events, err := a.Store.Events(a.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, []any{"employees"}, events[0].Detail["unmet_gates"])

	// 4. The rotation gave it an owner at once (U0AE1, first with no leads);
	// the channel hears of it, at that time, without a ping, and nothing is
	// offered for claiming.
	require.Equal(t, routing.StateScheduled, h.State)
	require.Equal(t, "U0AE1", h.OwnerID)
	require.True(t, h.NextStepAt.IsZero(), "no ladder for a call for later")
	post := a.Messages(batontest.Pool, false)[0]
	date := fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|", at.Unix())
	require.Equal(t, "Scheduled for later with <@U0AE1> — Tiny Co", post.Text)
	require.Contains(t, string(post.Blocks), "Callback "+date)
	require.NotContains(t, string(post.Blocks), `"action_id":"claim"`)
	for _, text := range []string{post.Text, string(post.Blocks)} {
		require.NotContains(t, text, "<!channel>")
		require.NotContains(t, text, "<!here>")
	}
	require.Contains(t, string(post.Blocks), `*Number of employees*\n120 ❌ needs at least 500`)
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 1 }, "the brief in the thread")
	require.Contains(t, string(a.Messages(batontest.Pool, true)[0].Blocks), "Not live-qualified; unmet: Number of employees")

	// 5. The owner gets the brief with the time; the passer learns who calls.
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "Tiny Co is yours") }, "the owner's brief")
	require.Contains(t, a.DMText("U0AE1"), "the passer scheduled a call for later")
	require.Contains(t, a.DMText("U0AE1"), "Callback: "+date)
	a.Eventually(func() bool {
		return strings.Contains(a.DMText("U0SDR"), "<@U0AE1> owns *Tiny Co* and will call back: "+date)
	}, "the passer learns who calls")
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPosted}, a.Events(id))
}

// TestFiveThousandCharacterNote: a note longer than one Slack text input is
// stored whole, and shown whole in the thread and the owner's DM, in pieces
// Slack takes (the fake refuses anything over its limits).
func TestFiveThousandCharacterNote(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	var b strings.Builder
	for i := 0; b.Len() < 5000; i++ {
		fmt.Fprintf(&b, "Point %d: they said <this> & that. ", i)
	}
	note := strings.TrimSpace(b.String()[:5000])
	require.Greater(t, len(note), 4990)

	a.OpenModal("U0SDR", "")
	answers := batontest.ValidAnswers("Acme Corp")
	answers["notes"] = in(slackfake.RichText(note))
	require.Empty(t, a.Submit("U0SDR", answers).Payload)
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 1 }, "the brief in the thread")

	var stored string
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT notes FROM handoffs`).Scan(&stored))
	require.Equal(t, note, stored, "stored whole")

	requireWholeInPieces := func(blocksJSON string) {
		t.Helper()
		var blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
		}
		require.NoError(t, json.Unmarshal([]byte(blocksJSON), &blocks))
		var pieces []string
		for _, bl := range blocks {
			if bl.Type == "section" && bl.Text != nil && strings.Contains(bl.Text.Text, "Point ") {
				require.LessOrEqual(t, len([]rune(bl.Text.Text)), render.MaxSectionText)
				pieces = append(pieces, strings.TrimPrefix(bl.Text.Text, "*Notes*\n"))
			}
		}
		require.Greater(t, len(pieces), 1, "in more than one section")
		require.Equal(t, strings.Fields(render.Escape(note)), strings.Fields(strings.Join(pieces, " ")), "every word, escaped, nothing cut")
	}
	requireWholeInPieces(string(a.Messages(batontest.Pool, true)[0].Blocks))
	require.NotContains(t, string(a.Messages(batontest.Pool, false)[0].Blocks), "Point 1:", "the channel post stays short")

	var id int64
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT id FROM handoffs`).Scan(&id))
	h, err := a.Store.Handoff(a.Ctx, id)
	require.NoError(t, err)
	a.Eventually(func() bool { h, _ = a.Store.Handoff(a.Ctx, id); return h.MessageTS != "" }, "posted")
	a.Click("U0AE1", h)
	a.Eventually(func() bool { return len(a.Slack.Messages("DU0AE1")) == 1 }, "the owner's brief")
	requireWholeInPieces(batontest.SlackText(string(a.Slack.Messages("DU0AE1")[0].Blocks)))
	for _, c := range a.Slack.Calls("chat.postMessage") {
		require.Contains(t, string(c.Response), `"ok":true`, "Slack took every message")
	}
}

// TestPoolChecklist: /handoff typed in the channel of a pool with its own
// checklist asks that checklist, and the lead goes to that pool.
func TestPoolChecklist(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: `
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1]
  - name: homes
    channel: C0HOMES
    members: [U0AGENT]
    checklist: lpmama
`})
	_, err := a.Slack.SlashCommand(a.Ctx, slackfake.SlashCommand{Command: "/handoff", Text: "The Lees", UserID: "U0ISA", ChannelID: "C0HOMES"})
	require.NoError(t, err)
	a.Eventually(func() bool { return len(a.Slack.Views()) == 1 }, "the form opens")
	form := string(a.Slack.Views()[0].Blocks)
	require.Contains(t, form, "Mortgage: financing")
	require.NotContains(t, form, "CRM in use")

	text := func(v string) map[string]slackfake.InputValue { return in(slackfake.TextInput(v)) }
	ack := a.Submit("U0ISA", map[string]map[string]slackfake.InputValue{
		"contact_name":  text("Sam Lee"),
		"phone":         text("+1 415 555 0199"),
		"email":         text("sam@lee.example"),
		"consent":       in(slackfake.SelectedOptions(render.ConsentValue)),
		"q.location":    text("Oakland hills"),
		"q.motivation":  text("A second child on the way"),
		"q.timeframe":   in(slackfake.SelectedOption("Within 30 days")),
		"q.has_agent":   in(slackfake.SelectedOption(render.AnswerNo)),
		"q.mortgage":    in(slackfake.SelectedOption("Pre-approved")),
		"q.price":       text("850000"),
		"q.appointment": in(slackfake.SelectedOption("Right now")),
		"best_channel":  in(slackfake.SelectedOption("Text message")),
		"personality":   text("Prefers texting"),
		"recording_url": text("https://calls.example/r/7"),
		"interest":      text("Schools nearby"),
		"notes":         in(slackfake.RichText("Call after 5")),
	})
	require.Empty(t, ack.Payload, "a valid LPMAMA form closes")
	a.Eventually(func() bool { return len(a.Messages("C0HOMES", false)) == 1 }, "posted in the pool's channel")
	require.Empty(t, a.Messages(batontest.Pool, false), "not in the default pool's")

	var id int64
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT id FROM handoffs`).Scan(&id))
	h, err := a.Store.Handoff(a.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, "homes", h.Pool)
	require.Equal(t, "lpmama", h.Lead.Checklist.Name)
	require.Equal(t, "The Lees", h.Lead.Company, "/handoff's words are the company")
	price, _ := routing.FindAnswer(h.Lead.Answers, "price")
	require.Equal(t, 850000.0, price.Number)
	agent, ok := routing.FindAnswer(h.Lead.Answers, "has_agent")
	require.True(t, ok)
	require.False(t, agent.Yes)
	require.Empty(t, h.Lead.Unmet())
	require.Equal(t, routing.Context{BestChannel: "Text message", Personality: "Prefers texting", RecordingURL: "https://calls.example/r/7", Interest: "Schools nearby"}, h.Lead.Context)
	post := a.Messages("C0HOMES", false)[0]
	require.True(t, strings.HasPrefix(post.Text, "<!channel> 🔥 Hot lead transferring — The Lees"), post.Text)
}

// TestLargeChecklistAtItsMaximums: a checklist at the size the
// configuration allows (8 questions of 60 options of 75 characters), with
// the notes at their longest. Its schedule-for-later form is far over the
// 20 KB a Socket Mode ack holds, so the ack shows a short "preparing" view
// and views.update shows the offer; every ack Baton sent reached the fake,
// none dropped, and the offer, taken, hands the lead off.
func TestLargeChecklistAtItsMaximums(t *testing.T) {
	t.Parallel()
	var cfg strings.Builder
	cfg.WriteString(batontest.DefaultConfig + "checklist:\n")
	option := func(q, o int) string { return fmt.Sprintf("%d-%02d ", q, o) + strings.Repeat("o", 70) }
	for q := range 8 {
		fmt.Fprintf(&cfg, "  - id: q%d\n    label: Question %d\n    type: select\n    required: true\n    options:\n", q, q)
		for o := range 60 {
			fmt.Fprintf(&cfg, "      - %q\n", option(q, o))
		}
		if q == 0 {
			fmt.Fprintf(&cfg, "    gate: {in: [%q]}\n", option(q, 0))
		}
	}
	a := batontest.Start(t, batontest.Options{Config: cfg.String()})
	a.OpenModal("U0SDR", "")
	require.Greater(t, len(a.Slack.Views()[0].Raw), 100*1024, "the form itself is large")

	answers := batontest.ValidAnswers("Acme Corp")
	for id := range answers {
		if strings.HasPrefix(id, "q.") {
			delete(answers, id)
		}
	}
	for q := range 8 {
		answers[fmt.Sprintf("q.q%d", q)] = in(slackfake.SelectedOption(option(q, 59)))
	}
	notes := strings.Repeat("Note <with> & marks. ", routing.MaxNotesLength/21)
	answers["notes"] = in(slackfake.RichText(notes))
	resp := decodeAck(t, a.Submit("U0SDR", answers))
	require.Equal(t, "update", resp.ResponseAction)
	require.Contains(t, string(resp.View), "Preparing the *Schedule for later* form")
	a.Eventually(func() bool {
		v := a.Slack.Views()[0]
		return v.Updated == 2 && strings.Contains(batontest.SlackText(string(v.Blocks)), "Not ready for a live transfer")
	}, "views.update shows the offer")
	offer := batontest.SlackText(string(a.Slack.Views()[0].Blocks))
	require.Contains(t, offer, option(7, 59), "every answer is kept")
	require.Contains(t, offer, strings.TrimSpace(notes))
	require.Zero(t, handoffCount(a))

	ack := a.Submit("U0SDR", map[string]map[string]slackfake.InputValue{
		render.BlockTransferOffered: in(slackfake.SelectedOption(render.TransferLater)),
		"scheduled_for":             in(slackfake.DateTimePicked(time.Now().Add(26 * time.Hour).Truncate(time.Minute))),
	})
	require.Empty(t, ack.Payload, "the offer, taken, closes")
	require.Equal(t, routing.StateScheduled, a.Latest("U0SDR").State)
	require.Empty(t, a.Slack.DroppedAcks())
	for _, ack := range a.Slack.Acks() {
		require.Less(t, len(ack.Payload), 20*1024)
	}
}
