package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/outbox"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
)

// minimal must be accepted as it is; the end-to-end tests run with it.
const minimal = config.Minimal

func TestParseMinimal(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(minimal))
	require.NoError(t, err)
	p := cfg.Policy
	require.Equal(t, "UTC", p.Location.String())
	require.Len(t, p.Pools, 1)
	require.Equal(t, "closers", p.Pools[0].Name)
	require.Equal(t, "C0HANDOFF", p.Pools[0].Channel)
	require.Equal(t, []string{"U0AE1", "U0AE2", "U0AE3"}, p.Pools[0].Members)
	require.Equal(t, []string{"U0MGR"}, p.Pools[0].Managers)
	require.Equal(t, 60*time.Second, p.SLA.ClaimWindow)
	require.Equal(t, 48*time.Hour, p.SLA.FirstTouch)
	require.Equal(t, 24*time.Hour, p.SLA.OutcomeDue)
	require.Equal(t, "C0HANDOFF", p.Digest.Channel)
	require.Equal(t, "0 9 * * 1-5", p.Digest.Schedule)
	require.Equal(t, config.DefaultLocalPostgresDir, cfg.LocalPostgresDir)
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte("pools:\n  - {name: a, channel: C1A, members: [U1]}\n"))
	require.NoError(t, err)
	require.Equal(t, "UTC", cfg.Policy.Location.String())
	require.Equal(t, 60*time.Second, cfg.Policy.SLA.ClaimWindow)
	require.Equal(t, 10*time.Second, cfg.Policy.SLA.PostDelayNotice)
	require.Equal(t, 2*time.Minute, cfg.Policy.SLA.PostGrace)
	require.Equal(t, 48*time.Hour, cfg.Policy.SLA.FirstTouch)
	require.Equal(t, 24*time.Hour, cfg.Policy.SLA.OutcomeDue)
	require.Equal(t, "C1A", cfg.Policy.Digest.Channel, "the digest goes to the first pool's channel by default")
	require.Equal(t, config.DefaultDigestSchedule, cfg.Policy.Digest.Schedule)
	require.Equal(t, "0 9 * * 1", cfg.Policy.Reports.WeeklySchedule, "the weekly review on Monday at 09:00")
}

func TestParseErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown top-level key", minimal + "colour: blue\n", "colour: unknown key"},
		{"unknown pool key", "pools:\n  - {name: a, channel: C1, members: [U1], chanel: C2}\n", "pools[0].chanel: unknown key"},
		{"unknown sla key", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  claim_windw: 60s\n", "sla.claim_windw: unknown key"},
		{"bad duration", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  claim_window: soon\n", "sla.claim_window: want a Go duration"},
		{"bare number duration", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  first_touch: 48\n", "sla.first_touch: want a Go duration"},
		{"negative duration", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  outcome_due: -1h\n", "sla.outcome_due: must be positive"},
		{"zero window", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  claim_window: 0s\n", "sla.claim_window: must be positive"},
		{"zero touch", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  first_touch: 0h\n", "sla.first_touch: must be positive"},
		{"tiny window", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  claim_window: 10ms\n", "sla.claim_window: at least 1s"},
		{"zero post grace", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  post_grace: 0s\n", "sla.post_grace: must be positive"},
		{"notice after the grace", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  post_grace: 5s\n", "sla.post_delay_notice: must be shorter than sla.post_grace (5s), got 10s"},
		{"no pools", "timezone: UTC\n", "pools: at least one pool"},
		{"pool without channel", "pools:\n  - {name: a, members: [U1]}\n", "pools[0].channel"},
		{"pool without members", "pools:\n  - {name: a, channel: C1}\n", "pools[0].members: at least one member"},
		{"second pool without members", "pools:\n  - {name: a, channel: C1, members: [U1]}\n  - {name: b, channel: C2, members: []}\n", "pools[1].members"},
		{"pool without name", "pools:\n  - {channel: C1, members: [U1]}\n", "pools[0].name: required"},
		{"duplicate pool", "pools:\n  - {name: a, channel: C1, members: [U1]}\n  - {name: a, channel: C2, members: [U2]}\n", "pools[1].name"},
		{"member not an id", "pools:\n  - {name: a, channel: C1, members: [sam]}\n", "pools[0].members[0]"},
		{"duplicate member", "pools:\n  - {name: a, channel: C1, members: [U1, U1]}\n", "pools[0].members[1]"},
		{"manager not an id", "pools:\n  - {name: a, channel: C1, members: [U1], managers: ['#x']}\n", "pools[0].managers[0]"},
		{"members not a list", "pools:\n  - {name: a, channel: C1, members: U1}\n", "pools[0].members: want a list"},
		{"bad timezone", "timezone: Mars/Olympus\npools:\n  - {name: a, channel: C1, members: [U1]}\n", "timezone:"},
		{"bad schedule", "pools:\n  - {name: a, channel: C1, members: [U1]}\ndigest:\n  schedule: every morning\n", "digest.schedule:"},
		{"bad weekly schedule", "pools:\n  - {name: a, channel: C1, members: [U1]}\nreports:\n  weekly_schedule: mondays\n", "reports.weekly_schedule:"},
		{"unknown reports key", "pools:\n  - {name: a, channel: C1, members: [U1]}\nreports:\n  weekly: x\n", "reports.weekly: unknown key"},
		{"bad sweep", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  sweep_schedule: often\n", "sla.sweep_schedule:"},
		{"zero grace", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  manager_grace: 0s\n", "sla.manager_grace: must be positive"},
		{"zero freeze", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  ownership_freeze: -1h\n", "sla.ownership_freeze: must be positive"},
		{"zero reengage", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  reengage: 0s\n", "sla.reengage: must be positive"},
		{"huge digest", "pools:\n  - {name: a, channel: C1, members: [U1]}\ndigest:\n  per_section: 20\n", "digest.per_section: between 1 and 9"},
		{"negative catch-up", "pools:\n  - {name: a, channel: C1, members: [U1]}\ndigest:\n  catch_up: -1h\n", "digest.catch_up: must not be negative"},
		{"bad business hours", "pools:\n  - {name: a, channel: C1, members: [U1]}\nsla:\n  business_hours: sometimes\n", "sla.business_hours"},
		{"bad digest channel", "pools:\n  - {name: a, channel: C1, members: [U1]}\ndigest:\n  channel: general\n", "digest.channel:"},
		{"key twice", "timezone: UTC\ntimezone: UTC\npools:\n  - {name: a, channel: C1, members: [U1]}\n", "timezone"},
		{"not yaml", "pools: [\n", "not valid YAML"},
		{"pools a map", "pools:\n  name: a\n", "pools: want a list"},
		{"ladder without missed", onePool + "escalation:\n  ladder:\n    - {at: 0s, do: [reping]}\n", "escalation.ladder[0].do: the last step must include missed"},
		{"ladder unknown action", onePool + "escalation:\n  ladder:\n    - {at: 0s, do: [page]}\n    - {at: 1m, do: [missed]}\n", `escalation.ladder[0].do: unknown action "page"`},
		{"ladder out of order", onePool + "escalation:\n  ladder:\n    - {at: 2m, do: [reping]}\n    - {at: 1m, do: [missed]}\n", "escalation.ladder[1].at: 1m0s is before"},
		{"ladder step without at", onePool + "escalation:\n  ladder:\n    - {do: [missed]}\n", "escalation.ladder[0].at: required"},
		{"ladder empty", onePool + "escalation:\n  ladder: []\n", "escalation.ladder: at least one step"},
		{"ladder unknown key", onePool + "escalation:\n  ladder:\n    - {at: 0s, do: [missed], wait: 1s}\n", "escalation.ladder[0].wait: unknown key"},
		{"pool ladder", "pools:\n  - {name: a, channel: C1, members: [U1], ladder: [{at: 0s, do: [missed], repeat: 2, every: 1s}]}\n", "pools[0].ladder[0].do: missed ends the ladder"},
		{"fallback unknown", "pools:\n  - {name: a, channel: C1, members: [U1], fallback: b}\n", `pools[0].fallback: no pool is named "b"`},
		{"fallback self", "pools:\n  - {name: a, channel: C1, members: [U1], fallback: a}\n", "pools[0].fallback: a pool cannot fall back to itself"},
		{"unknown mode", "pools:\n  - {name: a, channel: C1, members: [U1], mode: lottery}\n", `pools[0].mode: unknown value "lottery"`},
		{"unknown reset", "pools:\n  - {name: a, channel: C1, members: [U1], reset: daily}\n", `pools[0].reset: unknown value "daily"`},
		{"bad hours", "pools:\n  - {name: a, channel: C1, members: [U1], hours: ['someday 9-5']}\n", "pools[0].hours[0]:"},
		{"bad pool zone", "pools:\n  - {name: a, channel: C1, members: [U1], timezone: Mars/Base}\n", "pools[0].timezone:"},
		{"negative cap", "pools:\n  - {name: a, channel: C1, members: [U1], daily_cap: -1}\n", "pools[0]: daily_cap and open_cap must not be negative"},
		{"settings for a stranger", "pools:\n  - {name: a, channel: C1, members: [U1], member_settings: [{member: U2, weight: 0.5}]}\n", `pools[0].member_settings[0].member: "U2" is not one of the pool's members`},
		{"negative weight", "pools:\n  - {name: a, channel: C1, members: [U1], member_settings: [{member: U1, weight: -1}]}\n", "pools[0].members[U1].weight: must not be negative"},
		{"weight not a number", "pools:\n  - {name: a, channel: C1, members: [U1], member_settings: [{member: U1, weight: half}]}\n", "pools[0].member_settings[0].weight: want a number"},
		{"sweep too fast", onePool + "escalation:\n  sweep_interval: 1ms\n", "escalation.sweep_interval: between 100ms and 10m"},
		{"negative burst", onePool + "channel_pace:\n  burst: -1\n", "channel_pace.burst: from 0 (no pace) to 1000, got -1"},
		{"pace too fast", onePool + "channel_pace:\n  interval: 1ms\n", "channel_pace.interval: between 10ms and 1m"},
		{"pace misspelt", onePool + "channel_pace:\n  brust: 3\n", "channel_pace.brust"},
		{"retention too short", onePool + "outbox:\n  retention: 10m\n", "outbox.retention: at least 1h, got 10m0s"},
		{"retention in days", onePool + "outbox:\n  retention: 30d\n", "outbox.retention: want a Go duration"},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(tt.yaml))
		require.Error(t, err, tt.name)
		require.Contains(t, err.Error(), tt.want, tt.name)
	}
}

const onePool = "pools:\n  - {name: a, channel: C1, members: [U1]}\n"

func TestParseLadder(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(minimal))
	require.NoError(t, err)
	require.Equal(t, routing.DefaultLadder(), cfg.Policy.Pools[0].Ladder, "the default ladder")
	require.Equal(t, config.DefaultSweepInterval, cfg.SweepInterval)
	require.Equal(t, 30*24*time.Hour, cfg.OutboxRetention, "30 days by default")

	cfg, err = config.Parse([]byte(onePool + "outbox:\n  retention: 2160h\n"))
	require.NoError(t, err)
	require.Equal(t, 90*24*time.Hour, cfg.OutboxRetention)

	cfg, err = config.Parse([]byte(`
pools:
  - name: a
    channel: C1
    members: [U1]
    fallback: b
  - name: b
    channel: C2
    members: [U2]
    ladder:
      - {at: 0s, do: [missed]}
escalation:
  sweep_interval: 2s
  ladder:
    - {at: 0s, do: [reping], repeat: 2, every: 20s}
    - {at: 1m, do: [dm_managers, fallback]}
    - {at: 90s, do: [missed]}
`))
	require.NoError(t, err)
	require.Equal(t, 2*time.Second, cfg.SweepInterval)
	a, b := cfg.Policy.Pools[0], cfg.Policy.Pools[1]
	require.Equal(t, "b", a.Fallback)
	require.Equal(t, routing.Ladder{
		{At: 0, Do: []routing.EscalationAction{routing.ActionReping}, Repeat: 2, Every: 20 * time.Second},
		{At: time.Minute, Do: []routing.EscalationAction{routing.ActionAlertManagers, routing.ActionFallback}},
		{At: 90 * time.Second, Do: []routing.EscalationAction{routing.ActionMissed}},
	}, a.Ladder, "escalation.ladder is every pool's default")
	require.Equal(t, routing.Ladder{{At: 0, Do: []routing.EscalationAction{routing.ActionMissed}}}, b.Ladder, "a pool's own ladder wins")
	require.Equal(t, "C2", cfg.Policy.Escalation(a).FallbackChannel)
}

func TestParseRotation(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(`
pools:
  - name: a
    channel: C1
    members: [U1, U2, U3]
    mode: round_robin
    priority_window: 10s
    reset: weekly
    lapse_limit: 2
    timezone: Europe/Paris
    hours: ["mon-fri 09:00-17:30"]
    daily_cap: 5
    member_settings:
      - {member: U2, weight: 0.5, open_cap: 3}
      - {member: U3, daily_cap: 0, timezone: America/New_York, hours: ["mon-thu 08:00-16:00"]}
`))
	require.NoError(t, err)
	r := cfg.Policy.Pools[0].Rotation
	require.Equal(t, routing.ModeRoundRobin, r.Mode)
	require.Equal(t, 10*time.Second, r.PriorityWindow)
	require.Equal(t, routing.ResetWeekly, r.Reset)
	require.Equal(t, 2, r.LapseLimit)
	require.Equal(t, "Europe/Paris", r.Location.String())
	require.Len(t, r.Hours, 1)
	require.Equal(t, routing.MemberSettings{DailyCap: 5}, r.Settings["U1"], "the pool's cap")
	require.Equal(t, 0.5, r.Settings["U2"].Weight)
	require.Equal(t, 5, r.Settings["U2"].DailyCap, "kept from the pool")
	require.Equal(t, 3, r.Settings["U2"].OpenCap)
	require.Zero(t, r.Settings["U3"].DailyCap, "a member's own 0 lifts the pool's cap")
	require.Equal(t, "America/New_York", r.Settings["U3"].Location.String())

	cfg, err = config.Parse([]byte(minimal))
	require.NoError(t, err)
	require.Equal(t, routing.ModeFirstToClaim, cfg.Policy.Pools[0].ModeOrDefault())

	// Without a pool timezone, hours are read in the top-level one.
	cfg, err = config.Parse([]byte("timezone: America/New_York\npools:\n  - {name: a, channel: C1, members: [U1], hours: ['mon-fri 09:00-17:00']}\n"))
	require.NoError(t, err)
	pool := cfg.Policy.Pools[0]
	twoPMNewYork := time.Date(2026, 11, 20, 19, 0, 0, 0, time.UTC) // a Friday
	require.True(t, pool.Availability(routing.MemberState{User: "U1"}, twoPMNewYork).Available(), "14:00 in New York is working hours")
}

func TestDescriptorSchedule(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte("pools:\n  - {name: a, channel: C1, members: [U1]}\ndigest:\n  schedule: '@every 10s'\n"))
	require.NoError(t, err)
	require.Equal(t, "@every 10s", cfg.Policy.Digest.Schedule)
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "baton.yaml")
	require.NoError(t, os.WriteFile(path, []byte(minimal), 0o600))
	_, err := config.Load(path)
	require.NoError(t, err)

	_, err = config.Load(filepath.Join(dir, "missing.yaml"))
	require.ErrorContains(t, err, "BATON_CONFIG")
}

// TestExampleIsValid keeps the documented example loadable.
func TestExampleIsValid(t *testing.T) {
	t.Parallel()
	_, err := config.Load("../../../manifests/baton.example.yaml")
	require.NoError(t, err)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte("pools: [{name: a, channel: C1, members: [U1]}]"))
	f.Add([]byte("a: &x [*x]"))
	f.Add([]byte("pools: [{name: a, channel: C1, members: [U1], checklist: bant}]\nchecklist: [{id: n, label: N, type: number, min: 1, gate: {at_least: 5}}, {id: s, label: S, type: select, options: [a, b], gate: {in: [a]}}]"))
	f.Add([]byte("pools: [{name: a, channel: C1, members: [U1]}, {name: b, channel: C2, members: [U2]}]\nrules: [{when: {question: employees, at_least: 500}, pool: b}, {when: [{question: decision_maker_level, in: [vp]}], pool: a}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data)
		if err == nil {
			require.NotEmpty(t, cfg.Policy.Pools, "a valid config always has a pool")
			require.NotEmpty(t, cfg.Policy.Checklist.Questions, "and a checklist")
			require.LessOrEqual(t, len(cfg.Policy.Checklist.Questions), routing.MaxQuestions)
		}
	})
}

func TestChecklistDefaultsToConcreteCriteria(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(minimal))
	require.NoError(t, err)
	want, _ := routing.Template(routing.DefaultTemplate)
	require.Equal(t, want, cfg.Policy.Checklist)
	require.Empty(t, cfg.Policy.Pools[0].Checklist.Name, "a pool without a checklist uses the default")
}

func TestChecklistTemplatesByName(t *testing.T) {
	t.Parallel()
	for _, name := range routing.TemplateNames() {
		cfg, err := config.Parse([]byte(onePool + "checklist: " + name + "\n"))
		require.NoError(t, err, name)
		want, _ := routing.Template(name)
		require.Equal(t, want, cfg.Policy.Checklist, name)
	}
}

func TestCustomChecklist(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(`
pools:
  - name: closers
    channel: C1
    members: [U1]
  - name: homes
    channel: C2
    members: [U2]
    checklist: lpmama
  - name: enterprise
    channel: C3
    members: [U3]
    checklist:
      - {id: budget_approved, label: "Budget approved?", type: yes_no, required: true, gate: {equals: yes}}
checklist:
  - id: employees
    label: Number of employees
    type: number
    required: true
    min: 1
    max: 1000000
    hint: Company-wide.
    gate: {at_least: 500}
  - id: uses_salesforce
    label: Uses Salesforce?
    type: yes_no
    required: true
    gate: {equals: yes}
  - id: level
    label: Level
    type: select
    options: [IC, Manager, Director, VP, C-level]
    gate: {in: [director, vp, c-level]}
  - {id: seats, label: Seats, type: number, decimals: true, gate: {at_least: 2.5, at_most: 100}}
  - {id: channels, label: Channels, type: multi_select, options: [Online, Retail], gate: {in: [Online]}}
  - {id: tier, label: Tier, type: select, options: [Gold, Silver], gate: {equals: gold}}
  - {id: summary, label: Summary, type: text}
  - {id: story, label: Story, type: long_text}
  - {id: champion_email, label: Champion email, type: email}
  - {id: champion_phone, label: Champion phone, type: phone}
  - {id: website, label: Website, type: url}
  - {id: go_live, label: Go-live, type: date}
`))
	require.NoError(t, err)
	c := cfg.Policy.Checklist
	require.Equal(t, "custom", c.Name)
	require.Len(t, c.Questions, 12)
	emp := c.Questions[0]
	require.Equal(t, routing.Question{ID: "employees", Label: "Number of employees", Type: routing.TypeNumber, Required: true,
		Min: ptr(1.0), Max: ptr(1e6), Hint: "Company-wide.", Gate: &routing.Gate{AtLeast: ptr(500.0)}}, emp)
	require.Equal(t, "yes", c.Questions[1].Gate.Equals)
	require.Equal(t, []string{"Director", "VP", "C-level"}, c.Questions[2].Gate.In)
	require.Equal(t, &routing.Gate{AtLeast: ptr(2.5), AtMost: ptr(100.0)}, c.Questions[3].Gate)
	require.True(t, c.Questions[3].Decimals)
	require.Equal(t, "Gold", c.Questions[5].Gate.Equals)

	require.Empty(t, cfg.Policy.Pools[0].Checklist.Name)
	require.Equal(t, "lpmama", cfg.Policy.Pools[1].Checklist.Name)
	require.Equal(t, "custom:enterprise", cfg.Policy.Pools[2].Checklist.Name)
	require.Equal(t, "budget_approved", cfg.Policy.Pools[2].Checklist.Questions[0].ID)
}

func ptr(f float64) *float64 { return &f }

func TestChecklistErrorsNameTheItem(t *testing.T) {
	t.Parallel()
	three := func(third string) string {
		return onePool + "checklist:\n  - {id: a, label: A, type: text}\n  - {id: b, label: B, type: yes_no}\n  - " + third + "\n"
	}
	var many []string
	for i := range 120 {
		many = append(many, fmt.Sprintf("o%d", i))
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"120 options", three("{id: c, label: C, type: select, options: [" + strings.Join(many, ", ") + "]}"), "checklist[2].options: 120 options, at most 100"},
		{"unknown type", three("{id: c, label: C, type: dropdown}"), `checklist[2].type: "dropdown" is not a question type`},
		{"missing type", three("{id: c, label: C}"), `checklist[2].type: "" is not a question type`},
		{"unknown key", three("{id: c, lable: C, type: text}"), "checklist[2].lable: unknown key"},
		{"unknown gate key", three("{id: c, label: C, type: number, gate: {above: 5}}"), "checklist[2].gate.above: unknown key"},
		{"gate not a map", three("{id: c, label: C, type: number, gate: '>= 500'}"), "checklist[2].gate: want a map of settings"},
		{"min not a number", three("{id: c, label: C, type: number, min: lots}"), `checklist[2].min: want a number, got "lots"`},
		{"min infinite", three("{id: c, label: C, type: number, min: .inf}"), "checklist[2].min: want a number"},
		{"gate option unknown", three("{id: c, label: C, type: select, options: [x, y], gate: {in: [x, z]}}"), `checklist[2].gate.in[1]: "z" is not one of the question's options`},
		{"gate on text", three("{id: c, label: C, type: text, gate: {equals: x}}"), "checklist[2].gate: a text question can't have a gate"},
		{"yes_no gate", three("{id: c, label: C, type: yes_no, gate: {equals: maybe}}"), `checklist[2].gate.equals: want yes or no, got "maybe"`},
		{"duplicate id", three("{id: a, label: C, type: text}"), `checklist[2].id: "a" is also the id of question 0`},
		{"options not a list", three("{id: c, label: C, type: select, options: x}"), "checklist[2].options: want a list"},
		{"unknown template", onePool + "checklist: medpic\n", `checklist: "medpic" is not a built-in template; use one of concrete-criteria, bant, meddpicc, lpmama`},
		{"checklist a map", onePool + "checklist:\n  template: bant\n", "checklist: want a template name such as concrete-criteria, or a list of questions; got a map"},
		{"empty list", onePool + "checklist: []\n", "checklist: at least one question"},
		{"pool checklist", "pools:\n  - {name: a, channel: C1, members: [U1]}\n  - {name: b, channel: C2, members: [U2], checklist: [{id: x, label: X, type: number, max: 5, gate: {at_least: 10}}]}\n",
			"pools[1].checklist[0].gate.at_least: 10 is above the question's max 5"},
		{"pool template", "pools:\n  - {name: a, channel: C1, members: [U1], checklist: lpmamma}\n", `pools[0].checklist: "lpmamma" is not a built-in template`},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(tt.yaml))
		require.Error(t, err, tt.name)
		require.Contains(t, err.Error(), tt.want, tt.name)
	}
}

// TestOwnershipKeys reads every key of the clocks after the claim and the
// digest into the policy, and leaves the defaults when they are absent.
func TestOwnershipKeys(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(`timezone: Europe/Paris
pools: [{name: a, channel: C1, members: [U1]}]
sla: {reengage: 12h, manager_grace: 30m, ownership_freeze: 168h, business_hours: true, sweep_schedule: "@every 5m"}
digest: {channel: C2, per_section: 3, catch_up: 0s}
`))
	require.NoError(t, err)
	s := cfg.Policy.SLA
	require.Equal(t, 12*time.Hour, s.Reengage)
	require.Equal(t, 30*time.Minute, s.ManagerGrace)
	require.Equal(t, 168*time.Hour, s.OwnershipFreeze)
	require.True(t, s.BusinessHours)
	require.Equal(t, "Europe/Paris", s.Location.String())
	require.Equal(t, "@every 5m", cfg.SLASweep)
	require.Equal(t, 3, cfg.Policy.Digest.PerSection)
	require.Zero(t, cfg.Policy.Digest.CatchUp)

	cfg, err = config.Parse([]byte(minimal))
	require.NoError(t, err)
	def := routing.DefaultSLA()
	require.Equal(t, def.Reengage, cfg.Policy.SLA.Reengage)
	require.Equal(t, def.ManagerGrace, cfg.Policy.SLA.ManagerGrace)
	require.Equal(t, def.OwnershipFreeze, cfg.Policy.SLA.OwnershipFreeze)
	require.False(t, cfg.Policy.SLA.BusinessHours)
	require.Equal(t, config.DefaultSLASweep, cfg.SLASweep)
	require.Equal(t, routing.DefaultDigestPerSection, cfg.Policy.Digest.PerSection)
	require.Equal(t, config.DefaultDigestCatchUp, cfg.Policy.Digest.CatchUp)
}

