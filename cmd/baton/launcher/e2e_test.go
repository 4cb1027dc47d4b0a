package launcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

func TestMain(m *testing.M) { os.Exit(batontest.Main(m)) }

// TestHotHandoffEndToEnd plays the whole story through the real Main.
func TestHotHandoffEndToEnd(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})

	// 1. /handoff Acme Corp opens the modal with the company filled in, acked at once.
	ack := a.OpenModal("U0SDR", "Acme Corp")
	require.Empty(t, ack.Payload)
	views := a.Slack.Views()
	require.Len(t, views, 1)
	require.Equal(t, render.CallbackHandoff, views[0].CallbackID)
	require.Contains(t, string(views[0].Blocks), `"initial_value":"Acme Corp"`)
	for _, label := range []string{"Company", "Contact name", "Contact's title", "Phone", "Email", "Notes for the closer", "The prospect agreed to be transferred now",
		"CRM in use", "Number of employees", "Live transfer needs: at least 500.", "Pain or need", "Call recording link", "Schedule for later"} {
		require.Contains(t, string(views[0].Blocks), label)
	}

	// 2. A bad email and phone come back as per-field errors, nothing stored.
	bad := batontest.ValidAnswers("Acme Corp")
	bad["email"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.TextInput("dana at acme")}
	bad["phone"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.TextInput("call me")}
	bad["consent"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.SelectedOptions()}
	ack = a.Submit("U0SDR", bad)
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(ack.Payload, &resp))
	require.Equal(t, "errors", resp.ResponseAction)
	require.Contains(t, resp.Errors, "email")
	require.Contains(t, resp.Errors, "phone")
	require.Contains(t, resp.Errors, "consent")
	var count int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM handoffs`).Scan(&count))
	require.Zero(t, count)

	// 3. The fixed submit posts @channel with the brief, the deadline and Claim.
	ack = a.Submit("U0SDR", batontest.ValidAnswers("Acme Corp"))
	require.Empty(t, ack.Payload)
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, false)) == 1 }, "the channel post")
	post := a.Messages(batontest.Pool, false)[0]
	require.True(t, strings.HasPrefix(post.Text, "<!channel> 🔥 Hot lead transferring — Acme Corp"), post.Text)
	require.Contains(t, string(post.Blocks), "<!date^")
	require.Contains(t, string(post.Blocks), `"action_id":"claim"`)
	require.Contains(t, string(post.Blocks), "Dana Reyes, VP Sales")
	require.Contains(t, string(post.Blocks), `*Number of employees*\n600 ✅`, "the gate answers, to decide in five seconds")
	require.NotContains(t, string(post.Blocks), "Uses Salesforce, 600 seats", "the notes are in the thread")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "is out in <#C0HANDOFF>") }, "the passer is told it is out")
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 1 }, "the whole brief in the thread")
	reply := a.Messages(batontest.Pool, true)[0]
	require.Equal(t, post.TS, reply.ThreadTS)
	for _, want := range []string{"Full brief — Acme Corp", `*CRM in use*\nSalesforce`, `*Industry*\nE-commerce`, "Uses Salesforce, 600 seats, wants routing.", "+14155550100"} {
		require.Contains(t, reply.Text+string(reply.Blocks), want)
	}

	var id int64
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT id FROM handoffs`).Scan(&id))
	a.Eventually(func() bool { h, _ := a.Store.Handoff(a.Ctx, id); return h.MessageTS == post.TS }, "the post's ts is stored")
	h, err := a.Store.Handoff(a.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, "+14155550100", h.Lead.Phone, "stored normalised")
	require.True(t, h.Live)
	require.Equal(t, "concrete-criteria", h.Lead.Checklist.Name)
	var employees float64
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT (answers->>'employees')::numeric FROM handoffs WHERE id = $1`, id).Scan(&employees))
	require.Equal(t, 600.0, employees, "answers are stored typed")

	// 4. Three members (one of them double-clicking) and an outsider click at
	// once: one owner.
	var wg sync.WaitGroup
	for _, user := range []string{"U0AE1", "U0AE1", "U0AE2", "U0AE3", "U0OUTSIDER"} {
		wg.Go(func() { a.Click(user, h) })
	}
	wg.Wait()
	a.Eventually(func() bool { return strings.HasPrefix(a.Messages(batontest.Pool, false)[0].Text, "Claimed by") }, "the message shows the claim")
	h, err = a.Store.Handoff(a.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, routing.StateClaimed, h.State)
	owner := h.OwnerID
	require.Contains(t, []string{"U0AE1", "U0AE2", "U0AE3"}, owner)

	msg := a.Messages(batontest.Pool, false)[0]
	require.Regexp(t, `^Claimed by <@`+owner+`> in \d+ s — Acme Corp$`, msg.Text)
	require.NotContains(t, string(msg.Blocks), `"action_id":"claim"`, "no more button")
	require.Len(t, a.Messages(batontest.Pool, false), 1, "updated in place, not posted again")

	for _, user := range []string{"U0AE2", "U0AE3"} {
		if user == owner {
			continue
		}
		a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, user)) == 1 }, "each loser is told privately")
		require.Equal(t, fmt.Sprintf("*Acme Corp*: <@%s> already has this lead.", owner), a.Ephemerals(batontest.Pool, user)[0])
	}
	if owner == "U0AE1" {
		// The winner's second click is answered, and changes nothing.
		a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, owner)) == 1 }, "the double click is answered")
		require.Contains(t, a.Ephemerals(batontest.Pool, owner)[0], "already own")
	} else {
		require.Empty(t, a.Ephemerals(batontest.Pool, owner), "the winner is not told off")
		a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE1")) == 2 }, "both of U0AE1's clicks are answered")
	}
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0OUTSIDER")) == 1 }, "the outsider is told")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0OUTSIDER")[0], "not in the pool")

	// 5. The owner gets the brief; the passer learns who is coming.
	a.Eventually(func() bool { return strings.Contains(a.DMText(owner), "You own Acme Corp") }, "the owner's brief")
	brief := a.DMText(owner)
	for _, want := range []string{"+14155550100", "dana@acme.example", "Uses Salesforce", "<@U0SDR>"} {
		require.Contains(t, brief, want)
	}
	a.Eventually(func() bool {
		return strings.Contains(a.DMText("U0SDR"), fmt.Sprintf("<@%s> claimed *Acme Corp*", owner))
	}, "the passer is told who claimed")
	require.Contains(t, a.DMText("U0SDR"), "you won't have to repeat yourself")

	// 6. Everything is in the event log, once.
	a.Eventually(func() bool { return len(a.Events(id)) == 3 }, "three events")
	require.ElementsMatch(t, []routing.EventKind{routing.EventCreated, routing.EventPosted, routing.EventClaimed}, a.Events(id))
	a.Eventually(func() bool { n, err := a.Store.PendingCount(a.Ctx); return err == nil && n == 0 }, "the outbox drains")
}

func TestSlashCommandAckIsImmediate(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	ack := a.OpenModal("U0SDR", "")
	require.Less(t, ack.Latency, 3*time.Second, "Slack's limit; the budget is checked by benchmarks")
	help, err := a.Slack.SlashCommand(a.Ctx, slackfake.SlashCommand{Command: "/handoff", Text: "help", UserID: "U0SDR"})
	require.NoError(t, err)
	require.Contains(t, string(help.Payload), "/handoff Acme Corp")
	require.Contains(t, string(help.Payload), "Schedule for later")
	require.Contains(t, string(help.Payload), "qualification checklist")
	require.Len(t, a.Slack.Views(), 1, "help opens no modal")
}

func TestUserTextReachesSlackEscaped(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	h := a.Handoff("U0SDR", "<!everyone> & <@U0BOSS> Inc")
	post := a.Messages(batontest.Pool, false)[0]
	require.Contains(t, post.Text, "&lt;!everyone&gt; &amp; &lt;@U0BOSS&gt; Inc")
	for _, c := range a.Slack.Calls("chat.postMessage") {
		blocks := batontest.SlackText(c.Params["blocks"])
		require.Contains(t, blocks, "Inc", "the company is in the blocks checked")
		require.NotContains(t, c.Params["text"], "<!everyone>")
		require.NotContains(t, blocks, "<!everyone>")
		require.NotContains(t, blocks, "<@U0BOSS>")
	}
	require.Equal(t, "<!everyone> & <@U0BOSS> Inc", h.Lead.Company, "stored as given")

	// The claim's update and DMs carry the same text: escaped too.
	a.Click("U0AE1", h)
	a.Eventually(func() bool {
		return strings.Contains(a.DMText("U0SDR"), "claimed") && strings.Contains(a.DMText("U0AE1"), "You own")
	}, "claimed")
	require.Contains(t, a.DMText("U0AE1"), "&lt;!everyone&gt;")
	for _, text := range []string{a.DMText("U0AE1"), a.DMText("U0SDR"), a.Messages(batontest.Pool, false)[0].Text + string(a.Messages(batontest.Pool, false)[0].Blocks)} {
		require.NotContains(t, text, "<!everyone>")
		require.NotContains(t, text, "<@U0BOSS>")
	}
}

func TestDoubleSubmitCreatesOneHandoff(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	a.OpenModal("U0SDR", "")
	view := a.Slack.Views()[0]
	values := map[string]any{}
	for block, v := range map[string]string{"company": "Acme", "contact_name": "Dana", "phone": "+14155550100", "email": "d@acme.example", "q.employees": "900"} {
		values[block] = map[string]any{render.ActionInput: map[string]any{"type": "plain_text_input", "value": v}}
	}
	for block, v := range map[string]string{"q.crm": "HubSpot", "q.industry": "Retail", "q.decision_maker_level": "C-level"} {
		values[block] = map[string]any{render.ActionInput: map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": v}}}
	}
	values["consent"] = map[string]any{render.ActionInput: map[string]any{"type": "checkboxes", "selected_options": []any{map[string]any{"value": render.ConsentValue}}}}
	for i := range 3 { // a double click on Submit, then Slack redelivering
		env, err := json.Marshal(map[string]any{
			"envelope_id": fmt.Sprintf("dup-%d", i), "type": "interactive", "accepts_response_payload": true,
			"payload": map[string]any{
				"type": "view_submission", "user": map[string]any{"id": "U0SDR"},
				"view": map[string]any{"id": view.ID, "callback_id": render.CallbackHandoff, "state": map[string]any{"values": values}},
			},
		})
		require.NoError(t, err)
		_, err = a.Slack.SendEnvelope(a.Ctx, env)
		require.NoError(t, err)
	}
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, false)) == 1 }, "one post")
	var count int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM handoffs`).Scan(&count))
	require.Equal(t, 1, count)
	// Everything queued is out: a second post would be in the channel now.
	a.Eventually(func() bool { n, err := a.Store.PendingCount(a.Ctx); return err == nil && n == 0 }, "the outbox drains")
	require.Len(t, a.Messages(batontest.Pool, false), 1)
}

