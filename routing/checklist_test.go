package routing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

func num(f float64) *float64 { return &f }

// sample is a checklist with one gate of each kind.
func sample() routing.Checklist {
	return routing.Checklist{Name: "sample", Questions: []routing.Question{
		{ID: "employees", Label: "Employees", Type: routing.TypeNumber, Required: true, Min: num(1), Max: num(1e6), Gate: &routing.Gate{AtLeast: num(500)}},
		{ID: "uses_salesforce", Label: "Uses Salesforce?", Type: routing.TypeYesNo, Required: true, Gate: &routing.Gate{Equals: "yes"}},
		{ID: "level", Label: "Level", Type: routing.TypeSelect, Required: true, Options: []string{"IC", "Manager", "Director", "VP", "C-level"}, Gate: &routing.Gate{In: []string{"Director", "VP", "C-level"}}},
		{ID: "channels", Label: "Sales channels", Type: routing.TypeMultiSelect, Options: []string{"Online", "Retail", "Wholesale"}, Gate: &routing.Gate{In: []string{"Online"}}},
		{ID: "website", Label: "Website", Type: routing.TypeURL},
		{ID: "champion_email", Label: "Champion's email", Type: routing.TypeEmail},
		{ID: "champion_phone", Label: "Champion's phone", Type: routing.TypePhone},
		{ID: "go_live", Label: "Go-live date", Type: routing.TypeDate},
		{ID: "seats", Label: "Seats", Type: routing.TypeNumber, Decimals: true, Min: num(0.5)},
		{ID: "summary", Label: "Summary", Type: routing.TypeText},
		{ID: "story", Label: "Story", Type: routing.TypeLongText},
	}}
}

func options(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Option %d", i)
	}
	return out
}

