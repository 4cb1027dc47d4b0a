package launcher_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store/storetest"
)

// ladderConfig runs the whole ladder in six seconds: a 2 s window, then
// re-ping and member DMs, managers and the fallback pool two seconds later,
// and missed two seconds after that (margins for a loaded CI machine).
const ladderConfig = `
timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3]
    managers: [U0MGR]
    fallback: overflow
  - name: overflow
    channel: C0OVERFLOW
    members: [U0OVR]
sla:
  claim_window: 2s
escalation:
  sweep_interval: 500ms
  ladder:
    - at: 0s
      do: [reping, dm_members]
    - at: 2s
      do: [dm_managers, fallback]
    - at: 4s
      do: [missed]
`

// TestEscalationLadderEndToEnd lets nobody claim: the whole ladder runs in
// Slack, the lead ends with an owner by rotation, the passer books the
// callback, the first owner hands it back and the next accepts.
func TestEscalationLadderEndToEnd(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: ladderConfig})
	h := a.Handoff("U0SDR", "Acme Corp")
	require.Len(t, h.Escalation.Rungs, 3, "the ladder is frozen onto the handoff")

	// Step 1 at the deadline: a thread reply with <!here>, the members DMed.
	a.Eventually(func() bool { return a.CountWhere("C0HANDOFF", "<!here>") == 1 }, "the channel is pinged again")
	for _, m := range a.AllMessages("C0HANDOFF") {
		if strings.Contains(m.Text, "<!here>") {
			require.Equal(t, h.MessageTS, m.ThreadTS, "the re-ping is a thread reply, not a second post")
			require.Contains(t, m.Text, "Acme Corp is still unclaimed")
		}
	}
	for _, member := range []string{"U0AE1", "U0AE2", "U0AE3"} {
		a.Eventually(func() bool { return strings.Contains(a.DMText(member), "has been waiting") }, member+" is nudged")
		require.Contains(t, a.DMText(member), "open the handoff", "with a link to the message")
	}

	// Step 2: the manager is alerted; the fallback pool gets its own post.
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0MGR"), "Nobody in *closers* has claimed *Acme Corp*") }, "the manager is alerted")
	a.Eventually(func() bool { return len(a.AllMessages("C0OVERFLOW")) == 1 }, "the fallback pool is offered the lead")
	require.True(t, strings.HasPrefix(a.AllMessages("C0OVERFLOW")[0].Text, "<!here> 🔥 Overflow from closers"))

	// Step 3: missed. U0AE1 is first in the rotation (nobody has a lead yet).
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateScheduled }, "the live transfer is given up")
	h = a.HandoffNow(h.ID)
	require.Equal(t, "U0AE1", h.OwnerID)
	require.False(t, h.MissedAt.IsZero())
	a.Eventually(func() bool {
		return strings.Contains(string(a.AllMessages("C0HANDOFF")[0].Blocks), "Missed for live transfer — scheduled with <@U0AE1>")
	}, "the channel message says where it stands")
	require.NotContains(t, string(a.AllMessages("C0HANDOFF")[0].Blocks), `"action_id":"claim"`)
	a.Eventually(func() bool {
		return !strings.Contains(string(a.AllMessages("C0OVERFLOW")[0].Blocks), `"action_id":"claim"`)
	}, "the fallback post is closed too")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "Acme Corp is yours") }, "the owner gets the brief")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "Nobody could take *Acme Corp* live") }, "the passer is told")

	// The passer books the callback from the DM.
	a.ClickIn("U0SDR", "DU0SDR", render.ActionPickTime)
	a.WaitForModal(render.CallbackCallback)
	when := time.Now().Add(26 * time.Hour).Truncate(time.Second)
	ack := a.Submit("U0SDR", map[string]map[string]slackfake.InputValue{render.BlockWhen: {render.ActionInput: slackfake.DateTimePicked(when)}})
	require.Empty(t, ack.Payload)
	require.True(t, a.HandoffNow(h.ID).ScheduledFor.Equal(when))
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "booked your callback with *Acme Corp*") }, "the owner learns the time")
	a.Eventually(func() bool {
		return strings.Contains(a.DMText("U0SDR"), "<@U0AE1> owns *Acme Corp* and will call back")
	}, "the passer learns who")

	// The owner hands it back with a reason; the next in the rotation gets it.
	a.ClickIn("U0AE1", "DU0AE1", render.ActionHandBack)
	a.WaitForModal(render.CallbackHandBack)
	ack = a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{})
	require.Contains(t, string(ack.Payload), "Pick a reason", "a reason is required")
	ack = a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{
		render.BlockReason: {render.ActionInput: slackfake.SelectedOption("unavailable")},
		render.BlockNote:   {render.ActionInput: slackfake.TextInput("at a conference")},
	})
	require.Empty(t, ack.Payload)
	h = a.HandoffNow(h.ID)
	require.Equal(t, "U0AE2", h.OwnerID)
	require.Equal(t, []string{"U0AE1"}, h.DeclinedBy)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE2"), "Acme Corp is yours") }, "the next owner gets the brief")

	// The new owner accepts; a stranger pressing Accept is refused.
	_, err := a.Slack.ClickButton(a.Ctx, slackfake.Click{UserID: "U0AE3", ChannelID: "DU0AE2", MessageTS: func() string { m, _ := a.WithAction("DU0AE2", render.ActionAccept); return m.TS }(), ActionID: render.ActionAccept})
	require.NoError(t, err)
	a.Eventually(func() bool { return len(a.Slack.Ephemerals("DU0AE2", "U0AE3")) == 1 }, "the stranger is told")
	require.Contains(t, a.Slack.Ephemerals("DU0AE2", "U0AE3")[0].Text, "current owner")
	a.ClickIn("U0AE2", "DU0AE2", render.ActionAccept)
	a.Eventually(func() bool { return !a.HandoffNow(h.ID).AcceptedAt.IsZero() }, "accepted")
	a.Eventually(func() bool { return strings.Contains(string(a.AllMessages("C0HANDOFF")[0].Blocks), "accepted") }, "the channel shows it")

	// Every rung fired once, and the log tells the story.
	require.Equal(t, 1, a.CountWhere("C0HANDOFF", "<!here>"))
	require.Equal(t, 1, strings.Count(a.DMText("U0MGR"), "Nobody in *closers*"))
	require.Len(t, a.AllMessages("C0OVERFLOW"), 1)
	require.Equal(t, []routing.EventKind{
		routing.EventCreated, routing.EventPosted, routing.EventEscalated, routing.EventEscalated, routing.EventPosted,
		routing.EventMissed, routing.EventScheduled, routing.EventHandedBack, routing.EventAccepted,
	}, a.Events(h.ID))
}

