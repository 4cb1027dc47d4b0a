package store

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// TestBackfilledLadderIsTheDefault: 0003 gives handoffs open at upgrade
// time the default ladder, written out in SQL; it must be the one routing
// would freeze.
func TestBackfilledLadderIsTheDefault(t *testing.T) {
	t.Parallel()
	sql, err := migrationFiles.ReadFile("migrations/0003_escalation.sql")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(sql), "escalation = '")
	require.True(t, ok)
	literal, _, ok := strings.Cut(rest, "',")
	require.True(t, ok)
	var got routing.Escalation
	require.NoError(t, json.Unmarshal([]byte(literal), &got))
	require.Equal(t, routing.Escalation{Rungs: routing.DefaultLadder().Rungs()}, got)
}
