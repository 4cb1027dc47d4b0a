package render

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// maxSectionFields is how many fields one section holds.
const maxSectionFields = 10

// The brief is everything the passer learned, every answer labelled: the
// owner's DM and the thread reply under the channel post carry it. Short
// answers sit side by side as fields; long text gets sections of its own,
// in as many pieces as Slack's 3,000-character limit needs. One message
// holds 50 blocks and MaxBlocksText characters of text in all, and a brief
// with every field of the form filled to its maximum holds more. Such a
// brief is cut rather than refused by Slack: every text is cut to one
// length, the longest length at which the brief fits, so the short texts
// stay whole and only the long ones lose their ends (each ending in "…"),
// and a last line says that texts were cut, above a Read the whole brief
// button that opens the brief whole in a modal (WholeBrief).

// brief is a brief laid out in groups, before it becomes blocks.
type brief struct {
	// facts are the contact's fields, first.
	facts  []entry
	groups []briefGroup
	id     int64
	// inModal is a brief shown in the Whole brief modal, whose limits are
	// a view's (100 blocks, 250 KB), not a message's: a cut there, rare,
	// is said without the button that opens it.
	inModal bool
}

// briefGroup is a titled part: the qualification, the context, the notes.
type briefGroup struct {
	title string // mrkdwn; "" for none
	// unmet are the labels of the gates a live transfer missed, listed
	// under the title.
	unmet  []string
	fields []entry
	long   []entry
}

// entry is one labelled text of a brief; label and text are escaped.
type entry struct {
	label, text string
	// fixed is never cut: a mention or a date Baton wrote.
	fixed bool
	// link shows text, a URL, as a link while it is shown whole.
	link bool
	// gate, when set, is a gated answer, shown with its verdict.
	gate *gated
}

// gated is a gated question with its answer.
type gated struct {
	q        routing.Question
	a        routing.Answer
	answered bool
}

// noCut is a length no text reaches: nothing is cut.
const noCut = math.MaxInt

// minCut is the shortest a cut leaves a text: below it a brief says too
// little to be worth posting, and a checklist that long is cut block by
// block instead.
const minCut = 80

// layout renders texts cut to at most max characters each, and remembers
// whether it cut any.
type layout struct {
	max int
	cut bool
}

// text is s cut to l.max.
func (l *layout) text(s string) string {
	t := Truncate(s, l.max)
	l.cut = l.cut || t != s
	return t
}

// value is e's text within max characters (and l.max).
func (l *layout) value(e entry, max int) string {
	switch {
	case e.fixed:
		return e.text
	case e.gate != nil:
		g := e.gate
		t := Truncate(gateVerdict(g.q, g.a, g.answered, l.max), max)
		l.cut = l.cut || t != gateVerdict(g.q, g.a, g.answered, noCut)
		return t
	case e.link && utf8.RuneCountInString(e.text)+2 <= min(l.max, max):
		return "<" + e.text + ">"
	}
	t := Truncate(e.text, min(l.max, max))
	l.cut = l.cut || t != e.text
	return t
}

// field is e as a field: the label in bold over the value, within
// MaxFieldText.
func (l *layout) field(e entry) string {
	label := l.text(e.label)
	value := l.value(e, MaxFieldText-utf8.RuneCountInString(label)-3)
	if value == "" {
		value = "—"
	}
	return "*" + label + "*\n" + value
}

// addText adds a labelled user text to g: as a field when it fits one,
// else as a long text. A link is a URL that routing.CheckURL takes.
func (g *briefGroup) addText(label, text string, link bool) {
	if text == "" {
		return
	}
	e := entry{label: userText(label, 300), text: Escape(Sanitize(text)), link: link && routing.CheckURL(text) == ""}
	if utf8.RuneCountInString(e.text) > 500 || strings.Count(e.text, "\n") > 4 {
		g.long = append(g.long, e)
		return
	}
	g.fields = append(g.fields, e)
}

