package bot

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRecentFirst(t *testing.T) {
	t.Parallel()
	var r recent
	require.True(t, r.first("env-1"))
	require.False(t, r.first("env-1"), "a redelivery")
	require.True(t, r.first("env-2"))
}

// TestRecentDoOnce: calls for one key while the first runs wait for it and
// share its answer; a kept answer stands; one not kept lets the next call run.
func TestRecentDoOnce(t *testing.T) {
	t.Parallel()
	var r recent
	started, release := make(chan struct{}), make(chan struct{})
	runs := 0
	var wg sync.WaitGroup
	answers := make([]any, 3)
	wg.Go(func() {
		answers[0], _ = r.do("view-1", func() (any, bool) {
			runs++
			close(started)
			<-release
			return "closed", true
		})
	})
	<-started
	for i := 1; i < 3; i++ {
		wg.Go(func() {
			var first bool
			answers[i], first = r.do("view-1", func() (any, bool) { runs++; return "again", true })
			require.False(t, first)
		})
	}
	close(release)
	wg.Wait()
	require.Equal(t, 1, runs)
	require.Equal(t, []any{"closed", "closed", "closed"}, answers)
	later, first := r.do("view-1", func() (any, bool) { runs++; return "again", true })
	require.False(t, first)
	require.Equal(t, "closed", later, "a kept answer stands")

	// An answer with errors is not kept: the corrected submit runs.
	got, first := r.do("view-2", func() (any, bool) { return "errors", false })
	require.True(t, first)
	require.Equal(t, "errors", got)
	got, first = r.do("view-2", func() (any, bool) { return nil, true })
	require.True(t, first)
	require.Nil(t, got)
}
