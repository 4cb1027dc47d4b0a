package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/cmd/baton/export"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(batontest.Main(m)) }

// exportZone is the timezone of the export tests: days start at its
// midnight, and times are written with its offset.
var exportZone = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// exportChecklist asks a question of each type whose answer an export
// must write: yes/no, number, several options, a date, text.
var exportChecklist = routing.Checklist{Name: "export", Questions: []routing.Question{
	{ID: "uses_salesforce", Label: "Salesforce?", Type: routing.TypeYesNo},
	{ID: "employees", Label: "Employees", Type: routing.TypeNumber, Decimals: true},
	{ID: "channels", Label: "Channels", Type: routing.TypeMultiSelect, Options: []string{"Online", "Retail"}},
	{ID: "go_live", Label: "Go-live", Type: routing.TypeDate},
	{ID: "summary", Label: "Summary", Type: routing.TypeText},
}}

// seedExport creates, through the store, handoffs in every state with the
// work an export shows, and returns them as stored, oldest first. The
// last one is created on --until's day, outside the period.
func seedExport(t *testing.T, st *store.Store) []routing.Handoff {
	t.Helper()
	ctx := context.Background()
	pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: []string{"U0AE1", "U0AE2"}, Managers: []string{"U0MGR"}}
	policy := routing.Policy{Pools: []routing.Pool{pool}, SLA: routing.DefaultSLA(), Location: exportZone}
	day := time.Date(2026, 1, 5, 9, 30, 0, 0, exportZone)
	concrete, _ := routing.Template(routing.DefaultTemplate)
	leads := []routing.Lead{
		{Company: "Acme, \"The\" Corp\nHQ", ContactName: "Dana Reyes", ContactTitle: "VP Sales", Phone: "+14155550100", Email: "dana@acme.example", Consent: true,
			Checklist: exportChecklist, Answers: []routing.Answer{
				{QuestionID: "uses_salesforce", Yes: true}, {QuestionID: "employees", Number: 612.5},
				{QuestionID: "channels", Choices: []string{"Online", "Retail"}}, {QuestionID: "go_live", Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
				{QuestionID: "summary", Text: "Wants routing; \"asap\", twice"},
			}},
		{Company: "Globex", ContactName: "Sam", Checklist: concrete, Answers: []routing.Answer{
			{QuestionID: "crm", Text: "HubSpot"}, {QuestionID: "employees", Number: 40}}},
		{Company: "Initech", Checklist: exportChecklist, Answers: []routing.Answer{{QuestionID: "uses_salesforce", Yes: false}}},
		{Company: "Umbrella", Checklist: concrete},
		{Company: "Outside the period", Checklist: concrete},
	}
	var out []routing.Handoff
	for i, lead := range leads {
		at := day.Add(time.Duration(i) * 24 * time.Hour)
		if i == len(leads)-1 {
			at = time.Date(2026, 2, 1, 0, 0, 0, 0, exportZone)
		}
		in := policy.Open("V"+strconv.Itoa(i), "U0SDR", lead, pool, routing.Decide(pool, nil, at), at)
		if i == 3 {
			in = in.Later(at.Add(26*time.Hour), "U0AE2")
		}
		h, _, err := st.CreateHandoff(ctx, in)
		require.NoError(t, err)
		apply := func(decide func(routing.Handoff) (routing.Change, error)) {
			t.Helper()
			_, err := st.Apply(ctx, h.ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) { return decide(h) })
			require.NoError(t, err)
		}
		switch i {
		case 0: // claimed in 14 s, touched, disqualified
			_, won, err := st.Claim(ctx, h.ID, "U0AE1", at.Add(14*time.Second))
			require.NoError(t, err)
			require.True(t, won)
			apply(func(h routing.Handoff) (routing.Change, error) {
				return routing.LogTouch(h, pool, policy.SLA, "U0AE1", routing.TouchInput{Kind: routing.TouchCallAttempted}, at.Add(time.Hour))
			})
			apply(func(h routing.Handoff) (routing.Change, error) {
				return routing.LogOutcome(h, pool, policy.SLA, "U0AE1", routing.OutcomeInput{Kind: routing.OutcomeDisqualified, Reason: routing.DisqualifyNoBudget}, at.Add(2*time.Hour))
			})
		case 1: // cancelled
			apply(func(h routing.Handoff) (routing.Change, error) {
				return routing.Cancel(h, pool, "U0SDR", "The prospect dropped off, sadly", at.Add(20*time.Second))
			})
		}
		h, err = st.Handoff(ctx, h.ID)
		require.NoError(t, err)
		out = append(out, h)
	}
	return out
}

