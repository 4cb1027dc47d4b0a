package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) {
	if code, ran := runChild(); ran {
		os.Exit(code)
	}
	os.Exit(storetest.Main(m))
}

// testConfig is the minimal configuration of the foundation issue.
var testConfig = func() string {
	data, err := os.ReadFile("config/testdata/minimal.yaml")
	if err != nil {
		panic(err)
	}
	return string(data)
}()

// syncBuffer collects the log of a running Main for inspection.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// app is a running Baton with its fake Slack and its database.
type app struct {
	t     *testing.T
	ctx   context.Context
	slack *slackfake.Server
	db    *pgxpool.Pool
	dbURL string
	store *store.Store
	log   *syncBuffer
	http  string
	done  chan error
	stop  context.CancelFunc
	// main is the running Main (Reload), config its BATON_CONFIG file.
	main   *Main
	config string
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baton.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// setup starts the real Main, whole, against a fake Slack and a fresh
// database, and waits until Socket Mode is connected.
func setup(t *testing.T) *app { return start(t, options{}) }

// setupWith is setup with another configuration.
func setupWith(t *testing.T, config string) *app { return start(t, options{config: config}) }

// options vary what start runs: another configuration, or a fake Slack and
// a database shared with another Main (a second replica, a restart).
type options struct {
	config string
	fake   *slackfake.Server
	dbURL  string
	db     *pgxpool.Pool
	// env, when set, edits the environment Main runs with.
	env func(vars map[string]string)
}

func start(t *testing.T, o options) *app {
	t.Helper()
	if o.fake == nil {
		o.fake = slackfaketest.New(t)
	}
	if o.dbURL == "" {
		o.dbURL, o.db = storetest.NewDatabase(t)
	}
	a := &app{t: t, ctx: context.Background(), slack: o.fake, db: o.db, dbURL: o.dbURL, store: store.New(o.db), log: &syncBuffer{}, done: make(chan error, 1)}
	connected := o.fake.Connected()

	m := NewMain()
	m.Stdout, m.Stderr = a.log, a.log
	vars := a.env(cmp.Or(o.config, testConfig))
	if o.env != nil {
		o.env(vars)
	}
	m.Getenv = env(vars)
	a.main, a.config = m, vars["BATON_CONFIG"]
	ctx, cancel := context.WithCancel(context.Background())
	a.stop = cancel
	go func() { a.done <- m.Run(ctx, []string{"run"}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-a.done:
			require.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Error("Main did not stop within 15 s")
		}
	})

	waitCtx, waitCancel := context.WithTimeout(a.ctx, 15*time.Second)
	defer waitCancel()
	addr, err := m.HTTPAddr(waitCtx)
	require.NoError(t, err, "Main never listened; log:\n%s", a.log.String())
	a.http = "http://" + addr
	require.NoError(t, o.fake.WaitConnected(waitCtx, connected+1))
	return a
}

// env is the environment a Main of this app runs with.
func (a *app) env(config string) map[string]string {
	return map[string]string{
		"SLACK_BOT_TOKEN": a.slack.BotToken(),
		"SLACK_APP_TOKEN": a.slack.AppToken(),
		"SLACK_API_URL":   a.slack.APIURL(),
		"DATABASE_URL":    a.dbURL,
		"BATON_CONFIG":    writeConfig(a.t, config),
		"BATON_HTTP_ADDR": "127.0.0.1:0",
		"LOG_LEVEL":       "debug",
	}
}

// eventually polls cond until it holds or 10 s pass.
func (a *app) eventually(cond func() bool, what string) {
	a.t.Helper()
	require.Eventually(a.t, cond, 10*time.Second, 10*time.Millisecond, what)
}

// channelMessages returns the pool channel's messages, without the replies
// in their threads, with their blocks as Slack reads them (see slackText).
func (a *app) channelMessages() []slackfake.Message {
	return a.messagesIn("C0HANDOFF", false)
}

// threadReplies returns the replies in the threads of the pool channel.
func (a *app) threadReplies() []slackfake.Message {
	return a.messagesIn("C0HANDOFF", true)
}

func (a *app) messagesIn(channel string, replies bool) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range a.slack.Messages(channel) {
		if (m.ThreadTS != "") == replies {
			m.Blocks = json.RawMessage(slackText(string(m.Blocks)))
			out = append(out, m)
		}
	}
	return out
}

