package config_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/config"
)

// TestSyntaxErrorsNameTheirLine breaks the YAML on a known line in the
// ways an operator does (an indent off by one, an unclosed bracket or
// quote, a tab, a stray character) and expects that line in the error,
// however deep in a list or map it is.
func TestSyntaxErrorsNameTheirLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"an indent off by one in a pool", "pools:\n  - name: a\n    channel: C1\n   members: [U1]\n", "line 4: "},
		{"an indent off by one, deeper", "timezone: UTC\npools:\n  - name: a\n    channel: C1\n    members: [U1]\n  managers: [U0MGR]\n", "line 6: "},
		{"an unclosed list", "timezone: UTC\npools:\n  - name: a\n    channel: [C1\n    members: [U1]\n", "line 4: "},
		{"a key under a list item", "timezone: UTC\ndigest:\n  schedule: '0 9 * * 1-5'\n  - x\n", "line 4: "},
		{"an unclosed quote", "timezone: UTC\npools:\n  - {name: a, channel: C1, members: [U1]}\ndigest:\n  schedule: \"0 9\n", "line 5: "},
		{"a tab", "timezone: UTC\npools:\n  - {name: a, channel: C1, members: [U1]}\n\tdigest: {}\n", "line 4: "},
		{"a stray character", "timezone: UTC\nsla:\n  claim_window: 60s\n  reengage: @2h\n", "line 4: "},
		{"a key without a colon", "timezone: UTC\nsla:\n  claim_window: 60s\nreengage 2h\n", "line 4: "},
		{"on the first line", "pools: [\n", "line 1: "},
		{"a multi-line value before the error", "timezone: UTC\nnote: \"one\n  two\"\npools:\n  - name: a\n   channel: C1\n", "line 6: "},
		// A beginning of the file cut inside the first quote fails as the
		// whole file does: the line is still the unclosed quote's.
		{"a multi-line quote, then an unclosed one", "timezone: UTC\nnote: \"one\n  two\"\npools: []\nx: \"three\n", "line 5: "},
	} {
		_, err := config.Parse([]byte(tt.yaml))
		require.Error(t, err, tt.name)
		require.Contains(t, err.Error(), "not valid YAML", tt.name)
		require.Contains(t, err.Error(), tt.want, tt.name)
		require.Equal(t, 1, strings.Count(err.Error(), "line "), "%s: one line named: %s", tt.name, err)
	}
}

// TestEmptyFileSaysSo expects a file with nothing in it, or only
// comments, to be called empty, not "EOF".
func TestEmptyFileSaysSo(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"", "\n\n", "   \n", "# baton.yaml\n# to be written\n"} {
		_, err := config.Parse([]byte(content))
		require.Error(t, err, "%q", content)
		require.NotContains(t, err.Error(), "EOF", "%q", content)
		require.Contains(t, err.Error(), "empty", "%q", content)
		require.Contains(t, err.Error(), "at least one pool", "%q", content)
	}
}
