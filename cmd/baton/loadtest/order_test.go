package loadtest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLongestRising: the posts out of order are those that would have to
// move, so one late post is one out of order however far it went.
func TestLongestRising(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ts   []string
		want int
	}{
		{nil, 0},
		{[]string{"1700000000.000100", "1700000000.000200", "1700000000.000300"}, 3},
		{[]string{"1700000000.000400", "1700000000.000100", "1700000000.000200", "1700000000.000300"}, 3},
		{[]string{"1700000000.000200", "1700000000.000100", "1700000000.000400", "1700000000.000300"}, 2},
		{[]string{"1700000000.000300", "1700000000.000200", "1700000000.000100"}, 1},
	} {
		require.Equal(t, c.want, longestRising(c.ts), "%v", c.ts)
	}
}
