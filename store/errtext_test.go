package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// TestFailureTextIsAlwaysStorable records failures whose text PostgreSQL
// would refuse as it comes: a multibyte character across the length limit,
// a NUL byte, bytes that are not UTF-8. A refused MarkFailed or
// MarkAbandoned would leave the notice leased and retried for ever, holding
// up every notice behind it.
func TestFailureTextIsAlwaysStorable(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 999) + "é and more" // é is bytes 999 and 1000
	for name, cause := range map[string]string{
		"a character across the limit": long,
		"a NUL byte":                   "slack said \x00 nothing",
		"not UTF-8":                    "bad \xff\xfe bytes",
		"many multibyte characters":    strings.Repeat("日本", 400),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff("V1"))
			require.NoError(t, err)
			leased, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
			require.NoError(t, err)
			require.NotEmpty(t, leased)
			n := leased[0]

			require.NoError(t, b.store.MarkFailed(b.ctx, n, errors.New(cause), time.Minute, b.now))
			var stored string
			require.NoError(t, b.db.QueryRow(b.ctx, `SELECT last_error FROM outbox WHERE id = $1`, n.ID).Scan(&stored))
			requireStorable(t, cause, stored)

			require.NoError(t, b.store.MarkAbandoned(b.ctx, n, errors.New(cause), b.now))
			require.NoError(t, b.db.QueryRow(b.ctx, `SELECT last_error FROM outbox WHERE id = $1 AND abandoned_at IS NOT NULL`, n.ID).Scan(&stored))
			requireStorable(t, cause, stored)
			events, err := b.store.Events(b.ctx, h.ID)
			require.NoError(t, err)
			last := events[len(events)-1]
			require.Equal(t, routing.EventNoticeAbandoned, last.Kind)
			require.Equal(t, stored, last.Detail["error"], "the event log says what the outbox says")
		})
	}
}

// requireStorable checks that stored is cause made storable: valid UTF-8,
// no NUL, at most 1,000 bytes, and otherwise cause's own beginning.
func requireStorable(t *testing.T, cause, stored string) {
	t.Helper()
	require.True(t, utf8.ValidString(stored), "%q", stored)
	require.NotContains(t, stored, "\x00")
	require.LessOrEqual(t, len(stored), 1000)
	require.NotEmpty(t, stored)
	clean := strings.ToValidUTF8(strings.ReplaceAll(cause, "\x00", ""), "\uFFFD")
	require.True(t, strings.HasPrefix(clean, stored), "%q is not the beginning of %q", stored, clean)
	require.Greater(t, len(stored), min(len(clean), 1000)-utf8.UTFMax, "cut no shorter than it must be")
}
