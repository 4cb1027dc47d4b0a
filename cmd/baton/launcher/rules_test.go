package launcher_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// rulesConfig sends companies of 500 people or more to the enterprise pool.
// Its checklist puts no gate on size, so a small company is handed off live
// too, to the default pool.
const rulesConfig = `
timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2]
  - name: enterprise
    channel: C0ENTERPRISE
    members: [U0ENT1, U0ENT2]
checklist:
  - {id: employees, label: Number of employees, type: number, required: true, min: 1}
rules:
  - when: {question: employees, at_least: 500}
    pool: enterprise
sla:
  claim_window: 60s
`

// handoffOf hands off company with employees people as passer, through the
// form, and returns it once posted.
func handoffOf(a *batontest.App, passer, company, employees string) routing.Handoff {
	a.T.Helper()
	a.OpenModal(passer, "")
	answers := batontest.ValidAnswers(company)
	for _, q := range []string{"q.crm", "q.industry", "q.decision_maker_level"} {
		delete(answers, q) // not in this checklist
	}
	answers["q.employees"] = in(slackfake.TextInput(employees))
	require.Empty(a.T, a.Submit(passer, answers).Payload, "a valid submit closes the form")
	var h routing.Handoff
	a.Eventually(func() bool {
		var id int64
		if a.DB.QueryRow(a.Ctx, `SELECT id FROM handoffs WHERE company = $1`, company).Scan(&id) != nil {
			return false
		}
		var err error
		h, err = a.Store.Handoff(a.Ctx, id)
		return err == nil && h.MessageTS != ""
	}, company+" is posted")
	return h
}

// TestRulesPickThePool: a lead whose answers match a rule posts in the
// rule's pool's channel, whose members claim it; a lead no rule matches
// goes to the default pool. The rule is in the event log.
func TestRulesPickThePool(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: rulesConfig})

	big := handoffOf(a, "U0SDR", "Big Co", "1,200")
	require.Equal(t, "enterprise", big.Pool)
	require.Equal(t, "C0ENTERPRISE", big.Channel)
	require.Len(t, a.Messages("C0ENTERPRISE", false), 1)
	require.True(t, strings.HasPrefix(a.Messages("C0ENTERPRISE", false)[0].Text, "<!channel> 🔥 Hot lead transferring — Big Co"))
	require.Empty(t, a.Messages(batontest.Pool, false), "nothing in the default pool's channel")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "is out in <#C0ENTERPRISE>") }, "the passer is told where")
	require.Contains(t, a.DMText("U0SDR"), "2 of 2 in *enterprise* available now")
	events, err := a.Store.Events(a.Ctx, big.ID)
	require.NoError(t, err)
	require.Equal(t, "employees at_least 500 → enterprise", events[0].Detail["rule"])

	// The default pool's members are not the enterprise pool's.
	a.Click("U0AE1", big)
	a.Eventually(func() bool { return len(a.Slack.Ephemerals("C0ENTERPRISE", "U0AE1")) == 1 }, "the outsider is told")
	require.Contains(t, a.Slack.Ephemerals("C0ENTERPRISE", "U0AE1")[0].Text, "Only members of the *enterprise* pool can claim this lead")
	a.Click("U0ENT2", big)
	a.Eventually(func() bool { return a.HandoffNow(big.ID).OwnerID == "U0ENT2" }, "an enterprise member claims")

	small := handoffOf(a, "U0SDR", "Small Co", "120")
	require.Equal(t, "closers", small.Pool)
	require.Equal(t, "C0HANDOFF", small.Channel)
	require.Len(t, a.Messages(batontest.Pool, false), 1)
	require.Len(t, a.Messages("C0ENTERPRISE", false), 1, "the enterprise channel has the big lead only")
	events, err = a.Store.Events(a.Ctx, small.ID)
	require.NoError(t, err)
	require.NotContains(t, events[0].Detail, "rule", "the default pool, by no rule")
	a.Click("U0AE2", small)
	a.Eventually(func() bool { return a.HandoffNow(small.ID).OwnerID == "U0AE2" }, "a default pool member claims")
}

// TestRuleChangeDoesNotReroute: the pool is decided once. Baton restarted
// without the rule that routed an open lead leaves it where it is: posted
// in the enterprise channel, claimable by the enterprise pool.
func TestRuleChangeDoesNotReroute(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: rulesConfig})
	big := handoffOf(a, "U0SDR", "Big Co", "1200")
	require.Equal(t, "enterprise", big.Pool)

	a.Stop()
	a.Eventually(func() bool { return a.Slack.Connected() == 0 }, "the fake sees the socket go")

	noRules, _, found := strings.Cut(rulesConfig, "rules:")
	require.True(t, found)
	b := batontest.Start(t, batontest.Options{Config: noRules + "sla:\n  claim_window: 60s\n", Fake: a.Slack, DBURL: a.DBURL, DB: a.DB})
	b.Click("U0ENT1", big)
	b.Eventually(func() bool { return b.HandoffNow(big.ID).OwnerID == "U0ENT1" }, "still the enterprise pool's lead")
	require.Equal(t, "enterprise", b.HandoffNow(big.ID).Pool)
	require.Empty(t, b.Messages(batontest.Pool, false), "nothing moved to the default pool's channel")
}