func TestCheckChecklistErrorsNameTheItem(t *testing.T) {
	t.Parallel()
	q := func(mod func(*routing.Question)) routing.Checklist {
		c := sample()
		mod(&c.Questions[2])
		return c
	}
	tests := []struct {
		name string
		c    routing.Checklist
		want string
	}{
		{"too many options", q(func(q *routing.Question) { q.Options = options(120) }), "checklist[2].options: 120 options, at most 100"},
		{"one option", q(func(q *routing.Question) { q.Options = []string{"Only"} }), "checklist[2].options: 1 option(s), at least 2"},
		{"option too long", q(func(q *routing.Question) { q.Options[1] = strings.Repeat("o", 76) }), "checklist[2].options[1]: 76 characters, at most 75"},
		{"empty option", q(func(q *routing.Question) { q.Options[3] = " " }), "checklist[2].options[3]: empty option"},
		{"repeated option", q(func(q *routing.Question) { q.Options[4] = "vp" }), `checklist[2].options[4]: "vp" repeats option 3`},
		{"options on text", q(func(q *routing.Question) { q.Type, q.Gate = routing.TypeText, nil }), "checklist[2].options: only select and multi_select"},
		{"bad id", q(func(q *routing.Question) { q.ID = "Level" }), `checklist[2].id: want lower-case`},
		{"id with dash", q(func(q *routing.Question) { q.ID = "title-level" }), `checklist[2].id:`},
		{"duplicate id", q(func(q *routing.Question) { q.ID = "employees" }), `checklist[2].id: "employees" is also the id of question 0`},
		{"no label", q(func(q *routing.Question) { q.Label = "" }), "checklist[2].label: required"},
		{"label too long", q(func(q *routing.Question) { q.Label = strings.Repeat("l", 151) }), "checklist[2].label: 151 characters, at most 150"},
		{"hint too long", q(func(q *routing.Question) { q.Hint = strings.Repeat("h", 301) }), "checklist[2].hint: 301 characters, at most 300"},
		{"unknown type", q(func(q *routing.Question) { q.Type = "dropdown" }), `checklist[2].type: "dropdown" is not a question type; use one of yes_no, number, select`},
		{"min on select", q(func(q *routing.Question) { q.Min = num(1) }), "checklist[2].min: only a number question"},
		{"decimals on select", q(func(q *routing.Question) { q.Decimals = true }), "checklist[2].decimals:"},
		{"gate option unknown", q(func(q *routing.Question) { q.Gate.In[1] = "SVP" }), `checklist[2].gate.in[1]: "SVP" is not one of the question's options`},
		{"gate equals unknown", q(func(q *routing.Question) { q.Gate = &routing.Gate{Equals: "CTO"} }), `checklist[2].gate.equals: "CTO" is not one of`},
		{"gate equals and in", q(func(q *routing.Question) { q.Gate.Equals = "VP" }), "checklist[2].gate.equals: set equals or in, not both"},
		{"number gate on select", q(func(q *routing.Question) { q.Gate = &routing.Gate{AtLeast: num(3)} }), "checklist[2].gate: a select gate names options"},
		{"empty gate", q(func(q *routing.Question) { q.Gate = &routing.Gate{} }), "checklist[2].gate: list the passing options with in"},
		{"gate on text", q(func(q *routing.Question) { q.Type, q.Options = routing.TypeText, nil }), "checklist[2].gate: a text question can't have a gate"},
	}
	for _, tt := range tests {
		_, err := routing.CheckChecklist(tt.c)
		require.NotNil(t, err, tt.name)
		require.Contains(t, err.Error(), tt.want, tt.name)
	}

	for _, tt := range []struct {
		name string
		mod  func(*routing.Question)
		want string
	}{
		{"max below min", func(q *routing.Question) { q.Max = num(0) }, "checklist[0].max: 0 is below min 1"},
		{"unreachable gate over max", func(q *routing.Question) { q.Max = num(100) }, "checklist[0].gate.at_least: 500 is above the question's max 100"},
		{"gate range empty", func(q *routing.Question) { q.Gate.AtMost = num(10) }, "checklist[0].gate.at_most: 10 is below at_least 500"},
		{"gate below min", func(q *routing.Question) { q.Gate = &routing.Gate{AtMost: num(0)} }, "checklist[0].gate.at_most: 0 is below the question's min 1"},
		{"equals on number", func(q *routing.Question) { q.Gate = &routing.Gate{Equals: "500"} }, "checklist[0].gate.equals: a number gate uses at_least"},
		{"empty number gate", func(q *routing.Question) { q.Gate = &routing.Gate{} }, "checklist[0].gate: set at_least, at_most or both"},
	} {
		c := sample()
		tt.mod(&c.Questions[0])
		_, err := routing.CheckChecklist(c)
		require.NotNil(t, err, tt.name)
		require.Contains(t, err.Error(), tt.want, tt.name)
	}

	c := sample()
	c.Questions[1].Gate = &routing.Gate{Equals: "maybe"}
	_, err := routing.CheckChecklist(c)
	require.Equal(t, `checklist[1].gate.equals: want yes or no, got "maybe"`, err.Error())
	c.Questions[1].Gate = &routing.Gate{In: []string{"yes"}}
	_, err = routing.CheckChecklist(c)
	require.Equal(t, "checklist[1].gate.in: a yes_no gate uses equals: yes or equals: no", err.Error())

	c = sample()
	c.Questions[3].Gate = &routing.Gate{Equals: "Online"}
	_, err = routing.CheckChecklist(c)
	require.Contains(t, err.Error(), "checklist[3].gate.equals: a multi_select gate lists options with in")

	_, err = routing.CheckChecklist(routing.Checklist{})
	require.Equal(t, "checklist: at least one question is required (or name a built-in template such as concrete-criteria)", err.Error())
	many := routing.Checklist{}
	for i := range routing.MaxQuestions + 1 {
		many.Questions = append(many.Questions, routing.Question{ID: fmt.Sprintf("q%d", i), Label: "Q", Type: routing.TypeText})
	}
	_, err = routing.CheckChecklist(many)
	require.Equal(t, "pools[1].checklist: 41 questions, at most 40 (a Slack form holds 100 blocks)", err.At("pools[1].checklist"))
}

func TestCheckChecklistNormalises(t *testing.T) {
	t.Parallel()
	c := sample()
	c.Questions[1].Gate = &routing.Gate{Equals: " Yes "}
	c.Questions[2].Options[0] = "  IC "
	c.Questions[2].Gate = &routing.Gate{In: []string{"director", "vp"}}
	got, err := routing.CheckChecklist(c)
	require.Nil(t, err)
	require.Equal(t, "yes", got.Questions[1].Gate.Equals)
	require.Equal(t, "IC", got.Questions[2].Options[0])
	require.Equal(t, []string{"Director", "VP"}, got.Questions[2].Gate.In, "gates name options in their canonical spelling")
	require.Equal(t, []string{"director", "vp"}, c.Questions[2].Gate.In, "the input is not changed")
}

