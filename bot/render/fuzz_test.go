package render_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/routing"
)

// FuzzUserTextRenders puts arbitrary text (oversized, control characters,
// invalid UTF-8, mentions, links) in every free-text field of a lead and
// renders every message and form that shows it. Each must pass Slack's
// Block Kit limits as the fake checks them, and the user's text must add no
// "<" to any text Slack displays (every "text" of the blocks, and the
// message's own): a mention or link Slack would act on can only be one
// Baton wrote itself. Compared with the same lead holding plain text, the
// count of "<" is the same. (A form's prefilled input keeps the text as
// typed: an input's value is not read for mentions, and the person edits
// what they typed.)
func FuzzUserTextRenders(f *testing.F) {
	f.Add("<!channel> Acme & <@U0BOSS>", "Dana <https://evil.example|click>", "\x00\x1b[31mred\x7f", "\xff\xfe not utf-8 <!here>", strings.Repeat("é<", 1600))
	f.Add("", "", "", "", "")
	f.Add(strings.Repeat("W", 400), strings.Repeat("&", 3000), strings.Repeat("\n", 200), "<!subteam^S1|@team>", "<#C0X|general> &lt; &amp;")
	f.Fuzz(func(t *testing.T, company, contact, title, short, notes string) {
		plain := func(s string) string { return strings.Repeat("x", len([]rune(s))) }
		lead := func(h *routing.Handoff, text func(string) string) {
			h.Lead.Company, h.Lead.ContactName, h.Lead.ContactTitle, h.Lead.Notes = text(company), text(contact), text(title), text(notes)
			c := &h.Lead.Context
			c.Pain, c.Interest, c.CurrentTools, c.BestTime, c.BestChannel, c.Personality = text(short), text(notes), text(title), text(short), text(short), text(notes)
			h.Lead.Answers[0].Text, h.Lead.Answers[2].Text = text(short), text(title)
			h.CancelReason = text(short)
			h.Work.Outcome.Note, h.Work.ReassignNote = text(notes), text(short)
		}
		renderAll := func(text func(string) string) []string {
			var out []string
			message := func(m render.Message) {
				raw, err := json.Marshal(m.Blocks)
				require.NoError(t, err)
				require.NoError(t, slackfake.ValidateBlocks(slackfake.KindMessage, raw))
				require.LessOrEqual(t, len([]rune(m.Text)), render.MaxMessageText)
				out = append(out, m.Text)
				out = append(out, displayed(t, raw)...)
			}
			view := func(v slack.ModalViewRequest) {
				raw, err := json.Marshal(v)
				require.NoError(t, err)
				require.NoError(t, slackfake.ValidateBlocks(slackfake.KindModal, raw))
				out = append(out, displayed(t, raw)...)
			}
			open := openHandoff()
			lead(&open, text)
			owned := claimed(14 * time.Second)
			lead(&owned, text)
			booked := owned
			booked.Work.MeetingAt = created.Add(72 * time.Hour)
			for _, m := range []render.Message{
				clock.ChannelMessage(open), clock.ThreadBrief(open), clock.PasserSent(open),
				clock.ChannelMessage(owned), clock.OwnerBrief(owned), clock.PasserClaimed(owned),
				// The calendar links carry the user text in their URLs,
				// which must stay within Slack's 3,000 characters.
				clock.MeetingBooked(booked, "U0SDR", leadLink),
			} {
				message(m)
			}
			checklist, _ := routing.Template(routing.DefaultTemplate)
			view(render.HandoffModal(render.Form{Pool: text(short), Checklist: checklist, Company: text(company)}))
			return out
		}
		count := func(all []string) int {
			n := 0
			for _, s := range all {
				n += strings.Count(s, "<")
			}
			return n
		}
		require.Equal(t, count(renderAll(plain)), count(renderAll(func(s string) string { return s })),
			"user text must add no < to what Slack reads")
	})
}

// displayed returns every "text" string in a Block Kit payload: what
// Slack shows, and reads for mentions and links in mrkdwn.
func displayed(t *testing.T, raw []byte) []string {
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if s, ok := e.(string); ok && k == "text" {
					out = append(out, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