// TestLateClaimIsAllowedAndFlagged claims after the window closed: the
// claim wins, the message says how late, and the ladder stops.
func TestLateClaimIsAllowedAndFlagged(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: ladderConfig})
	h := a.Handoff("U0SDR", "Acme Corp")
	a.Eventually(func() bool { return a.HandoffNow(h.ID).Rung == 1 }, "the first step fired")
	a.Eventually(func() bool {
		return strings.Contains(string(a.AllMessages("C0HANDOFF")[0].Blocks), "Escalated (step 1 of 3)")
	}, "the message shows the escalation")

	a.Click("U0AE2", h)
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateClaimed }, "claimed")
	h = a.HandoffNow(h.ID)
	require.True(t, h.ClaimedLate())
	require.True(t, h.NextStepAt.IsZero(), "the ladder stops")
	a.Eventually(func() bool {
		return strings.HasPrefix(a.AllMessages("C0HANDOFF")[0].Text, "Claimed late by <@U0AE2> after")
	}, "the message says how late")
	events, err := a.Store.Events(a.Ctx, h.ID)
	require.NoError(t, err)
	claim := events[len(events)-1]
	require.Equal(t, routing.EventClaimed, claim.Kind)
	require.Equal(t, true, claim.Detail["late"], "a late claim is flagged as an SLA breach")
	require.Greater(t, claim.Detail["seconds_to_claim"], 2.0)
}

