// Package export writes handoffs for a CRM import or a spreadsheet, as CSV
// or JSON: baton export.
package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/routing"
)

// The formats Write writes.
const (
	CSV  = "csv"
	JSON = "json"
)

// exportColumns are the fixed columns of an export, in order; the answer
// columns ("answer.<question id>") go between email and owner.
var (
	exportLeadColumns = []string{"id", "created_at", "pool", "passer", "company", "contact_name", "contact_title", "phone", "email"}
	exportWorkColumns = []string{"owner", "claimed_at", "seconds_to_claim", "state", "last_touch_at", "last_touch_kind",
		"outcome", "outcome_reason", "cancel_reason", "closed_at"}
)

// Source reads what an export holds: the handoffs created in [from, to),
// oldest first, and the ids of the questions answered in them. *store.Store
// is one.
type Source interface {
	ExportHandoffs(ctx context.Context, from, to time.Time, each func(routing.Handoff) error) error
	AnsweredQuestions(ctx context.Context, from, to time.Time) ([]string, error)
}

// Write writes the handoffs src holds for [from, to) to w in format (CSV
// or JSON), times in p's timezone; the CSV's answer columns follow p's
// checklists (see answerColumns).
//
// A lead of a pool that hides its contact details (routing.Policy.HidesDetails,
// as p says) is exported without them: its contact name and title, phone
// and email are blank, and so are its answers to email, phone and url
// questions. An export leaves Baton for a file anyone may open, so it
// follows the channel's rule, not the owner's.
func Write(ctx context.Context, w io.Writer, src Source, format string, p routing.Policy, from, to time.Time) error {
	read := func(each func(routing.Handoff) error) error {
		return src.ExportHandoffs(ctx, from, to, func(h routing.Handoff) error {
			if p.HidesDetails(h) {
				h.Lead = h.Lead.WithoutDetails()
			}
			return each(h)
		})
	}
	x := exporter{loc: p.Location}
	switch format {
	case JSON:
		return x.writeJSON(w, read)
	case CSV:
		answered, err := src.AnsweredQuestions(ctx, from, to)
		if err != nil {
			return err
		}
		x.questions = answerColumns(p, answered)
		return x.writeCSV(w, read)
	}
	return fmt.Errorf("format %q: csv or json", format)
}

// ParseDay reads a day (its midnight in loc) or an RFC 3339 instant.
func ParseDay(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a day (2026-01-31) nor an RFC 3339 time (2026-01-31T09:00:00Z)", s)
}

// answerColumns orders the answer columns: the questions of the configured
// checklists first, in the order the forms ask them (the default
// checklist's, then each pool's own), then the other answered questions
// (asked by a checklist configured before), sorted. Only questions with at
// least one answer in the period get a column.
func answerColumns(p routing.Policy, answered []string) []string {
	var out []string
	add := func(id string) {
		if slices.Contains(answered, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	checklists := []routing.Checklist{p.Checklist}
	for _, pool := range p.Pools {
		checklists = append(checklists, pool.Checklist)
	}
	for _, c := range checklists {
		for _, q := range c.Questions {
			add(q.ID)
		}
	}
	for _, id := range answered {
		add(id)
	}
	return out
}

// exporter writes handoffs as CSV or JSON, times in loc.
type exporter struct {
	loc *time.Location
	// questions are the CSV's answer columns.
	questions []string
}

// exportRow is one handoff in a JSON export; the CSV has the same fields,
// the answers spread over columns. Times are RFC 3339 in the configured
// timezone; a time that did not happen is null (empty in the CSV).
type exportRow struct {
	ID             int64          `json:"id"`
	CreatedAt      string         `json:"created_at"`
	Pool           string         `json:"pool"`
	Passer         string         `json:"passer"`
	Company        string         `json:"company"`
	ContactName    string         `json:"contact_name"`
	ContactTitle   string         `json:"contact_title"`
	Phone          string         `json:"phone"`
	Email          string         `json:"email"`
	Answers        map[string]any `json:"answers"`
	Owner          string         `json:"owner"`
	ClaimedAt      *string        `json:"claimed_at"`
	SecondsToClaim *float64       `json:"seconds_to_claim"`
	State          string         `json:"state"`
	LastTouchAt    *string        `json:"last_touch_at"`
	LastTouchKind  string         `json:"last_touch_kind"`
	Outcome        string         `json:"outcome"`
	OutcomeReason  string         `json:"outcome_reason"`
	CancelReason   string         `json:"cancel_reason"`
	ClosedAt       *string        `json:"closed_at"`
}

// row is h as exported. Time to claim is given for a lead claimed live
// only (one scheduled for later was given to its owner, not claimed);
// closed_at is when a final outcome closed it, or when it was cancelled.
func (x exporter) row(h routing.Handoff) exportRow {
	r := exportRow{
		ID: h.ID, CreatedAt: x.time(h.CreatedAt), Pool: h.Pool, Passer: h.PasserID,
		Company: h.Lead.Company, ContactName: h.Lead.ContactName, ContactTitle: h.Lead.ContactTitle,
		Phone: h.Lead.Phone, Email: h.Lead.Email, Answers: map[string]any{},
		Owner: h.OwnerID, ClaimedAt: x.optTime(h.ClaimedAt), State: string(h.State),
		LastTouchAt: x.optTime(h.Work.LastTouchAt), LastTouchKind: string(h.Work.LastTouch),
		Outcome: string(h.Work.Outcome.Kind), OutcomeReason: string(h.Work.Outcome.Reason), CancelReason: h.CancelReason,
		ClosedAt: x.optTime(h.Work.ClosedAt),
	}
	if h.State == routing.StateCancelled {
		r.ClosedAt = x.optTime(h.CancelledAt)
	}
	if h.State == routing.StateClaimed {
		s := h.TimeToClaim().Seconds()
		r.SecondsToClaim = &s
	}
	for _, a := range h.Lead.Answers {
		if q, ok := h.Lead.Checklist.Question(a.QuestionID); ok {
			r.Answers[a.QuestionID] = a.Value(q.Type)
		}
	}
	return r
}

func (x exporter) time(t time.Time) string { return t.In(x.loc).Format(time.RFC3339) }

func (x exporter) optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := x.time(t)
	return &s
}

// answerCell is an answer in a CSV cell: yes/no, the number as written
// (by Baton: a number, never a formula, so a negative one stays a
// number), the options joined by "; ", the date, the text (through cell).
func answerCell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []string:
		return cell(strings.Join(v, "; "))
	case string:
		return cell(v)
	}
	return cell(fmt.Sprint(v))
}