// newBrief lays out h's whole brief.
func (c Clock) newBrief(h routing.Handoff) brief {
	l := h.Lead
	passer := entry{label: "Passed by", text: fmt.Sprintf("<@%s>", h.PasserID), fixed: true}
	b := brief{
		facts: []entry{
			{label: "Contact", text: contactLine(l)},
			{label: "Phone", text: userText(l.Phone, 40)},
			{label: "Email", text: userText(l.Email, routing.MaxEmailLength*5)},
			passer,
		},
		id: h.ID,
	}
	if c.DetailsHidden {
		b.facts = []entry{hiddenFact, passer}
	}
	if !h.ScheduledFor.IsZero() {
		b.facts = append(b.facts, entry{label: "Call scheduled for", text: c.when(h.ScheduledFor), fixed: true})
	}

	if len(l.Checklist.Questions) > 0 {
		qual := briefGroup{title: "*Qualification* · " + userText(l.Checklist.Name, 100)}
		for _, q := range l.Unmet() {
			qual.unmet = append(qual.unmet, userText(q.Label, 300))
		}
		for _, q := range l.Checklist.Questions {
			a, answered := routing.FindAnswer(l.Answers, q.ID)
			switch {
			case q.Gate != nil:
				qual.fields = append(qual.fields, entry{label: userText(q.Label, 300), gate: &gated{q, a, answered}})
			case answered:
				qual.addText(q.Label, answerText(q, a), q.Type == routing.TypeURL)
			}
		}
		b.groups = append(b.groups, qual)
	}

	ctx := briefGroup{title: "*Context*"}
	cx := l.Context
	ctx.addText("Pain or need", cx.Pain, false)
	ctx.addText("Feature that caught their interest", cx.Interest, false)
	ctx.addText("Current tools", cx.CurrentTools, false)
	ctx.addText("Best time to reach them", cx.BestTime, false)
	ctx.addText("Best way to reach them", cx.BestChannel, false)
	ctx.addText("Personality notes", cx.Personality, false)
	ctx.addText("Call recording", cx.RecordingURL, true)
	b.groups = append(b.groups, ctx)

	if l.Notes != "" {
		notes := briefGroup{}
		notes.long = append(notes.long, entry{label: "Notes", text: Escape(Sanitize(l.Notes))})
		b.groups = append(b.groups, notes)
	}
	return b
}

// Ways to show long texts, from whole to compact.
const (
	longWhole   = iota // in as many sections as they need
	longOne            // one section each, cut
	longAsField        // a field each, cut
)

// blocks renders the brief, showing long texts as style says and cutting
// every text to max characters. cut reports whether any text was cut.
func (b brief) blocks(style, max int) (out []slack.Block, cut bool) {
	l := &layout{max: max}
	facts := make([]string, len(b.facts))
	for i, e := range b.facts {
		facts[i] = l.field(e)
	}
	out = fieldSections(facts)
	for _, g := range b.groups {
		if len(g.fields) == 0 && len(g.long) == 0 {
			continue
		}
		if g.title != "" {
			title := g.title
			if len(g.unmet) > 0 {
				names := make([]string, len(g.unmet))
				for i, n := range g.unmet {
					names[i] = l.text(n)
				}
				title += "\n⚠️ Not live-qualified; unmet: " + strings.Join(names, ", ")
			}
			l.cut = l.cut || utf8.RuneCountInString(title) > MaxSectionText
			out = append(out, section(title))
		}
		var fields []string
		for _, e := range g.fields {
			fields = append(fields, l.field(e))
		}
		var longs []slack.Block
		for _, e := range g.long {
			label := l.text(e.label)
			head := "*" + label + "*\n"
			room := MaxSectionText - utf8.RuneCountInString(head)
			switch style {
			case longWhole:
				for i, p := range Pieces(l.value(e, noCut), room) {
					if i == 0 {
						p = head + p
					}
					longs = append(longs, section(p))
				}
			case longOne:
				longs = append(longs, section(head+l.value(e, room)))
			default:
				fields = append(fields, l.field(e))
			}
		}
		out = append(out, fieldSections(fields)...)
		out = append(out, longs...)
	}
	return out, l.cut
}

