package routing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// answered is a lead that answered the sample checklist with answers.
func answered(answers ...routing.Answer) routing.Lead {
	return routing.Lead{Checklist: sample(), Answers: answers}
}

func employees(n float64) routing.Answer {
	return routing.Answer{QuestionID: "employees", Number: n}
}

func when(question string, g routing.Gate) []routing.Condition {
	return []routing.Condition{{Question: question, Gate: g}}
}

func TestRuleMatches(t *testing.T) {
	t.Parallel()
	yes := routing.Answer{QuestionID: "uses_salesforce", Yes: true}
	no := routing.Answer{QuestionID: "uses_salesforce"}
	vp := routing.Answer{QuestionID: "level", Text: "VP"}
	online := routing.Answer{QuestionID: "channels", Choices: []string{"Retail", "Online"}}
	retail := routing.Answer{QuestionID: "channels", Choices: []string{"Retail"}}
	tests := []struct {
		name  string
		when  []routing.Condition
		lead  routing.Lead
		match bool
	}{
		{"at_least met", when("employees", routing.Gate{AtLeast: num(500)}), answered(employees(500)), true},
		{"at_least missed", when("employees", routing.Gate{AtLeast: num(500)}), answered(employees(499)), false},
		{"at_most met", when("employees", routing.Gate{AtMost: num(50)}), answered(employees(50)), true},
		{"at_most missed", when("employees", routing.Gate{AtMost: num(50)}), answered(employees(51)), false},
		{"range met", when("employees", routing.Gate{AtLeast: num(50), AtMost: num(499)}), answered(employees(120)), true},
		{"range missed", when("employees", routing.Gate{AtLeast: num(50), AtMost: num(499)}), answered(employees(500)), false},
		{"equals yes met", when("uses_salesforce", routing.Gate{Equals: "yes"}), answered(yes), true},
		{"equals yes missed", when("uses_salesforce", routing.Gate{Equals: "yes"}), answered(no), false},
		{"equals no met", when("uses_salesforce", routing.Gate{Equals: "no"}), answered(no), true},
		{"select equals met", when("level", routing.Gate{Equals: "VP"}), answered(vp), true},
		{"select equals ignores case", when("level", routing.Gate{Equals: "vp"}), answered(vp), true},
		{"select equals missed", when("level", routing.Gate{Equals: "Director"}), answered(vp), false},
		{"select in met", when("level", routing.Gate{In: []string{"Director", "VP"}}), answered(vp), true},
		{"select in missed", when("level", routing.Gate{In: []string{"IC", "Manager"}}), answered(vp), false},
		{"multi_select in: any one", when("channels", routing.Gate{In: []string{"Online", "Wholesale"}}), answered(online), true},
		{"multi_select in missed", when("channels", routing.Gate{In: []string{"Online"}}), answered(retail), false},
		{"every condition holds", append(when("employees", routing.Gate{AtLeast: num(500)}), when("level", routing.Gate{Equals: "VP"})...), answered(employees(900), vp), true},
		{"one condition fails", append(when("employees", routing.Gate{AtLeast: num(500)}), when("level", routing.Gate{Equals: "Director"})...), answered(employees(900), vp), false},
		{"missing answer never matches", when("employees", routing.Gate{AtMost: num(1e9)}), answered(vp), false},
		{"missing answer never matches a no", when("uses_salesforce", routing.Gate{Equals: "no"}), answered(), false},
		{"a question the checklist does not ask", when("employees", routing.Gate{AtLeast: num(1)}), routing.Lead{Checklist: routing.Checklist{Name: "other"}, Answers: []routing.Answer{employees(900)}}, false},
		{"no conditions never match", nil, answered(employees(900)), false},
	}
	for _, tt := range tests {
		r := routing.Rule{When: tt.when, Pool: "enterprise"}
		require.Equal(t, tt.match, r.Matches(tt.lead), tt.name)
	}
}

