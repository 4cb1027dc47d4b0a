package render_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/routing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares v, as indented JSON, with testdata/name.golden.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <!channel> readable in the golden files
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	got := []byte(unescapeJSON(buf.String()))
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./bot/render -update to create it")
	require.Equal(t, string(want), string(got), "golden file %s differs; run with -update if the change is intended", path)
}

var (
	created = time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)
	clock   = render.Clock{Location: time.UTC}
)

func openHandoff() routing.Handoff {
	checklist, _ := routing.Template(routing.DefaultTemplate)
	return routing.Handoff{
		ID: 42, State: routing.StateOpen, Pool: "closers", Channel: "C0HANDOFF", PasserID: "U0SDR",
		Lead: routing.Lead{
			Company: "Acme Corp", ContactName: "Dana Reyes", ContactTitle: "VP Sales",
			Phone: "+14155550100", Email: "dana@acme.example", Notes: "Uses Salesforce; 600 employees; wants a demo of routing.", Consent: true,
			Context: routing.Context{
				Pain: "Inbound leads wait a day for a callback.", Interest: "Round-robin routing", CurrentTools: "Salesforce, Outreach",
				RecordingURL: "https://calls.example/r/42?t=1&u=2", BestTime: "Weekdays after 3 pm ET", BestChannel: "Text message",
				Personality: "Prefers texting; very direct.",
			},
			Checklist: checklist,
			Answers: []routing.Answer{
				{QuestionID: "crm", Text: "Salesforce"},
				{QuestionID: "employees", Number: 600},
				{QuestionID: "industry", Text: "E-commerce"},
				{QuestionID: "decision_maker_level", Text: "VP"},
			},
		},
		CreatedAt: created, ClaimDeadline: created.Add(time.Minute), Live: true,
	}
}

// scheduled is openHandoff made a call for tomorrow, its employees gate
// unmet.
// scheduled is a call scheduled for later from the form: stored with the
// owner the rotation picked.
func scheduled() routing.Handoff {
	h := openHandoff()
	h.Live, h.ScheduledFor = false, created.Add(26*time.Hour)
	h.State, h.OwnerID, h.ClaimedAt = routing.StateScheduled, "U0AE2", created
	h.Lead.Answers[1].Number = 120
	return h
}

func claimed(after time.Duration) routing.Handoff {
	h := openHandoff()
	h.State, h.OwnerID, h.ClaimedAt, h.MessageTS = routing.StateClaimed, "U0AE1", created.Add(after), "1700000000.000100"
	return h
}

// validView checks a modal as Slack would.
func validView(t *testing.T, v slack.ModalViewRequest) {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, slackfake.ValidateBlocks(slackfake.KindModal, raw))
	allVerbatim(t, raw)
}

// allVerbatim checks that Slack parses no mrkdwn text of a payload for
// bare links and names: see TestUserTextIsNeverParsed.
func allVerbatim(t *testing.T, raw []byte) {
	t.Helper()
	for _, obj := range mrkdwnTexts(t, raw) {
		require.Equalf(t, true, obj["verbatim"], "a mrkdwn text Slack would parse: %q", obj["text"])
	}
}

// validMessage checks a message's blocks as Slack would.
func validMessage(t *testing.T, m render.Message) {
	t.Helper()
	raw, err := json.Marshal(m.Blocks)
	require.NoError(t, err)
	require.NoError(t, slackfake.ValidateBlocks(slackfake.KindMessage, raw))
	require.LessOrEqual(t, slackfake.BlocksTextLength(raw), slackfake.MaxBlocksText, "Slack would answer msg_blocks_too_long")
	allVerbatim(t, raw)
	require.LessOrEqual(t, len([]rune(m.Text)), render.MaxMessageText)
}

