package launcher_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
)

// TestHostileFormEndToEnd submits a form whose every text field is hostile:
// mentions (<!channel>, <!here>, <!everyone>, <@U…>, <!subteam^…>), a
// link in Slack's syntax, control characters, a NUL, text that was invalid
// UTF-8 (JSON carries it as U+FFFD), and fields at their longest. The row
// stores each field as typed (a NUL, which PostgreSQL cannot hold, is
// dropped: it used to fail the whole handoff as "database down"); every message and form Slack received was
// accepted by the fake's Block Kit checks and carries none of the user's
// mentions or links as Slack would read them; a field over its limit comes
// back as a sentence under that field.
func TestHostileFormEndToEnd(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	hostile := "<!channel> <!here> <!everyone> <@U0BOSS> <!subteam^S0TEAM> <https://evil.example|click> & \x1b[31m\x07\x7f\ufffd"
	company := "Ac\x00me " + hostile
	notes := strings.Repeat("Call <@U0BOSS> about <!everyone> & <https://evil.example|this>. ", 160)[:9990]
	pain := strings.Repeat("<!here> ", 375)[:2999]
	in := func(v string) map[string]slackfake.InputValue {
		return map[string]slackfake.InputValue{render.ActionInput: slackfake.TextInput(v)}
	}
	answers := batontest.ValidAnswers(company)
	answers["contact_name"] = in(hostile)
	answers["contact_title"] = in(strings.Repeat("<", 150))
	answers["pain"] = in(pain)
	answers["interest"] = in(hostile)
	answers["personality"] = in(hostile)
	answers["notes"] = map[string]slackfake.InputValue{render.ActionInput: slackfake.RichText(notes)}

	// Over the limit: refused under the field, nothing stored.
	tooLong := batontest.ValidAnswers(strings.Repeat("<!channel>", 16))
	a.OpenModal("U0SDR", "<!channel>")
	ack := a.Submit("U0SDR", tooLong)
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(ack.Payload, &resp))
	require.Equal(t, "errors", resp.ResponseAction)
	require.Equal(t, "Keep this under 150 characters.", resp.Errors["company"])

	ack = a.Submit("U0SDR", answers)
	require.Empty(t, string(ack.Payload), "the hostile form is valid and closes")
	a.Eventually(func() bool {
		return len(a.Messages(batontest.Pool, false)) == 1 && len(a.Messages(batontest.Pool, true)) == 1
	}, "posted, with the brief in the thread")
	var id int64
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT id FROM handoffs`).Scan(&id))
	h := a.HandoffNow(id)
	require.Equal(t, strings.ReplaceAll(company, "\x00", ""), h.Lead.Company, "stored as typed, but for the NUL PostgreSQL can't hold")
	require.Equal(t, hostile, h.Lead.ContactName)
	require.Equal(t, strings.Repeat("<", 150), h.Lead.ContactTitle)
	require.Equal(t, strings.TrimSpace(pain), h.Lead.Context.Pain)
	require.Equal(t, hostile, h.Lead.Context.Personality)
	require.Equal(t, notes, h.Lead.Notes)

	a.Click("U0AE1", h)
	a.Eventually(func() bool {
		return strings.Contains(a.DMText("U0AE1"), "You own") && strings.Contains(a.DMText("U0SDR"), "claimed") &&
			strings.HasPrefix(a.Messages(batontest.Pool, false)[0].Text, "Claimed by")
	}, "claimed, the DMs sent and the message updated")
	a.Eventually(func() bool { n, _ := a.Store.PendingCount(a.Ctx); return n == 0 }, "the outbox drains")

	// Everything Slack received: the form, the post, its update, the thread
	// brief and the DMs. The fake answered each (it refuses what breaks
	// Block Kit's limits with invalid_blocks), and none carries a mention or
	// link from the user's text.
	var checked int
	for _, method := range []string{"views.open", "chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"} {
		for _, c := range a.Slack.Calls(method) {
			require.Contains(t, string(c.Response), `"ok":true`, "%s was accepted: %s", method, c.Response)
			shown := c.Params["text"] + batontest.SlackText(c.Params["blocks"])
			if method == "views.open" {
				shown = batontest.SlackText(string(c.Body))
				// The prefilled input holds what was typed, which Slack
				// does not read for mentions; the displayed texts do not.
				shown = strings.ReplaceAll(shown, `"initial_value":"<!channel>"`, "")
			}
			for _, mention := range []string{"<!here>", "<!everyone>", "<@U0BOSS>", "<!subteam", "<https://evil", "\x00", "\x1b", "\x07"} {
				require.NotContains(t, shown, mention, "%s carries %q", method, mention)
			}
			if method == "chat.postMessage" && strings.HasPrefix(c.Params["text"], "<!channel>") {
				// Baton's own @channel, once in the text and at most once in
				// the blocks; the user's is escaped.
				require.Equal(t, 1, strings.Count(c.Params["text"], "<!channel>"))
				require.LessOrEqual(t, strings.Count(batontest.SlackText(c.Params["blocks"]), "<!channel>"), 1)
				require.Contains(t, c.Params["text"], "&lt;!channel&gt;")
			} else if method != "views.open" {
				require.NotContains(t, shown, "<!channel>", method)
			}
			checked++
		}
	}
	require.GreaterOrEqual(t, checked, 6, "the form, the post, the thread brief, the update and the DMs were checked")
	brief := a.Messages(batontest.Pool, true)[0]
	require.Contains(t, brief.Text+string(brief.Blocks), "&lt;@U0BOSS&gt;", "shown, escaped")
}
