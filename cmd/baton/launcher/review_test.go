package launcher_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
)

// reviewMessages are the weekly reviews posted in the digest channel, in
// order, with their text and blocks as Slack reads them.
func reviewMessages(a *batontest.App) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range a.AllMessages("C0DIGEST") {
		if strings.Contains(m.Text, "Weekly handoff review") {
			out = append(out, m)
		}
	}
	return out
}

// TestReviewedButton runs reviews every 2 s: the second review counts the
// first as unreviewed; a closer pressing Reviewed is refused privately and
// nothing is recorded; a manager's press is recorded, the message updates
// to say who reviewed it (its button gone), and the next review counts no
// week unreviewed.
func TestReviewedButton(t *testing.T) {
	t.Parallel()
	config := quietDigest + "reports:\n  weekly_schedule: \"@every 2s\"\n"
	a := batontest.Start(t, batontest.Options{Config: config})
	const unreviewed = "Weekly reviews nobody marked reviewed, in a row: *"

	a.Eventually(func() bool { return len(reviewMessages(a)) >= 2 }, "two reviews are posted")
	first, second := reviewMessages(a)[0], reviewMessages(a)[1]
	require.Contains(t, string(first.Blocks), unreviewed+"0*", "nothing before the first review")
	require.Contains(t, string(second.Blocks), unreviewed+"1*", "the first went unpressed")
	require.Contains(t, string(first.Blocks), `"action_id":"`+render.ActionReviewed+`"`)

	// A closer is refused, privately, and nothing changes.
	before := len(a.Ephemerals("C0DIGEST", "U0AE1"))
	_, err := a.Slack.ClickButton(a.Ctx, slackfake.Click{UserID: "U0AE1", ChannelID: "C0DIGEST", MessageTS: first.TS, ActionID: render.ActionReviewed})
	require.NoError(t, err)
	a.Eventually(func() bool { return len(a.Ephemerals("C0DIGEST", "U0AE1")) > before }, "the closer is answered")
	eph := a.Ephemerals("C0DIGEST", "U0AE1")
	require.Equal(t, render.ReviewRefused, eph[len(eph)-1])

	// The manager presses the latest review, once Baton has recorded where
	// it posted it: Slack shows a post a moment before the outbox records
	// it, and a press in that moment is told the review is gone.
	pressed := reviewMessages(a)[len(reviewMessages(a))-1]
	tick := reviewTick(t, pressed)
	a.Eventually(func() bool {
		r, err := a.Store.Review(a.Ctx, tick)
		return err == nil && r.MessageTS == pressed.TS
	}, "the pressed review's post is recorded")
	_, err = a.Slack.ClickButton(a.Ctx, slackfake.Click{UserID: "U0MGR", ChannelID: "C0DIGEST", MessageTS: pressed.TS, ActionID: render.ActionReviewed})
	require.NoError(t, err)
	a.Eventually(func() bool {
		for _, m := range reviewMessages(a) {
			if m.TS == pressed.TS {
				return strings.Contains(string(m.Blocks), "Reviewed by <@U0MGR>")
			}
		}
		return false
	}, "the pressed review says who reviewed it")
	for _, m := range reviewMessages(a) {
		if m.TS == pressed.TS {
			require.NotContains(t, string(m.Blocks), `"action_id":"`+render.ActionReviewed+`"`, "the button is gone")
		}
	}
	r, err := a.Store.Review(a.Ctx, tick)
	require.NoError(t, err)
	require.Equal(t, "U0MGR", r.ReviewedBy)
	first1, err := a.Store.Review(a.Ctx, reviewTick(t, first))
	require.NoError(t, err)
	require.Empty(t, first1.ReviewedBy, "the closer's press recorded nothing")

	// The count starts again: a review rendered after the press counts
	// only the reviews since the pressed one (none, unless the machine is
	// so slow that reviews were due between the press and this one), not
	// every review before it.
	// Reviews go out one at a time, in order, so every earlier one is
	// posted when it is rendered.
	pressedAt := time.Now()
	var after slackfake.Message
	a.Eventually(func() bool {
		for _, m := range reviewMessages(a) {
			if m.TS > pressed.TS && reviewTick(t, m).After(pressedAt) {
				after = m
				return true
			}
		}
		return false
	}, "a review after the press is posted")
	since := 0
	for _, m := range reviewMessages(a) {
		if m.TS > pressed.TS && m.TS < after.TS {
			since++
		}
	}
	require.Contains(t, string(after.Blocks), fmt.Sprintf("%s%d*", unreviewed, since), "the count starts again after the press")
}

// reviewTick reads a review's tick from its Reviewed button.
func reviewTick(t *testing.T, m slackfake.Message) time.Time {
	t.Helper()
	blocks := string(m.Blocks)
	i := strings.Index(blocks, `"action_id":"`+render.ActionReviewed+`","value":"`)
	require.GreaterOrEqual(t, i, 0, "a review with its button: %s", m.TS)
	rest := blocks[i+len(`"action_id":"`+render.ActionReviewed+`","value":"`):]
	tick, err := time.Parse(time.RFC3339, rest[:strings.Index(rest, `"`)])
	require.NoError(t, err)
	return tick
}

// TestGateRefusalCountsAgainstFirstPass: a live transfer the gates refuse
// leaves a form.gates_refused event naming the form, and once the lead is
// scheduled for later from the same form, the manager's stats count one
// form, not through the gates the first time; a closer's stats show no
// signals.
func TestGateRefusalCountsAgainstFirstPass(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: quietDigest})
	a.OpenModal("U0SDR", "")
	small := batontest.ValidAnswers("Tiny Co")
	small["q.employees"] = in(slackfake.TextInput("120"))
	require.Equal(t, "update", decodeAck(t, a.Submit("U0SDR", small)).ResponseAction)

	var view, pool, actor string
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT detail->>'view', detail->>'pool', actor FROM events WHERE kind = 'form.gates_refused'`).Scan(&view, &pool, &actor))
	require.Equal(t, a.Slack.Views()[0].ID, view)
	require.Equal(t, [2]string{"closers", "U0SDR"}, [2]string{pool, actor})

	at := time.Now().Add(26 * time.Hour).Truncate(time.Minute)
	require.Empty(t, a.Submit("U0SDR", map[string]map[string]slackfake.InputValue{
		render.BlockTransferOffered: in(slackfake.SelectedOption(render.TransferLater)),
		"scheduled_for":             in(slackfake.DateTimePicked(at)),
	}).Payload, "scheduled for later")
	a.Eventually(func() bool { return handoffCount(a) == 1 }, "the handoff is stored")

	team := statsReply(a, "U0MGR", "stats")
	require.Contains(t, team, "*Early warning*")
	require.Contains(t, team, "Forms through the gates the first time: *0 % (0 of 1)*")
	require.Contains(t, team, "No early-warning signal in the last 7 days.", "one form is under the minimum sample")

	closer := statsReply(a, "U0AE1", "stats")
	require.NotContains(t, closer, "Early warning", "signals are a manager's")
}
