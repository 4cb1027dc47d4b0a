package batontest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/drive"
	"github.com/batonhq/baton/routing"
)

// Eventually polls cond until it holds or 15 s pass.
func (a *App) Eventually(cond func() bool, what string) {
	a.T.Helper()
	a.EventuallyWithin(15*time.Second, cond, what)
}

// EventuallyWithin polls cond until it holds or timeout passes, and then
// fails the test with the end of the log as it is at that moment: what
// Baton did while the test waited is what explains the wait.
func (a *App) EventuallyWithin(timeout time.Duration, cond func() bool, what string) {
	a.T.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(a.T, "condition never satisfied", "%s (waited %s); log tail:\n%s", what, timeout, tail(a.Log.String(), 4000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// SlackText undoes JSON's \u003c-style escapes, which slack-go's encoders
// apply, so that checks on "<!everyone>" or "<@U…>" see what Slack reads
// (see drive.SlackText).
func SlackText(s string) string { return drive.SlackText(s) }

// Messages returns the messages in channel: top-level posts, or the
// replies in their threads.
func (a *App) Messages(channel string, replies bool) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range a.Slack.Messages(channel) {
		if (m.ThreadTS != "") == replies {
			m.Blocks = json.RawMessage(SlackText(string(m.Blocks)))
			out = append(out, m)
		}
	}
	return out
}

// AllMessages returns the messages in channel, posts and thread replies,
// their text and blocks as Slack reads them.
func (a *App) AllMessages(channel string) []slackfake.Message {
	msgs := a.Slack.Messages(channel)
	for i := range msgs {
		msgs[i].Text = SlackText(msgs[i].Text)
		msgs[i].Blocks = json.RawMessage(SlackText(string(msgs[i].Blocks)))
	}
	return msgs
}

// CountWhere counts the messages in channel, posts and thread replies,
// whose text or blocks contain s.
func (a *App) CountWhere(channel, s string) int {
	n := 0
	for _, m := range a.AllMessages(channel) {
		if strings.Contains(m.Text+string(m.Blocks), s) {
			n++
		}
	}
	return n
}

// DMText joins every DM sent to user.
func (a *App) DMText(user string) string {
	var all []string
	for _, m := range a.Slack.Messages("D" + user) {
		all = append(all, m.Text+SlackText(string(m.Blocks)))
	}
	return strings.Join(all, "\n")
}

// DMs counts the DMs sent to user that contain s.
func (a *App) DMs(user, s string) int {
	n := 0
	for _, m := range a.Slack.Messages("D" + user) {
		if strings.Contains(m.Text+SlackText(string(m.Blocks)), s) {
			n++
		}
	}
	return n
}

// Ephemerals returns the texts shown privately to user in channel.
func (a *App) Ephemerals(channel, user string) []string {
	var out []string
	for _, e := range a.Slack.Ephemerals(channel, user) {
		out = append(out, e.Text)
	}
	return out
}

// Command types /handoff text as user in the sales channel and returns its ack.
func (a *App) Command(user, text string) slackfake.Ack {
	a.T.Helper()
	return a.CommandIn(user, Sales, text)
}

// CommandIn types /handoff text as user in channel and returns its ack.
func (a *App) CommandIn(user, channel, text string) slackfake.Ack {
	a.T.Helper()
	ack, err := a.Slack.SlashCommand(a.Ctx, slackfake.SlashCommand{Command: "/handoff", Text: text, UserID: user, ChannelID: channel})
	require.NoError(a.T, err)
	return ack
}

// OpenModal types /handoff text and waits for the form to open.
func (a *App) OpenModal(user, text string) slackfake.Ack {
	a.T.Helper()
	ack := a.Command(user, text)
	slackfaketest.WaitFor(a.T, a.Slack, "views.open", func(c slackfake.Call) bool {
		return c.Params["trigger_id"] == ack.TriggerID && strings.Contains(string(c.Response), `"ok":true`)
	}, 10*time.Second)
	return ack
}

// ValidAnswers fills the handoff form for company, live-qualified under
// the default checklist (see drive.Answers).
func ValidAnswers(company string) map[string]map[string]slackfake.InputValue {
	return drive.Answers(company)
}

// Submit submits user's open form with answers and returns the ack.
func (a *App) Submit(user string, answers map[string]map[string]slackfake.InputValue) slackfake.Ack {
	a.T.Helper()
	ack, err := a.Slack.SubmitView(a.Ctx, slackfake.Submit{UserID: user, Values: answers})
	require.NoError(a.T, err)
	return ack
}

// Latest is the passer's latest handoff, once it exists.
func (a *App) Latest(passer string) routing.Handoff {
	a.T.Helper()
	var h routing.Handoff
	a.Eventually(func() bool {
		var id int64
		if a.DB.QueryRow(a.Ctx, `SELECT id FROM handoffs WHERE passer_id = $1 ORDER BY id DESC LIMIT 1`, passer).Scan(&id) != nil {
			return false
		}
		var err error
		h, err = a.Store.Handoff(a.Ctx, id)
		return err == nil
	}, "the handoff is stored")
	return h
}

// Posted waits until handoff id's channel message is posted and returns it.
func (a *App) Posted(id int64) routing.Handoff {
	a.T.Helper()
	var h routing.Handoff
	a.Eventually(func() bool {
		var err error
		h, err = a.Store.Handoff(a.Ctx, id)
		return err == nil && h.MessageTS != ""
	}, "the handoff is posted in the channel")
	return h
}

// Handoff runs /handoff and a valid submit, and waits for the channel post.
func (a *App) Handoff(passer, company string) routing.Handoff {
	a.T.Helper()
	a.OpenModal(passer, "")
	ack := a.Submit(passer, ValidAnswers(company))
	require.Empty(a.T, ack.Payload, "a valid submit closes the modal")
	return a.Posted(a.Latest(passer).ID)
}

// Click clicks Claim on h's channel message as user.
func (a *App) Click(user string, h routing.Handoff) slackfake.Ack {
	a.T.Helper()
	return a.ClickValue(user, h, "")
}

// ClickValue clicks Claim on h's channel message as user, the button's
// value replaced by value (a forged click) unless it is empty.
func (a *App) ClickValue(user string, h routing.Handoff, value string) slackfake.Ack {
	a.T.Helper()
	ack, err := a.Slack.ClickButton(a.Ctx, slackfake.Click{UserID: user, ChannelID: h.Channel, MessageTS: h.MessageTS, ActionID: render.ActionClaim, Value: value})
	require.NoError(a.T, err)
	return ack
}

// HandoffNow is handoff id as stored now.
func (a *App) HandoffNow(id int64) routing.Handoff {
	a.T.Helper()
	h, err := a.Store.Handoff(a.Ctx, id)
	require.NoError(a.T, err)
	return h
}

// Events lists handoff id's event kinds, in order.
func (a *App) Events(id int64) []routing.EventKind {
	a.T.Helper()
	events, err := a.Store.Events(a.Ctx, id)
	require.NoError(a.T, err)
	var kinds []routing.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

// Drained waits until the outbox has nothing left to deliver.
func (a *App) Drained() {
	a.T.Helper()
	a.Eventually(func() bool { n, err := a.Store.PendingCount(a.Ctx); return err == nil && n == 0 }, "the outbox drains")
}

// Scrape fetches /metrics.
func (a *App) Scrape() string {
	a.T.Helper()
	res, err := http.Get(a.HTTP + "/metrics")
	require.NoError(a.T, err)
	defer res.Body.Close()
	require.Equal(a.T, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(a.T, err)
	return string(body)
}

// Metric reads series (its name and labels as exposed, such as
// `baton_handoffs_total{outcome="created"}`) from a fresh scrape; 0 when
// it is not there.
func (a *App) Metric(series string) float64 {
	a.T.Helper()
	v, _ := MetricValue(a.Scrape(), series)
	return v
}

// MetricValue reads the sample named series (name and labels exactly as
// exposed) from a scrape's body; ok is false when it is not there.
func MetricValue(body, series string) (v float64, ok bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// SumMetric adds up every series of a labelled metric in a scrape's body.
func SumMetric(body, name string) float64 {
	var sum float64
	for _, m := range regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(name)+`\{[^}]*\} (\S+)$`).FindAllStringSubmatch(body, -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		sum += v
	}
	return sum
}

// WithAction returns the latest message in channel, post or thread reply,
// holding an element with actionID, as Slack reads it.
func (a *App) WithAction(channel, actionID string) (slackfake.Message, bool) {
	msgs := a.AllMessages(channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.Contains(string(msgs[i].Blocks), `"action_id":"`+actionID+`"`) {
			return msgs[i], true
		}
	}
	return slackfake.Message{}, false
}

// ClickIn clicks actionID on the latest message of channel holding it, as
// user (a DM with Baton is "D" + the user's id).
func (a *App) ClickIn(user, channel, actionID string) slackfake.Ack {
	a.T.Helper()
	var m slackfake.Message
	a.Eventually(func() bool { var ok bool; m, ok = a.WithAction(channel, actionID); return ok }, "a message with "+actionID+" in "+channel)
	ack, err := a.Slack.ClickButton(a.Ctx, slackfake.Click{UserID: user, ChannelID: channel, MessageTS: m.TS, ActionID: actionID})
	require.NoError(a.T, err)
	return ack
}

// WaitForModal waits until a form with callback is open.
func (a *App) WaitForModal(callback string) {
	a.T.Helper()
	a.Eventually(func() bool {
		for _, v := range a.Slack.Views() {
			if v.CallbackID == callback && !v.Closed {
				return true
			}
		}
		return false
	}, "the "+callback+" form opens")
}

// Count counts the times kind is in kinds.
func Count(kinds []routing.EventKind, kind routing.EventKind) int {
	n := 0
	for _, k := range kinds {
		if k == kind {
			n++
		}
	}
	return n
}