// TestGoldenModalPerTemplate renders the form of each built-in template.
func TestGoldenModalPerTemplate(t *testing.T) {
	t.Parallel()
	for _, name := range routing.TemplateNames() {
		c, _ := routing.Template(name)
		v := render.HandoffModal(render.Form{Checklist: c})
		validView(t, v)
		golden(t, "modal_"+name, v)
	}
	bant, _ := routing.Template("bant")
	v := render.HandoffModal(render.Form{Checklist: bant, Pool: "enterprise", Company: "Acme Corp"})
	validView(t, v)
	golden(t, "modal_prefilled", v)
	require.JSONEq(t, `{"checklist":"bant","pool":"enterprise"}`, v.PrivateMetadata)

	// Who is available, before submit; nobody: Schedule for later chosen.
	concrete, _ := routing.Template("concrete-criteria")
	v = render.HandoffModal(render.Form{Checklist: concrete, Available: &render.Availability{Pool: "closers", Available: 2, Members: 3, UpNext: "U0AE2"}})
	validView(t, v)
	require.Contains(t, blocksJSON(t, v.Blocks.BlockSet), "👥 2 of 3 in *closers* available now · up next: <@U0AE2>")
	require.Contains(t, blocksJSON(t, v.Blocks.BlockSet), `"initial_option":{"text":{"type":"plain_text","text":"Live transfer now"`)
	v = render.HandoffModal(render.Form{Checklist: concrete, Available: &render.Availability{Pool: "closers", Members: 3}})
	validView(t, v)
	golden(t, "modal_nobody_available", v)
	require.Contains(t, blocksJSON(t, v.Blocks.BlockSet), "Nobody in *closers* is available right now")
	require.Contains(t, blocksJSON(t, v.Blocks.BlockSet), `"initial_option":{"text":{"type":"plain_text","text":"Schedule for later"`)
}

// TestGoldenLaterOffer is the form shown again when the gates refuse a
// live transfer: answers kept, unmet criteria named, later chosen.
func TestGoldenLaterOffer(t *testing.T) {
	t.Parallel()
	h := scheduled()
	h.Lead.Answers = h.Lead.Answers[:3] // the level of the contact left unanswered
	checked := routing.CheckedForm{Lead: h.Lead, Live: true, Unmet: h.Lead.Unmet()}
	require.True(t, checked.OffersLater())
	v := render.LaterOffer(render.Form{Checklist: h.Lead.Checklist}, checked)
	validView(t, v)
	golden(t, "modal_later_offer", v)
	all := blocksJSON(t, v.Blocks.BlockSet)
	require.Contains(t, all, "*Number of employees*: 120 ❌ needs at least 500")
	require.Contains(t, all, "*Level of the contact*: _not answered_ ❌ needs Director, VP, C-level or Owner / founder")
	require.Contains(t, all, `"block_id":"transfer_offered"`)
	require.NotContains(t, all, `"block_id":"transfer"`, "a new block id, so Slack shows the new choice")
	require.Contains(t, all, `"initial_option":{"text":{"type":"plain_text","text":"Schedule for later"`)
	require.Contains(t, all, `"initial_value":"Acme Corp"`)
	require.Contains(t, all, `"initial_value":"120"`)
	require.Contains(t, all, "Uses Salesforce; 600 employees", "the notes come back in the rich text box")
}

func TestModalPrefillsEveryType(t *testing.T) {
	t.Parallel()
	c := everyType()
	lead := routing.Lead{Company: "Acme", ContactName: "Dana", Phone: "+14155550100", Email: "d@acme.example", Checklist: c, Answers: everyAnswer(), Consent: true}
	v := render.LaterOffer(render.Form{Checklist: c}, routing.CheckedForm{Lead: lead, ScheduledFor: created.Add(time.Hour)})
	validView(t, v)
	all := blocksJSON(t, v.Blocks.BlockSet)
	for _, want := range []string{
		`"initial_value":"600"`, `"initial_date":"2027-02-28"`, `"initial_value":"https://acme.example"`,
		`"initial_value":"sam@acme.example"`, `"initial_value":"+442079460958"`, `"initial_value":"Line one\nLine two"`,
		`"initial_date_time":` + itoa(created.Add(time.Hour).Unix()),
		`"initial_options":[{"text":{"type":"plain_text","text":"The prospect agreed to be transferred now"`,
	} {
		require.Contains(t, all, want)
	}
	require.Contains(t, all, `"block_id":"transfer"`, "no gate refused anything: the plain choice")
}

// everyType is a checklist with a question of every type, and a select
// and a multi_select too long for radio buttons.
func everyType() routing.Checklist {
	var many []string
	for i := range 11 {
		many = append(many, "Option "+itoa(int64(i)))
	}
	min := 1.0
	return routing.Checklist{Name: "custom", Questions: []routing.Question{
		{ID: "employees", Label: "Employees", Type: routing.TypeNumber, Required: true, Min: &min, Gate: &routing.Gate{AtLeast: ptr(500)}},
		{ID: "uses_salesforce", Label: "Uses Salesforce?", Type: routing.TypeYesNo, Gate: &routing.Gate{Equals: "yes"}},
		{ID: "big_select", Label: "Big select", Type: routing.TypeSelect, Options: many},
		{ID: "big_multi", Label: "Big multi", Type: routing.TypeMultiSelect, Options: many, Gate: &routing.Gate{In: many[:2]}},
		{ID: "channels", Label: "Channels", Type: routing.TypeMultiSelect, Options: []string{"Online", "Retail"}},
		{ID: "summary", Label: "Summary", Type: routing.TypeText},
		{ID: "story", Label: "Story", Type: routing.TypeLongText},
		{ID: "champion_email", Label: "Champion email", Type: routing.TypeEmail},
		{ID: "champion_phone", Label: "Champion phone", Type: routing.TypePhone},
		{ID: "website", Label: "Website", Type: routing.TypeURL},
		{ID: "go_live", Label: "Go-live", Type: routing.TypeDate, Hint: "When they want it running."},
	}}
}

