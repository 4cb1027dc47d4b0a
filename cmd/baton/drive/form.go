package drive

import (
	"strings"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
)

// The channels of Minimal's pool and of the people who pass leads.
const (
	// Pool is the pool's channel in config.Minimal.
	Pool = "C0HANDOFF"
	// Sales is the channel /handoff is typed in.
	Sales = "C0SALES"
)

// Answers is the handoff form filled in for company: a live transfer that
// meets every gate of the default checklist.
func Answers(company string) map[string]map[string]slackfake.InputValue {
	in := func(v slackfake.InputValue) map[string]slackfake.InputValue {
		return map[string]slackfake.InputValue{render.ActionInput: v}
	}
	return map[string]map[string]slackfake.InputValue{
		"company":       in(slackfake.TextInput(company)),
		"contact_name":  in(slackfake.TextInput("Dana Reyes")),
		"contact_title": in(slackfake.TextInput("VP Sales")),
		"phone":         in(slackfake.TextInput("+1 (415) 555-0100")),
		"email":         in(slackfake.TextInput("dana@acme.example")),
		"notes":         in(slackfake.RichText("Uses Salesforce, 600 seats, wants routing.")),
		"consent":       in(slackfake.SelectedOptions(render.ConsentValue)),
		// The default checklist, concrete-criteria.
		"q.crm":                  in(slackfake.SelectedOption("Salesforce")),
		"q.employees":            in(slackfake.TextInput("600")),
		"q.industry":             in(slackfake.SelectedOption("E-commerce")),
		"q.decision_maker_level": in(slackfake.SelectedOption("VP")),
	}
}

// SlackText undoes JSON's \u003c-style escapes, which slack-go's encoders
// apply, so that a check that "<!everyone>" or "<@U…>" never reaches Slack
// reads what Slack reads instead of passing vacuously.
func SlackText(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}
