package sanitize

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Acme Corp", "Acme Corp"},
		{"line\nbreak\ttab", "line\nbreak\ttab"},
		{"bell\x07 del\x7f nul\x00 cr\r", "bell del nul cr"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"日本語", "日本語"},
	} {
		require.Equal(t, c.want, Text(c.in), "%q", c.in)
	}
}

func FuzzText(f *testing.F) {
	f.Add("Acme\x00\xff\n")
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		require.True(t, utf8.ValidString(out))
		for _, r := range out {
			require.False(t, (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f, "control %U left in %q", r, out)
		}
		require.Equal(t, out, Text(out), "sanitizing twice changes nothing")
	})
}