// TestFallbackPoolMayClaimOnceOffered shows the fallback pool's member
// claiming from its own channel.
func TestFallbackPoolMayClaimOnceOffered(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: ladderConfig})
	h := a.Handoff("U0SDR", "Acme Corp")

	// Before the fallback step, U0OVR is not in the pool.
	a.Click("U0OVR", h)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0OVR")) == 1 }, "refused before the fallback")
	require.Contains(t, a.Ephemerals(batontest.Pool, "U0OVR")[0], "not in the pool")

	a.ClickIn("U0OVR", "C0OVERFLOW", render.ActionClaim)
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateClaimed }, "claimed from the fallback channel")
	require.Equal(t, "U0OVR", a.HandoffNow(h.ID).OwnerID)
	a.Eventually(func() bool {
		return strings.HasPrefix(a.AllMessages("C0HANDOFF")[0].Text, "Claimed late by <@U0OVR>") &&
			strings.HasPrefix(a.AllMessages("C0OVERFLOW")[0].Text, "Claimed late by <@U0OVR>")
	}, "both messages show the claim")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0OVR"), "You own Acme Corp") }, "the brief")
}

// TestCancelStopsTheLadder has the passer cancel while the lead waits.
func TestCancelStopsTheLadder(t *testing.T) {
	t.Parallel()
	// A longer window: the cancel must land before the first step.
	a := batontest.Start(t, batontest.Options{Config: strings.Replace(ladderConfig, "claim_window: 2s", "claim_window: 8s", 1)})
	h := a.Handoff("U0SDR", "Acme Corp")

	// Someone else pressing the passer's Cancel button is refused.
	a.ClickIn("U0AE1", "DU0SDR", render.ActionCancel)
	a.Eventually(func() bool { return len(a.Slack.Ephemerals("DU0SDR", "U0AE1")) == 1 }, "the stranger is told")
	require.Contains(t, a.Slack.Ephemerals("DU0SDR", "U0AE1")[0].Text, "Only the rep who passed this lead")

	a.ClickIn("U0SDR", "DU0SDR", render.ActionCancel)
	a.WaitForModal(render.CallbackCancel)
	ack := a.Submit("U0SDR", map[string]map[string]slackfake.InputValue{
		render.BlockReason: {render.ActionInput: slackfake.SelectedOption("dropped_off")},
	})
	require.Empty(t, ack.Payload)
	h = a.HandoffNow(h.ID)
	require.Equal(t, routing.StateCancelled, h.State)
	require.True(t, h.NextStepAt.IsZero())
	a.Eventually(func() bool {
		return strings.Contains(string(a.AllMessages("C0HANDOFF")[0].Blocks), "Cancelled by <@U0SDR>*: The prospect dropped off the call")
	}, "the channel sees why")

	// Past the first step's deadline, nothing fired: a second lead,
	// passed after the cancel, has a later deadline, so once its first step
	// fired the sweeper has been past the cancelled one's too.
	later := a.Handoff("U0SDR2", "Later Co")
	a.Eventually(func() bool { return slices.Contains(a.Events(later.ID), routing.EventEscalated) }, "a later lead's first step fires")
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPosted, routing.EventCancelled}, a.Events(h.ID))
	require.Zero(t, a.CountWhere("C0HANDOFF", "<!here> Acme Corp is still unclaimed"), "no re-ping for the cancelled lead")
	require.Zero(t, batontest.Count(a.Events(h.ID), routing.EventEscalated))
}

// TestRestartFiresTheStepOnce kills a Baton process with SIGKILL after the
// post and before the deadline; a new one fires each step exactly once.
func TestRestartFiresTheStepOnce(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	dbURL, db := storetest.NewDatabase(t)
	// A longer window, so the new process is up before the first step.
	config := strings.Replace(ladderConfig, "claim_window: 2s", "claim_window: 5s", 1)
	first := batontest.Start(t, batontest.Options{Config: config, Fake: fake, DBURL: dbURL, DB: db, Process: true})
	before := first
	h := before.Handoff("U0SDR", "Acme Corp")
	// Killed between steps, not in the middle of a delivery: a notice
	// leased by the dead process waits out its lease (30 s) before the
	// next one delivers it, which is the outbox's own story.
	before.Eventually(func() bool { n, _ := before.Store.PendingCount(before.Ctx); return n == 0 }, "the post's notices are out")
	require.True(t, time.Now().Before(h.ClaimDeadline), "killed before the deadline")
	first.Kill()
	require.Eventually(t, func() bool { return fake.Connected() == 0 }, 10*time.Second, 10*time.Millisecond, "the fake sees the killed socket go")

	a := batontest.Start(t, batontest.Options{Config: config, Fake: fake, DBURL: dbURL, DB: db})
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateScheduled }, "the new process runs the ladder to its end")
	a.Eventually(func() bool { n, _ := a.Store.PendingCount(a.Ctx); return n == 0 }, "the outbox drains")
	require.Equal(t, 1, a.CountWhere("C0HANDOFF", "<!here>"), "one re-ping")
	require.Equal(t, 1, strings.Count(a.DMText("U0MGR"), "Nobody in *closers*"), "one manager alert")
	require.Len(t, a.AllMessages("C0OVERFLOW"), 1, "one fallback post")
	require.Equal(t, []routing.EventKind{
		routing.EventCreated, routing.EventPosted, routing.EventEscalated, routing.EventEscalated, routing.EventPosted, routing.EventMissed,
	}, a.Events(h.ID))
}

