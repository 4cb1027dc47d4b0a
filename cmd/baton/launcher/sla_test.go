package launcher_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// slaConfig runs the clocks after the claim in seconds: the first touch is
// due 2 s after the claim, the manager hears 2 s after a breach, and the
// sweep looks every second. The digest posts every 2 s in its own channel.
const slaConfig = `
timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3]
    managers: [U0MGR]
sla:
  claim_window: 60s
  first_touch: 2s
  outcome_due: 1h
  manager_grace: 2s
  sweep_schedule: "@every 1s"
digest:
  channel: C0DIGEST
  schedule: "@every 2s"
`

// quietDigest is slaConfig with a digest that does not post during a test.
var quietDigest = strings.Replace(slaConfig, `schedule: "@every 2s"`, `schedule: "0 9 1 1 *"`, 1)

// in is v entered in the input of a form's block.
func in(v slackfake.InputValue) map[string]slackfake.InputValue {
	return map[string]slackfake.InputValue{render.ActionInput: v}
}

// claimed runs a handoff and lets owner claim it.
func claimed(a *batontest.App, passer, company, owner string) routing.Handoff {
	a.T.Helper()
	h := a.Handoff(passer, company)
	a.ClickValue(owner, h, strconv.FormatInt(h.ID, 10))
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateClaimed }, "claimed")
	return a.HandoffNow(h.ID)
}

// TestSLABreachNudgesOwnerThenManagerAndClearsWithTheWork: nobody touches a
// claimed lead; its first-touch clock breaches once, the owner is told,
// then the manager after the grace; logging a call clears it. The outcome
// reaches the passer and the channel.
func TestSLABreachNudgesOwnerThenManagerAndClearsWithTheWork(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: quietDigest})
	h := claimed(a, "U0SDR", "Acme Corp", "U0AE1")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), `"action_id":"log_touch"`) }, "the owner's brief has the work buttons")

	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "SLA missed on") }, "the owner hears of the breach")
	require.Contains(t, a.DMText("U0AE1"), "*no meaningful touch*")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0MGR"), "still out of SLA") }, "the manager hears after the grace")
	// More sweeps pass: the breach and the alert stay one each.
	swept, err := a.Store.JobRuns(a.Ctx, handoffs.JobSLASweep)
	require.NoError(t, err)
	a.Eventually(func() bool {
		n, err := a.Store.JobRuns(a.Ctx, handoffs.JobSLASweep)
		return err == nil && n >= swept+2
	}, "two more sweeps run")
	kinds := a.Events(h.ID)
	require.Equal(t, 1, batontest.Count(kinds, routing.EventSLABreached))
	require.Equal(t, 1, batontest.Count(kinds, routing.EventSLAEscalate))
	require.Equal(t, 1, a.CountWhere("DU0AE1", "SLA missed on"))
	require.Equal(t, 1, a.CountWhere("DU0MGR", "still out of SLA"))
	require.Equal(t, []string{"first_touch"}, openClocks(a.HandoffNow(h.ID)))

	// A stranger can't log work on it.
	a.ClickIn("U0AE2", "DU0AE1", render.ActionLogTouch)
	a.Eventually(func() bool { return len(a.Slack.Ephemerals("DU0AE1", "U0AE2")) == 1 }, "the stranger is told")
	require.Contains(t, a.Slack.Ephemerals("DU0AE1", "U0AE2")[0].Text, "current owner")

	// A templated email is logged and clears nothing.
	a.ClickIn("U0AE1", "DU0AE1", render.ActionLogTouch)
	a.WaitForModal(render.CallbackTouch)
	ack := a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{render.BlockKind: in(slackfake.SelectedOption(string(routing.TouchTemplateEmail)))})
	require.Empty(t, ack.Payload)
	require.Equal(t, []string{"first_touch"}, openClocks(a.HandoffNow(h.ID)))

	// A meeting booked without its time is refused inside the modal.
	a.ClickIn("U0AE1", "DU0AE1", render.ActionLogTouch)
	a.WaitForModal(render.CallbackTouch)
	ack = a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{render.BlockKind: in(slackfake.SelectedOption(string(routing.TouchMeetingBooked)))})
	require.Contains(t, string(ack.Payload), render.BlockMeeting)

	// A call clears the breach at once.
	meeting := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	ack = a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{
		render.BlockKind:    in(slackfake.SelectedOption(string(routing.TouchMeetingBooked))),
		render.BlockMeeting: in(slackfake.DateTimePicked(meeting)),
		render.BlockNote:    in(slackfake.TextInput("Demo with the VP <!here>")),
	})
	require.Empty(t, ack.Payload)
	after := a.HandoffNow(h.ID)
	require.Empty(t, openClocks(after), "the touch met the clock")
	require.True(t, after.Work.MeetingAt.Equal(meeting))
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "meeting booked for") }, "the owner sees what was logged")
	require.Contains(t, a.DMText("U0AE1"), "outcome due", "and which clock runs next")

	// The outcome: disqualified needs its reason; with it the lead closes,
	// the passer learns it and the channel shows it.
	a.ClickIn("U0AE1", "DU0AE1", render.ActionLogOutcome)
	a.WaitForModal(render.CallbackOutcome)
	ack = a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{render.BlockKind: in(slackfake.SelectedOption(string(routing.OutcomeDisqualified)))})
	require.Contains(t, string(ack.Payload), render.BlockReason)
	ack = a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{
		render.BlockKind:   in(slackfake.SelectedOption(string(routing.OutcomeDisqualified))),
		render.BlockReason: in(slackfake.SelectedOption(string(routing.DisqualifyNoBudget))),
	})
	require.Empty(t, ack.Payload)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "*Disqualified — No budget*") }, "the passer learns the outcome")
	a.Eventually(func() bool {
		return strings.Contains(string(a.AllMessages("C0HANDOFF")[0].Blocks), "Outcome: *Disqualified — No budget* · closed")
	}, "the channel shows it")
	closed := a.HandoffNow(h.ID)
	require.False(t, closed.Owned())
	require.True(t, closed.Work.SLADueAt.IsZero(), "no clock runs on a closed lead")

	kinds = a.Events(h.ID)
	require.Equal(t, 2, batontest.Count(kinds, routing.EventTouchLogged))
	require.Equal(t, 1, batontest.Count(kinds, routing.EventOutcomeLogged))
	require.Equal(t, 1, batontest.Count(kinds, routing.EventSLABreached), "cleared, never breached again")
}

