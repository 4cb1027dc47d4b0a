package routing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// QuestionType says what kind of answer a checklist question takes. It
// decides the form element, how the answer is validated, and the type it is
// stored as, so that rules and reports can compare numbers as numbers.
type QuestionType string

// The question types.
const (
	TypeYesNo       QuestionType = "yes_no"       // stored as a boolean
	TypeNumber      QuestionType = "number"       // a number, optionally within min and max
	TypeSelect      QuestionType = "select"       // one of the options
	TypeMultiSelect QuestionType = "multi_select" // any of the options
	TypeText        QuestionType = "text"         // one line
	TypeLongText    QuestionType = "long_text"    // several lines
	TypeEmail       QuestionType = "email"        // an email address
	TypePhone       QuestionType = "phone"        // normalised to E.164
	TypeURL         QuestionType = "url"          // http or https only
	TypeDate        QuestionType = "date"         // a calendar date
)

// QuestionTypes lists every question type, in the order the documentation
// gives them.
var QuestionTypes = []QuestionType{
	TypeYesNo, TypeNumber, TypeSelect, TypeMultiSelect, TypeText,
	TypeLongText, TypeEmail, TypePhone, TypeURL, TypeDate,
}

// Limits of a checklist. They come from what one Slack form and one message
// can hold: a modal has 100 blocks, of which the lead, the context and the
// transfer choice take about 25; a select holds 100 options; an option's
// text is at most 75 characters.
const (
	MaxQuestions        = 40
	MaxOptions          = 100
	MaxOptionLength     = 75
	MaxLabelLength      = 150
	MaxHintLength       = 300
	MaxQuestionIDLength = 64
	// MaxTextAnswer and MaxLongTextAnswer bound typed answers; one Slack
	// text input holds at most 3,000 characters.
	MaxTextAnswer     = 300
	MaxLongTextAnswer = 3000
	MaxURLLength      = 2000
)

// Question is one item of a qualification checklist.
type Question struct {
	// ID names the answer in storage, rules and reports; lower case,
	// digits and underscores.
	ID       string
	Label    string
	Type     QuestionType
	Required bool
	// Hint is shown under the question in the form.
	Hint string
	// Min and Max bound a number answer; nil is unbounded.
	Min, Max *float64
	// Decimals allows a number answer with a fractional part.
	Decimals bool
	// Options are the choices of a select or multi_select, as shown and
	// as stored.
	Options []string
	// Gate is the answer a live transfer needs; nil for none.
	Gate *Gate
}

// Gate is the answer a live transfer needs, written down so that the system
// enforces the criteria rather than goodwill. Only the fields that fit the
// question's type are set.
type Gate struct {
	// AtLeast and AtMost bound a number answer.
	AtLeast, AtMost *float64
	// Equals is the answer a yes_no ("yes" or "no") or select question needs.
	Equals string
	// In lists the options a select answer must be one of, or of which a
	// multi_select answer must include at least one.
	In []string
}

// Checklist is an ordered list of questions the passer answers before a
// handoff, with the name it is known by (a template's, or the configuration
// place it comes from).
type Checklist struct {
	Name      string
	Questions []Question
}