// fit renders the brief in at most room blocks and budget characters of
// text (as TextLength counts them): whole if it fits, else with its long
// texts shown more compactly, else with every text cut to the longest
// length at which it fits, and a last line that says so.
func (b brief) fit(room, budget int) []slack.Block {
	fits := func(out []slack.Block) bool { return len(out) <= room && TextLength(out) <= budget }
	styles := []int{longWhole, longOne, longAsField}
	for _, style := range styles {
		if out, cut := b.blocks(style, noCut); !cut && fits(out) {
			return out
		}
	}

	note := b.cutNote(false)
	room, budget = room-len(note), budget-TextLength(note)
	top := b.tooLong(budget)
	// Of the styles, the one that shows the most text wins.
	var best []slack.Block
	shown := 0
	for _, style := range styles {
		if out, _ := b.blocks(style, minCut); !fits(out) {
			continue
		}
		// lo fits, hi does not.
		lo, hi := minCut, top
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if out, _ := b.blocks(style, mid); fits(out) {
				lo = mid
			} else {
				hi = mid
			}
		}
		if out, _ := b.blocks(style, lo); TextLength(out) > shown {
			best, shown = out, TextLength(out)
		}
	}
	if best != nil {
		return append(best, note...)
	}
	// Only a checklist far beyond what one message can show gets here:
	// every text is cut to minCut and the brief still does not fit. Its
	// last blocks are left out, and the last line says so.
	note = b.cutNote(true)
	budget = budget + TextLength(b.cutNote(false)) - TextLength(note)
	out, _ := b.blocks(longAsField, minCut)
	for len(out) > 0 && !fits(out) {
		out = out[:len(out)-1]
	}
	return append(out, note...)
}

// cutNote is the brief's last blocks once texts were cut (and, with
// dropped, blocks left out): a line that says so and, in a message, the
// Whole brief button, which opens the brief uncut in a modal.
func (b brief) cutNote(dropped bool) []slack.Block {
	what := "each text ending in “…” is shortened"
	if dropped {
		what += " and the last answers are left out"
	}
	if b.inModal {
		return []slack.Block{contextLine(fmt.Sprintf("✂️ Cut to fit one Slack view: %s.", what))}
	}
	button := slack.NewButtonBlockElement(ActionWholeBrief, strconv.FormatInt(b.id, 10), plain("Read the whole brief"))
	return []slack.Block{
		contextLine(fmt.Sprintf("✂️ Cut to fit one Slack message: %s. *Read the whole brief* opens it uncut.", what)),
		slack.NewActionBlock(wholeBriefBlock, button),
	}
}

// wholeBriefBlock is the block_id of the Whole brief button's block.
const wholeBriefBlock = "whole_brief_actions"

// maxWholeBriefText is where the Whole brief modal starts cutting: more
// text than the form's fields hold in all, unless a checklist has many long
// questions filled to their maximums.
const maxWholeBriefText = 100_000

// BriefGone and BriefFailed answer a Read the whole brief button whose
// handoff is not found, or that Baton could not open.
const (
	BriefGone   = "I can't find that handoff any more."
	BriefFailed = "Baton couldn't open the whole brief just now. Please try again in a moment."
)

// WholeBrief is h's brief in a modal the Read the whole brief button
// opens: every text whole, long ones in as many sections as they need,
// within a view's 100 blocks and 250 KB (MaxViewBytes). Only a brief that
// would pass those is cut, the same way a message's is, and says so.
func (c Clock) WholeBrief(h routing.Handoff) slack.ModalViewRequest {
	head := section("📋 *" + company(h) + "*")
	foot := contextLine(fmt.Sprintf("Handoff #%d · pool %s", h.ID, userText(h.Pool, 100)))
	b := c.newBrief(h)
	b.inModal = true
	view := func(budget int) slack.ModalViewRequest {
		blocks := append([]slack.Block{head}, b.fit(MaxModalBlocks-2, budget)...)
		return slack.ModalViewRequest{
			Type:       slack.VTModal,
			CallbackID: CallbackWholeBrief,
			Title:      plain("Whole brief"),
			Close:      plain("Close"),
			Blocks:     slack.Blocks{BlockSet: append(blocks, foot)},
		}
	}
	// The budget counts characters; Slack counts the JSON's bytes, in which
	// an escaped "&" takes ten. A brief dense in those gets less text.
	budget := maxWholeBriefText
	v := view(budget)
	for ViewBytes(v) > MaxViewBytes && budget > minCut {
		budget = budget * 3 / 4
		v = view(budget)
	}
	return v
}