func everyAnswer() []routing.Answer {
	return []routing.Answer{
		{QuestionID: "employees", Number: 600},
		{QuestionID: "uses_salesforce", Yes: true},
		{QuestionID: "big_select", Text: "Option 10"},
		{QuestionID: "big_multi", Choices: []string{"Option 1", "Option 9"}},
		{QuestionID: "channels", Choices: []string{"Online"}},
		{QuestionID: "summary", Text: "Wants routing"},
		{QuestionID: "story", Text: "Line one\nLine two"},
		{QuestionID: "champion_email", Text: "sam@acme.example"},
		{QuestionID: "champion_phone", Text: "+442079460958"},
		{QuestionID: "website", Text: "https://acme.example"},
		{QuestionID: "go_live", Date: time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC)},
	}
}

func ptr(f float64) *float64 { return &f }

func TestModalElements(t *testing.T) {
	t.Parallel()
	v := render.HandoffModal(render.Form{Checklist: everyType()})
	validView(t, v)
	elements := map[string]string{}
	optional := map[string]bool{}
	hints := map[string]string{}
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok {
			continue
		}
		raw, err := json.Marshal(in.Element)
		require.NoError(t, err)
		var el struct {
			Type string `json:"type"`
		}
		require.NoError(t, json.Unmarshal(raw, &el))
		elements[in.BlockID] = el.Type
		optional[in.BlockID] = in.Optional
		if in.Hint != nil {
			hints[in.BlockID] = in.Hint.Text
		}
	}
	require.Equal(t, map[string]string{
		"q.employees": "number_input", "q.uses_salesforce": "radio_buttons", "q.big_select": "static_select",
		"q.big_multi": "multi_static_select", "q.channels": "checkboxes", "q.summary": "plain_text_input",
		"q.story": "plain_text_input", "q.champion_email": "email_text_input", "q.champion_phone": "plain_text_input",
		"q.website": "url_text_input", "q.go_live": "datepicker",
		"company": "plain_text_input", "contact_name": "plain_text_input", "contact_title": "plain_text_input",
		"phone": "plain_text_input", "email": "email_text_input",
		"pain": "plain_text_input", "interest": "plain_text_input", "current_tools": "plain_text_input",
		"best_time": "plain_text_input", "best_channel": "radio_buttons", "personality": "plain_text_input",
		"recording_url": "url_text_input", "notes": "rich_text_input",
		"transfer": "radio_buttons", "scheduled_for": "datetimepicker", "consent": "checkboxes",
	}, elements)
	require.False(t, optional["q.employees"], "required questions are required in Slack too")
	require.True(t, optional["q.summary"])
	require.True(t, optional["consent"], "consent is needed only for a live transfer; Baton checks it")
	require.True(t, optional["scheduled_for"])
	require.False(t, optional["transfer"])
	require.Equal(t, "Live transfer needs: at least 500.", hints["q.employees"])
	require.Equal(t, "Live transfer needs: any of Option 0 or Option 1.", hints["q.big_multi"])
	require.Equal(t, "When they want it running.", hints["q.go_live"])
}

// maxChecklist is the largest checklist its own rules allow, with n
// questions: the longest labels, hints and options, as many options as a
// question takes, selects, multi-selects and long texts in turn.
func maxChecklist(t *testing.T, n int) routing.Checklist {
	t.Helper()
	c := routing.Checklist{Name: strings.Repeat("n", 200)}
	opts := make([]string, routing.MaxOptions)
	for i := range opts {
		opts[i] = strings.Repeat("o", routing.MaxOptionLength-3) + itoa(int64(100+i))
	}
	for i := range n {
		q := routing.Question{ID: "q" + itoa(int64(i)), Label: strings.Repeat("<", routing.MaxLabelLength), Hint: strings.Repeat("h", routing.MaxHintLength)}
		switch i % 3 {
		case 0:
			q.Type, q.Options, q.Gate = routing.TypeSelect, opts, &routing.Gate{In: opts[:1]}
		case 1:
			q.Type, q.Options, q.Gate = routing.TypeMultiSelect, opts, &routing.Gate{In: opts[:1]}
		default:
			q.Type = routing.TypeLongText
		}
		c.Questions = append(c.Questions, q)
	}
	checked, err := routing.CheckChecklist(c)
	require.Nil(t, err)
	return checked
}