// Question returns the question with id.
func (c Checklist) Question(id string) (Question, bool) {
	for _, q := range c.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

// Gated returns the questions that have a gate, in order.
func (c Checklist) Gated() []Question {
	var out []Question
	for _, q := range c.Questions {
		if q.Gate != nil {
			out = append(out, q)
		}
	}
	return out
}

// QuestionIDs returns the ids of qs, in order.
func QuestionIDs(qs []Question) []string {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return ids
}

// ChecklistError says what is wrong with a checklist definition: which
// question (by its position) and which of its keys.
type ChecklistError struct {
	// Index is the question's position, or -1 for the list as a whole.
	Index int
	// Key is the question's key at fault ("options", "gate.in[1]"), or "".
	Key string
	Msg string
}

// At formats the error under a configuration path, e.g.
// At("checklist") = "checklist[2].options: 120 options, at most 100".
func (e *ChecklistError) At(path string) string {
	if e.Index >= 0 {
		path += "[" + strconv.Itoa(e.Index) + "]"
		if e.Key != "" {
			path += "." + e.Key
		}
	}
	return path + ": " + e.Msg
}

func (e *ChecklistError) Error() string { return e.At("checklist") }

// CheckChecklist validates a checklist definition and returns it with its
// option references normalised (a gate's "vp" becomes the option "VP"), or
// the first problem found.
func CheckChecklist(c Checklist) (Checklist, *ChecklistError) {
	if len(c.Questions) == 0 {
		return c, &ChecklistError{Index: -1, Msg: "at least one question is required (or name a built-in template such as " + DefaultTemplate + ")"}
	}
	if len(c.Questions) > MaxQuestions {
		return c, &ChecklistError{Index: -1, Msg: fmt.Sprintf("%d questions, at most %d (a Slack form holds 100 blocks)", len(c.Questions), MaxQuestions)}
	}
	out := Checklist{Name: c.Name, Questions: make([]Question, len(c.Questions))}
	seen := map[string]int{}
	for i, q := range c.Questions {
		fail := func(key, format string, args ...any) (Checklist, *ChecklistError) {
			return c, &ChecklistError{Index: i, Key: key, Msg: fmt.Sprintf(format, args...)}
		}
		if !validQuestionID(q.ID) {
			return fail("id", "want lower-case letters, digits and underscores, starting with a letter, at most %d characters; got %q", MaxQuestionIDLength, q.ID)
		}
		if j, dup := seen[q.ID]; dup {
			return fail("id", "%q is also the id of question %d", q.ID, j)
		}
		seen[q.ID] = i
		if strings.TrimSpace(q.Label) == "" {
			return fail("label", "required")
		}
		if n := utf8.RuneCountInString(q.Label); n > MaxLabelLength {
			return fail("label", "%d characters, at most %d", n, MaxLabelLength)
		}
		if n := utf8.RuneCountInString(q.Hint); n > MaxHintLength {
			return fail("hint", "%d characters, at most %d", n, MaxHintLength)
		}
		if !slices.Contains(QuestionTypes, q.Type) {
			return fail("type", "%q is not a question type; use one of %s", q.Type, typeList())
		}
		if q.Type != TypeNumber {
			switch {
			case q.Min != nil:
				return fail("min", "only a number question has a minimum")
			case q.Max != nil:
				return fail("max", "only a number question has a maximum")
			case q.Decimals:
				return fail("decimals", "only a number question takes decimals")
			}
		}
		if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
			return fail("max", "%s is below min %s", FormatNumber(*q.Max), FormatNumber(*q.Min))
		}
		options, key, msg := checkOptions(q)
		if msg != "" {
			return fail(key, "%s", msg)
		}
		q.Options = options
		if q.Gate != nil {
			gate, key, msg := checkGate(q)
			if msg != "" {
				return fail("gate"+key, "%s", msg)
			}
			q.Gate = &gate
		}
		out.Questions[i] = q
	}
	return out, nil
}