// exported is one handoff read back from an export, as strings (JSON's
// null read as ""), and its answers as JSON values.
type exported struct {
	fields  map[string]string
	answers map[string]any
}

// checkExported compares every field of e with h, independently of how
// the exporter builds its rows; typed is how the format writes what a
// person typed (asTyped for JSON, spreadsheetText for CSV).
func checkExported(t *testing.T, h routing.Handoff, e exported, typed func(string) string) {
	t.Helper()
	f := e.fields
	sameTime := func(column string, want time.Time) {
		t.Helper()
		if want.IsZero() {
			require.Empty(t, f[column], column)
			return
		}
		got, err := time.Parse(time.RFC3339, f[column])
		require.NoError(t, err, column)
		require.True(t, got.Equal(want.Truncate(time.Second)), "%s: %s, want %s", column, got, want)
		_, offset := got.Zone()
		_, wantOffset := want.In(exportZone).Zone()
		require.Equal(t, wantOffset, offset, "%s is written in the configured timezone", column)
	}
	require.Equal(t, strconv.FormatInt(h.ID, 10), f["id"])
	sameTime("created_at", h.CreatedAt)
	require.Equal(t, typed(h.Pool), f["pool"])
	require.Equal(t, typed(h.PasserID), f["passer"])
	require.Equal(t, typed(h.Lead.Company), f["company"])
	require.Equal(t, typed(h.Lead.ContactName), f["contact_name"])
	require.Equal(t, typed(h.Lead.ContactTitle), f["contact_title"])
	require.Equal(t, typed(h.Lead.Phone), f["phone"])
	require.Equal(t, typed(h.Lead.Email), f["email"])
	require.Equal(t, typed(h.OwnerID), f["owner"])
	sameTime("claimed_at", h.ClaimedAt)
	if h.State == routing.StateClaimed {
		secs, err := strconv.ParseFloat(f["seconds_to_claim"], 64)
		require.NoError(t, err)
		require.Equal(t, h.ClaimedAt.Sub(h.CreatedAt).Seconds(), secs)
	} else {
		require.Empty(t, f["seconds_to_claim"], "only a live claim has a time to claim")
	}
	require.Equal(t, string(h.State), f["state"])
	sameTime("last_touch_at", h.Work.LastTouchAt)
	require.Equal(t, string(h.Work.LastTouch), f["last_touch_kind"])
	require.Equal(t, string(h.Work.Outcome.Kind), f["outcome"])
	require.Equal(t, string(h.Work.Outcome.Reason), f["outcome_reason"])
	require.Equal(t, typed(h.CancelReason), f["cancel_reason"])
	closed := h.Work.ClosedAt
	if h.State == routing.StateCancelled {
		closed = h.CancelledAt
	}
	sameTime("closed_at", closed)

	want := map[string]any{}
	for _, a := range h.Lead.Answers {
		q, ok := h.Lead.Checklist.Question(a.QuestionID)
		require.True(t, ok)
		switch q.Type {
		case routing.TypeYesNo:
			want[a.QuestionID] = a.Yes
		case routing.TypeNumber:
			want[a.QuestionID] = a.Number
		case routing.TypeMultiSelect:
			var choices []any
			for _, c := range a.Choices {
				choices = append(choices, c)
			}
			want[a.QuestionID] = choices
		case routing.TypeDate:
			want[a.QuestionID] = a.Date.Format(time.DateOnly)
		default:
			want[a.QuestionID] = typed(a.Text)
		}
	}
	require.Equal(t, want, e.answers, "answers of handoff %d", h.ID)
}

// asTyped is a value exactly as typed: JSON's.
func asTyped(s string) string { return s }

// spreadsheetText is a value as the CSV writes it: OWASP's single quote
// before a value a spreadsheet would read as a formula.
func spreadsheetText(s string) string {
	if s != "" && strings.ContainsAny(s[:1], "=+-@\t\r") {
		return "'" + s
	}
	return s
}

