package routing

import "slices"

// DefaultTemplate is the checklist used when the configuration names none.
const DefaultTemplate = "concrete-criteria"

// TemplateNames lists the built-in checklist templates.
func TemplateNames() []string {
	return []string{"concrete-criteria", "bant", "meddpicc", "lpmama"}
}

// Template returns the built-in checklist called name. Each call returns a
// fresh copy, so a caller may change it without changing the template.
//
// The templates are ours, written from the public frameworks; their gates
// are the example criteria the frameworks argue for, meant to be copied into
// the configuration and adjusted to the team's own definition of a lead
// worth a live transfer. Every template leaves pain, interest, tools and
// notes to the form's context fields, which every checklist has.
func Template(name string) (Checklist, bool) {
	var qs []Question
	switch name {
	case "concrete-criteria":
		qs = concreteCriteria()
	case "bant":
		qs = bant()
	case "meddpicc":
		qs = meddpicc()
	case "lpmama":
		qs = lpmama()
	default:
		return Checklist{}, false
	}
	return Checklist{Name: name, Questions: qs}, true
}

func number(f float64) *float64 { return &f }

// concreteCriteria asks the facts a live-transfer agreement between SDRs and
// AEs is written in (CRM in use, company size, industry, seniority of the
// contact) instead of "they seem interested". It gates on size and
// seniority, the two criteria that hold for most B2B teams; a team that
// sells only to, say, Salesforce shops adds a gate on crm.
func concreteCriteria() []Question {
	return []Question{
		{ID: "crm", Label: "CRM in use", Type: TypeSelect, Required: true,
			Options: []string{"Salesforce", "HubSpot", "Microsoft Dynamics 365", "Pipedrive", "Zoho CRM", "Other", "None"}},
		{ID: "employees", Label: "Number of employees", Type: TypeNumber, Required: true, Min: number(1),
			Hint: "Company-wide headcount, as the prospect said it.", Gate: &Gate{AtLeast: number(500)}},
		{ID: "industry", Label: "Industry", Type: TypeSelect, Required: true,
			Options: []string{"E-commerce", "Software / SaaS", "Financial services", "Healthcare", "Manufacturing", "Retail", "Education", "Public sector", "Professional services", "Other"}},
		{ID: "decision_maker_level", Label: "Level of the contact", Type: TypeSelect, Required: true,
			Options: []string{"Individual contributor", "Manager", "Director", "VP", "C-level", "Owner / founder"},
			Gate:    &Gate{In: []string{"Director", "VP", "C-level", "Owner / founder"}}},
	}
}

// bant is Budget, Authority, Need and Timeline. The need itself goes in the
// form's pain field; the checklist asks how pressing it is.
func bant() []Question {
	return []Question{
		{ID: "budget", Label: "Budget", Type: TypeSelect, Required: true,
			Options: []string{"Approved", "Allocated, not yet approved", "Being planned", "No budget"},
			Gate:    &Gate{In: []string{"Approved", "Allocated, not yet approved"}}},
		{ID: "budget_amount", Label: "Budget amount (USD)", Type: TypeNumber, Min: number(0)},
		{ID: "authority", Label: "Authority: the contact's role in the decision", Type: TypeSelect, Required: true,
			Options: []string{"Makes the decision", "Part of the buying group", "Researching for someone else"},
			Gate:    &Gate{In: []string{"Makes the decision", "Part of the buying group"}}},
		{ID: "need", Label: "Need: how pressing is it?", Type: TypeSelect, Required: true,
			Options: []string{"Critical: blocking them now", "Important: on this quarter's plan", "Nice to have"},
			Gate:    &Gate{In: []string{"Critical: blocking them now", "Important: on this quarter's plan"}}},
		{ID: "timeline", Label: "Timeline: when do they want to buy?", Type: TypeSelect, Required: true,
			Options: []string{"This month", "Within 3 months", "3 to 6 months", "6 to 12 months", "No timeline"},
			Gate:    &Gate{In: []string{"This month", "Within 3 months"}}},
	}
}

// meddpicc is Metrics, Economic buyer, Decision criteria, Decision process,
// Paper process, Identify pain, Champion and Competition. The pain goes in
// the form's pain field. It gates on the two facts a closer can't recover
// from missing: a known economic buyer and a champion.
func meddpicc() []Question {
	return []Question{
		{ID: "metrics", Label: "Metrics: the measurable result they want", Type: TypeText, Required: true,
			Hint: "A number and a date, e.g. \"cut onboarding from 10 to 3 days by Q3\"."},
		{ID: "economic_buyer_known", Label: "Economic buyer identified?", Type: TypeYesNo, Required: true,
			Gate: &Gate{Equals: "yes"}},
		{ID: "economic_buyer", Label: "Economic buyer (name and title)", Type: TypeText},
		{ID: "decision_criteria", Label: "Decision criteria", Type: TypeLongText},
		{ID: "decision_process", Label: "Decision process: steps and dates", Type: TypeLongText},
		{ID: "paper_process", Label: "Paper process: legal, procurement, security", Type: TypeText},
		{ID: "champion", Label: "Is there a champion?", Type: TypeYesNo, Required: true,
			Gate: &Gate{Equals: "yes"}},
		{ID: "champion_name", Label: "Champion (name and title)", Type: TypeText},
		{ID: "competition", Label: "Competition: who else are they looking at?", Type: TypeText},
	}
}

// lpmama is the real-estate standard: Location, Price, Motivation, Agent,
// Mortgage, Appointment. It gates on what makes a buyer or seller ready to
// talk to an agent now: moving soon, no agent yet, financing in hand.
func lpmama() []Question {
	return []Question{
		{ID: "location", Label: "Location: where do they want to buy or sell?", Type: TypeText, Required: true},
		{ID: "price", Label: "Price: budget or expected price (USD)", Type: TypeNumber, Min: number(0)},
		{ID: "motivation", Label: "Motivation: why are they moving?", Type: TypeLongText, Required: true},
		{ID: "timeframe", Label: "When do they want to move?", Type: TypeSelect, Required: true,
			Options: []string{"Within 30 days", "1 to 3 months", "3 to 6 months", "6 months or more", "Just looking"},
			Gate:    &Gate{In: []string{"Within 30 days", "1 to 3 months"}}},
		{ID: "has_agent", Label: "Agent: already working with an agent?", Type: TypeYesNo, Required: true,
			Gate: &Gate{Equals: "no"}},
		{ID: "mortgage", Label: "Mortgage: financing", Type: TypeSelect, Required: true,
			Options: []string{"Pre-approved", "Cash buyer", "Talking to a lender", "Not started", "Selling only"},
			Gate:    &Gate{In: []string{"Pre-approved", "Cash buyer", "Talking to a lender", "Selling only"}}},
		{ID: "appointment", Label: "Appointment: when can they meet an agent?", Type: TypeSelect,
			Options: []string{"Right now", "Later today", "This week", "Later"}},
	}
}

// IsTemplate reports whether name is a built-in template.
func IsTemplate(name string) bool { return slices.Contains(TemplateNames(), name) }
