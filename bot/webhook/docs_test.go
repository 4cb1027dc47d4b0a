package webhook_test

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/webhook"
	"github.com/batonhq/baton/routing"
)

// docsBlock is the fenced block of lang that follows marker in
// docs/integrations.md.
func docsBlock(t *testing.T, marker, lang string) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/integrations.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(doc), marker)
	require.True(t, ok, "docs/integrations.md has no %q", marker)
	_, block, ok := strings.Cut(after, "```"+lang+"\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "```\n")
	require.True(t, ok)
	return block
}

// TestDocsReceiverIsThisOne: the Go receiver the documentation shows is
// the one the delivery tests receive with, character for character.
func TestDocsReceiverIsThisOne(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("receiver_test.go")
	require.NoError(t, err)
	_, code, ok := strings.Cut(string(src), "// receiver:begin\n")
	require.True(t, ok)
	code, _, ok = strings.Cut(code, "// receiver:end\n")
	require.True(t, ok)
	require.Equal(t, strings.TrimSpace(code), strings.TrimSpace(docsBlock(t, "<!-- receiver:", "go")),
		"docs/integrations.md's receiver differs from bot/webhook/receiver_test.go's")
}

// TestDocsBodyExampleIsABody: the documented example decodes into Body
// with no field unknown, and every field of Body is in it.
func TestDocsBodyExampleIsABody(t *testing.T) {
	t.Parallel()
	example := docsBlock(t, "<!-- body-example:", "json")
	dec := json.NewDecoder(strings.NewReader(example))
	dec.DisallowUnknownFields()
	var body webhook.Body
	require.NoError(t, dec.Decode(&body))
	require.Equal(t, routing.WebhookHandoffClaimed, body.Type)
	require.True(t, routing.IsWebhookType(string(body.Type)))

	// Encoded back, it has the example's keys: the example shows every
	// field (omitted ones aside: cancel_reason, a touch's meeting_at).
	again, err := json.Marshal(body)
	require.NoError(t, err)
	var want, got map[string]any
	require.NoError(t, json.Unmarshal([]byte(example), &want))
	require.NoError(t, json.NewDecoder(bytes.NewReader(again)).Decode(&got))
	require.Equal(t, keys(want, ""), keys(got, ""))
}

// keys lists the object keys of v, with their paths.
func keys(v any, at string) []string {
	var out []string
	if m, ok := v.(map[string]any); ok {
		for k, inner := range m {
			out = append(out, at+k)
			out = append(out, keys(inner, at+k+".")...)
		}
	}
	slices.Sort(out)
	return out
}
