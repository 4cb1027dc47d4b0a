// Package render turns Baton's domain into Slack Block Kit: the modal, the
// channel message, the DMs and the ephemerals. Everything Slack shows is
// built here, in one place, so escaping and Block Kit limits are enforced
// once and checked by golden files.
package render

import (
	"strings"
	"unicode/utf8"
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
)

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
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut := string([]rune(s)[:max-1])
	// Never leave half an entity such as "&am" behind.
	if i := strings.LastIndexByte(cut, '&'); i >= 0 && !strings.Contains(cut[i:], ";") {
		cut = cut[:i]
	}
	return cut + "…"
}

// Sanitize replaces invalid UTF-8 and control characters (other than newline
// and tab) that Slack would refuse or show as garbage.
func Sanitize(s string) string {
	s = strings.ToValidUTF8(s, "�")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// userText prepares user-supplied text for mrkdwn: sanitized, escaped, cut.
func userText(s string, max int) string {
	return Truncate(Escape(Sanitize(s)), max)
}