func TestTemplatesAreValid(t *testing.T) {
	t.Parallel()
	for _, name := range routing.TemplateNames() {
		c, ok := routing.Template(name)
		require.True(t, ok, name)
		require.Equal(t, name, c.Name)
		checked, err := routing.CheckChecklist(c)
		require.Nil(t, err, "%s: %v", name, err)
		require.Equal(t, c, checked, "%s is already in canonical form", name)
		require.NotEmpty(t, c.Gated(), "%s has concrete gates", name)
		require.True(t, routing.IsTemplate(name))
	}
	_, ok := routing.Template("medpicc")
	require.False(t, ok)
	require.True(t, routing.IsTemplate(routing.DefaultTemplate))

	// A copy, not the template itself.
	c, _ := routing.Template("bant")
	c.Questions[0].Label = "changed"
	again, _ := routing.Template("bant")
	require.Equal(t, "Budget", again.Questions[0].Label)
}

func TestGates(t *testing.T) {
	t.Parallel()
	c := sample()
	q := func(id string) routing.Question { got, ok := c.Question(id); require.True(t, ok); return got }
	tests := []struct {
		name     string
		q        routing.Question
		a        routing.Answer
		answered bool
		passes   bool
	}{
		{"employees 500", q("employees"), routing.Answer{Number: 500}, true, true},
		{"employees 499", q("employees"), routing.Answer{Number: 499}, true, false},
		{"employees unanswered", q("employees"), routing.Answer{}, false, false},
		{"salesforce yes", q("uses_salesforce"), routing.Answer{Yes: true}, true, true},
		{"salesforce no", q("uses_salesforce"), routing.Answer{Yes: false}, true, false},
		{"level VP", q("level"), routing.Answer{Text: "VP"}, true, true},
		{"level manager", q("level"), routing.Answer{Text: "Manager"}, true, false},
		{"channels include online", q("channels"), routing.Answer{Choices: []string{"Retail", "Online"}}, true, true},
		{"channels without online", q("channels"), routing.Answer{Choices: []string{"Retail"}}, true, false},
		{"no gate", q("summary"), routing.Answer{}, false, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.passes, tt.q.GatePasses(tt.a, tt.answered), tt.name)
	}

	atMost := routing.Question{ID: "n", Type: routing.TypeNumber, Gate: &routing.Gate{AtMost: num(10)}}
	require.True(t, atMost.GatePasses(routing.Answer{Number: 10}, true))
	require.False(t, atMost.GatePasses(routing.Answer{Number: 11}, true))
	no := routing.Question{ID: "has_agent", Type: routing.TypeYesNo, Gate: &routing.Gate{Equals: "no"}}
	require.True(t, no.GatePasses(routing.Answer{Yes: false}, true))
	require.False(t, no.GatePasses(routing.Answer{Yes: true}, true))
	equals := routing.Question{ID: "s", Type: routing.TypeSelect, Gate: &routing.Gate{Equals: "A"}}
	require.True(t, equals.GatePasses(routing.Answer{Text: "A"}, true))
	require.False(t, equals.GatePasses(routing.Answer{Text: "B"}, true))

	unmet := c.Unmet([]routing.Answer{{QuestionID: "employees", Number: 120}, {QuestionID: "uses_salesforce", Yes: true}, {QuestionID: "level", Text: "VP"}})
	require.Equal(t, []string{"employees", "channels"}, ids(unmet), "in checklist order, unanswered gates included")
	lead := routing.Lead{Checklist: c, Answers: []routing.Answer{{QuestionID: "employees", Number: 600}, {QuestionID: "uses_salesforce", Yes: true}, {QuestionID: "level", Text: "VP"}, {QuestionID: "channels", Choices: []string{"Online"}}}}
	require.Empty(t, lead.Unmet())
}

// ids is QuestionIDs, but nil for none, as the tables write it.
func ids(qs []routing.Question) []string {
	if len(qs) == 0 {
		return nil
	}
	return routing.QuestionIDs(qs)
}

