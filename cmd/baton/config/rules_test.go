package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
)

// twoPools has the default checklist (concrete-criteria), an enterprise
// pool, and a homes pool with its own checklist (lpmama).
const twoPools = `
pools:
  - {name: closers, channel: C1, members: [U1]}
  - {name: enterprise, channel: C2, members: [U2]}
  - {name: homes, channel: C3, members: [U3], checklist: lpmama}
`

func TestParseRules(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(twoPools + `
rules:
  - when: {question: employees, at_least: 500}
    pool: enterprise
  - when:
      - {question: industry, in: [healthcare, "financial services"]}
      - {question: employees, at_least: 50, at_most: 499}
    pool: enterprise
  - when: {question: mortgage, equals: cash buyer}
    pool: closers
  - when: {question: has_agent, equals: no}
    pool: homes
`))
	require.NoError(t, err)
	require.Equal(t, []routing.Rule{
		{Pool: "enterprise", When: []routing.Condition{{Question: "employees", Gate: routing.Gate{AtLeast: ptr(500)}}}},
		{Pool: "enterprise", When: []routing.Condition{
			{Question: "industry", Gate: routing.Gate{In: []string{"Healthcare", "Financial services"}}},
			{Question: "employees", Gate: routing.Gate{AtLeast: ptr(50), AtMost: ptr(499)}},
		}},
		{Pool: "closers", When: []routing.Condition{{Question: "mortgage", Gate: routing.Gate{Equals: "Cash buyer"}}}},
		{Pool: "homes", When: []routing.Condition{{Question: "has_agent", Gate: routing.Gate{Equals: "no"}}}},
	}, cfg.Policy.Rules, "options in the question's spelling, yes_no as yes or no")

	cfg, err = config.Parse([]byte(twoPools))
	require.NoError(t, err)
	require.Empty(t, cfg.Policy.Rules, "no rules: every lead takes the default")
}

func TestRuleErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, rules, want string
	}{
		{"unknown pool", "  - {when: {question: employees, at_least: 500}, pool: enterprize}", `rules[0].pool: no pool is named "enterprize"`},
		{"unknown pool, second rule", "  - {when: {question: employees, at_least: 500}, pool: enterprise}\n  - {when: {question: employees, at_most: 5}, pool: smb}", `rules[1].pool: no pool is named "smb"`},
		{"no pool", "  - {when: {question: employees, at_least: 500}}", "rules[0].pool: required"},
		{"empty rule", "  - {pool: enterprise}", "rules[0].when: at least one condition is required"},
		{"empty list", "  - {when: [], pool: enterprise}", "rules[0].when: at least one condition is required"},
		{"unknown question", "  - {when: {question: employes, at_least: 500}, pool: enterprise}", `rules[0].when.question: no checklist in use asks a question with id "employes"`},
		{"unknown question in a list", "  - {when: [{question: employees, at_least: 5}, {question: size, at_least: 5}], pool: enterprise}", `rules[0].when[1].question: no checklist in use asks a question with id "size"`},
		{"no question", "  - {when: {at_least: 500}, pool: enterprise}", "rules[0].when.question: required"},
		{"number test on a select", "  - {when: {question: industry, at_least: 5}, pool: enterprise}", "rules[0].when: a select condition names options with in"},
		{"in on a number", "  - {when: {question: employees, in: [500]}, pool: enterprise}", "rules[0].when.in: a number condition uses at_least and at_most"},
		{"not an option", "  - {when: {question: industry, in: [Retail, Mining]}, pool: enterprise}", `rules[0].when.in[1]: "Mining" is not one of the question's options (question industry of the default checklist (concrete-criteria))`},
		{"yes_no", "  - {when: {question: has_agent, equals: maybe}, pool: homes}", `rules[0].when.equals: want yes or no, got "maybe" (question has_agent of pool homes's checklist (lpmama))`},
		{"a text question", "  - {when: {question: location, equals: Oakland}, pool: homes}", "rules[0].when: a text question can't have a condition"},
		{"no test", "  - {when: {question: employees}, pool: enterprise}", "rules[0].when: set at_least, at_most or both"},
		{"unknown condition key", "  - {when: {question: employees, above: 500}, pool: enterprise}", "rules[0].when.above: unknown key"},
		{"unknown rule key", "  - {when: {question: employees, at_least: 500}, to: enterprise}", "rules[0].to: unknown key"},
		{"when a scalar", "  - {when: big, pool: enterprise}", `rules[0].when: want a condition such as {question: employees, at_least: 500}, or a list of them; got "big"`},
		{"rules a map", "  when: {question: employees, at_least: 500}", "rules: want a list"},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(twoPools + "rules:\n" + tt.rules + "\n"))
		require.Error(t, err, tt.name)
		require.Contains(t, err.Error(), tt.want, tt.name)
	}
}
