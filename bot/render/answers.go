package render

import (
	"strings"

	"github.com/batonhq/baton/routing"
)

// answerText is an answer as people read it, unescaped.
func answerText(q routing.Question, a routing.Answer) string {
	switch q.Type {
	case routing.TypeYesNo:
		if a.Yes {
			return "Yes"
		}
		return "No"
	case routing.TypeNumber:
		return routing.FormatNumber(a.Number)
	case routing.TypeMultiSelect:
		return strings.Join(a.Choices, ", ")
	case routing.TypeDate:
		return a.Date.Format("Mon 2 Jan 2006")
	}
	return a.Text
}

// gateText says what a gate needs, unescaped: "at least 500", "Yes",
// "Director, VP or C-level".
func gateText(q routing.Question) string {
	g := q.Gate
	if g == nil {
		return ""
	}
	switch {
	case g.AtLeast != nil && g.AtMost != nil:
		return routing.FormatNumber(*g.AtLeast) + " to " + routing.FormatNumber(*g.AtMost)
	case g.AtLeast != nil:
		return "at least " + routing.FormatNumber(*g.AtLeast)
	case g.AtMost != nil:
		return "at most " + routing.FormatNumber(*g.AtMost)
	case q.Type == routing.TypeYesNo && g.Equals == "yes":
		return "Yes"
	case q.Type == routing.TypeYesNo:
		return "No"
	case g.Equals != "":
		return g.Equals
	case q.Type == routing.TypeMultiSelect:
		return "any of " + orList(g.In)
	}
	return orList(g.In)
}

// orList joins choices the way a sentence does: "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// gateVerdict is a gated answer with its verdict, escaped for mrkdwn:
// "600 ✅", or "120 ❌ needs at least 500", or "not answered ❌ needs Yes".
func gateVerdict(q routing.Question, a routing.Answer, answered bool, max int) string {
	value := "_not answered_"
	if answered {
		value = userText(answerText(q, a), max)
	}
	if q.GatePasses(a, answered) {
		return value + " ✅"
	}
	return value + " ❌ needs " + userText(gateText(q), max)
}
