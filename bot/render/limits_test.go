package render_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/routing"
)

// A fill is what a passer types in every free-text field, cut to the
// field's limit: words, or nothing but "&", which escaping makes five
// characters long.
type fill func(n int) string

var fills = map[string]fill{
	"words": func(n int) string {
		return strings.TrimSpace(strings.Repeat("Renewal terms agreed ", n/21+1)[:n])
	},
	"ampersands": func(n int) string { return strings.Repeat("&", n) },
}

// fullChecklist is the largest checklist the configuration takes: as many
// questions as allowed, with the longest labels, a gate wherever a type
// takes one, and selects of as many options as allowed, each as long as
// allowed.
func fullChecklist(t *testing.T) routing.Checklist {
	t.Helper()
	opts := make([]string, routing.MaxOptions)
	for i := range opts {
		opts[i] = fmt.Sprintf("%03d %s", i, strings.Repeat("o", routing.MaxOptionLength-4))
	}
	types := []routing.QuestionType{
		routing.TypeLongText, routing.TypeMultiSelect, routing.TypeText, routing.TypeSelect, routing.TypeURL,
		routing.TypeNumber, routing.TypeYesNo, routing.TypeEmail, routing.TypePhone, routing.TypeDate,
	}
	c := routing.Checklist{Name: strings.Repeat("n", 100)}
	for i := range routing.MaxQuestions {
		q := routing.Question{ID: fmt.Sprintf("q%d", i), Label: fmt.Sprintf("%02d %s", i, strings.Repeat("l", routing.MaxLabelLength-3)), Type: types[i%len(types)]}
		switch q.Type {
		case routing.TypeMultiSelect, routing.TypeSelect:
			q.Options, q.Gate = opts, &routing.Gate{In: opts[1:]}
		case routing.TypeNumber:
			q.Gate = &routing.Gate{AtLeast: ptr(1e12)}
		case routing.TypeYesNo:
			q.Gate = &routing.Gate{Equals: "yes"}
		}
		c.Questions = append(c.Questions, q)
	}
	checked, err := routing.CheckChecklist(c)
	require.Nil(t, err)
	return checked
}

// fullAnswers answers every question of c at its longest; the gates
// all fail, so a brief lists every one unmet.
func fullAnswers(c routing.Checklist, f fill) []routing.Answer {
	var out []routing.Answer
	for _, q := range c.Questions {
		a := routing.Answer{QuestionID: q.ID}
		switch q.Type {
		case routing.TypeText:
			a.Text = f(routing.MaxTextAnswer)
		case routing.TypeLongText:
			a.Text = f(routing.MaxLongTextAnswer)
		case routing.TypeURL:
			a.Text = "https://example.com/" + strings.Repeat("p", routing.MaxURLLength-20)
		case routing.TypeEmail:
			a.Text = strings.Repeat("e", 64) + "@" + strings.Repeat("d", routing.MaxEmailLength-69) + ".com"
		case routing.TypePhone:
			a.Text = "+442079460958"
		case routing.TypeSelect:
			a.Text = q.Options[0]
		case routing.TypeMultiSelect:
			a.Choices = q.Options[:1]
			if q.Gate == nil {
				a.Choices = q.Options
			}
		case routing.TypeNumber:
			a.Number = 1234567890
		case routing.TypeDate:
			a.Date = time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC)
		}
		out = append(out, a)
	}
	return out
}

// maximize fills every free-text field of h's lead (and the notes and
// reasons written about it) to its limit, with checklist c answered at its
// longest.
func maximize(h *routing.Handoff, c routing.Checklist, f fill) {
	l := &h.Lead
	l.Company, l.ContactName, l.ContactTitle = f(routing.MaxNameLength), f(routing.MaxNameLength), f(routing.MaxNameLength)
	l.Phone, l.Email = "+14155550100", strings.Repeat("e", 64)+"@"+strings.Repeat("d", routing.MaxEmailLength-69)+".com"
	l.Notes = f(routing.MaxNotesLength)
	l.Context = routing.Context{
		Pain: f(routing.MaxPainLength), Interest: f(routing.MaxShortContext), CurrentTools: f(routing.MaxShortContext),
		BestTime: f(routing.MaxBestTimeLength), BestChannel: routing.ReachChannels[0], Personality: f(routing.MaxPersonalityLength),
		RecordingURL: "https://calls.example/" + strings.Repeat("r", routing.MaxURLLength-21),
	}
	l.Checklist, l.Answers = c, fullAnswers(c, f)
	if h.CancelReason != "" {
		h.CancelReason = "Other (say why below): " + f(render.MaxReasonNote)
	}
	if h.Work.Outcome.Note != "" {
		h.Work.Outcome.Note = f(render.MaxReasonNote)
	}
	if h.Work.ReassignNote != "" {
		h.Work.ReassignNote = f(render.MaxReasonNote)
	}
}

