package routing_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// eventKindConstants reads every constant of type EventKind declared in
// this package's source: the list the webhook mapping must cover, found
// without anyone keeping it.
func eventKindConstants(t *testing.T) map[string]routing.EventKind {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, 0)
	require.NoError(t, err)
	found := map[string]routing.EventKind{}
	for _, f := range pkgs["routing"].Files {
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			if id, ok := spec.Type.(*ast.Ident); !ok || id.Name != "EventKind" {
				return true
			}
			for i, name := range spec.Names {
				lit, ok := spec.Values[i].(*ast.BasicLit)
				require.True(t, ok, "%s: an EventKind constant that is not a string literal", name.Name)
				v, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				found[name.Name] = routing.EventKind(v)
			}
			return true
		})
	}
	return found
}

func TestEveryEventKindIsSentOrExcluded(t *testing.T) {
	t.Parallel()
	kinds := eventKindConstants(t)
	require.GreaterOrEqual(t, len(kinds), 24, "the parser found too few EventKind constants to be reading the package")
	for name, kind := range kinds {
		typ, sent := routing.WebhookTypeOf(kind)
		why, excluded := routing.WebhookExcluded[kind]
		require.True(t, sent != excluded, "%s (%s): give it a webhook type or list it in WebhookExcluded with why, not both", name, kind)
		if sent {
			require.True(t, routing.IsWebhookType(string(typ)), "%s maps to %q, which WebhookTypes does not list", kind, typ)
		} else {
			require.NotEmpty(t, why, "%s is excluded without a reason", kind)
		}
	}
	declared := map[routing.EventKind]bool{}
	for _, kind := range kinds {
		declared[kind] = true
	}
	for kind := range routing.WebhookExcluded {
		require.True(t, declared[kind], "WebhookExcluded names %s, which is no EventKind constant", kind)
	}
	for _, kind := range routing.WebhookKinds(nil) {
		require.True(t, declared[kind], "the mapping names %s, which is no EventKind constant", kind)
	}
}

func TestEveryWebhookTypeIsSentForSomeKind(t *testing.T) {
	t.Parallel()
	for _, typ := range routing.WebhookTypes {
		require.NotEmpty(t, routing.WebhookKinds([]routing.WebhookType{typ}), "%s is documented but no event kind is sent as it", typ)
	}
}

func TestWebhookMapping(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		kind routing.EventKind
		want routing.WebhookType
	}{
		{routing.EventCreated, routing.WebhookHandoffCreated},
		{routing.EventClaimed, routing.WebhookHandoffClaimed},
		{routing.EventEscalated, routing.WebhookHandoffEscalated},
		{routing.EventPassed, routing.WebhookHandoffPassed},
		{routing.EventOfferLapsed, routing.WebhookOfferLapsed},
		{routing.EventMissed, routing.WebhookHandoffAssigned},
		{routing.EventCancelled, routing.WebhookHandoffCancelled},
		{routing.EventScheduled, routing.WebhookHandoffScheduled},
		{routing.EventReassigned, routing.WebhookHandoffReassigned},
		{routing.EventTouchLogged, routing.WebhookTouchLogged},
		{routing.EventOutcomeLogged, routing.WebhookOutcomeLogged},
		{routing.EventSLABreached, routing.WebhookSLABreached},
	} {
		got, ok := routing.WebhookTypeOf(c.kind)
		require.True(t, ok, "%s", c.kind)
		require.Equal(t, c.want, got, "%s", c.kind)
	}
	_, ok := routing.WebhookTypeOf(routing.EventMemberAway)
	require.False(t, ok, "member.away is about no lead")
	require.ElementsMatch(t, []routing.EventKind{routing.EventCreated, routing.EventClaimed},
		routing.WebhookKinds([]routing.WebhookType{routing.WebhookHandoffCreated, routing.WebhookHandoffClaimed}))
	require.Len(t, routing.WebhookKinds(nil), len(routing.WebhookTypes), "no types subscribes to every kind sent")
}