// fits reports whether c's forms, at their largest, are within Slack's
// view limit: what the configuration checks before it takes a checklist.
func fits(c routing.Checklist, pools []string) bool {
	s := render.LargestForms(c, pools[0], pools)
	return s.Handoff <= render.MaxViewBytes && s.Offer <= render.MaxViewBytes
}

// TestModalWithinLimits: the checklist's own limits (40 questions of 100
// options) allow forms Slack refuses, so the configuration also measures
// them. The largest checklist that passes that measure gives forms Slack
// takes, at their largest (every answer at its longest, the longest pool
// name); one question more is refused.
func TestModalWithinLimits(t *testing.T) {
	t.Parallel()
	pools := []string{strings.Repeat("p", 100), "closers"}
	require.False(t, fits(maxChecklist(t, routing.MaxQuestions), pools), "the checklist's own limits are not enough")

	// The most questions that fit: fits(lo) holds, fits(hi) does not.
	lo, hi := 1, routing.MaxQuestions
	require.True(t, fits(maxChecklist(t, lo), pools))
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; fits(maxChecklist(t, mid), pools) {
			lo = mid
		} else {
			hi = mid
		}
	}
	n := lo
	require.GreaterOrEqual(t, n, 2, "a checklist of the longest questions still has room for a few")
	largest := maxChecklist(t, n)
	sizes := render.LargestForms(largest, pools[0], pools)
	for _, av := range []int{0, 3} {
		v := render.HandoffModal(render.Form{Checklist: largest, Pool: pools[0], Company: strings.Repeat("😀", routing.MaxNameLength),
			Available: &render.Availability{Pool: pools[0], Available: av, Members: 9, UpNext: "U0AE1"}})
		validView(t, v)
		require.LessOrEqual(t, len(v.Blocks.BlockSet), render.MaxModalBlocks)
		require.LessOrEqual(t, render.ViewBytes(v), sizes.Handoff, "LargestForms is an upper bound")
	}
	offer := render.LaterOffer(render.Form{Checklist: largest, Pool: pools[0]}, render.LargestAnswers(largest))
	validView(t, offer)
	require.LessOrEqual(t, len(offer.Blocks.BlockSet), render.MaxModalBlocks)
	require.Equal(t, render.ViewBytes(offer), sizes.Offer)
	require.LessOrEqual(t, sizes.Offer, render.MaxViewBytes)

	require.False(t, fits(maxChecklist(t, n+1), pools), "one question more is over Slack's limit")
}

// TestLargestFormsBoundsRealAnswers: a form filled with what people type,
// at every limit (CJK characters, the longest option), is no larger than
// LargestForms says.
func TestLargestFormsBoundsRealAnswers(t *testing.T) {
	t.Parallel()
	for _, name := range routing.TemplateNames() {
		c, _ := routing.Template(name)
		sizes := render.LargestForms(c, "", []string{"closers"})
		cjk := func(n int) string { return strings.Repeat("漢", n) }
		lead := routing.Lead{Company: cjk(routing.MaxNameLength), ContactName: cjk(routing.MaxNameLength), Notes: cjk(routing.MaxNotesLength), Checklist: c,
			Context: routing.Context{Pain: cjk(routing.MaxPainLength), Personality: cjk(routing.MaxPersonalityLength)}}
		for _, q := range c.Questions {
			a := routing.Answer{QuestionID: q.ID, Text: cjk(routing.MaxTextAnswer), Choices: q.Options}
			if len(q.Options) > 0 {
				a.Text = q.Options[len(q.Options)-1]
			}
			lead.Answers = append(lead.Answers, a)
		}
		offer := render.LaterOffer(render.Form{Checklist: c}, routing.CheckedForm{Lead: lead, Live: true, Unmet: c.Gated()})
		require.LessOrEqual(t, render.ViewBytes(offer), sizes.Offer, name)
		require.LessOrEqual(t, sizes.Offer, render.MaxViewBytes, "the built-in %s fits", name)
		require.LessOrEqual(t, sizes.Handoff, render.MaxViewBytes, "the built-in %s fits", name)
	}
}

