package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/config"
)

// selectChecklist is a checklist of n select questions, each with options
// options of 75 characters, as YAML list items indented by indent.
func selectChecklist(n, options int, indent string) string {
	var b strings.Builder
	for q := range n {
		fmt.Fprintf(&b, "%s- id: q%d\n%s  label: Question %d\n%s  type: select\n%s  options:\n", indent, q, indent, q, indent, indent)
		for o := range options {
			fmt.Fprintf(&b, "%s    - %q\n", indent, fmt.Sprintf("%03d ", o)+strings.Repeat("o", 71))
		}
	}
	return b.String()
}

// TestChecklistFormsFitSlack: a checklist within its own limits whose form
// Slack would refuse (over 250 KB) is refused at load, naming the checklist
// and the size; a large one that fits is taken.
func TestChecklistFormsFitSlack(t *testing.T) {
	t.Parallel()
	legal := config.Minimal + "checklist:\n" + selectChecklist(8, 60, "  ")
	_, err := config.Parse([]byte(legal))
	require.NoError(t, err, "8 questions of 60 long options fit")

	_, err = config.Parse([]byte(config.Minimal + "checklist:\n" + selectChecklist(14, 100, "  ")))
	require.Error(t, err)
	require.Regexp(t, `^checklist: the handoff form would be \d{3} KB; Slack refuses views over 250 KB: fewer questions, or fewer or shorter options$`, err.Error())

	pool := `
  - name: enterprise
    channel: C0ENT
    members: [U0ENT]
    checklist:
` + selectChecklist(14, 100, "      ")
	_, err = config.Parse([]byte(strings.Replace(config.Minimal, "sla:", strings.TrimPrefix(pool, "\n")+"sla:", 1)))
	require.Error(t, err)
	require.Regexp(t, `^pools\[1\]\.checklist: the handoff form would be \d{3} KB; Slack refuses`, err.Error())

	// Long texts are small to ask and large to answer: the form shown
	// again, with every answer, is what does not fit.
	var long strings.Builder
	for q := range 20 {
		fmt.Fprintf(&long, "  - {id: q%d, label: Question %d, type: long_text}\n", q, q)
	}
	_, err = config.Parse([]byte(config.Minimal + "checklist:\n" + long.String()))
	require.Error(t, err)
	require.Regexp(t, `^checklist: the schedule-for-later form, with every answer at its longest, would be \d{3} KB; Slack refuses views over 250 KB`, err.Error())
}