func openClocks(h routing.Handoff) []string {
	var out []string
	for _, b := range h.OpenBreaches() {
		out = append(out, string(b.Clock))
	}
	return out
}

// TestReassignNeedsAReasonAndMovesTheClocks: the owner can't be reassigned
// by a colleague while ownership is frozen; a manager reassigns with a
// reason code to a member of their choice, who gets the brief; the old
// owner and the passer are told, and the old owner's breach is cleared.
func TestReassignNeedsAReasonAndMovesTheClocks(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: quietDigest})
	h := claimed(a, "U0SDR", "Acme Corp", "U0AE1")
	a.Eventually(func() bool { return len(openClocks(a.HandoffNow(h.ID))) == 1 }, "the first touch breaches")

	a.ClickIn("U0AE2", "DU0AE1", render.ActionReassign)
	a.Eventually(func() bool { return len(a.Slack.Ephemerals("DU0AE1", "U0AE2")) == 1 }, "the colleague is told")
	require.Contains(t, a.Slack.Ephemerals("DU0AE1", "U0AE2")[0].Text, "frozen until")

	a.ClickIn("U0MGR", "DU0MGR", render.ActionReassign)
	a.WaitForModal(render.CallbackReassign)
	ack := a.Submit("U0MGR", map[string]map[string]slackfake.InputValue{render.BlockOwner: in(slackfake.InputValue{SelectedUser: "U0AE3"})})
	require.Contains(t, string(ack.Payload), render.BlockReason, "a reason code is required")
	ack = a.Submit("U0MGR", map[string]map[string]slackfake.InputValue{
		render.BlockReason: in(slackfake.SelectedOption(string(routing.ReassignOther))),
		render.BlockOwner:  in(slackfake.InputValue{SelectedUser: "U0AE3"}),
	})
	require.Contains(t, string(ack.Payload), render.BlockReason, "other needs a note")
	ack = a.Submit("U0MGR", map[string]map[string]slackfake.InputValue{
		render.BlockReason: in(slackfake.SelectedOption(string(routing.ReassignOutOfOffice))),
		render.BlockOwner:  in(slackfake.InputValue{SelectedUser: "U0AE3"}),
	})
	require.Empty(t, ack.Payload)

	after := a.HandoffNow(h.ID)
	require.Equal(t, "U0AE3", after.OwnerID)
	require.Empty(t, openClocks(after), "the old owner's breach is cleared")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE3"), "is yours now") }, "the new owner gets the brief")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "now belongs to <@U0AE3>") }, "the old owner is told")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "is now with <@U0AE3>") }, "the passer is told")
	a.Eventually(func() bool {
		return strings.Contains(string(a.AllMessages("C0HANDOFF")[0].Blocks), "now with <@U0AE3>")
	}, "the channel shows the owner")
	// The new owner's own clock runs from the reassignment and breaches in turn.
	a.Eventually(func() bool {
		b := a.HandoffNow(h.ID).OpenBreaches()
		return len(b) == 1 && b[0].Owner == "U0AE3"
	}, "the new owner's first touch is due in turn")
	require.Equal(t, 1, batontest.Count(a.Events(h.ID), routing.EventReassigned))
}

