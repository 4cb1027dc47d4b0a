package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
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
func (a *app) handoffOf(passer, company, employees string) routing.Handoff {
	a.t.Helper()
	a.openModal(passer, "")
	answers := validAnswers(company)
	for _, q := range []string{"q.crm", "q.industry", "q.decision_maker_level"} {
		delete(answers, q) // not in this checklist
	}
	answers["q.employees"] = pick(slackfake.TextInput(employees))
	require.Empty(a.t, a.submit(passer, answers).Payload, "a valid submit closes the form")
	var h routing.Handoff
	a.eventually(func() bool {
		var id int64
		if a.db.QueryRow(a.ctx, `SELECT id FROM handoffs WHERE company = $1`, company).Scan(&id) != nil {
			return false
		}
		var err error
		h, err = a.store.Handoff(a.ctx, id)
		return err == nil && h.MessageTS != ""
	}, company+" is posted")
	return h
}

// TestRulesPickThePool: a lead whose answers match a rule posts in the
// rule's pool's channel, whose members claim it; a lead no rule matches
// goes to the default pool. The rule is in the event log.
func TestRulesPickThePool(t *testing.T) {
	t.Parallel()
	a := start(t, options{config: rulesConfig})

	big := a.handoffOf("U0SDR", "Big Co", "1,200")
	require.Equal(t, "enterprise", big.Pool)
	require.Equal(t, "C0ENTERPRISE", big.Channel)
	require.Len(t, a.messagesIn("C0ENTERPRISE", false), 1)
	require.True(t, strings.HasPrefix(a.messagesIn("C0ENTERPRISE", false)[0].Text, "<!channel> 🔥 Hot lead transferring — Big Co"))
	require.Empty(t, a.channelMessages(), "nothing in the default pool's channel")
	a.eventually(func() bool { return strings.Contains(a.dmText("U0SDR"), "is out in <#C0ENTERPRISE>") }, "the passer is told where")
	require.Contains(t, a.dmText("U0SDR"), "2 of 2 in *enterprise* available now")
	events, err := a.store.Events(a.ctx, big.ID)
	require.NoError(t, err)
	require.Equal(t, "employees at_least 500 → enterprise", events[0].Detail["rule"])

	// The default pool's members are not the enterprise pool's.
	a.click("U0AE1", big, "")
	a.eventually(func() bool { return len(a.slack.Ephemerals("C0ENTERPRISE", "U0AE1")) == 1 }, "the outsider is told")
	require.Contains(t, a.slack.Ephemerals("C0ENTERPRISE", "U0AE1")[0].Text, "Only members of the *enterprise* pool can claim this lead")
	a.click("U0ENT2", big, "")
	a.eventually(func() bool { return a.handoffNow(big.ID).OwnerID == "U0ENT2" }, "an enterprise member claims")

	small := a.handoffOf("U0SDR", "Small Co", "120")
	require.Equal(t, "closers", small.Pool)
	require.Equal(t, "C0HANDOFF", small.Channel)
	require.Len(t, a.channelMessages(), 1)
	require.Len(t, a.messagesIn("C0ENTERPRISE", false), 1, "the enterprise channel has the big lead only")
	events, err = a.store.Events(a.ctx, small.ID)
	require.NoError(t, err)
	require.NotContains(t, events[0].Detail, "rule", "the default pool, by no rule")
	a.click("U0AE2", small, "")
	a.eventually(func() bool { return a.handoffNow(small.ID).OwnerID == "U0AE2" }, "a default pool member claims")
}

// TestRuleChangeDoesNotReroute: the pool is decided once. Baton restarted
// without the rule that routed an open lead leaves it where it is: posted
// in the enterprise channel, claimable by the enterprise pool.
func TestRuleChangeDoesNotReroute(t *testing.T) {
	t.Parallel()
	a := start(t, options{config: rulesConfig})
	big := a.handoffOf("U0SDR", "Big Co", "1200")
	require.Equal(t, "enterprise", big.Pool)

	a.stop()
	err := <-a.done
	require.NoError(t, err)
	a.done <- err // for the cleanup, which waits for it too
	a.eventually(func() bool { return a.slack.Connected() == 0 }, "the fake sees the socket go")

	noRules, _, found := strings.Cut(rulesConfig, "rules:")
	require.True(t, found)
	b := start(t, options{config: noRules + "sla:\n  claim_window: 60s\n", fake: a.slack, dbURL: a.dbURL, db: a.db})
	b.click("U0ENT1", big, "")
	b.eventually(func() bool { return b.handoffNow(big.ID).OwnerID == "U0ENT1" }, "still the enterprise pool's lead")
	require.Equal(t, "enterprise", b.handoffNow(big.ID).Pool)
	require.Empty(t, b.channelMessages(), "nothing moved to the default pool's channel")
}