func TestClickOnMissingOrForgedHandoff(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	first := a.Handoff("U0SDR", "Acme")
	second := a.Handoff("U0SDR2", "Globex")

	a.ClickValue("U0AE1", first, "999999")
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE1")) == 1 }, "a polite answer")
	require.Equal(t, render.HandoffGone, a.Ephemerals(batontest.Pool, "U0AE1")[0])

	// The first message's button, with a value naming the second handoff.
	a.ClickValue("U0AE2", first, fmt.Sprint(second.ID))
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE2")) == 1 }, "the forged click is refused")
	require.Equal(t, render.HandoffGone, a.Ephemerals(batontest.Pool, "U0AE2")[0])
	for _, h := range []routing.Handoff{first, second} {
		got, err := a.Store.Handoff(a.Ctx, h.ID)
		require.NoError(t, err)
		require.Equal(t, routing.StateOpen, got.State)
	}
}

// TestDatabaseDownShowsErrorInModal cuts the database off before a submit:
// the passer must see an error in the modal, with nothing silently lost.
func TestDatabaseDownShowsErrorInModal(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	a.OpenModal("U0SDR", "")

	// Cut it off from another database of the same server: a database can't
	// refuse connections to itself.
	var dbName string
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT current_database()`).Scan(&dbName))
	cfg, err := pgx.ParseConfig(a.DBURL)
	require.NoError(t, err)
	cfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(a.Ctx, cfg)
	require.NoError(t, err)
	defer admin.Close(a.Ctx)
	_, err = admin.Exec(a.Ctx, fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS false`, dbName))
	require.NoError(t, err)
	_, err = admin.Exec(a.Ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, dbName)
	require.NoError(t, err)

	ack := a.Submit("U0SDR", batontest.ValidAnswers("Acme"))
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(ack.Payload, &resp))
	require.Equal(t, "errors", resp.ResponseAction)
	require.Equal(t, render.SaveFailed, resp.Errors["company"])

	// Readiness says so too.
	res, err := http.Get(a.HTTP + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)

	// Once the database is back, the same form goes through.
	_, err = admin.Exec(a.Ctx, fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS true`, dbName))
	require.NoError(t, err)
	a.Eventually(func() bool {
		ack, err := a.Slack.SubmitView(a.Ctx, slackfake.Submit{UserID: "U0SDR", Values: batontest.ValidAnswers("Acme")})
		return err == nil && len(ack.Payload) == 0
	}, "the retried submit succeeds")
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, false)) == 1 }, "and is posted")
}

func TestProbes(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusOK} {
		a.Eventually(func() bool {
			res, err := http.Get(a.HTTP + path)
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == want
		}, path)
	}
	a.Slack.DropConnections()
	// slack-go reconnects; readiness must come back once it has.
	waitCtx, cancel := context.WithTimeout(a.Ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, a.Slack.WaitConnected(waitCtx, 1))
	a.Eventually(func() bool {
		res, err := http.Get(a.HTTP + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, "ready again after a reconnect")
}

// TestTokensNeverLogged runs a whole handoff with debug logging and greps
// the log for the tokens.
func TestTokensNeverLogged(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	h := a.Handoff("U0SDR", "Acme")
	a.Click("U0AE1", h)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "You own") }, "claimed")
	log := a.Log.String()
	require.Contains(t, log, "handoff claimed", "the log was captured")
	require.NotContains(t, log, a.Slack.BotToken())
	require.NotContains(t, log, a.Slack.AppToken())
	require.NotContains(t, log, "xoxb-")
	require.NotContains(t, log, "xapp-")
}