// rulesPolicy has three pools: closers (the first), enterprise and homes,
// whose own checklist (lpmama) is asked in its channel.
func rulesPolicy(rules ...routing.Rule) routing.Policy {
	lpmama, _ := routing.Template("lpmama")
	return routing.Policy{
		Checklist: sample(),
		Pools: []routing.Pool{
			{Name: "closers", Channel: "C1"},
			{Name: "enterprise", Channel: "C2"},
			{Name: "homes", Channel: "C3", Checklist: lpmama},
		},
		Rules: rules,
	}
}

func TestRouteFormByRules(t *testing.T) {
	t.Parallel()
	big := routing.Rule{When: when("employees", routing.Gate{AtLeast: num(500)}), Pool: "enterprise"}
	vip := routing.Rule{When: when("level", routing.Gate{In: []string{"C-level"}}), Pool: "homes"}
	cash := routing.Rule{When: when("mortgage", routing.Gate{Equals: "Cash buyer"}), Pool: "enterprise"}
	lpmama, _ := routing.Template("lpmama")
	cashBuyer := routing.Lead{Checklist: lpmama, Answers: []routing.Answer{{QuestionID: "mortgage", Text: "Cash buyer"}}}
	lender := routing.Lead{Checklist: lpmama, Answers: []routing.Answer{{QuestionID: "mortgage", Text: "Talking to a lender"}}}
	ceo := routing.Answer{QuestionID: "level", Text: "C-level"}
	tests := []struct {
		name     string
		rules    []routing.Rule
		formPool string
		lead     routing.Lead
		want     string
		rule     int
	}{
		{"a rule picks the pool", []routing.Rule{big}, "", answered(employees(500)), "enterprise", 0},
		{"no rule matches: the first pool", []routing.Rule{big}, "", answered(employees(499)), "closers", -1},
		{"no rules: the first pool", nil, "", answered(employees(5000)), "closers", -1},
		{"the first match wins", []routing.Rule{vip, big}, "", answered(employees(900), ceo), "homes", 0},
		{"the first match wins, in order", []routing.Rule{big, vip}, "", answered(employees(900), ceo), "enterprise", 0},
		{"a later rule when the first misses", []routing.Rule{vip, big}, "", answered(employees(900)), "enterprise", 1},
		{"a missing answer matches no rule", []routing.Rule{big}, "", answered(ceo), "closers", -1},
		{"a rule beats the form's pool", []routing.Rule{cash}, "homes", cashBuyer, "enterprise", 0},
		{"no match keeps the form's pool", []routing.Rule{cash}, "homes", lender, "homes", -1},
		{"a rule on another checklist's question passes over", []routing.Rule{big}, "homes", lender, "homes", -1},
		{"a rule naming a pool that is gone passes over", []routing.Rule{{When: big.When, Pool: "gone"}, vip}, "", answered(employees(900), ceo), "homes", 1},
	}
	for _, tt := range tests {
		p := rulesPolicy(tt.rules...)
		require.Equal(t, tt.want, p.RouteForm(tt.formPool, tt.lead).Name, tt.name)
		rule, pool, ok := p.MatchRule(tt.lead)
		require.Equal(t, tt.rule, rule, tt.name)
		require.Equal(t, tt.rule >= 0, ok, tt.name)
		if ok {
			require.Equal(t, tt.want, pool.Name, tt.name)
		}
		if tt.formPool == "" {
			require.Equal(t, tt.want, p.Route(tt.lead).Name, "%s: Route is RouteForm without a form pool", tt.name)
		}
	}
}