// slackText undoes JSON's \u003c-style escapes, which slack-go's encoders
// apply: without this, checks that "<!everyone>" never reaches Slack would
// pass vacuously.
func slackText(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}

// dmText joins every DM text sent to user.
func (a *app) dmText(user string) string {
	var all []string
	for _, m := range a.slack.Messages("D" + user) {
		all = append(all, m.Text+slackText(string(m.Blocks)))
	}
	return strings.Join(all, "\n")
}

func (a *app) ephemeralTexts(user string) []string {
	var out []string
	for _, e := range a.slack.Ephemerals("C0HANDOFF", user) {
		out = append(out, e.Text)
	}
	return out
}

func (a *app) openModal(user, text string) slackfake.Ack {
	a.t.Helper()
	ack, err := a.slack.SlashCommand(a.ctx, slackfake.SlashCommand{Command: "/handoff", Text: text, UserID: user, ChannelID: "C0SALES"})
	require.NoError(a.t, err)
	slackfaketest.WaitFor(a.t, a.slack, "views.open", func(c slackfake.Call) bool {
		return c.Params["trigger_id"] == ack.TriggerID && strings.Contains(string(c.Response), `"ok":true`)
	}, 5*time.Second)
	return ack
}

func validAnswers(company string) map[string]map[string]slackfake.InputValue {
	in := func(v string) map[string]slackfake.InputValue {
		return map[string]slackfake.InputValue{render.ActionInput: slackfake.TextInput(v)}
	}
	return map[string]map[string]slackfake.InputValue{
		"company":       in(company),
		"contact_name":  in("Dana Reyes"),
		"contact_title": in("VP Sales"),
		"phone":         in("+1 (415) 555-0100"),
		"email":         in("dana@acme.example"),
		"notes":         {render.ActionInput: slackfake.RichText("Uses Salesforce, 600 seats, wants routing.")},
		"consent":       {render.ActionInput: slackfake.SelectedOptions(render.ConsentValue)},
		// The default checklist, concrete-criteria, live-qualified.
		"q.crm":                  {render.ActionInput: slackfake.SelectedOption("Salesforce")},
		"q.employees":            in("600"),
		"q.industry":             {render.ActionInput: slackfake.SelectedOption("E-commerce")},
		"q.decision_maker_level": {render.ActionInput: slackfake.SelectedOption("VP")},
	}
}

func (a *app) submit(user string, answers map[string]map[string]slackfake.InputValue) slackfake.Ack {
	a.t.Helper()
	ack, err := a.slack.SubmitView(a.ctx, slackfake.Submit{UserID: user, Values: answers})
	require.NoError(a.t, err)
	return ack
}

// handoff runs /handoff and a valid submit, and waits for the channel post.
func (a *app) handoff(passer, company string) routing.Handoff {
	a.t.Helper()
	a.openModal(passer, "")
	ack := a.submit(passer, validAnswers(company))
	require.Empty(a.t, ack.Payload, "a valid submit closes the modal")
	var h routing.Handoff
	a.eventually(func() bool {
		var id int64
		if a.db.QueryRow(a.ctx, `SELECT id FROM handoffs WHERE passer_id = $1 ORDER BY id DESC LIMIT 1`, passer).Scan(&id) != nil {
			return false
		}
		var err error
		h, err = a.store.Handoff(a.ctx, id)
		return err == nil && h.MessageTS != ""
	}, "the handoff is posted in the channel")
	return h
}

func (a *app) click(user string, h routing.Handoff, value string) {
	a.t.Helper()
	_, err := a.slack.ClickButton(a.ctx, slackfake.Click{UserID: user, ChannelID: h.Channel, MessageTS: h.MessageTS, ActionID: render.ActionClaim, Value: value})
	require.NoError(a.t, err)
}