func validQuestionID(id string) bool {
	if id == "" || len(id) > MaxQuestionIDLength || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

func typeList() string {
	names := make([]string, len(QuestionTypes))
	for i, t := range QuestionTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// checkOptions validates a question's options, returning them trimmed, or
// the key at fault and why.
func checkOptions(q Question) ([]string, string, string) {
	choice := q.Type == TypeSelect || q.Type == TypeMultiSelect
	if !choice {
		if len(q.Options) > 0 {
			return nil, "options", "only select and multi_select questions have options"
		}
		return nil, "", ""
	}
	switch n := len(q.Options); {
	case n < 2:
		return nil, "options", fmt.Sprintf("%d option(s), at least 2", n)
	case n > MaxOptions:
		return nil, "options", fmt.Sprintf("%d options, at most %d", n, MaxOptions)
	}
	out := make([]string, len(q.Options))
	seen := map[string]int{}
	for i, o := range q.Options {
		o = strings.TrimSpace(o)
		key := fmt.Sprintf("options[%d]", i)
		switch n := utf8.RuneCountInString(o); {
		case n == 0:
			return nil, key, "empty option"
		case n > MaxOptionLength:
			return nil, key, fmt.Sprintf("%d characters, at most %d (Slack's limit for an option)", n, MaxOptionLength)
		}
		if j, dup := seen[strings.ToLower(o)]; dup {
			return nil, key, fmt.Sprintf("%q repeats option %d", o, j)
		}
		seen[strings.ToLower(o)] = i
		out[i] = o
	}
	return out, "", ""
}

// checkGate validates q's gate against its type and options, returning the
// gate with option references in their canonical spelling, or the key (under
// "gate") at fault and why.
func checkGate(q Question) (Gate, string, string) { return checkTest(q, *q.Gate, "gate") }

// checkTest validates g as a test on the answers to q: a question's gate,
// or a routing rule's condition, which take the same keys and are read the
// same way. noun ("gate", "condition") is what the messages call g. It
// returns g with option references in their canonical spelling, or the key
// (".in[1]", or "" for g as a whole) at fault and why.
func checkTest(q Question, g Gate, noun string) (Gate, string, string) {
	number := g.AtLeast != nil || g.AtMost != nil
	switch q.Type {
	case TypeNumber:
		switch {
		case g.Equals != "":
			return g, ".equals", "a number " + noun + " uses at_least and at_most"
		case len(g.In) > 0:
			return g, ".in", "a number " + noun + " uses at_least and at_most"
		case !number:
			return g, "", "set at_least, at_most or both"
		case g.AtLeast != nil && g.AtMost != nil && *g.AtLeast > *g.AtMost:
			return g, ".at_most", fmt.Sprintf("%s is below at_least %s: no answer could pass", FormatNumber(*g.AtMost), FormatNumber(*g.AtLeast))
		case g.AtLeast != nil && q.Max != nil && *g.AtLeast > *q.Max:
			return g, ".at_least", fmt.Sprintf("%s is above the question's max %s: no answer could pass", FormatNumber(*g.AtLeast), FormatNumber(*q.Max))
		case g.AtMost != nil && q.Min != nil && *g.AtMost < *q.Min:
			return g, ".at_most", fmt.Sprintf("%s is below the question's min %s: no answer could pass", FormatNumber(*g.AtMost), FormatNumber(*q.Min))
		}
		return g, "", ""
	case TypeYesNo:
		switch {
		case number:
			return g, "", "a yes_no " + noun + " uses equals: yes or equals: no"
		case len(g.In) > 0:
			return g, ".in", "a yes_no " + noun + " uses equals: yes or equals: no"
		}
		switch strings.ToLower(strings.TrimSpace(g.Equals)) {
		case "yes", "true":
			g.Equals = "yes"
		case "no", "false":
			g.Equals = "no"
		default:
			return g, ".equals", fmt.Sprintf("want yes or no, got %q", g.Equals)
		}
		return g, "", ""
	case TypeSelect, TypeMultiSelect:
		if number {
			return g, "", "a " + string(q.Type) + " " + noun + " names options with in (or equals, for select)"
		}
		if g.Equals != "" {
			if q.Type == TypeMultiSelect {
				return g, ".equals", "a multi_select " + noun + " lists options with in: any one of them passes"
			}
			if len(g.In) > 0 {
				return g, ".equals", "set equals or in, not both"
			}
			opt, ok := matchOption(q.Options, g.Equals)
			if !ok {
				return g, ".equals", fmt.Sprintf("%q is not one of the question's options", g.Equals)
			}
			g.Equals = opt
			return g, "", ""
		}
		if len(g.In) == 0 {
			return g, "", "list the passing options with in"
		}
		in := make([]string, len(g.In))
		for i, v := range g.In {
			opt, ok := matchOption(q.Options, v)
			if !ok {
				return g, fmt.Sprintf(".in[%d]", i), fmt.Sprintf("%q is not one of the question's options", v)
			}
			in[i] = opt
		}
		g.In = in
		return g, "", ""
	}
	return g, "", fmt.Sprintf("a %s question can't have a %s; %ss apply to yes_no, number, select and multi_select questions", q.Type, noun, noun)
}

// matchOption finds v among options, ignoring case and surrounding space, so
// a gate may say "vp" for the option "VP".
func matchOption(options []string, v string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, o := range options {
		if strings.EqualFold(o, v) {
			return o, true
		}
	}
	return "", false
}

// FormatNumber writes a number the way people read it: 500, 2.5.
func FormatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// GatePasses reports whether answer a passes q's gate; a question without a
// gate always passes. An unanswered gated question never passes: a live
// transfer needs the criterion known, not assumed.
func (q Question) GatePasses(a Answer, answered bool) bool {
	switch {
	case q.Gate == nil:
		return true
	case !answered:
		return false
	}
	return q.Gate.passes(q.Type, a)
}

// passes reports whether a, an answer to a question of type t, passes g.
// Options are compared ignoring case: a gate names them in the question's
// spelling already, but a routing rule's condition may apply to questions
// of several checklists that spell an option differently.
func (g Gate) passes(t QuestionType, a Answer) bool {
	is := func(option string) func(string) bool {
		return func(o string) bool { return strings.EqualFold(o, option) }
	}
	switch t {
	case TypeNumber:
		return (g.AtLeast == nil || a.Number >= *g.AtLeast) && (g.AtMost == nil || a.Number <= *g.AtMost)
	case TypeYesNo:
		return a.Yes == (g.Equals == "yes")
	case TypeSelect:
		return (g.Equals != "" && strings.EqualFold(a.Text, g.Equals)) || slices.ContainsFunc(g.In, is(a.Text))
	case TypeMultiSelect:
		for _, c := range a.Choices {
			if slices.ContainsFunc(g.In, is(c)) {
				return true
			}
		}
	}
	return false
}

// Unmet returns the gated questions that answers do not pass, in checklist
// order: the criteria that stand between this lead and a live transfer.
func (c Checklist) Unmet(answers []Answer) []Question {
	var out []Question
	for _, q := range c.Gated() {
		if a, ok := FindAnswer(answers, q.ID); !q.GatePasses(a, ok) {
			out = append(out, q)
		}
	}
	return out
}