// tooLong returns a length to cut texts to at which the brief cannot fit
// in budget characters, the shortest it can tell without rendering it: the
// texts a cut shortens, each cut to it, already pass the budget, or
// nothing is cut at it (and the whole brief did not fit). It spares
// rendering a brief of many long texts at lengths that cannot fit.
func (b brief) tooLong(budget int) int {
	var lens []int
	longest := 0
	add := func(s string) {
		n := utf8.RuneCountInString(s)
		lens = append(lens, n)
		longest = max(longest, n)
	}
	entry := func(e entry) {
		add(e.label)
		switch {
		case e.gate != nil:
			// The verdict cut to a length is at least as long as that
			// length or the whole verdict.
			g := e.gate
			add(gateVerdict(g.q, g.a, g.answered, noCut))
		case !e.fixed:
			add(e.text)
		}
	}
	for _, e := range b.facts {
		entry(e)
	}
	for _, g := range b.groups {
		for _, u := range g.unmet {
			add(u)
		}
		for _, e := range g.fields {
			entry(e)
		}
		for _, e := range g.long {
			entry(e)
		}
	}
	total := func(max int) int {
		n := 0
		for _, l := range lens {
			n += min(l, max)
		}
		return n
	}
	// The largest length at which the texts alone stay within budget,
	// plus one.
	lo, hi := minCut, longest+1
	if total(lo) > budget {
		return lo + 1
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if total(mid) <= budget {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// withBrief puts h's brief between head and tail, within one message's
// limits.
func (c Clock) withBrief(h routing.Handoff, head []slack.Block, tail ...slack.Block) []slack.Block {
	room := MaxMessageBlock - len(head) - len(tail)
	budget := MaxBlocksText - TextLength(head) - TextLength(tail)
	out := append(head, c.newBrief(h).fit(room, budget)...)
	return append(out, tail...)
}

// fieldSections puts fields side by side, ten to a section.
func fieldSections(fields []string) []slack.Block {
	var out []slack.Block
	for chunk := range slices.Chunk(fields, maxSectionFields) {
		texts := make([]*slack.TextBlockObject, len(chunk))
		for i, f := range chunk {
			texts[i] = mrkdwn(f)
		}
		out = append(out, slack.NewSectionBlock(nil, texts, nil))
	}
	return out
}

// Pieces cuts s, escaped text, into pieces of at most max characters each,
// at a line break or a space near the end of a piece where there is one,
// and never inside an entity such as &amp;. Pieces that would hold only
// white space are dropped, since Slack refuses empty text.
func Pieces(s string, max int) []string {
	var out []string
	add := func(p string) {
		if p = strings.TrimRight(p, " \n\t"); strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	r := []rune(s)
	for len(r) > max {
		end := max
		// An entity is at most five characters ("&amp;"): an "&" among
		// the last four without its ";" would be split.
		if i := lastRune(r[:end], '&'); i > 0 && i > end-5 && !slices.Contains(r[i:end], ';') {
			end = i
		}
		// Prefer a line break, then a space, in the last quarter.
		if i := lastRune(r[:end], '\n'); i >= end*3/4 {
			end = i + 1
		} else if i := lastRune(r[:end], ' '); i >= end*3/4 {
			end = i + 1
		}
		add(string(r[:end]))
		r = r[end:]
	}
	add(string(r))
	return out
}

func lastRune(r []rune, c rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}