// readCSV parses a CSV export: each row by column name, the answer
// columns turned back into typed values by their question's type.
func readCSV(t *testing.T, data string, questions map[string]routing.QuestionType) []exported {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	require.NoError(t, err, "RFC 4180")
	require.NotEmpty(t, records, "a header row at least")
	header := records[0]
	var out []exported
	for _, rec := range records[1:] {
		e := exported{fields: map[string]string{}, answers: map[string]any{}}
		for i, col := range header {
			id, isAnswer := strings.CutPrefix(col, "answer.")
			if !isAnswer {
				e.fields[col] = rec[i]
				continue
			}
			if rec[i] == "" {
				continue
			}
			switch questions[id] {
			case routing.TypeYesNo:
				require.Contains(t, []string{"yes", "no"}, rec[i])
				e.answers[id] = rec[i] == "yes"
			case routing.TypeNumber:
				n, err := strconv.ParseFloat(rec[i], 64)
				require.NoError(t, err)
				e.answers[id] = n
			case routing.TypeMultiSelect:
				var choices []any
				for c := range strings.SplitSeq(rec[i], "; ") {
					choices = append(choices, c)
				}
				e.answers[id] = choices
			default:
				e.answers[id] = rec[i]
			}
		}
		out = append(out, e)
	}
	return out
}

// readJSON parses a JSON export: one array of objects.
func readJSON(t *testing.T, data string) []exported {
	t.Helper()
	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(data), &rows), "one JSON array")
	var out []exported
	for _, r := range rows {
		e := exported{fields: map[string]string{}}
		for k, v := range r {
			switch v := v.(type) {
			case nil:
				e.fields[k] = ""
			case string:
				e.fields[k] = v
			case float64:
				e.fields[k] = strconv.FormatFloat(v, 'f', -1, 64)
			case map[string]any:
				require.Equal(t, "answers", k)
				e.answers = v
			default:
				t.Fatalf("field %s: unexpected %T", k, v)
			}
		}
		out = append(out, e)
	}
	return out
}

// exportQuestions are the types of every question the seeded handoffs answer.
func exportQuestions() map[string]routing.QuestionType {
	concrete, _ := routing.Template(routing.DefaultTemplate)
	out := map[string]routing.QuestionType{}
	for _, c := range []routing.Checklist{concrete, exportChecklist} {
		for _, q := range c.Questions {
			out[q.ID] = q.Type
		}
	}
	return out
}

// TestExportRoundTrip exports handoffs created through the store as CSV
// and as JSON, parses both back and compares every field with the store's.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	_, db := storetest.NewDatabase(t)
	st := store.New(db)
	handoffs := seedExport(t, st)
	ctx := context.Background()
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, exportZone), time.Date(2026, 2, 1, 0, 0, 0, 0, exportZone)
	in := handoffs[:len(handoffs)-1] // the last is created at --until: outside

	answered, err := st.AnsweredQuestions(ctx, from, to)
	require.NoError(t, err)
	require.Equal(t, []string{"channels", "crm", "employees", "go_live", "summary", "uses_salesforce"}, answered)
	// The configured checklist's questions first, in its order; then the
	// rest, sorted.
	concrete, _ := routing.Template(routing.DefaultTemplate)
	policy := routing.Policy{Checklist: concrete, Location: exportZone}

	var csvOut bytes.Buffer
	require.NoError(t, export.Write(ctx, &csvOut, st, export.CSV, policy, from, to))
	header, err := csv.NewReader(strings.NewReader(csvOut.String())).Read()
	require.NoError(t, err)
	require.Equal(t, strings.Split("id,created_at,pool,passer,company,contact_name,contact_title,phone,email,"+
		"answer.crm,answer.employees,answer.channels,answer.go_live,answer.summary,answer.uses_salesforce,"+
		"owner,claimed_at,seconds_to_claim,state,last_touch_at,last_touch_kind,outcome,outcome_reason,cancel_reason,closed_at", ","), header)
	rows := readCSV(t, csvOut.String(), exportQuestions())
	require.Len(t, rows, len(in))
	for i, h := range in {
		checkExported(t, h, rows[i], spreadsheetText)
	}

	var jsonOut bytes.Buffer
	require.NoError(t, export.Write(ctx, &jsonOut, st, export.JSON, policy, from, to))
	rows = readJSON(t, jsonOut.String())
	require.Len(t, rows, len(in))
	for i, h := range in {
		checkExported(t, h, rows[i], asTyped)
	}

	// Nothing in the period: a header alone, an empty array.
	csvOut.Reset()
	require.NoError(t, export.Write(ctx, &csvOut, st, export.CSV, policy, to.AddDate(1, 0, 0), to.AddDate(2, 0, 0)))
	require.Equal(t, 1, strings.Count(csvOut.String(), "\n"))
	jsonOut.Reset()
	require.NoError(t, export.Write(ctx, &jsonOut, st, export.JSON, policy, to.AddDate(1, 0, 0), to.AddDate(2, 0, 0)))
	require.Empty(t, readJSON(t, jsonOut.String()))
	require.ErrorContains(t, export.Write(ctx, &jsonOut, st, "xml", policy, from, to), `format "xml"`)
}