func TestValidateAnswers(t *testing.T) {
	t.Parallel()
	c := sample()
	valid := func() map[string]routing.RawAnswer {
		return map[string]routing.RawAnswer{
			"employees": {Text: "600"}, "uses_salesforce": {Text: "yes"}, "level": {Text: "VP"},
		}
	}
	tests := []struct {
		name  string
		id    string
		raw   routing.RawAnswer
		field string // the question expected to be flagged; "" for none
		check func(t *testing.T, a routing.Answer)
	}{
		{"number", "employees", routing.RawAnswer{Text: " 1,500 "}, "", func(t *testing.T, a routing.Answer) { require.Equal(t, 1500.0, a.Number) }},
		{"number below min", "employees", routing.RawAnswer{Text: "0"}, "employees", nil},
		{"number above max", "employees", routing.RawAnswer{Text: "2000000"}, "employees", nil},
		{"number with decimals where whole", "employees", routing.RawAnswer{Text: "600.5"}, "employees", nil},
		{"number not a number", "employees", routing.RawAnswer{Text: "lots"}, "employees", nil},
		{"number NaN", "employees", routing.RawAnswer{Text: "NaN"}, "employees", nil},
		{"number Inf", "employees", routing.RawAnswer{Text: "+Inf"}, "employees", nil},
		{"number required", "employees", routing.RawAnswer{Text: "  "}, "employees", nil},
		{"decimals allowed", "seats", routing.RawAnswer{Text: "2.5"}, "", func(t *testing.T, a routing.Answer) { require.Equal(t, 2.5, a.Number) }},
		{"decimals below min", "seats", routing.RawAnswer{Text: "0.25"}, "seats", nil},
		{"yes", "uses_salesforce", routing.RawAnswer{Text: "yes"}, "", func(t *testing.T, a routing.Answer) { require.True(t, a.Yes) }},
		{"no", "uses_salesforce", routing.RawAnswer{Text: "no"}, "", func(t *testing.T, a routing.Answer) { require.False(t, a.Yes) }},
		{"forged yes_no", "uses_salesforce", routing.RawAnswer{Text: "perhaps"}, "uses_salesforce", nil},
		{"yes_no required", "uses_salesforce", routing.RawAnswer{}, "uses_salesforce", nil},
		{"select", "level", routing.RawAnswer{Text: "Director"}, "", func(t *testing.T, a routing.Answer) { require.Equal(t, "Director", a.Text) }},
		{"forged select", "level", routing.RawAnswer{Text: "Emperor"}, "level", nil},
		{"multi in option order", "channels", routing.RawAnswer{Choices: []string{"Wholesale", "Online"}}, "", func(t *testing.T, a routing.Answer) {
			require.Equal(t, []string{"Online", "Wholesale"}, a.Choices)
		}},
		{"forged multi", "channels", routing.RawAnswer{Choices: []string{"Online", "Mars"}}, "channels", nil},
		{"url https", "website", routing.RawAnswer{Text: "https://acme.example/about?x=1&y=2"}, "", nil},
		{"url http", "website", routing.RawAnswer{Text: "http://acme.example"}, "", nil},
		{"url javascript", "website", routing.RawAnswer{Text: "javascript:alert(1)"}, "website", nil},
		{"url ftp", "website", routing.RawAnswer{Text: "ftp://acme.example/file"}, "website", nil},
		{"url without host", "website", routing.RawAnswer{Text: "https://"}, "website", nil},
		{"url without scheme", "website", routing.RawAnswer{Text: "acme.example"}, "website", nil},
		{"url with a pipe", "website", routing.RawAnswer{Text: "https://acme.example/|click"}, "website", nil},
		{"url too long", "website", routing.RawAnswer{Text: "https://acme.example/" + strings.Repeat("a", 2000)}, "website", nil},
		{"email", "champion_email", routing.RawAnswer{Text: "sam@acme.example"}, "", nil},
		{"email with name", "champion_email", routing.RawAnswer{Text: "Sam <sam@acme.example>"}, "champion_email", nil},
		{"email without at", "champion_email", routing.RawAnswer{Text: "sam.acme.example"}, "champion_email", nil},
		{"email without domain dot", "champion_email", routing.RawAnswer{Text: "sam@acme"}, "champion_email", nil},
		{"phone normalised", "champion_phone", routing.RawAnswer{Text: "+44 (20) 7946-0958"}, "", func(t *testing.T, a routing.Answer) { require.Equal(t, "+442079460958", a.Text) }},
		{"phone 00 prefix", "champion_phone", routing.RawAnswer{Text: "0033 1 23 45 67 89"}, "", func(t *testing.T, a routing.Answer) { require.Equal(t, "+33123456789", a.Text) }},
		{"phone without country", "champion_phone", routing.RawAnswer{Text: "415 555 0100"}, "champion_phone", nil},
		{"phone letters", "champion_phone", routing.RawAnswer{Text: "+1 800 FLOWERS"}, "champion_phone", nil},
		{"date", "go_live", routing.RawAnswer{Text: "2027-02-28"}, "", func(t *testing.T, a routing.Answer) {
			require.Equal(t, time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC), a.Date)
		}},
		{"date impossible", "go_live", routing.RawAnswer{Text: "2027-02-30"}, "go_live", nil},
		{"date other format", "go_live", routing.RawAnswer{Text: "28/02/2027"}, "go_live", nil},
		{"text", "summary", routing.RawAnswer{Text: "  fine  "}, "", func(t *testing.T, a routing.Answer) { require.Equal(t, "fine", a.Text) }},
		{"text too long", "summary", routing.RawAnswer{Text: strings.Repeat("é", 301)}, "summary", nil},
		{"long text", "story", routing.RawAnswer{Text: strings.Repeat("s", 3000)}, "", nil},
		{"long text too long", "story", routing.RawAnswer{Text: strings.Repeat("s", 3001)}, "story", nil},
		{"optional left empty", "summary", routing.RawAnswer{}, "", nil},
	}
	for _, tt := range tests {
		raw := valid()
		raw[tt.id] = tt.raw
		raw["not_a_question"] = routing.RawAnswer{Text: "ignored"}
		answers, errs := routing.ValidateAnswers(c, raw)
		if tt.field == "" {
			require.Empty(t, errs, tt.name)
		} else {
			require.Len(t, errs, 1, "%s: %v", tt.name, errs)
			require.NotEmpty(t, errs[routing.QuestionField(tt.field)], tt.name)
			continue
		}
		a, ok := routing.FindAnswer(answers, tt.id)
		require.Equal(t, tt.raw.Text != "" || len(tt.raw.Choices) > 0, ok, tt.name)
		if tt.check != nil {
			tt.check(t, a)
		}
		_, ok = routing.FindAnswer(answers, "not_a_question")
		require.False(t, ok, "answers to questions the checklist lacks are dropped")
	}

	answers, errs := routing.ValidateAnswers(c, valid())
	require.Empty(t, errs)
	require.Equal(t, []string{"employees", "uses_salesforce", "level"}, answerIDs(answers), "checklist order")
	require.Equal(t, routing.Field("q.level"), routing.QuestionField("level"))
}

