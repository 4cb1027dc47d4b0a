// Package sanitize makes user text safe to hand to Slack and to other
// services' URLs: valid UTF-8 with no control characters but line breaks
// and tabs. It is a leaf package so that render and the renderers it uses
// (calendar links) share one definition.
package sanitize

import "strings"

// Text replaces invalid UTF-8 with U+FFFD and drops control characters
// other than newline and tab, which Slack would refuse or show as garbage.
func Text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
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
