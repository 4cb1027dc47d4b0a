package directory_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/directory"
)

func TestParseEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    directory.Entry
		wantErr string // a substring of the error; empty when in parses
	}{
		{in: "U0123ABCD", want: directory.Entry{Kind: directory.User, Value: "U0123ABCD"}},
		{in: "W0123ABCD", want: directory.Entry{Kind: directory.User, Value: "W0123ABCD"}},
		{in: "U" + strings.Repeat("A", 31), want: directory.Entry{Kind: directory.User, Value: "U" + strings.Repeat("A", 31)}},
		{in: "  U1 ", want: directory.Entry{Kind: directory.User, Value: "U1"}},
		{in: "dana@acme.com", want: directory.Entry{Kind: directory.Email, Value: "dana@acme.com"}},
		{in: "Dana.Smith+sales@acme.co.uk", want: directory.Entry{Kind: directory.Email, Value: "Dana.Smith+sales@acme.co.uk"}},
		{in: "@closers", want: directory.Entry{Kind: directory.Group, Value: "closers"}},
		{in: "@Enterprise-AEs.emea_2", want: directory.Entry{Kind: directory.Group, Value: "enterprise-aes.emea_2"}},

		{in: "", wantErr: `want a Slack user ID such as U0123ABCD, an email, or a @user-group handle, got ""`},
		{in: "u0123abcd", wantErr: `got "u0123abcd"`},
		{in: "C0123ABCD", wantErr: `got "C0123ABCD"`},
		{in: "U", wantErr: `got "U"`},
		{in: "U" + strings.Repeat("A", 32), wantErr: "want a Slack user ID"},
		{in: "dana", wantErr: `got "dana"`},
		{in: "@", wantErr: `got "@" (a user-group handle has only letters, digits, '.', '-' and '_')`},
		{in: "@clo sers", wantErr: "a user-group handle has only"},
		{in: "@@closers", wantErr: "a user-group handle has only"},
		{in: "dana@", wantErr: `got "dana@" (not a valid email)`},
		{in: "Dana <dana@acme.com>", wantErr: "not a valid email"},
		{in: "dana@acme.com, sam@acme.com", wantErr: "not a valid email"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := directory.ParseEntry(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Zero(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestEntryString(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"U0123ABCD", "dana@acme.com", "@closers"} {
		e, err := directory.ParseEntry(in)
		require.NoError(t, err)
		require.Equal(t, in, e.String())
	}
}
