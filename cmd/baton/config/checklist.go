package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/routing"
)

// checklistSpec is a `checklist` setting: the name of a built-in template
// ("checklist: bant"), or the questions themselves, in order.
type checklistSpec struct {
	Template  string
	Questions []question
}

// question mirrors one item of a checklist list.
type question struct {
	ID       string   `yaml:"id"`
	Label    string   `yaml:"label"`
	Type     string   `yaml:"type"`
	Required bool     `yaml:"required"`
	Hint     string   `yaml:"hint"`
	Min      *float64 `yaml:"min"`
	Max      *float64 `yaml:"max"`
	Decimals bool     `yaml:"decimals"`
	Options  []string `yaml:"options"`
	Gate     *gate    `yaml:"gate"`
}

// gate mirrors a question's gate: at_least/at_most for numbers, equals for
// yes_no and select, in for select and multi_select.
type gate struct {
	AtLeast *float64 `yaml:"at_least"`
	AtMost  *float64 `yaml:"at_most"`
	Equals  string   `yaml:"equals"`
	In      []string `yaml:"in"`
}

func (c *checklistSpec) decodeNode(node *yaml.Node, path string) error {
	switch node.Kind {
	case yaml.ScalarNode:
		c.Template = node.Value
		return nil
	case yaml.SequenceNode:
		return decodeSlice(node, reflect.ValueOf(&c.Questions).Elem(), path)
	}
	return fmt.Errorf("%s: want a template name such as %s, or a list of questions; got %s", path, routing.DefaultTemplate, kindName(node))
}

// build turns the setting at path into a validated checklist. A list of
// questions is named custom (the default checklist's) or custom:<pool>, so
// that a submitted form can say which one it asked.
func (c *checklistSpec) build(path, customName string) (routing.Checklist, error) {
	if c.Template != "" {
		t, ok := routing.Template(c.Template)
		if !ok {
			return t, fmt.Errorf("%s: %q is not a built-in template; use one of %s, or a list of questions", path, c.Template, strings.Join(routing.TemplateNames(), ", "))
		}
		return t, nil
	}
	qs := make([]routing.Question, len(c.Questions))
	for i, q := range c.Questions {
		qs[i] = routing.Question{
			ID: q.ID, Label: q.Label, Type: routing.QuestionType(q.Type), Required: q.Required, Hint: q.Hint,
			Min: q.Min, Max: q.Max, Decimals: q.Decimals, Options: q.Options,
		}
		if q.Gate != nil {
			qs[i].Gate = &routing.Gate{AtLeast: q.Gate.AtLeast, AtMost: q.Gate.AtMost, Equals: q.Gate.Equals, In: q.Gate.In}
		}
	}
	checked, err := routing.CheckChecklist(routing.Checklist{Name: customName, Questions: qs})
	if err != nil {
		return checked, errors.New(err.At(path))
	}
	return checked, nil
}
