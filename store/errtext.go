package store

import (
	"strings"
	"unicode/utf8"
)

// maxErrorText is how many bytes of a failure's text the outbox keeps: the
// beginning says what went wrong, and a Slack answer quoted whole can be
// long.
const maxErrorText = 1000

// truncateError is err's text as the outbox and the event log can store
// it. PostgreSQL refuses text that is not valid UTF-8 and text with a NUL
// byte (in a text column and in jsonb alike), so those are replaced or
// dropped, and the text is cut at a character boundary: a refused
// MarkFailed or MarkAbandoned would leave the notice to be retried for
// ever, holding up every notice behind it.
func truncateError(err error) string {
	msg := strings.ToValidUTF8(err.Error(), "\uFFFD")
	msg = strings.ReplaceAll(msg, "\x00", "")
	if len(msg) <= maxErrorText {
		return msg
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut]
}