func answerIDs(as []routing.Answer) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.QuestionID)
	}
	return out
}

func TestCheckForm(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)
	c := sample()
	form := func() routing.Form {
		return routing.Form{
			Lead: validLead(),
			Answers: map[string]routing.RawAnswer{
				"employees": {Text: "600"}, "uses_salesforce": {Text: "yes"}, "level": {Text: "VP"}, "channels": {Choices: []string{"Online"}},
			},
			Live: true,
		}
	}
	tests := []struct {
		name   string
		modify func(*routing.Form)
		fields []routing.Field
		unmet  []string
		offers bool
	}{
		{"live and qualified", func(*routing.Form) {}, nil, nil, false},
		{"live without consent", func(f *routing.Form) { f.Lead.Consent = false }, []routing.Field{routing.FieldConsent}, nil, false},
		{"live with a gate unmet", func(f *routing.Form) { f.Answers["employees"] = routing.RawAnswer{Text: "120"} }, nil, []string{"employees"}, true},
		{"live with two gates unmet", func(f *routing.Form) {
			f.Answers["uses_salesforce"] = routing.RawAnswer{Text: "no"}
			delete(f.Answers, "channels")
		}, nil, []string{"uses_salesforce", "channels"}, true},
		{"errors come before gates", func(f *routing.Form) {
			f.Answers["employees"] = routing.RawAnswer{Text: "120"}
			f.Lead.Email = "nope"
		}, []routing.Field{routing.FieldEmail}, nil, false},
		{"later without consent is fine", func(f *routing.Form) {
			f.Live, f.ScheduledFor, f.Lead.Consent = false, now.Add(24*time.Hour), false
		}, nil, nil, false},
		{"later with unmet gates is the choice made", func(f *routing.Form) {
			f.Live, f.ScheduledFor = false, now.Add(time.Hour)
			f.Answers["employees"] = routing.RawAnswer{Text: "120"}
		}, nil, []string{"employees"}, false},
		{"later without a time", func(f *routing.Form) { f.Live = false }, []routing.Field{routing.FieldScheduledFor}, nil, false},
		{"later in the past", func(f *routing.Form) { f.Live, f.ScheduledFor = false, now.Add(-time.Hour) }, []routing.Field{routing.FieldScheduledFor}, nil, false},
		{"later within the minute of slack", func(f *routing.Form) { f.Live, f.ScheduledFor = false, now.Add(-30*time.Second) }, nil, nil, false},
		{"later too far", func(f *routing.Form) { f.Live, f.ScheduledFor = false, now.Add(61*24*time.Hour) }, []routing.Field{routing.FieldScheduledFor}, nil, false},
		{"bad answer and bad phone", func(f *routing.Form) {
			f.Answers["level"] = routing.RawAnswer{Text: "Emperor"}
			f.Lead.Phone = "call me"
		}, []routing.Field{routing.QuestionField("level"), routing.FieldPhone}, nil, false},
	}
	for _, tt := range tests {
		f := form()
		tt.modify(&f)
		got, errs := routing.CheckForm(c, f, now)
		var fields []routing.Field
		for field := range errs {
			fields = append(fields, field)
		}
		require.ElementsMatch(t, tt.fields, fields, tt.name)
		require.Equal(t, tt.unmet, ids(got.Unmet), tt.name)
		require.Equal(t, tt.offers, got.OffersLater(), tt.name)
		if len(errs) == 0 {
			require.Equal(t, c, got.Lead.Checklist, tt.name)
			require.Equal(t, f.Live, got.Live, tt.name)
			require.Equal(t, f.ScheduledFor, got.ScheduledFor, tt.name)
			require.Equal(t, "+14155550100", got.Lead.Phone, tt.name)
		}
	}
}