// TestGoldenLaterOfferPending: the short forms that stand in for the
// schedule-for-later offer while it is sent, and if it cannot be.
func TestGoldenLaterOfferPending(t *testing.T) {
	t.Parallel()
	pending := render.LaterOfferPending("baton-offer-X")
	validView(t, pending)
	golden(t, "later_offer_pending", pending)
	failed := render.LaterOfferFailed()
	validView(t, failed)
	golden(t, "later_offer_failed", failed)
}

func TestGoldenChannelMessage(t *testing.T) {
	t.Parallel()
	golden(t, "channel_open", clock.ChannelMessage(openHandoff()))
	golden(t, "channel_later", clock.ChannelMessage(scheduled()))
	golden(t, "channel_claimed", clock.ChannelMessage(claimed(14*time.Second)))
	golden(t, "channel_claimed_late", clock.ChannelMessage(claimed(95*time.Second)))
	cancelled := openHandoff()
	cancelled.State = routing.StateCancelled
	golden(t, "channel_cancelled", clock.ChannelMessage(cancelled))
}

func TestGoldenDMs(t *testing.T) {
	t.Parallel()
	golden(t, "passer_sent", clock.PasserSent(openHandoff()))
	routed := openHandoff()
	routed.Turn = routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U0AE2", Available: 2, Members: 3}
	golden(t, "passer_sent_routed", clock.PasserSent(routed))
	routed.Turn = routing.Turn{Members: 3}
	golden(t, "passer_sent_nobody", clock.PasserSent(routed))
	golden(t, "owner_brief", clock.OwnerBrief(claimed(14*time.Second)))
	golden(t, "passer_claimed", clock.PasserClaimed(claimed(14*time.Second)))
	golden(t, "thread_brief", clock.ThreadBrief(openHandoff()))
	golden(t, "modal_whole_brief", clock.WholeBrief(openHandoff()))

	later := scheduled()
	golden(t, "owner_assigned_scheduled", clock.OwnerAssigned(later, ""))
	golden(t, "passer_scheduled_later", clock.PasserScheduled(later, ""))
	for _, m := range []render.Message{clock.PasserSent(openHandoff()), clock.OwnerAssigned(later, ""), clock.ThreadBrief(later), clock.PasserScheduled(later, "")} {
		validMessage(t, m)
	}
}

// TestScheduledMessagePingsNobody: a call for later must not ping the
// channel, and must say when the call is.
func TestScheduledMessagePingsNobody(t *testing.T) {
	t.Parallel()
	h := scheduled()
	m := clock.ChannelMessage(h)
	validMessage(t, m)
	all := m.Text + blocksJSON(t, m.Blocks)
	require.NotContains(t, all, "<!channel>")
	require.NotContains(t, all, "<!here>")
	when := "<!date^" + itoa(h.ScheduledFor.Unix()) + "^{date_short_pretty} at {time}|Sun 22 Nov 16:30 UTC>"
	require.Equal(t, "Scheduled for later with <@U0AE2> — Acme Corp", m.Text)
	require.Contains(t, all, "Callback "+when)
	require.NotContains(t, all, `"action_id":"claim"`, "its owner was picked by rotation: nothing to claim")
	require.Contains(t, blockTexts(t, m.Blocks), "*Number of employees*\n120 ❌ needs at least 500")
	require.Contains(t, clock.OwnerAssigned(h, "").Text, "callback "+when)
}

// TestChannelMessageShowsTheFacts: the company, the contact and title, who
// passed it and the gate answers; the rest is in the thread.
func TestChannelMessageShowsTheFacts(t *testing.T) {
	t.Parallel()
	all := blockTexts(t, clock.ChannelMessage(openHandoff()).Blocks)
	for _, want := range []string{"Dana Reyes, VP Sales", "<@U0SDR>", "*Number of employees*\n600 ✅", "*Level of the contact*\nVP ✅"} {
		require.Contains(t, all, want)
	}
	for _, absent := range []string{"Uses Salesforce;", "Inbound leads wait", "E-commerce"} {
		require.NotContains(t, all, absent, "the channel post is for deciding in five seconds")
	}
	brief := blockTexts(t, clock.ThreadBrief(openHandoff()).Blocks)
	for _, want := range []string{"Uses Salesforce;", "Inbound leads wait", "*Industry*\nE-commerce", "*CRM in use*\nSalesforce", "*Call recording*\n<https://calls.example/r/42?t=1&amp;u=2>", "*Best way to reach them*\nText message", "*Personality notes*\nPrefers texting"} {
		require.Contains(t, brief, want)
	}
}

