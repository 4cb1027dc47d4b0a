package routing

import (
	"fmt"
	"slices"
	"strings"
)

// Rule sends the leads whose checklist answers meet all of its conditions
// to a pool: an enterprise team for companies of 500 people or more, say.
// Rules are tried in order and the first that matches picks the pool (see
// Policy.RouteForm), so a list reads like a routing table, most specific
// first.
type Rule struct {
	// When lists the conditions; every one must hold.
	When []Condition
	// Pool names the pool the matching leads go to.
	Pool string
}

// Condition tests the answer to one checklist question. It takes the tests
// a gate takes (at_least and at_most for a number, equals for a yes_no or a
// select, in for a select or a multi_select), read the same way, so that
// whoever writes the checklist's gates can write the rules.
type Condition struct {
	// Question is the id of the question whose answer is tested.
	Question string
	Gate
}

// Matches reports whether lead l's answers meet every condition of r. A
// condition on a question l's checklist does not ask, or that the passer
// left unanswered, does not hold: a rule routes on what is known, never on
// what is assumed, so such a lead goes on to the next rule or the default.
func (r Rule) Matches(l Lead) bool {
	if len(r.When) == 0 {
		return false
	}
	for _, c := range r.When {
		q, asked := l.Checklist.Question(c.Question)
		a, answered := FindAnswer(l.Answers, c.Question)
		if !asked || !answered || !c.passes(q.Type, a) {
			return false
		}
	}
	return true
}

// String writes the rule as people read it, for logs and the event log:
// "employees at_least 500 → enterprise".
func (r Rule) String() string {
	conds := make([]string, len(r.When))
	for i, c := range r.When {
		conds[i] = c.String()
	}
	return strings.Join(conds, " and ") + " → " + r.Pool
}

// String writes the condition as its configuration does: "employees
// at_least 500", "level in [VP, C-level]", "uses_crm equals yes".
func (c Condition) String() string {
	var tests []string
	if c.AtLeast != nil {
		tests = append(tests, "at_least "+FormatNumber(*c.AtLeast))
	}
	if c.AtMost != nil {
		tests = append(tests, "at_most "+FormatNumber(*c.AtMost))
	}
	if c.Equals != "" {
		tests = append(tests, "equals "+c.Equals)
	}
	if len(c.In) > 0 {
		tests = append(tests, "in ["+strings.Join(c.In, ", ")+"]")
	}
	return c.Question + " " + strings.Join(tests, " ")
}

// MatchRule returns the index in p.Rules of the first rule lead l matches,
// and the pool it names; ok is false when no rule matches. A rule naming a
// pool the policy does not have is passed over (configuration refuses one).
func (p Policy) MatchRule(l Lead) (index int, pool Pool, ok bool) {
	for i, r := range p.Rules {
		if !r.Matches(l) {
			continue
		}
		if pool, found := p.Pool(r.Pool); found {
			return i, pool, true
		}
	}
	return -1, Pool{}, false
}

// RuleError says what is wrong with a rule: which one, which of its
// conditions and which key, so configuration can name the place to fix.
type RuleError struct {
	// Rule is the rule's position in the list.
	Rule int
	// Condition is the condition's position in the rule's When, or -1 for
	// the rule as a whole.
	Condition int
	// Key is the key at fault: "pool", "when" for the rule; "question",
	// "in[1]", "at_most" or "" (the condition as a whole) for a condition.
	Key string
	Msg string
}

// Error formats the error with the conditions written as a list.
func (e *RuleError) Error() string { return e.At(true) }

// At formats the error under the rule's configuration path. whenList says
// the rule writes its conditions as a list (rules[0].when[1].in[0]) rather
// than as one condition (rules[0].when.in[0]).
func (e *RuleError) At(whenList bool) string {
	path := fmt.Sprintf("rules[%d]", e.Rule)
	switch {
	case e.Condition >= 0 && whenList:
		path += fmt.Sprintf(".when[%d]", e.Condition)
	case e.Condition >= 0:
		path += ".when"
	}
	if e.Key != "" {
		path += "." + e.Key
	}
	return path + ": " + e.Msg
}

// CheckRules validates p.Rules against the pools and the checklists in
// use, and returns them with option references normalised (in: [vp] reads
// the option "VP"), or the first problem found. A rule can apply to any
// lead, so a condition's question must be asked by at least one checklist
// in use (the default one or a pool's own), and must suit its test in every
// checklist that asks it; a lead whose checklist does not ask the question
// never matches the rule.
func (p Policy) CheckRules() ([]Rule, *RuleError) {
	type asked struct {
		where string
		q     Question
	}
	checklists := p.checklistsInUse()
	out := make([]Rule, len(p.Rules))
	for i, r := range p.Rules {
		fail := func(cond int, key, format string, args ...any) ([]Rule, *RuleError) {
			return nil, &RuleError{Rule: i, Condition: cond, Key: key, Msg: fmt.Sprintf(format, args...)}
		}
		switch _, found := p.Pool(r.Pool); {
		case strings.TrimSpace(r.Pool) == "":
			return fail(-1, "pool", "required: the pool the matching leads go to")
		case !found:
			return fail(-1, "pool", "no pool is named %q", r.Pool)
		case len(r.When) == 0:
			return fail(-1, "when", "at least one condition is required (a rule without one would take every lead)")
		}
		out[i] = Rule{Pool: r.Pool, When: make([]Condition, len(r.When))}
		for j, c := range r.When {
			if c.Question == "" {
				return fail(j, "question", "required: the id of the checklist question whose answer is tested")
			}
			var where []asked
			for _, cl := range checklists {
				if q, ok := cl.list.Question(c.Question); ok {
					where = append(where, asked{cl.where, q})
				}
			}
			if len(where) == 0 {
				return fail(j, "question", "no checklist in use asks a question with id %q (%s)", c.Question, questionIDs(checklists))
			}
			checked := c
			for k, a := range where {
				g, key, msg := checkTest(a.q, c.Gate, "condition")
				if msg != "" {
					if len(checklists) > 1 {
						msg += " (question " + c.Question + " of " + a.where + ")"
					}
					return fail(j, strings.TrimPrefix(key, "."), "%s", msg)
				}
				if k == 0 {
					// The first checklist's spelling; matching ignores case.
					checked.Gate = g
				}
			}
			out[i].When[j] = checked
		}
	}
	return out, nil
}

// namedChecklist is a checklist in use and how people know where it is.
type namedChecklist struct {
	where string
	list  Checklist
}

// checklistsInUse lists the checklists a lead can have answered: the
// default one (asked wherever no pool's own applies) and each pool's own.
func (p Policy) checklistsInUse() []namedChecklist {
	out := []namedChecklist{{"the default checklist (" + p.Checklist.Name + ")", p.Checklist}}
	for _, pool := range p.Pools {
		if pool.Checklist.Name != "" {
			out = append(out, namedChecklist{"pool " + pool.Name + "'s checklist (" + pool.Checklist.Name + ")", pool.Checklist})
		}
	}
	return out
}

// questionIDs lists the question ids of checklists, once each, for a
// message that says what could have been meant.
func questionIDs(checklists []namedChecklist) string {
	var ids []string
	for _, c := range checklists {
		for _, q := range c.list.Questions {
			if !slices.Contains(ids, q.ID) {
				ids = append(ids, q.ID)
			}
		}
	}
	return "the questions are " + strings.Join(ids, ", ")
}
