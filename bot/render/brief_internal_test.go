package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

// TestBriefBeyondOneMessage: a brief that does not fit even with every
// text cut to minCut (more answers than any checklist has) keeps its first
// blocks, leaves out the rest, and says so.
func TestBriefBeyondOneMessage(t *testing.T) {
	t.Parallel()
	b := brief{id: 7, facts: []entry{{label: "Contact", text: "Dana Reyes"}}}
	g := briefGroup{title: "*Qualification*"}
	for i := range 300 {
		g.fields = append(g.fields, entry{label: fmt.Sprintf("Question %d", i), text: strings.Repeat("answer ", 40)})
	}
	b.groups = append(b.groups, g)
	out := b.fit(40, 5000)
	require.LessOrEqual(t, len(out), 40)
	require.LessOrEqual(t, TextLength(out), 5000)
	note := out[len(out)-2].(*slack.ContextBlock).ContextElements.Elements[0].(*slack.TextBlockObject).Text
	require.Equal(t, "✂️ Cut to fit one Slack message: each text ending in “…” is shortened and the last answers are left out. *Read the whole brief* opens it uncut.", note)
	button := out[len(out)-1].(*slack.ActionBlock).Elements.ElementSet[0].(*slack.ButtonBlockElement)
	require.Equal(t, [2]string{ActionWholeBrief, "7"}, [2]string{button.ActionID, button.Value}, "the button names the handoff")
	require.Equal(t, "*Contact*\nDana Reyes", out[0].(*slack.SectionBlock).Fields[0].Text, "the first blocks are kept")
}