// TestBriefLabelsEveryAnswer renders a brief of every question type.
func TestBriefLabelsEveryAnswer(t *testing.T) {
	t.Parallel()
	h := claimed(5 * time.Second)
	h.Lead.Checklist, h.Lead.Answers = everyType(), everyAnswer()
	m := clock.OwnerBrief(h)
	validMessage(t, m)
	all := blockTexts(t, m.Blocks)
	for _, want := range []string{
		"*Employees*\n600 ✅", "*Uses Salesforce?*\nYes ✅", "*Big select*\nOption 10", "*Big multi*\nOption 1, Option 9 ✅",
		"*Channels*\nOnline", "*Summary*\nWants routing", "*Story*\nLine one\nLine two", "*Champion email*\nsam@acme.example",
		"*Champion phone*\n+442079460958", "*Website*\n<https://acme.example>", "*Go-live*\nSun 28 Feb 2027",
		"*Qualification* · custom",
	} {
		require.Contains(t, all, want)
	}
	require.NotContains(t, all, "Not live-qualified")
}

// TestLongNoteInPieces: a 5,000-character note is shown whole in the DM and
// the thread, in sections within Slack's limit.
func TestLongNoteInPieces(t *testing.T) {
	t.Parallel()
	h := claimed(3 * time.Second)
	var note strings.Builder
	for i := 0; note.Len() < 5000; i++ {
		note.WriteString("Sentence " + itoa(int64(i)) + " of the call, with <b> & co. ")
	}
	h.Lead.Notes = strings.TrimSpace(note.String())
	for _, m := range []render.Message{clock.OwnerBrief(h), clock.ThreadBrief(h)} {
		validMessage(t, m)
		var pieces []string
		for _, b := range m.Blocks {
			if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil && strings.Contains(s.Text.Text, "Sentence") {
				require.LessOrEqual(t, len([]rune(s.Text.Text)), render.MaxSectionText)
				pieces = append(pieces, strings.TrimPrefix(s.Text.Text, "*Notes*\n"))
			}
		}
		require.GreaterOrEqual(t, len(pieces), 2, "more than one section")
		joined := strings.Join(pieces, " ")
		require.Equal(t, strings.Fields(render.Escape(h.Lead.Notes)), strings.Fields(joined), "every word, in order, nothing cut")
		require.NotContains(t, joined, "…")
	}
	require.NotContains(t, blocksJSON(t, clock.ChannelMessage(h).Blocks), "Sentence", "notes stay out of the channel post")
}

// TestBriefFitsInFiftyBlocks: the largest checklist, every long answer at
// its longest, and notes that double in length when escaped still make a
// message Slack takes, cut with a word that the whole text is kept.
func TestBriefFitsInFiftyBlocks(t *testing.T) {
	t.Parallel()
	h := claimed(3 * time.Second)
	c := routing.Checklist{Name: "custom"}
	h.Lead.Answers = nil
	for i := range routing.MaxQuestions {
		id := "q" + itoa(int64(i))
		c.Questions = append(c.Questions, routing.Question{ID: id, Label: strings.Repeat("&", routing.MaxLabelLength), Type: routing.TypeLongText})
		h.Lead.Answers = append(h.Lead.Answers, routing.Answer{QuestionID: id, Text: strings.Repeat("<&>\n", routing.MaxLongTextAnswer/4)})
	}
	h.Lead.Checklist = c
	h.Lead.Notes = strings.Repeat("<", routing.MaxNotesLength)
	h.Lead.Context.Pain = strings.Repeat("&", routing.MaxPainLength)
	for _, m := range []render.Message{clock.OwnerBrief(h), clock.ThreadBrief(h)} {
		validMessage(t, m)
		require.LessOrEqual(t, len(m.Blocks), render.MaxMessageBlock)
		require.Contains(t, blocksJSON(t, m.Blocks), `*Read the whole brief* opens it uncut.`)
		require.Contains(t, blocksJSON(t, m.Blocks), `"action_id":"whole_brief","value":"42"`)
	}
	// Its whole brief is more than the modal's text: the modal cuts it to
	// fit, and says so. In four-byte characters, that text would pass a
	// view's 250 KB: the modal cuts it shorter.
	for i := range h.Lead.Answers {
		if i%2 == 0 {
			h.Lead.Answers[i].Text = strings.Repeat("🔥", routing.MaxLongTextAnswer)
		}
	}
	v := clock.WholeBrief(h)
	validView(t, v)
	require.LessOrEqual(t, render.ViewBytes(v), render.MaxViewBytes)
	require.LessOrEqual(t, len(v.Blocks.BlockSet), render.MaxModalBlocks)
	require.Contains(t, blocksJSON(t, v.Blocks.BlockSet), "Cut to fit one Slack view")
	require.NotContains(t, blocksJSON(t, v.Blocks.BlockSet), "whole_brief", "no button to itself")

	// Notes alone at their longest fit whole, in pieces.
	h = claimed(3 * time.Second)
	h.Lead.Notes = strings.TrimSpace(strings.Repeat("word ", routing.MaxNotesLength/5))
	m := clock.OwnerBrief(h)
	validMessage(t, m)
	var shown []string
	for _, b := range m.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil && strings.Contains(s.Text.Text, "word") {
			shown = append(shown, strings.Fields(strings.TrimPrefix(s.Text.Text, "*Notes*\n"))...)
		}
	}
	require.Equal(t, strings.Fields(h.Lead.Notes), shown, "every word, in order")
	require.NotContains(t, blocksJSON(t, m.Blocks), "Read the whole brief", "nothing cut, no button")
}