func TestPolicyForms(t *testing.T) {
	t.Parallel()
	bant, _ := routing.Template("bant")
	lpmama, _ := routing.Template("lpmama")
	def, _ := routing.Template(routing.DefaultTemplate)
	p := routing.Policy{
		Checklist: def,
		Pools: []routing.Pool{
			{Name: "closers", Channel: "C1"},
			{Name: "enterprise", Channel: "C2", Checklist: bant},
			{Name: "homes", Channel: "C3", Checklist: lpmama},
		},
	}
	pool, c := p.FormFor("C3")
	require.Equal(t, "homes", pool)
	require.Equal(t, "lpmama", c.Name)
	pool, c = p.FormFor("C1")
	require.Empty(t, pool, "a pool without its own checklist takes no forms of its own")
	require.Equal(t, routing.DefaultTemplate, c.Name)
	pool, c = p.FormFor("C0SOMEWHERE")
	require.Empty(t, pool)
	require.Equal(t, routing.DefaultTemplate, c.Name)

	for _, name := range []string{"bant", "lpmama", routing.DefaultTemplate} {
		got, ok := p.ChecklistNamed(name)
		require.True(t, ok, name)
		require.Equal(t, name, got.Name)
	}
	_, ok := p.ChecklistNamed("meddpicc")
	require.False(t, ok)
	_, ok = p.ChecklistNamed("")
	require.False(t, ok, "an empty name is no checklist")

	homes := routing.Lead{Checklist: lpmama}
	require.Equal(t, "homes", p.RouteForm("homes", homes).Name)
	require.Equal(t, "closers", p.RouteForm("", homes).Name)
	require.Equal(t, "closers", p.RouteForm("gone", homes).Name, "a pool removed since the form opened")
	require.Equal(t, "closers", p.RouteForm("closers", routing.Lead{Checklist: def}).Name)
	require.Equal(t, "closers", p.RouteForm("homes", routing.Lead{Checklist: def}).Name, "a form that did not ask the pool's checklist")
}

func TestScheduledHandoff(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)
	n := routing.Policy{SLA: routing.DefaultSLA()}.Open("V1", "U1", validLead(), routing.Pool{Name: "p"}, routing.Offer{}, now)
	require.True(t, n.Live)
	require.Zero(t, n.ScheduledFor)
	later := n.Later(now.Add(3*time.Hour), "U9")
	require.False(t, later.Live)
	require.Equal(t, now.Add(3*time.Hour), later.ScheduledFor)
	require.Equal(t, "U9", later.Owner)
	require.True(t, n.Live, "Later returns a copy")
}