// fitsOneMessage checks m as Slack would take it: valid blocks, at most 50,
// and at most MaxBlocksText characters of text, counted by render as the
// fake counts them. It returns the text Slack shows.
func fitsOneMessage(t *testing.T, name string, m render.Message) string {
	t.Helper()
	validMessage(t, m)
	raw, err := json.Marshal(m.Blocks)
	require.NoError(t, err)
	n := slackfake.BlocksTextLength(raw)
	require.Equal(t, n, render.TextLength(m.Blocks), "%s: render counts the text as the fake does", name)
	require.LessOrEqual(t, n, render.MaxBlocksText, "%s: %d characters of text in its blocks", name, n)
	require.LessOrEqual(t, len(m.Blocks), render.MaxMessageBlock, name)
	return blockTexts(t, m.Blocks)
}

// TestEveryMessageFitsAtTheMaximums renders every message Baton sends
// about a lead, with every field of the form filled to its limit, for
// each built-in checklist and the largest the configuration takes: each
// is one message Slack takes (msg_blocks_too_long included). A text cut
// to fit ends in "…" and the message says so; with words typed, nothing
// else is cut.
func TestEveryMessageFitsAtTheMaximums(t *testing.T) {
	t.Parallel()
	require.Equal(t, slackfake.MaxBlocksText, render.MaxBlocksText)
	checklists := map[string]routing.Checklist{"largest": fullChecklist(t)}
	for _, name := range routing.TemplateNames() {
		checklists[name], _ = routing.Template(name)
	}
	for cname, c := range checklists {
		for fname, f := range fills {
			t.Run(cname+"/"+fname, func(t *testing.T) {
				t.Parallel()
				for _, s := range leadSurfaces() {
					h := s.handoff()
					maximize(&h, c, f)
					switch v := s.render(h).(type) {
					case render.Message:
						shown := fitsOneMessage(t, s.name, v)
						if fname == "words" && strings.Contains(shown, "…") {
							require.Contains(t, shown, "✂️ Cut to fit one Slack message", "%s cuts a text without saying so", s.name)
						}
					case slack.ModalViewRequest:
						validView(t, v)
					}
				}
			})
		}
	}
}

// TestBriefCutsTheLongestTexts: a brief at the maximums keeps its short
// texts whole and cuts the long ones to one length, each ending in "…",
// and says where the whole brief is.
func TestBriefCutsTheLongestTexts(t *testing.T) {
	t.Parallel()
	h := claimed(3 * time.Second)
	c, _ := routing.Template("meddpicc")
	maximize(&h, c, fills["words"])
	m := clock.ThreadBrief(h)
	shown := fitsOneMessage(t, "ThreadBrief", m)
	require.Greater(t, render.TextLength(m.Blocks), render.MaxBlocksText-200, "cut no more than it must")
	for _, whole := range []string{h.Lead.Context.Interest, h.Lead.Context.CurrentTools, h.Lead.Context.BestTime, h.Lead.Answers[0].Text} {
		require.Contains(t, shown, whole, "a short text stays whole")
	}
	require.NotContains(t, shown, h.Lead.Notes[:5000], "the notes are cut")
	require.Contains(t, shown, h.Lead.Notes[:1000])
	note := "✂️ Cut to fit one Slack message: each text ending in “…” is shortened. *Read the whole brief* opens it uncut."
	require.Contains(t, shown, note)
	require.Equal(t, note, blockTexts(t, m.Blocks[len(m.Blocks)-3:len(m.Blocks)-2]), "the note closes the brief, above its button and footer")
	require.Contains(t, blocksJSON(t, m.Blocks[len(m.Blocks)-2:len(m.Blocks)-1]), `"action_id":"whole_brief","value":"42"`)

	// The button's modal shows every text whole, within a view's limits.
	v := clock.WholeBrief(h)
	validView(t, v)
	whole := blocksJSON(t, v.Blocks.BlockSet)
	require.NotContains(t, whole, "Cut to fit")
	for _, s := range []string{h.Lead.Context.Interest, h.Lead.Context.CurrentTools} {
		require.Contains(t, whole, s)
	}
	// The notes come last, in as many sections as they need.
	var notes []string
	in := false
	for _, b := range v.Blocks.BlockSet {
		s, ok := b.(*slack.SectionBlock)
		if !ok || s.Text == nil {
			in = false
			continue
		}
		in = in || strings.HasPrefix(s.Text.Text, "*Notes*\n")
		if in {
			notes = append(notes, strings.Fields(strings.TrimPrefix(s.Text.Text, "*Notes*\n"))...)
		}
	}
	require.Equal(t, strings.Fields(render.Escape(h.Lead.Notes)), notes, "the notes whole, every word in order")
}