// TestTwoReplicasFireEachStepOnce runs two Mains on one database and one
// Slack app: each step fires once between them.
func TestTwoReplicasFireEachStepOnce(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{Config: ladderConfig})
	batontest.Start(t, batontest.Options{Config: ladderConfig, Fake: a.Slack, DBURL: a.DBURL, DB: a.DB})

	// One after the other (the fake submits the latest modal), but well
	// within one window, so both replicas sweep all three at once.
	var ids []int64
	for _, passer := range []string{"U0SDR", "U0SDR2", "U0SDR3"} {
		ids = append(ids, a.Handoff(passer, "Acme "+passer).ID)
	}
	for _, id := range ids {
		a.Eventually(func() bool { return a.HandoffNow(id).State == routing.StateScheduled }, "each ladder ends")
		require.Equal(t, []routing.EventKind{
			routing.EventCreated, routing.EventPosted, routing.EventEscalated, routing.EventEscalated, routing.EventPosted, routing.EventMissed,
		}, a.Events(id))
	}
	a.Eventually(func() bool { return strings.Count(a.DMText("U0MGR"), "Nobody in *closers*") == 3 }, "the alerts are out")
	a.Eventually(func() bool { return a.CountWhere("C0HANDOFF", "<!here>") == 3 }, "the re-pings are out")
	require.Len(t, a.AllMessages("C0OVERFLOW"), 3, "one fallback post per handoff")
	// Three leads, three members: the rotation gave one to each.
	owners := map[string]bool{}
	for _, id := range ids {
		owners[a.HandoffNow(id).OwnerID] = true
	}
	require.Len(t, owners, 3)
}

// TestSkewedReplicaKeepsTheWindow runs two Mains on one database, one
// whose machine clock is 35 s ahead: both decide with the database's
// clock, so the lead is posted once, its first rung fires a whole 2 s
// claim window after its post (the fake's own clock times both calls), not at
// once on the replica that thinks the window is over, and no event is
// stamped with a time still to come.
func TestSkewedReplicaKeepsTheWindow(t *testing.T) {
	t.Parallel()
	const window = 2 * time.Second // ladderConfig's
	a := batontest.Start(t, batontest.Options{Config: ladderConfig})
	batontest.Start(t, batontest.Options{Config: ladderConfig, Fake: a.Slack, DBURL: a.DBURL, DB: a.DB, Skew: 35 * time.Second})

	h := a.Handoff("U0SDR", "Acme Corp")
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateScheduled }, "the ladder runs to its end")
	var post, reping time.Time
	posts := 0
	for _, c := range a.Slack.Calls("chat.postMessage") {
		if c.Params["channel"] != "C0HANDOFF" {
			continue
		}
		switch text := c.Params["text"]; {
		case strings.Contains(text, "<!channel>") && c.Params["thread_ts"] == "":
			post = c.At
			posts++
		case strings.Contains(text, "<!here>") && reping.IsZero():
			reping = c.At
		}
	}
	require.Equal(t, 1, posts, "posted once")
	require.False(t, reping.IsZero(), "re-pinged")
	require.GreaterOrEqual(t, reping.Sub(post), window, "the first rung waits the whole window after the post")

	var dbNow time.Time
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT clock_timestamp()`).Scan(&dbNow))
	events, err := a.Store.Events(a.Ctx, h.ID)
	require.NoError(t, err)
	for _, e := range events {
		require.False(t, e.At.After(dbNow), "%s stamped %s, after the database's now %s", e.Kind, e.At, dbNow)
	}
}