func (a *app) events(id int64) []routing.EventKind {
	events, err := a.store.Events(a.ctx, id)
	require.NoError(a.t, err)
	var kinds []routing.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

// TestHotHandoffEndToEnd plays the whole story through the real Main.
func TestHotHandoffEndToEnd(t *testing.T) {
	t.Parallel()
	a := setup(t)

	// 1. /handoff Acme Corp opens the modal with the company filled in, acked at once.
	ack := a.openModal("U0SDR", "Acme Corp")
	require.Empty(t, ack.Payload)
	views := a.slack.Views()
	require.Len(t, views, 1)
	require.Equal(t, render.CallbackHandoff, views[0].CallbackID)
	require.Contains(t, string(views[0].Blocks), `"initial_value":"Acme Corp"`)
	for _, label := range []string{"Company", "Contact name", "Contact's title", "Phone", "Email", "Notes for the closer", "The prospect agreed to be transferred now",
		"CRM in use", "Number of employees", "Live transfer needs: at least 500.", "Pain or need", "Call recording link", "Schedule for later"} {
		require.Contains(t, string(views[0].Blocks), label)
	}

	// 2. A bad email and phone come back as per-field errors, nothing stored.
	bad := validAnswers("Acme Corp")
	bad["email"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.TextInput("dana at acme")}
	bad["phone"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.TextInput("call me")}
	bad["consent"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.SelectedOptions()}
	ack = a.submit("U0SDR", bad)
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
	require.NoError(t, a.db.QueryRow(a.ctx, `SELECT count(*) FROM handoffs`).Scan(&count))
	require.Zero(t, count)

	// 3. The fixed submit posts @channel with the brief, the deadline and Claim.
	ack = a.submit("U0SDR", validAnswers("Acme Corp"))
	require.Empty(t, ack.Payload)
	a.eventually(func() bool { return len(a.channelMessages()) == 1 }, "the channel post")
	post := a.channelMessages()[0]
	require.True(t, strings.HasPrefix(post.Text, "<!channel> 🔥 Hot lead transferring — Acme Corp"), post.Text)
	require.Contains(t, string(post.Blocks), "<!date^")
	require.Contains(t, string(post.Blocks), `"action_id":"claim"`)
	require.Contains(t, string(post.Blocks), "Dana Reyes, VP Sales")
	require.Contains(t, string(post.Blocks), `*Number of employees*\n600 ✅`, "the gate answers, to decide in five seconds")
	require.NotContains(t, string(post.Blocks), "Uses Salesforce, 600 seats", "the notes are in the thread")
	a.eventually(func() bool { return strings.Contains(a.dmText("U0SDR"), "is out in <#C0HANDOFF>") }, "the passer is told it is out")
	a.eventually(func() bool { return len(a.threadReplies()) == 1 }, "the whole brief in the thread")
	reply := a.threadReplies()[0]
	require.Equal(t, post.TS, reply.ThreadTS)
	for _, want := range []string{"Full brief — Acme Corp", `*CRM in use*\nSalesforce`, `*Industry*\nE-commerce`, "Uses Salesforce, 600 seats, wants routing.", "+14155550100"} {
		require.Contains(t, reply.Text+string(reply.Blocks), want)
	}

	var id int64
	require.NoError(t, a.db.QueryRow(a.ctx, `SELECT id FROM handoffs`).Scan(&id))
	a.eventually(func() bool { h, _ := a.store.Handoff(a.ctx, id); return h.MessageTS == post.TS }, "the post's ts is stored")
	h, err := a.store.Handoff(a.ctx, id)
	require.NoError(t, err)
	require.Equal(t, "+14155550100", h.Lead.Phone, "stored normalised")
	require.True(t, h.Live)
	require.Equal(t, "concrete-criteria", h.Lead.Checklist.Name)
	var employees float64
	require.NoError(t, a.db.QueryRow(a.ctx, `SELECT (answers->>'employees')::numeric FROM handoffs WHERE id = $1`, id).Scan(&employees))
	require.Equal(t, 600.0, employees, "answers are stored typed")

	// 4. Three members (one of them double-clicking) and an outsider click at
	// once: one owner.
	var wg sync.WaitGroup
	for _, user := range []string{"U0AE1", "U0AE1", "U0AE2", "U0AE3", "U0OUTSIDER"} {
		wg.Go(func() { a.click(user, h, "") })
	}
	wg.Wait()
	a.eventually(func() bool { return strings.HasPrefix(a.channelMessages()[0].Text, "Claimed by") }, "the message shows the claim")
	h, err = a.store.Handoff(a.ctx, id)
	require.NoError(t, err)
	require.Equal(t, routing.StateClaimed, h.State)
	owner := h.OwnerID
	require.Contains(t, []string{"U0AE1", "U0AE2", "U0AE3"}, owner)

	msg := a.channelMessages()[0]
	require.Regexp(t, `^Claimed by <@`+owner+`> in \d+ s — Acme Corp$`, msg.Text)
	require.NotContains(t, string(msg.Blocks), `"action_id":"claim"`, "no more button")
	require.Len(t, a.channelMessages(), 1, "updated in place, not posted again")

	for _, user := range []string{"U0AE2", "U0AE3"} {
		if user == owner {
			continue
		}
		a.eventually(func() bool { return len(a.ephemeralTexts(user)) == 1 }, "each loser is told privately")
		require.Equal(t, fmt.Sprintf("<@%s> already has this lead.", owner), a.ephemeralTexts(user)[0])
	}
	if owner == "U0AE1" {
		// The winner's second click is answered, and changes nothing.
		a.eventually(func() bool { return len(a.ephemeralTexts(owner)) == 1 }, "the double click is answered")
		require.Contains(t, a.ephemeralTexts(owner)[0], "already own")
	} else {
		require.Empty(t, a.ephemeralTexts(owner), "the winner is not told off")
		a.eventually(func() bool { return len(a.ephemeralTexts("U0AE1")) == 2 }, "both of U0AE1's clicks are answered")
	}
	a.eventually(func() bool { return len(a.ephemeralTexts("U0OUTSIDER")) == 1 }, "the outsider is told")
	require.Contains(t, a.ephemeralTexts("U0OUTSIDER")[0], "not in the pool")

	// 5. The owner gets the brief; the passer learns who is coming.
	a.eventually(func() bool { return strings.Contains(a.dmText(owner), "You own Acme Corp") }, "the owner's brief")
	brief := a.dmText(owner)
	for _, want := range []string{"+14155550100", "dana@acme.example", "Uses Salesforce", "<@U0SDR>"} {
		require.Contains(t, brief, want)
	}
	a.eventually(func() bool {
		return strings.Contains(a.dmText("U0SDR"), fmt.Sprintf("<@%s> claimed *Acme Corp*", owner))
	}, "the passer is told who claimed")
	require.Contains(t, a.dmText("U0SDR"), "you won't have to repeat yourself")

	// 6. Everything is in the event log, once.
	a.eventually(func() bool { return len(a.events(id)) == 3 }, "three events")
	require.ElementsMatch(t, []routing.EventKind{routing.EventCreated, routing.EventPosted, routing.EventClaimed}, a.events(id))
	a.eventually(func() bool { n, err := a.store.PendingCount(a.ctx); return err == nil && n == 0 }, "the outbox drains")
}

func TestSlashCommandAckIsImmediate(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ack := a.openModal("U0SDR", "")
	require.Less(t, ack.Latency, 3*time.Second, "Slack's limit; the budget is checked by benchmarks")
	help, err := a.slack.SlashCommand(a.ctx, slackfake.SlashCommand{Command: "/handoff", Text: "help", UserID: "U0SDR"})
	require.NoError(t, err)
	require.Contains(t, string(help.Payload), "/handoff Acme Corp")
	require.Contains(t, string(help.Payload), "Schedule for later")
	require.Contains(t, string(help.Payload), "qualification checklist")
	require.Len(t, a.slack.Views(), 1, "help opens no modal")
}

func TestUserTextReachesSlackEscaped(t *testing.T) {
	t.Parallel()
	a := setup(t)
	h := a.handoff("U0SDR", "<!everyone> & <@U0BOSS> Inc")
	post := a.channelMessages()[0]
	require.Contains(t, post.Text, "&lt;!everyone&gt; &amp; &lt;@U0BOSS&gt; Inc")
	for _, c := range a.slack.Calls("chat.postMessage") {
		blocks := slackText(c.Params["blocks"])
		require.Contains(t, blocks, "Inc", "the company is in the blocks checked")
		require.NotContains(t, c.Params["text"], "<!everyone>")
		require.NotContains(t, blocks, "<!everyone>")
		require.NotContains(t, blocks, "<@U0BOSS>")
	}
	require.Equal(t, "<!everyone> & <@U0BOSS> Inc", h.Lead.Company, "stored as given")

	// The claim's update and DMs carry the same text: escaped too.
	a.click("U0AE1", h, "")
	a.eventually(func() bool {
		return strings.Contains(a.dmText("U0SDR"), "claimed") && strings.Contains(a.dmText("U0AE1"), "You own")
	}, "claimed")
	require.Contains(t, a.dmText("U0AE1"), "&lt;!everyone&gt;")
	for _, text := range []string{a.dmText("U0AE1"), a.dmText("U0SDR"), a.channelMessages()[0].Text + string(a.channelMessages()[0].Blocks)} {
		require.NotContains(t, text, "<!everyone>")
		require.NotContains(t, text, "<@U0BOSS>")
	}
}

func TestDoubleSubmitCreatesOneHandoff(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.openModal("U0SDR", "")
	view := a.slack.Views()[0]
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
		_, err = a.slack.SendEnvelope(a.ctx, env)
		require.NoError(t, err)
	}
	a.eventually(func() bool { return len(a.channelMessages()) == 1 }, "one post")
	var count int
	require.NoError(t, a.db.QueryRow(a.ctx, `SELECT count(*) FROM handoffs`).Scan(&count))
	require.Equal(t, 1, count)
	time.Sleep(300 * time.Millisecond) // let any stray second delivery surface
	require.Len(t, a.channelMessages(), 1)
}

