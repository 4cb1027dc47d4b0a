package render

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// maxSectionFields is how many fields one section holds.
const maxSectionFields = 10

// The brief is everything the passer learned, every answer labelled: the
// owner's DM and the thread reply under the channel post carry it whole.
// Short answers sit side by side as fields; long text gets sections of its
// own, in as many pieces as Slack's 3,000-character limit needs. If a brief
// would exceed Slack's 50 blocks, long texts are cut (with "…" and a word
// that the whole text is kept) rather than the message refused.

// brief is a brief laid out in groups, before it becomes blocks.
type brief struct {
	// facts are the contact's fields, first.
	facts  []string
	groups []briefGroup
	// cutNote follows a long text that had to be cut.
	cutNote string
}

// briefGroup is a titled part: the qualification, the context, the notes.
type briefGroup struct {
	title  string // mrkdwn; "" for none
	fields []string
	long   []longText
}

// longText is a labelled text too long for a field; both escaped.
type longText struct {
	label, text string
}

// field is a labelled short value; label and value are escaped already.
func field(label, value string) string {
	if value == "" {
		value = "—"
	}
	return Truncate("*"+label+"*\n"+value, MaxFieldText)
}

// addText adds a labelled user text to g: as a field when it fits one,
// else as a long text.
func (g *briefGroup) addText(label, text string) {
	if text == "" {
		return
	}
	label, text = userText(label, 300), Escape(Sanitize(text))
	if utf8.RuneCountInString(text) > 500 || strings.Count(text, "\n") > 4 {
		g.long = append(g.long, longText{label, text})
		return
	}
	g.fields = append(g.fields, field(label, text))
}

// newBrief lays out h's whole brief.
func (c Clock) newBrief(h routing.Handoff) brief {
	l := h.Lead
	b := brief{
		facts: []string{
			field("Contact", contactLine(l)),
			field("Phone", userText(l.Phone, 40)),
			field("Email", userText(l.Email, routing.MaxEmailLength*5)),
			field("Passed by", fmt.Sprintf("<@%s>", h.PasserID)),
		},
		cutNote: fmt.Sprintf("\n_(cut to fit Slack; the whole text is kept with handoff #%d)_", h.ID),
	}
	if !h.ScheduledFor.IsZero() {
		b.facts = append(b.facts, field("Call scheduled for", c.when(h.ScheduledFor)))
	}

	if len(l.Checklist.Questions) > 0 {
		qual := briefGroup{title: "*Qualification* · " + userText(l.Checklist.Name, 100)}
		if unmet := l.Unmet(); len(unmet) > 0 {
			names := make([]string, len(unmet))
			for i, q := range unmet {
				names[i] = userText(q.Label, 300)
			}
			qual.title += "\n⚠️ Not live-qualified; unmet: " + strings.Join(names, ", ")
		}
		for _, q := range l.Checklist.Questions {
			a, answered := routing.FindAnswer(l.Answers, q.ID)
			switch {
			case q.Gate != nil:
				qual.fields = append(qual.fields, field(userText(q.Label, 300), gateVerdict(q, a, answered, 1000)))
			case answered:
				qual.addText(q.Label, answerText(q, a))
			}
		}
		b.groups = append(b.groups, qual)
	}

	ctx := briefGroup{title: "*Context*"}
	cx := l.Context
	ctx.addText("Pain or need", cx.Pain)
	ctx.addText("Feature that caught their interest", cx.Interest)
	ctx.addText("Current tools", cx.CurrentTools)
	ctx.addText("Best time to reach them", cx.BestTime)
	ctx.addText("Best way to reach them", cx.BestChannel)
	ctx.addText("Personality notes", cx.Personality)
	ctx.addText("Call recording", cx.RecordingURL)
	b.groups = append(b.groups, ctx)

	if l.Notes != "" {
		notes := briefGroup{}
		notes.long = append(notes.long, longText{"Notes", Escape(Sanitize(l.Notes))})
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

// blocks renders the brief, showing long texts as style says.
func (b brief) blocks(style int) []slack.Block {
	out := fieldSections(b.facts)
	for _, g := range b.groups {
		if len(g.fields) == 0 && len(g.long) == 0 {
			continue
		}
		if g.title != "" {
			out = append(out, section(g.title))
		}
		fields := g.fields
		var longs []slack.Block
		for _, lt := range g.long {
			head := "*" + lt.label + "*\n"
			switch style {
			case longWhole:
				for i, p := range Pieces(lt.text, MaxSectionText-utf8.RuneCountInString(head)) {
					if i == 0 {
						p = head + p
					}
					longs = append(longs, section(p))
				}
			case longOne:
				longs = append(longs, section(head+cut(lt.text, MaxSectionText-utf8.RuneCountInString(head+b.cutNote), b.cutNote)))
			default:
				fields = append(fields, field(lt.label, cut(lt.text, MaxFieldText-utf8.RuneCountInString(head+b.cutNote), b.cutNote)))
			}
		}
		out = append(out, fieldSections(fields)...)
		out = append(out, longs...)
	}
	return out
}

// fit renders the brief whole if it fits in room blocks, else compacts the
// long texts until it does.
func (b brief) fit(room int) []slack.Block {
	var out []slack.Block
	for _, style := range []int{longWhole, longOne, longAsField} {
		if out = b.blocks(style); len(out) <= room {
			return out
		}
	}
	// Only a configuration beyond Baton's limits gets here; drop the tail
	// rather than have Slack refuse the whole brief.
	return out[:room]
}

// cut truncates s to max characters; a cut text ends with note.
func cut(s string, max int, note string) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return Truncate(s, max) + note
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
