package config

import (
	"errors"
	"fmt"
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/routing"
)

// rule mirrors one item of `rules`: the conditions a lead's checklist
// answers must meet, and the pool the matching leads go to.
type rule struct {
	When ruleWhen `yaml:"when"`
	Pool string   `yaml:"pool"`
}

// ruleWhen is a rule's `when`: one condition written as a map
// (`when: {question: employees, at_least: 500}`), or a list of conditions
// that must all hold.
type ruleWhen struct {
	list       bool
	conditions []condition
}

// condition mirrors one condition: the question's id and a gate's tests.
type condition struct {
	Question string   `yaml:"question"`
	AtLeast  *float64 `yaml:"at_least"`
	AtMost   *float64 `yaml:"at_most"`
	Equals   string   `yaml:"equals"`
	In       []string `yaml:"in"`
}

func (w *ruleWhen) decodeNode(node *yaml.Node, path string) error {
	switch node.Kind {
	case yaml.MappingNode:
		w.conditions = make([]condition, 1)
		return decodeStruct(node, reflect.ValueOf(&w.conditions[0]).Elem(), path)
	case yaml.SequenceNode:
		w.list = true
		return decodeSlice(node, reflect.ValueOf(&w.conditions).Elem(), path)
	}
	return fmt.Errorf("%s: want a condition such as {question: employees, at_least: 500}, or a list of them; got %s", path, kindName(node))
}

// rules converts the configured rules and validates them against the
// policy's pools and checklists, which must be built already.
func rules(in []rule, p routing.Policy) ([]routing.Rule, error) {
	p.Rules = make([]routing.Rule, len(in))
	for i, r := range in {
		p.Rules[i] = routing.Rule{Pool: r.Pool, When: make([]routing.Condition, len(r.When.conditions))}
		for j, c := range r.When.conditions {
			p.Rules[i].When[j] = routing.Condition{Question: c.Question,
				Gate: routing.Gate{AtLeast: c.AtLeast, AtMost: c.AtMost, Equals: c.Equals, In: c.In}}
		}
	}
	checked, err := p.CheckRules()
	if err != nil {
		return nil, errors.New(err.At(in[err.Rule].When.list))
	}
	return checked, nil
}