// TestExportCommand runs baton export through the launcher against a database with
// handoffs, in both formats and with bad arguments.
func TestExportCommand(t *testing.T) {
	t.Parallel()
	url, db := storetest.NewDatabase(t)
	handoffs := seedExport(t, store.New(db))
	vars := map[string]string{
		"BATON_CONFIG": batontest.WriteConfig(t, strings.Replace(batontest.DefaultConfig, "timezone: UTC", "timezone: America/New_York", 1)),
		"DATABASE_URL": url,
	}
	in := handoffs[:len(handoffs)-1]

	out, err := batontest.RunCommand(t, vars, "export", "--since", "2026-01-01", "--until", "2026-02-01")
	require.NoError(t, err)
	rows := readCSV(t, out, exportQuestions())
	require.Len(t, rows, len(in), "CSV by default; --until's day is outside")
	for i, h := range in {
		checkExported(t, h, rows[i], spreadsheetText)
	}

	out, err = batontest.RunCommand(t, vars, "export", "--since=2026-01-06", "--format", "json")
	require.NoError(t, err)
	rows = readJSON(t, out)
	require.Len(t, rows, len(handoffs)-1, "from the second handoff's day to now")
	for i, h := range handoffs[1:] {
		checkExported(t, h, rows[i], asTyped)
	}
	var ids []int
	for _, r := range rows {
		id, err := strconv.Atoi(r.fields["id"])
		require.NoError(t, err)
		ids = append(ids, id)
	}
	require.True(t, slices.IsSorted(ids), "oldest first")

	for args, want := range map[string]string{
		"export":                                       "--since is required",
		"export --since 2026-13-01":                    `"2026-13-01" is neither a day`,
		"export --since 2026-01-01 --format xml":       `--format "xml": csv or json`,
		"export --since 2026-02-01 --until 2026-01-01": "--until must be after --since",
		"export --since 2026-01-01 extra":              `unexpected argument "extra"`,
	} {
		_, err := batontest.RunCommand(t, vars, strings.Fields(args)...)
		require.ErrorContains(t, err, want, args)
	}
	help, err := batontest.RunCommand(t, nil, "help")
	require.NoError(t, err)
	require.Contains(t, help, "baton export --since")
}

// TestExportHidesDetails blanks the contact details of the leads of a pool
// that hides them, in both formats, and keeps everything else.
func TestExportHidesDetails(t *testing.T) {
	t.Parallel()
	_, db := storetest.NewDatabase(t)
	st := store.New(db)
	handoffs := seedExport(t, st)
	ctx := context.Background()
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, exportZone), time.Date(2026, 2, 1, 0, 0, 0, 0, exportZone)
	in := handoffs[:len(handoffs)-1]
	concrete, _ := routing.Template(routing.DefaultTemplate)
	policy := routing.Policy{Checklist: concrete, Location: exportZone,
		Pools: []routing.Pool{{Name: "closers", Channel: "C0HANDOFF", HideDetails: true}}}

	for _, format := range []string{export.CSV, export.JSON} {
		var out bytes.Buffer
		require.NoError(t, export.Write(ctx, &out, st, format, policy, from, to))
		require.NotContains(t, out.String(), "dana@acme.example", format)
		require.NotContains(t, out.String(), "Dana Reyes", format)
		require.NotContains(t, out.String(), "4155550100", format)
		require.Contains(t, out.String(), "Globex", format)
		rows, typed := readJSON, asTyped
		if format == export.CSV {
			rows = func(t *testing.T, data string) []exported { return readCSV(t, data, exportQuestions()) }
			typed = spreadsheetText
		}
		got := rows(t, out.String())
		require.Len(t, got, len(in))
		for i, h := range in {
			h.Lead = h.Lead.WithoutDetails()
			checkExported(t, h, got[i], typed)
		}
	}
}