// TestChannelMessageCutsItsFactsToFit: a checklist of many gates with long
// answers would pass Slack's limit in the channel post; its facts are cut,
// and the post says so.
func TestChannelMessageCutsItsFactsToFit(t *testing.T) {
	t.Parallel()
	h := openHandoff()
	c := fullChecklist(t)
	maximize(&h, c, fills["ampersands"])
	for i, q := range c.Questions {
		if q.Type == routing.TypeMultiSelect {
			h.Lead.Answers[i].Choices = q.Options
		}
	}
	m := clock.ChannelMessage(h)
	shown := fitsOneMessage(t, "ChannelMessage", m)
	require.Contains(t, shown, "✂️ Cut to fit one Slack message: each text ending in “…” is shortened. The brief in the thread has the answers.")
	require.Contains(t, blocksJSON(t, m.Blocks), `"action_id":"claim"`, "the Claim button is kept")
}

// TestDigestFitsWithLongNames: leads with the longest company names and
// links fill every section of the digest; it lists fewer, and says how many
// more.
func TestDigestFitsWithLongNames(t *testing.T) {
	t.Parallel()
	s := stuck(250)
	links := map[int64]string{}
	for si := range s.Sections {
		for i := range s.Sections[si].Leads {
			h := &s.Sections[si].Leads[i]
			h.Lead.Company = fills["ampersands"](routing.MaxNameLength)
			links[h.ID] = "https://acme-sales-team.enterprise.slack.com/archives/C0HANDOFF12/p" + strings.Repeat("1", 16) + fmt.Sprint(h.ID)
		}
	}
	m := clock.Digest(s, links)
	shown := fitsOneMessage(t, "Digest", m)
	require.NotContains(t, shown, fmt.Sprintf("and %d more", 250-routing.MaxDigestPerSection), "fewer leads listed")
	listed := strings.Count(blocksJSON(t, m.Blocks), `"type":"button"`)
	require.Positive(t, listed)
	require.Equal(t, 4*250-listed, moreCounted(t, shown), "every lead is listed or counted")
}

// moreCounted sums the "and N more" of a digest.
func moreCounted(t *testing.T, shown string) int {
	t.Helper()
	total := 0
	for _, line := range strings.Split(shown, "\n") {
		var n int
		if _, err := fmt.Sscanf(line, "and %d more", &n); err == nil {
			total += n
		}
	}
	return total
}

// TestReportsFitAtTheMaximums: the stats and the weekly review list at
// most statsRows people each, whatever the team's size and the pool's
// name.
func TestReportsFitAtTheMaximums(t *testing.T) {
	t.Parallel()
	s := teamWeek()
	for i := range 500 {
		s.Passers = append(s.Passers, routing.PasserStats{User: fmt.Sprintf("U%010d", i), Handoffs: 999999, Accepted: 999998})
		s.Receivers = append(s.Receivers, routing.ReceiverStats{User: fmt.Sprintf("W%010d", i), Leads: 999999, Expected: 123456.7})
	}
	for _, r := range routing.DisqualifyReasons {
		s.Disqualified = append(s.Disqualified, routing.ReasonCount{Reason: r, Count: 999999})
	}
	for _, scope := range []routing.StatsScope{
		{Role: routing.RoleTeam, Title: strings.Repeat("&", 3000)},
		{Role: routing.RoleReceiver, User: "U0AE1", Title: "<@U0AE1>"},
		{Role: routing.RolePasser, User: "U0SDR", Title: "<@U0SDR>"},
	} {
		fitsOneMessage(t, "StatsReport "+string(scope.Role), clock.StatsReport(scope, 90, s))
	}
	fitsOneMessage(t, "WeeklyReview", clock.WeeklyReview(routing.WeeklyReview{Tick: reviewTick, Last: s, Previous: teamWeek(), Signals: manyFlags()}))
	team := routing.StatsScope{Role: routing.RoleTeam, Title: strings.Repeat("&", 3000)}
	fitsOneMessage(t, "StatsReport with signals", render.WithSignals(clock.StatsReport(team, 90, s), manyFlags(), 90))
}
