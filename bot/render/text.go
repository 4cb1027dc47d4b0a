// Package render turns Baton's domain into Slack Block Kit: the modal, the
// channel message, the DMs and the ephemerals. Everything Slack shows is
// built here, in one place, so escaping and Block Kit limits are enforced
// once and checked by golden files.
package render

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render/sanitize"
)

// Block Kit limits Baton renders within. Slack rejects the whole message with
// invalid_blocks when one is exceeded, so text is cut before it is sent.
const (
	MaxSectionText  = 3000
	MaxFieldText    = 2000
	MaxMessageText  = 40000
	MaxHeaderText   = 150
	MaxContextText  = 2000
	MaxMessageBlock = 50
	// MaxBlocksText is the most text one message's blocks carry, all of
	// them together, as TextLength counts it. Past it Slack refuses the
	// whole message with msg_blocks_too_long, though every block is
	// within its own limits; slackfake.MaxBlocksText says where the number
	// comes from, and the fake refuses past it too.
	MaxBlocksText = 12000
)

// TextLength counts the text of blocks the way MaxBlocksText bounds it:
// the characters of every text in them (section texts and fields, context
// elements, button labels), as sent, so "&amp;" is five.
func TextLength(blocks []slack.Block) int {
	n := 0
	text := func(t *slack.TextBlockObject) {
		if t != nil {
			n += utf8.RuneCountInString(t.Text)
		}
	}
	element := func(el slack.BlockElement) {
		if b, ok := el.(*slack.ButtonBlockElement); ok {
			text(b.Text)
		}
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			text(b.Text)
			for _, f := range b.Fields {
				text(f)
			}
			if b.Accessory != nil && b.Accessory.ButtonElement != nil {
				text(b.Accessory.ButtonElement.Text)
			}
		case *slack.ContextBlock:
			for _, el := range b.ContextElements.Elements {
				if t, ok := el.(*slack.TextBlockObject); ok {
					text(t)
				}
			}
		case *slack.ActionBlock:
			for _, el := range b.Elements.ElementSet {
				element(el)
			}
		case *slack.HeaderBlock:
			text(b.Text)
		}
	}
	return n
}

// Escape makes user-supplied text safe for mrkdwn and message text: Slack
// reads <…> as mentions and links, so a company called "<!everyone>" would
// ping the whole workspace. Only &, < and > need escaping.
func Escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Truncate cuts s to at most max characters (runes), ending with "…" when it
// cut. Escape first and truncate after: escaping lengthens text, and cutting
// in the middle of "&amp;" would leave a broken entity, so a cut never splits
// one.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	// Find where the first max-1 characters end, and whether s has more
	// than max, without converting all of a long s.
	end, n, over := 0, 0, false
	for i := range s {
		if n == max-1 {
			end = i
		}
		if n == max {
			over = true
			break
		}
		n++
	}
	if !over {
		return s
	}
	cut := s[:end]
	// Never leave half an entity such as "&am" behind.
	if i := strings.LastIndexByte(cut, '&'); i >= 0 && !strings.Contains(cut[i:], ";") {
		cut = cut[:i]
	}
	return cut + "…"
}

// Sanitize replaces invalid UTF-8 and control characters (other than newline
// and tab) that Slack would refuse or show as garbage.
func Sanitize(s string) string { return sanitize.Text(s) }

// userText prepares user-supplied text for mrkdwn: sanitized, escaped, cut.
func userText(s string, max int) string {
	return Truncate(Escape(Sanitize(s)), max)
}