// header is the CSV's header row.
func (x exporter) header() []string {
	out := slices.Clone(exportLeadColumns)
	for _, q := range x.questions {
		out = append(out, "answer."+q)
	}
	return append(out, exportWorkColumns...)
}

// writeCSV writes a header row, then one row per handoff read, as they
// come: RFC 4180, every cell quoted, and every cell of text that a
// spreadsheet would read as a formula neutralized (see cell).
func (x exporter) writeCSV(w io.Writer, read func(each func(routing.Handoff) error) error) error {
	cw := quotedWriter{w: w}
	cw.write(x.header())
	opt := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	err := read(func(h routing.Handoff) error {
		r := x.row(h)
		// Baton's own numbers and times are written as they are; what
		// a person typed, or chose, goes through cell.
		rec := []string{strconv.FormatInt(r.ID, 10), r.CreatedAt, cell(r.Pool), cell(r.Passer), cell(r.Company),
			cell(r.ContactName), cell(r.ContactTitle), cell(r.Phone), cell(r.Email)}
		for _, q := range x.questions {
			rec = append(rec, answerCell(r.Answers[q]))
		}
		seconds := ""
		if r.SecondsToClaim != nil {
			seconds = strconv.FormatFloat(*r.SecondsToClaim, 'f', -1, 64)
		}
		rec = append(rec, cell(r.Owner), opt(r.ClaimedAt), seconds, cell(r.State), opt(r.LastTouchAt), cell(r.LastTouchKind),
			cell(r.Outcome), cell(r.OutcomeReason), cell(r.CancelReason), opt(r.ClosedAt))
		cw.write(rec)
		return cw.err
	})
	return errors.Join(err, cw.err)
}

// cell is text as a CSV cell that no spreadsheet runs as a formula.
// Excel, LibreOffice and Google Sheets read a cell that starts with =, +,
// -, @, a tab or a carriage return as a formula: =HYPERLINK(…) typed as a
// company name would run when a manager opens the export. OWASP's advice
// (https://owasp.org/www-community/attacks/CSV_Injection) is to prefix
// such a cell with a single quote, which makes it text; it is followed
// for every such cell, a phone number in E.164 (+1415…) included, which
// a spreadsheet would otherwise turn into a number and drop its +.
// Anything else is written exactly as typed.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// quotedWriter writes CSV records with every field in double quotes (a
// double quote inside doubled), as RFC 4180 allows and OWASP advises: a
// spreadsheet that splits cells on another separator (a semicolon, in
// many locales) then cannot find a cell starting inside a value, where
// cell's quote would not guard it. The first error sticks.
type quotedWriter struct {
	w   io.Writer
	buf []byte
	err error
}

func (q *quotedWriter) write(fields []string) {
	if q.err != nil {
		return
	}
	q.buf = q.buf[:0]
	for i, f := range fields {
		if i > 0 {
			q.buf = append(q.buf, ',')
		}
		q.buf = append(q.buf, '"')
		q.buf = append(q.buf, strings.ReplaceAll(f, `"`, `""`)...)
		q.buf = append(q.buf, '"')
	}
	q.buf = append(q.buf, '\n')
	_, q.err = q.w.Write(q.buf)
}

// writeJSON writes one JSON array, an object per handoff, one per line,
// as they come (the array is never held whole).
func (x exporter) writeJSON(w io.Writer, read func(each func(routing.Handoff) error) error) error {
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	first := true
	err := read(func(h routing.Handoff) error {
		line, err := json.Marshal(x.row(h))
		if err != nil {
			return fmt.Errorf("handoff %d: %w", h.ID, err)
		}
		sep := ",\n"
		if first {
			sep, first = "\n", false
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		_, err = w.Write(line)
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n]\n")
	return err
}
