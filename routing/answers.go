package routing

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// RawAnswer is a checklist answer as the form sent it, before validation:
// typed text, a number as typed, the chosen option ("yes"/"no" for yes_no),
// or a date as YYYY-MM-DD in Text; the ticked options in Choices.
type RawAnswer struct {
	Text    string
	Choices []string
}

// Answer is a validated checklist answer, typed by its question: only the
// field that fits the question's type is set. Unanswered optional questions
// have no Answer at all.
type Answer struct {
	QuestionID string
	// Yes is a yes_no answer.
	Yes bool
	// Number is a number answer.
	Number float64
	// Text is a text, long_text, email, phone (E.164), url or select answer.
	Text string
	// Choices are a multi_select answer, in the options' order.
	Choices []string
	// Date is a date answer, at midnight UTC.
	Date time.Time
}

// DateLayout is how a date answer is written in forms and storage.
const DateLayout = "2006-01-02"

// Value is a as its question's type t holds it: true/false, a number, the
// options chosen, a YYYY-MM-DD date, or text. It is the answer's value in
// storage (the type a query compares) and in an export.
func (a Answer) Value(t QuestionType) any {
	switch t {
	case TypeYesNo:
		return a.Yes
	case TypeNumber:
		return a.Number
	case TypeMultiSelect:
		return a.Choices
	case TypeDate:
		return a.Date.Format(DateLayout)
	}
	return a.Text
}

// FindAnswer returns the answer to question id.
func FindAnswer(answers []Answer, id string) (Answer, bool) {
	for _, a := range answers {
		if a.QuestionID == id {
			return a, true
		}
	}
	return Answer{}, false
}

// QuestionField is the field of question id in per-field errors (and the
// block_id of its input), kept apart from the lead's own fields by a prefix.
func QuestionField(id string) Field { return Field("q." + id) }

// ValidateAnswers checks raw answers against checklist c and returns the
// typed answers, in checklist order, with one sentence per question to fix.
// Answers to questions c does not have are ignored: the form only sends
// what Baton put in it, and anything else is not to be trusted.
func ValidateAnswers(c Checklist, raw map[string]RawAnswer) ([]Answer, FieldErrors) {
	var out []Answer
	errs := FieldErrors{}
	for _, q := range c.Questions {
		a, answered, msg := validateAnswer(q, raw[q.ID])
		switch {
		case msg != "":
			errs[QuestionField(q.ID)] = msg
		case answered:
			out = append(out, a)
		case q.Required:
			errs[QuestionField(q.ID)] = requiredMessage(q.Type)
		}
	}
	return out, errs
}

func requiredMessage(t QuestionType) string {
	switch t {
	case TypeYesNo, TypeSelect:
		return "Choose an answer."
	case TypeMultiSelect:
		return "Choose at least one."
	case TypeDate:
		return "Pick a date."
	}
	return "Answer this question."
}

// validateAnswer types one raw answer; answered is false for an empty one.
func validateAnswer(q Question, raw RawAnswer) (a Answer, answered bool, msg string) {
	a.QuestionID = q.ID
	text := strings.TrimSpace(raw.Text)
	if q.Type == TypeMultiSelect {
		if len(raw.Choices) == 0 {
			return a, false, ""
		}
		// Keep the options' order, whatever order the form sent, and
		// refuse anything that is not an option: the payload is not trusted.
		for _, o := range q.Options {
			if slices.Contains(raw.Choices, o) {
				a.Choices = append(a.Choices, o)
			}
		}
		if len(a.Choices) != len(uniq(raw.Choices)) {
			return a, false, "Choose from the options listed."
		}
		return a, true, ""
	}
	if text == "" {
		return a, false, ""
	}
	switch q.Type {
	case TypeYesNo:
		switch text {
		case "yes":
			a.Yes = true
		case "no":
		default:
			return a, false, "Choose Yes or No."
		}
	case TypeSelect:
		if !slices.Contains(q.Options, text) {
			return a, false, "Choose one of the options listed."
		}
		a.Text = text
	case TypeNumber:
		n, m := parseNumber(q, text)
		if m != "" {
			return a, false, m
		}
		a.Number = n
	case TypeText, TypeLongText:
		limit := MaxTextAnswer
		if q.Type == TypeLongText {
			limit = MaxLongTextAnswer
		}
		if utf8.RuneCountInString(text) > limit {
			return a, false, fmt.Sprintf("Keep this under %s characters.", thousands(limit))
		}
		a.Text = text
	case TypeEmail, TypePhone, TypeURL:
		v, m := contactCheckers[q.Type](text)
		if m != "" {
			return a, false, m
		}
		a.Text = v
	case TypeDate:
		d, err := time.Parse(DateLayout, text)
		if err != nil {
			return a, false, "Pick a date."
		}
		a.Date = d
	default:
		return a, false, "Baton can't read this answer; please tell your admin."
	}
	return a, true, ""
}

// contactCheckers validate the answers that are ways to reach someone,
// returning the answer as stored (a phone in E.164) or what is wrong.
var contactCheckers = map[QuestionType]func(string) (string, string){
	TypeEmail: func(s string) (string, string) { return s, checkEmail(s) },
	TypePhone: NormalizePhone,
	TypeURL:   func(s string) (string, string) { return s, CheckURL(s) },
}

func uniq(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// parseNumber reads a number answer and checks it against the question's
// bounds. Commas and spaces people type as thousands separators are
// accepted ("1,500").
func parseNumber(q Question, text string) (float64, string) {
	clean := strings.NewReplacer(",", "", " ", "", "\u00a0", "").Replace(text)
	n, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, "Enter a number, e.g. 500."
	}
	if !q.Decimals && n != math.Trunc(n) {
		return 0, "Enter a whole number."
	}
	switch {
	case q.Min != nil && q.Max != nil && (n < *q.Min || n > *q.Max):
		return 0, fmt.Sprintf("Enter a number from %s to %s.", FormatNumber(*q.Min), FormatNumber(*q.Max))
	case q.Min != nil && n < *q.Min:
		return 0, fmt.Sprintf("Enter %s or more.", FormatNumber(*q.Min))
	case q.Max != nil && n > *q.Max:
		return 0, fmt.Sprintf("Enter %s or less.", FormatNumber(*q.Max))
	}
	return n, ""
}

// CheckURL returns a sentence saying what is wrong with a link, or "" for a
// valid one. Only http and https are accepted: a closer clicks it, and a
// javascript: or file: link is not something to click.
func CheckURL(s string) string {
	if len(s) > MaxURLLength {
		return "That link is too long."
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\n<>|") {
		return "Enter a link starting with https://"
	}
	return ""
}

// thousands writes n with a comma every three digits, as the error
// sentences do ("3,000").
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