func TestClickOnMissingOrForgedHandoff(t *testing.T) {
	t.Parallel()
	a := setup(t)
	first := a.handoff("U0SDR", "Acme")
	second := a.handoff("U0SDR2", "Globex")

	a.click("U0AE1", first, "999999")
	a.eventually(func() bool { return len(a.ephemeralTexts("U0AE1")) == 1 }, "a polite answer")
	require.Equal(t, render.HandoffGone, a.ephemeralTexts("U0AE1")[0])

	// The first message's button, with a value naming the second handoff.
	a.click("U0AE2", first, fmt.Sprint(second.ID))
	a.eventually(func() bool { return len(a.ephemeralTexts("U0AE2")) == 1 }, "the forged click is refused")
	require.Equal(t, render.HandoffGone, a.ephemeralTexts("U0AE2")[0])
	for _, h := range []routing.Handoff{first, second} {
		got, err := a.store.Handoff(a.ctx, h.ID)
		require.NoError(t, err)
		require.Equal(t, routing.StateOpen, got.State)
	}
}

// TestDatabaseDownShowsErrorInModal cuts the database off before a submit:
// the passer must see an error in the modal, with nothing silently lost.
func TestDatabaseDownShowsErrorInModal(t *testing.T) {
	t.Parallel()
	a := setup(t)
	a.openModal("U0SDR", "")

	// Cut it off from another database of the same server: a database can't
	// refuse connections to itself.
	var dbName string
	require.NoError(t, a.db.QueryRow(a.ctx, `SELECT current_database()`).Scan(&dbName))
	cfg, err := pgx.ParseConfig(a.dbURL)
	require.NoError(t, err)
	cfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(a.ctx, cfg)
	require.NoError(t, err)
	defer admin.Close(a.ctx)
	_, err = admin.Exec(a.ctx, fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS false`, dbName))
	require.NoError(t, err)
	_, err = admin.Exec(a.ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, dbName)
	require.NoError(t, err)

	ack := a.submit("U0SDR", validAnswers("Acme"))
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(ack.Payload, &resp))
	require.Equal(t, "errors", resp.ResponseAction)
	require.Equal(t, render.SaveFailed, resp.Errors["company"])

	// Readiness says so too.
	res, err := http.Get(a.http + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)

	// Once the database is back, the same form goes through.
	_, err = admin.Exec(a.ctx, fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS true`, dbName))
	require.NoError(t, err)
	a.eventually(func() bool {
		ack, err := a.slack.SubmitView(a.ctx, slackfake.Submit{UserID: "U0SDR", Values: validAnswers("Acme")})
		return err == nil && len(ack.Payload) == 0
	}, "the retried submit succeeds")
	a.eventually(func() bool { return len(a.channelMessages()) == 1 }, "and is posted")
}

func TestProbes(t *testing.T) {
	t.Parallel()
	a := setup(t)
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusOK} {
		a.eventually(func() bool {
			res, err := http.Get(a.http + path)
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == want
		}, path)
	}
	a.slack.DropConnections()
	// slack-go reconnects; readiness must come back once it has.
	waitCtx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, a.slack.WaitConnected(waitCtx, 1))
	a.eventually(func() bool {
		res, err := http.Get(a.http + "/readyz")
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
	a := setup(t)
	h := a.handoff("U0SDR", "Acme")
	a.click("U0AE1", h, "")
	a.eventually(func() bool { return strings.Contains(a.dmText("U0AE1"), "You own") }, "claimed")
	log := a.log.String()
	require.Contains(t, log, "handoff claimed", "the log was captured")
	require.NotContains(t, log, a.slack.BotToken())
	require.NotContains(t, log, a.slack.AppToken())
	require.NotContains(t, log, "xoxb-")
	require.NotContains(t, log, "xapp-")
}