func TestPieces(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"short"}, render.Pieces("short", 10))
	require.Empty(t, render.Pieces(" \n ", 10))
	require.Equal(t, []string{"aaaa bbbb", "cccc"}, render.Pieces("aaaa bbbb cccc", 10), "at a space near the end")
	require.Equal(t, []string{"aaaa\nbbbb", "cccc"}, render.Pieces("aaaa\nbbbb cccc", 10), "at a line break")
	require.Equal(t, []string{"aaaaaaaaa", "a"}, render.Pieces("aaaaaaaaaa", 9), "mid-word when it must")
	for _, s := range []string{strings.Repeat("&amp;", 100), strings.Repeat("x&lt;", 100), strings.Repeat("xy&gt;", 100)} {
		for max := 5; max < 40; max++ {
			pieces := render.Pieces(s, max)
			require.Equal(t, s, strings.Join(pieces, ""), "%q by %d", s[:10], max)
			for _, p := range pieces {
				require.LessOrEqual(t, len([]rune(p)), max)
				require.NotRegexp(t, `&[a-z]*$`, p, "no entity split")
				require.NotRegexp(t, `^[a-z]*;`, p, "no entity split")
			}
		}
	}
}

func TestChannelMessageAnnouncesChannel(t *testing.T) {
	t.Parallel()
	m := clock.ChannelMessage(openHandoff())
	// text drives notifications: the mention must be there, not only in blocks.
	require.True(t, strings.HasPrefix(m.Text, "<!channel> 🔥 Hot lead transferring — Acme Corp"), m.Text)
	// A verbatim text still reads Baton's own <!channel> token.
	require.Contains(t, blocksJSON(t, m.Blocks), `{"type":"mrkdwn","text":"<!channel> 🔥 *Hot lead transferring — Acme Corp*","verbatim":true}`)
	require.Contains(t, blocksJSON(t, m.Blocks), "<!date^"+itoa(created.Add(time.Minute).Unix()))
	require.Contains(t, blocksJSON(t, m.Blocks), `"action_id":"claim","value":"42"`)

	c := clock.ChannelMessage(claimed(14 * time.Second))
	require.Equal(t, "Claimed by <@U0AE1> in 14 s — Acme Corp", c.Text)
	require.NotContains(t, blocksJSON(t, c.Blocks), `"claim"`, "a claimed message has no Claim button")
}

func TestUserTextIsEscaped(t *testing.T) {
	t.Parallel()
	h := openHandoff()
	h.Lead.Company = "<!everyone> & <@U0BOSS>"
	h.Lead.ContactName = "<https://evil.example|click>"
	h.Lead.Notes = "<!here> call me"
	h.Lead.Email = "<mailto:x@evil.example|boss>"
	h.Lead.Context = routing.Context{Pain: "<!channel>", Interest: "<!here>", CurrentTools: "<!everyone>", BestTime: "<@U0BOSS>", Personality: "<!subteam^S1>"}
	h.Lead.Answers[0].Text = "<!everyone>"
	h.Lead.Answers[3].Text = "<!here|x>"
	h.Lead.Checklist.Questions[0].Label = "<!everyone> label"
	owned := h
	owned.State, owned.OwnerID, owned.ClaimedAt = routing.StateClaimed, "U0AE1", created.Add(time.Second)
	for name, m := range map[string]render.Message{
		"channel": clock.ChannelMessage(h), "sent": clock.PasserSent(h), "claimed channel": clock.ChannelMessage(owned),
		"brief": clock.OwnerBrief(owned), "passer claimed": clock.PasserClaimed(owned), "thread": clock.ThreadBrief(h),
	} {
		all := m.Text + blocksJSON(t, m.Blocks)
		require.NotContains(t, all, "<!everyone>", name)
		require.NotContains(t, all, "<!here>", name)
		require.NotContains(t, all, "<@U0BOSS>", name)
		require.NotContains(t, all, "<https://evil", name)
		require.NotContains(t, all, "<mailto:", name)
		require.NotContains(t, all, "<!subteam", name)
		if name != "channel" {
			require.NotContains(t, all, "<!channel>", name)
		}
	}
	require.Contains(t, blocksJSON(t, clock.OwnerBrief(owned).Blocks), "&lt;!here&gt; call me", "the brief carries the notes, escaped")
	m := clock.ChannelMessage(h)
	require.Contains(t, m.Text, "&lt;!everyone&gt; &amp; &lt;@U0BOSS&gt;")
}

