package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// How a lead's checklist, answers and context are kept in jsonb. The shapes
// are the store's, not the domain's: routing stays free of storage tags,
// and the JSON stays stable when the Go types change.

// questionJSON is one question of handoffs.checklist.
type questionJSON struct {
	ID       string    `json:"id"`
	Label    string    `json:"label"`
	Type     string    `json:"type"`
	Required bool      `json:"required,omitempty"`
	Hint     string    `json:"hint,omitempty"`
	Min      *float64  `json:"min,omitempty"`
	Max      *float64  `json:"max,omitempty"`
	Decimals bool      `json:"decimals,omitempty"`
	Options  []string  `json:"options,omitempty"`
	Gate     *gateJSON `json:"gate,omitempty"`
}

type gateJSON struct {
	AtLeast *float64 `json:"at_least,omitempty"`
	AtMost  *float64 `json:"at_most,omitempty"`
	Equals  string   `json:"equals,omitempty"`
	In      []string `json:"in,omitempty"`
}

// contextJSON is handoffs.context.
type contextJSON struct {
	Pain         string `json:"pain,omitempty"`
	Interest     string `json:"interest,omitempty"`
	CurrentTools string `json:"current_tools,omitempty"`
	RecordingURL string `json:"recording_url,omitempty"`
	BestTime     string `json:"best_time,omitempty"`
	BestChannel  string `json:"best_channel,omitempty"`
	Personality  string `json:"personality,omitempty"`
}

// leadJSON is a lead's jsonb columns, encoded.
type leadJSON struct {
	checklist, answers, context []byte
}

func encodeLead(l routing.Lead) (leadJSON, error) {
	qs := make([]questionJSON, len(l.Checklist.Questions))
	for i, q := range l.Checklist.Questions {
		qs[i] = questionJSON{ID: q.ID, Label: q.Label, Type: string(q.Type), Required: q.Required, Hint: q.Hint,
			Min: q.Min, Max: q.Max, Decimals: q.Decimals, Options: q.Options}
		if g := q.Gate; g != nil {
			qs[i].Gate = &gateJSON{AtLeast: g.AtLeast, AtMost: g.AtMost, Equals: g.Equals, In: g.In}
		}
	}
	answers := map[string]any{}
	for _, a := range l.Answers {
		q, ok := l.Checklist.Question(a.QuestionID)
		if !ok {
			return leadJSON{}, fmt.Errorf("answer to %q, which checklist %q does not ask", a.QuestionID, l.Checklist.Name)
		}
		answers[a.QuestionID] = a.Value(q.Type)
	}
	c := l.Context
	var out leadJSON
	var err error
	if out.checklist, err = json.Marshal(qs); err != nil {
		return out, err
	}
	if out.answers, err = json.Marshal(answers); err != nil {
		return out, err
	}
	out.context, err = json.Marshal(contextJSON{Pain: c.Pain, Interest: c.Interest, CurrentTools: c.CurrentTools,
		RecordingURL: c.RecordingURL, BestTime: c.BestTime, BestChannel: c.BestChannel, Personality: c.Personality})
	return out, err
}

// decode fills l's checklist, answers and context from their columns.
func (j leadJSON) decode(name string, l *routing.Lead) error {
	var qs []questionJSON
	if err := json.Unmarshal(j.checklist, &qs); err != nil {
		return fmt.Errorf("checklist: %w", err)
	}
	l.Checklist = routing.Checklist{Name: name}
	for _, q := range qs {
		rq := routing.Question{ID: q.ID, Label: q.Label, Type: routing.QuestionType(q.Type), Required: q.Required, Hint: q.Hint,
			Min: q.Min, Max: q.Max, Decimals: q.Decimals, Options: q.Options}
		if g := q.Gate; g != nil {
			rq.Gate = &routing.Gate{AtLeast: g.AtLeast, AtMost: g.AtMost, Equals: g.Equals, In: g.In}
		}
		l.Checklist.Questions = append(l.Checklist.Questions, rq)
	}

	var raw map[string]json.RawMessage
	if err := json.Unmarshal(j.answers, &raw); err != nil {
		return fmt.Errorf("answers: %w", err)
	}
	l.Answers = nil
	for _, q := range l.Checklist.Questions {
		v, ok := raw[q.ID]
		if !ok {
			continue
		}
		a, err := decodeAnswer(q, v)
		if err != nil {
			return fmt.Errorf("answer %s: %w", q.ID, err)
		}
		l.Answers = append(l.Answers, a)
	}

	var c contextJSON
	if err := json.Unmarshal(j.context, &c); err != nil {
		return fmt.Errorf("context: %w", err)
	}
	l.Context = routing.Context{Pain: c.Pain, Interest: c.Interest, CurrentTools: c.CurrentTools,
		RecordingURL: c.RecordingURL, BestTime: c.BestTime, BestChannel: c.BestChannel, Personality: c.Personality}
	return nil
}

func decodeAnswer(q routing.Question, v json.RawMessage) (routing.Answer, error) {
	a := routing.Answer{QuestionID: q.ID}
	switch q.Type {
	case routing.TypeYesNo:
		return a, json.Unmarshal(v, &a.Yes)
	case routing.TypeNumber:
		return a, json.Unmarshal(v, &a.Number)
	case routing.TypeMultiSelect:
		return a, json.Unmarshal(v, &a.Choices)
	case routing.TypeDate:
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return a, err
		}
		d, err := time.Parse(routing.DateLayout, s)
		a.Date = d
		return a, err
	}
	return a, json.Unmarshal(v, &a.Text)
}