func TestCheckRules(t *testing.T) {
	t.Parallel()
	rule := func(pool string, conds ...routing.Condition) routing.Rule {
		return routing.Rule{Pool: pool, When: conds}
	}
	cond := func(question string, g routing.Gate) routing.Condition {
		return routing.Condition{Question: question, Gate: g}
	}
	tests := []struct {
		name  string
		rules []routing.Rule
		want  string
	}{
		{"unknown pool", []routing.Rule{rule("enterprize", cond("employees", routing.Gate{AtLeast: num(500)}))}, `rules[0].pool: no pool is named "enterprize"`},
		{"no pool", []routing.Rule{rule("", cond("employees", routing.Gate{AtLeast: num(500)}))}, "rules[0].pool: required"},
		{"empty rule", []routing.Rule{rule("enterprise", cond("employees", routing.Gate{AtLeast: num(1)})), rule("enterprise")}, "rules[1].when: at least one condition is required"},
		{"no question", []routing.Rule{rule("enterprise", cond("", routing.Gate{AtLeast: num(1)}))}, "rules[0].when[0].question: required"},
		{"unknown question", []routing.Rule{rule("enterprise", cond("employes", routing.Gate{AtLeast: num(1)}))}, `rules[0].when[0].question: no checklist in use asks a question with id "employes" (the questions are employees, uses_salesforce, level,`},
		{"number test on a select", []routing.Rule{rule("enterprise", cond("level", routing.Gate{AtLeast: num(3)}))}, "rules[0].when[0]: a select condition names options with in (or equals, for select) (question level of the default checklist (sample))"},
		{"in on a number", []routing.Rule{rule("enterprise", cond("employees", routing.Gate{In: []string{"500"}}))}, "rules[0].when[0].in: a number condition uses at_least and at_most"},
		{"no test", []routing.Rule{rule("enterprise", cond("employees", routing.Gate{}))}, "rules[0].when[0]: set at_least, at_most or both"},
		{"not an option", []routing.Rule{rule("enterprise", cond("level", routing.Gate{In: []string{"VP", "SVP"}}))}, `rules[0].when[0].in[1]: "SVP" is not one of the question's options`},
		{"yes_no takes yes or no", []routing.Rule{rule("enterprise", cond("uses_salesforce", routing.Gate{Equals: "maybe"}))}, `rules[0].when[0].equals: want yes or no, got "maybe"`},
		{"a text question takes no condition", []routing.Rule{rule("enterprise", cond("summary", routing.Gate{Equals: "x"}))}, "rules[0].when[0]: a text question can't have a condition; conditions apply to yes_no, number, select and multi_select"},
		{"no answer could pass", []routing.Rule{rule("enterprise", cond("employees", routing.Gate{AtLeast: num(2e6)}))}, "rules[0].when[0].at_least: 2000000 is above the question's max 1000000: no answer could pass"},
		{"the second condition", []routing.Rule{rule("enterprise", cond("employees", routing.Gate{AtLeast: num(1)}), cond("level", routing.Gate{Equals: "CTO"}))}, `rules[0].when[1].equals: "CTO" is not one of the question's options`},
	}
	for _, tt := range tests {
		_, err := rulesPolicy(tt.rules...).CheckRules()
		require.NotNil(t, err, tt.name)
		require.Contains(t, err.Error(), tt.want, tt.name)
	}

	// A question asked by several checklists must suit the test in each:
	// here "level" is a select in the default checklist, a number in a pool's.
	p := rulesPolicy(rule("enterprise", cond("level", routing.Gate{Equals: "VP"})))
	p.Pools[1].Checklist = routing.Checklist{Name: "custom:enterprise", Questions: []routing.Question{{ID: "level", Label: "Level", Type: routing.TypeNumber}}}
	_, err := p.CheckRules()
	require.NotNil(t, err)
	require.Equal(t, "rules[0].when[0].equals: a number condition uses at_least and at_most (question level of pool enterprise's checklist (custom:enterprise))", err.Error())
	require.Equal(t, "rules[0].when.equals: a number condition uses at_least and at_most (question level of pool enterprise's checklist (custom:enterprise))", err.At(false), "one condition written as a map")

	// A question only one checklist asks is fine: other leads never match.
	ok := rulesPolicy(
		rule("enterprise", cond("level", routing.Gate{In: []string{"vp", "c-LEVEL"}}), cond("uses_salesforce", routing.Gate{Equals: "true"})),
		rule("closers", cond("mortgage", routing.Gate{Equals: "cash BUYER"})),
	)
	rules, err := ok.CheckRules()
	require.Nil(t, err)
	require.Equal(t, []string{"VP", "C-level"}, rules[0].When[0].In, "options in the question's spelling")
	require.Equal(t, "yes", rules[0].When[1].Equals, "yes_no reads true as yes")
	require.Equal(t, "Cash buyer", rules[1].When[0].Equals)
	require.Equal(t, "level in [VP, C-level] and uses_salesforce equals yes → enterprise", rules[0].String())
}