func TestHasHours(t *testing.T) {
	t.Parallel()
	for yaml, want := range map[string]bool{
		onePool: false,
		"pools:\n  - {name: a, channel: C1, members: [U1], hours: ['mon-fri 09:00-17:00']}\n":                                  true,
		"pools:\n  - {name: a, channel: C1, members: [U1], member_settings: [{member: U1, hours: ['mon-fri 09:00-17:00']}]}\n": true,
	} {
		cfg, err := config.Parse([]byte(yaml))
		require.NoError(t, err, yaml)
		require.Equal(t, want, cfg.HasHours(), yaml)
	}
}

func TestChannelPace(t *testing.T) {
	cfg, err := config.Parse([]byte(onePool))
	require.NoError(t, err)
	require.Equal(t, outbox.DefaultChannelPace, cfg.ChannelPace, "Slack's pace by default")
	cfg, err = config.Parse([]byte(onePool + "channel_pace:\n  burst: 3\n  interval: 2s\n"))
	require.NoError(t, err)
	require.Equal(t, outbox.ChannelPace{Burst: 3, Interval: 2 * time.Second}, cfg.ChannelPace)
	cfg, err = config.Parse([]byte(onePool + "channel_pace:\n  burst: 0\n"))
	require.NoError(t, err)
	require.Zero(t, cfg.ChannelPace.Burst, "0 turns the pace off")
}