// digests are the digest posts in C0DIGEST.
func digests(a *batontest.App) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range a.AllMessages("C0DIGEST") {
		if strings.Contains(m.Text, "Stuck leads") || strings.Contains(m.Text, "Nothing stuck") {
			out = append(out, m)
		}
	}
	return out
}

// TestDigestPostsOncePerTickAcrossReplicas runs two replicas with a digest
// every 2 s: each tick is posted once, listing the unclaimed lead with a
// Claim button and the untouched one with its owner, its breached clock, a
// link to its message and a Reassign button. Claiming from the digest works.
func TestDigestPostsOncePerTickAcrossReplicas(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: slaConfig})
	batontest.Start(t, batontest.Options{Config: slaConfig, Fake: a.Slack, DBURL: a.DBURL, DB: a.DB})

	untouched := claimed(a, "U0SDR", "Untouched Inc", "U0AE1")
	open := a.Handoff("U0SDR2", "Waiting & Sons")
	a.Eventually(func() bool { return len(openClocks(a.HandoffNow(untouched.ID))) == 1 }, "the first touch breaches")

	var last slackfake.Message
	a.Eventually(func() bool {
		for _, m := range digests(a) {
			if strings.Contains(string(m.Blocks), "Untouched Inc") && strings.Contains(string(m.Blocks), "Waiting &amp; Sons") {
				last = m
				return true
			}
		}
		return false
	}, "a digest lists both leads")
	blocks := string(last.Blocks)
	for _, want := range []string{
		"Unclaimed or missed", "Claimed but untouched", "2 need attention", "no meaningful touch", "<@U0AE1>",
		`"action_id":"digest_claim"`, `"action_id":"reassign"`, "slack.com/archives/C0HANDOFF/p", "passed by <@U0SDR2>",
	} {
		require.Contains(t, blocks, want)
	}

	// Let a few more ticks pass, then compare posts with run keys: one
	// post per tick, whichever replica ran it.
	// Ticks go on meanwhile, so the two are compared between ticks: the
	// posts are read first, and each has its run committed before it, so
	// a post without a run of its own (a tick posted twice) shows as more
	// posts than runs at once; a tick whose post is on its way, as fewer
	// until it lands.
	a.Eventually(func() bool {
		n, err := a.Store.JobRuns(a.Ctx, handoffs.JobDigest)
		return err == nil && n >= 3
	}, "three ticks run")
	var runs int
	a.Eventually(func() bool {
		posts := len(digests(a))
		var err error
		runs, err = a.Store.JobRuns(a.Ctx, handoffs.JobDigest)
		require.NoError(t, err)
		require.LessOrEqual(t, posts, runs, "one digest per tick across two replicas")
		return posts == runs
	}, "every tick's digest posted")
	require.GreaterOrEqual(t, runs, 3)

	// Claim from the digest: it claims the lead in its own channel message.
	a.ClickIn("U0AE2", "C0DIGEST", render.ActionDigestClaim)
	a.Eventually(func() bool { return a.HandoffNow(open.ID).OwnerID == "U0AE2" }, "claimed from the digest")
}

// TestDigestOnAQuietDay says so when nothing is stuck.
func TestDigestOnAQuietDay(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: slaConfig})
	a.Eventually(func() bool { return len(digests(a)) > 0 }, "a digest is posted")
	require.Contains(t, digests(a)[0].Text, "Nothing stuck today")
}

// TestFailingJobLeavesTheBotRunning breaks the jobs' table under a running
// Baton: every tick fails and is logged, Slack is still answered, and once
// the table is back the next tick runs.
func TestFailingJobLeavesTheBotRunning(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: slaConfig})
	_, err := a.DB.Exec(a.Ctx, `ALTER TABLE job_runs RENAME TO job_runs_away`)
	require.NoError(t, err)
	a.Eventually(func() bool { return strings.Contains(a.Log.String(), "job failed; it runs again at the next tick") }, "the failure is logged")

	h := a.Handoff("U0SDR", "Still Served Ltd")
	require.NotEmpty(t, h.MessageTS, "Baton still serves Slack")

	_, err = a.DB.Exec(a.Ctx, `ALTER TABLE job_runs_away RENAME TO job_runs`)
	require.NoError(t, err)
	a.Eventually(func() bool { return len(digests(a)) > 0 }, "the next tick runs")
}