func TestLongTextStaysWithinLimits(t *testing.T) {
	t.Parallel()
	h := claimed(3 * time.Second)
	h.Lead.Company = strings.Repeat("<", 150)
	h.Lead.ContactName = strings.Repeat("&", 150)
	h.Lead.ContactTitle = strings.Repeat("é", 150)
	h.Lead.Notes = strings.Repeat("<>&", 1000)
	h.Lead.Answers[0].Text = strings.Repeat("<", 75)
	for _, m := range []render.Message{clock.ChannelMessage(h), clock.OwnerBrief(h), clock.PasserClaimed(h), clock.PasserSent(h), clock.ThreadBrief(h)} {
		validMessage(t, m)
		require.LessOrEqual(t, len([]rune(m.Text)), render.MaxMessageText)
		require.LessOrEqual(t, len(m.Blocks), render.MaxMessageBlock)
		for _, b := range m.Blocks {
			s, ok := b.(*slack.SectionBlock)
			if !ok {
				continue
			}
			if s.Text != nil {
				require.LessOrEqual(t, len([]rune(s.Text.Text)), render.MaxSectionText)
				require.NotRegexp(t, `&[a-z]*…`, s.Text.Text, "a cut never splits an entity")
			}
			for _, f := range s.Fields {
				require.LessOrEqual(t, len([]rune(f.Text)), render.MaxFieldText)
			}
		}
	}
}

func TestEscapeTruncateSanitize(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a &amp; b &lt;c&gt;", render.Escape("a & b <c>"))
	require.Equal(t, "plain", render.Escape("plain"))
	require.Equal(t, "abc", render.Truncate("abc", 3))
	require.Equal(t, "ab…", render.Truncate("abcd", 3))
	require.Equal(t, "x…", render.Truncate("x&amp;y", 4), "no half entity")
	require.Equal(t, "éé…", render.Truncate("éééé", 3), "counts characters, not bytes")
	require.Equal(t, "a\nb\tc", render.Sanitize("a\nb\tc\x00\x07"))
	require.Equal(t, "ok�", render.Sanitize("ok\xff"))
}

func TestWait(t *testing.T) {
	t.Parallel()
	require.Equal(t, "14 s", render.Wait(14*time.Second+300*time.Millisecond))
	require.Equal(t, "119 s", render.Wait(119*time.Second))
	require.Equal(t, "3 min", render.Wait(3*time.Minute+10*time.Second))
	require.Equal(t, "5 h", render.Wait(5*time.Hour))
}

func TestClaimRefused(t *testing.T) {
	t.Parallel()
	pool := routing.Pool{Name: "closers", Managers: []string{"U0MGR"}}
	require.Equal(t, "<@U0AE1> already has this lead.", clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedAlreadyClaimed, Owner: "U0AE1"}, pool, routing.Turn{}))
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedNotInPool}, pool, routing.Turn{}), "not in the pool")
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedNotInPool}, pool, routing.Turn{}), "<@U0MGR>")
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedOwnedByYou}, pool, routing.Turn{}), "already own")
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedCancelled}, pool, routing.Turn{}), "cancelled")
}

func blocksJSON(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	// Without HTML escaping, as Slack receives it: json.Marshal would turn
	// "<" into \u003c and make the escaping checks pass vacuously.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(blocks))
	return unescapeJSON(buf.String())
}

// blockTexts joins every text in blocks, as Slack shows them.
func blockTexts(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(blocksJSON(t, blocks)), &v))
	var texts []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				texts = append(texts, s)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return strings.Join(texts, "\n\n")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// unescapeJSON undoes the \u003c-style escapes that custom MarshalJSON
// methods in slack-go still apply, so the text compared is what Slack reads.
func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}
