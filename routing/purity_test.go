package routing_test

import (
	"go/build"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportsOnlyStandardLibrary keeps the domain pure: routing decisions must
// be testable without Slack or a database, so any non-standard import fails.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	t.Parallel()
	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	require.NotEmpty(t, pkg.Imports)
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		require.NotContains(t, first, ".", "routing imports %s; it may import the standard library only", imp)
	}
}
