package drive_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/drive"
)

// TestLogKeepsLinesAndErrors writes JSON lines in pieces that split lines
// and hold several: the text is kept whole, the tail is the last lines,
// and the error-level lines are collected once each, complete.
func TestLogKeepsLinesAndErrors(t *testing.T) {
	t.Parallel()
	var l drive.Log
	lines := []string{
		`{"level":"info","message":"baton running"}`,
		`{"level":"error","error":"boom","message":"notice delivery failed"}`,
		`not json at all`,
		`{"level":"warn","message":"slow"}`,
		`{"level":"fatal","message":"gone"}`,
	}
	var all string
	for _, line := range lines {
		all += line + "\n"
	}
	for _, piece := range []string{all[:10], all[10:90], all[90:91], all[91:]} {
		n, err := l.Write([]byte(piece))
		require.NoError(t, err)
		require.Equal(t, len(piece), n)
	}
	require.Equal(t, all, l.String())
	require.Equal(t, []string{"notice delivery failed: boom", "gone:"}, l.Errors())
	require.Equal(t, lines[3]+"\n"+lines[4], l.Tail(2))
	require.Equal(t, all[:len(all)-1], l.Tail(100))

	// A line without its newline yet is text, not an error, until it ends.
	fmt.Fprint(&l, `{"level":"error","message":"half`)
	require.Len(t, l.Errors(), 2)
	fmt.Fprint(&l, `"}`+"\n")
	require.Equal(t, "half:", l.Errors()[2])
}
