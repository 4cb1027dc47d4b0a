package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
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

// allMessagesIn returns a channel's messages and thread replies as Slack reads them.
func (a *app) allMessagesIn(channel string) []slackfake.Message {
	msgs := a.slack.Messages(channel)
	for i := range msgs {
		msgs[i].Text = slackText(msgs[i].Text)
		msgs[i].Blocks = json.RawMessage(slackText(string(msgs[i].Blocks)))
	}
	return msgs
}

// withAction returns the latest message in channel holding a button with
// actionID.
func (a *app) withAction(channel, actionID string) (slackfake.Message, bool) {
	msgs := a.allMessagesIn(channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.Contains(string(msgs[i].Blocks), `"action_id":"`+actionID+`"`) {
			return msgs[i], true
		}
	}
	return slackfake.Message{}, false
}

// clickIn clicks actionID on the latest message of channel holding it, as user.
func (a *app) clickIn(user, channel, actionID string) {
	a.t.Helper()
	var m slackfake.Message
	a.eventually(func() bool { var ok bool; m, ok = a.withAction(channel, actionID); return ok }, "a message with "+actionID+" in "+channel)
	_, err := a.slack.ClickButton(a.ctx, slackfake.Click{UserID: user, ChannelID: channel, MessageTS: m.TS, ActionID: actionID})
	require.NoError(a.t, err)
}

// countWhere counts the messages in channel whose text contains s.
func (a *app) countWhere(channel, s string) int {
	n := 0
	for _, m := range a.allMessagesIn(channel) {
		if strings.Contains(m.Text+string(m.Blocks), s) {
			n++
		}
	}
	return n
}

func (a *app) handoffNow(id int64) routing.Handoff {
	a.t.Helper()
	h, err := a.store.Handoff(a.ctx, id)
	require.NoError(a.t, err)
	return h
}

func (a *app) waitForModal(callback string) {
	a.t.Helper()
	a.eventually(func() bool {
		for _, v := range a.slack.Views() {
			if v.CallbackID == callback && !v.Closed {
				return true
			}
		}
		return false
	}, "the "+callback+" modal opens")
}

// TestEscalationLadderEndToEnd lets nobody claim: the whole ladder runs in
// Slack, the lead ends with an owner by rotation, the passer books the
// callback, the first owner hands it back and the next accepts.
func TestEscalationLadderEndToEnd(t *testing.T) {
	t.Parallel()
	a := start(t, options{config: ladderConfig})
	h := a.handoff("U0SDR", "Acme Corp")
	require.Len(t, h.Escalation.Rungs, 3, "the ladder is frozen onto the handoff")

	// Step 1 at the deadline: a thread reply with <!here>, the members DMed.
	a.eventually(func() bool { return a.countWhere("C0HANDOFF", "<!here>") == 1 }, "the channel is pinged again")
	for _, m := range a.allMessagesIn("C0HANDOFF") {
		if strings.Contains(m.Text, "<!here>") {
			require.Equal(t, h.MessageTS, m.ThreadTS, "the re-ping is a thread reply, not a second post")
			require.Contains(t, m.Text, "Acme Corp is still unclaimed")
		}
	}
	for _, member := range []string{"U0AE1", "U0AE2", "U0AE3"} {
		a.eventually(func() bool { return strings.Contains(a.dmText(member), "has been waiting") }, member+" is nudged")
		require.Contains(t, a.dmText(member), "open the handoff", "with a link to the message")
	}

	// Step 2: the manager is alerted; the fallback pool gets its own post.
	a.eventually(func() bool { return strings.Contains(a.dmText("U0MGR"), "Nobody in *closers* has claimed *Acme Corp*") }, "the manager is alerted")
	a.eventually(func() bool { return len(a.allMessagesIn("C0OVERFLOW")) == 1 }, "the fallback pool is offered the lead")
	require.True(t, strings.HasPrefix(a.allMessagesIn("C0OVERFLOW")[0].Text, "<!here> 🔥 Overflow from closers"))

	// Step 3: missed. U0AE1 is first in the rotation (nobody has a lead yet).
	a.eventually(func() bool { return a.handoffNow(h.ID).State == routing.StateScheduled }, "the live transfer is given up")
	h = a.handoffNow(h.ID)
	require.Equal(t, "U0AE1", h.OwnerID)
	require.False(t, h.MissedAt.IsZero())
	a.eventually(func() bool {
		return strings.Contains(string(a.allMessagesIn("C0HANDOFF")[0].Blocks), "Missed for live transfer — scheduled with <@U0AE1>")
	}, "the channel message says where it stands")
	require.NotContains(t, string(a.allMessagesIn("C0HANDOFF")[0].Blocks), `"action_id":"claim"`)
	a.eventually(func() bool {
		return !strings.Contains(string(a.allMessagesIn("C0OVERFLOW")[0].Blocks), `"action_id":"claim"`)
	}, "the fallback post is closed too")
	a.eventually(func() bool { return strings.Contains(a.dmText("U0AE1"), "Acme Corp is yours") }, "the owner gets the brief")
	a.eventually(func() bool { return strings.Contains(a.dmText("U0SDR"), "Nobody could take *Acme Corp* live") }, "the passer is told")

	// The passer books the callback from the DM.
	a.clickIn("U0SDR", "DU0SDR", render.ActionPickTime)
	a.waitForModal(render.CallbackCallback)
	when := time.Now().Add(26 * time.Hour).Truncate(time.Second)
	ack := a.submit("U0SDR", map[string]map[string]slackfake.InputValue{render.BlockWhen: {render.ActionInput: slackfake.DateTimePicked(when)}})
	require.Empty(t, ack.Payload)
	require.True(t, a.handoffNow(h.ID).ScheduledFor.Equal(when))
	a.eventually(func() bool { return strings.Contains(a.dmText("U0AE1"), "booked your callback with *Acme Corp*") }, "the owner learns the time")
	a.eventually(func() bool {
		return strings.Contains(a.dmText("U0SDR"), "<@U0AE1> owns *Acme Corp* and will call back")
	}, "the passer learns who")

	// The owner hands it back with a reason; the next in the rotation gets it.
	a.clickIn("U0AE1", "DU0AE1", render.ActionHandBack)
	a.waitForModal(render.CallbackHandBack)
	ack = a.submit("U0AE1", map[string]map[string]slackfake.InputValue{})
	require.Contains(t, string(ack.Payload), "Pick a reason", "a reason is required")
	ack = a.submit("U0AE1", map[string]map[string]slackfake.InputValue{
		render.BlockReason: {render.ActionInput: slackfake.SelectedOption("unavailable")},
		render.BlockNote:   {render.ActionInput: slackfake.TextInput("at a conference")},
	})
	require.Empty(t, ack.Payload)
	h = a.handoffNow(h.ID)
	require.Equal(t, "U0AE2", h.OwnerID)
	require.Equal(t, []string{"U0AE1"}, h.DeclinedBy)
	a.eventually(func() bool { return strings.Contains(a.dmText("U0AE2"), "Acme Corp is yours") }, "the next owner gets the brief")

	// The new owner accepts; a stranger pressing Accept is refused.
	_, err := a.slack.ClickButton(a.ctx, slackfake.Click{UserID: "U0AE3", ChannelID: "DU0AE2", MessageTS: func() string { m, _ := a.withAction("DU0AE2", render.ActionAccept); return m.TS }(), ActionID: render.ActionAccept})
	require.NoError(t, err)
	a.eventually(func() bool { return len(a.slack.Ephemerals("DU0AE2", "U0AE3")) == 1 }, "the stranger is told")
	require.Contains(t, a.slack.Ephemerals("DU0AE2", "U0AE3")[0].Text, "current owner")
	a.clickIn("U0AE2", "DU0AE2", render.ActionAccept)
	a.eventually(func() bool { return !a.handoffNow(h.ID).AcceptedAt.IsZero() }, "accepted")
	a.eventually(func() bool { return strings.Contains(string(a.allMessagesIn("C0HANDOFF")[0].Blocks), "accepted") }, "the channel shows it")

	// Every rung fired once, and the log tells the story.
	require.Equal(t, 1, a.countWhere("C0HANDOFF", "<!here>"))
	require.Equal(t, 1, strings.Count(a.dmText("U0MGR"), "Nobody in *closers*"))
	require.Len(t, a.allMessagesIn("C0OVERFLOW"), 1)
	require.Equal(t, []routing.EventKind{
		routing.EventCreated, routing.EventPosted, routing.EventEscalated, routing.EventEscalated, routing.EventPosted,
		routing.EventMissed, routing.EventScheduled, routing.EventHandedBack, routing.EventAccepted,
	}, a.events(h.ID))
}

// TestLateClaimIsAllowedAndFlagged claims after the window closed: the
// claim wins, the message says how late, and the ladder stops.
func TestLateClaimIsAllowedAndFlagged(t *testing.T) {
	t.Parallel()
	a := start(t, options{config: ladderConfig})
	h := a.handoff("U0SDR", "Acme Corp")
	a.eventually(func() bool { return a.handoffNow(h.ID).Rung == 1 }, "the first step fired")
	a.eventually(func() bool {
		return strings.Contains(string(a.allMessagesIn("C0HANDOFF")[0].Blocks), "Escalated (step 1 of 3)")
	}, "the message shows the escalation")

	a.click("U0AE2", h, "")
	a.eventually(func() bool { return a.handoffNow(h.ID).State == routing.StateClaimed }, "claimed")
	h = a.handoffNow(h.ID)
	require.True(t, h.ClaimedLate())
	require.True(t, h.NextStepAt.IsZero(), "the ladder stops")
	a.eventually(func() bool {
		return strings.HasPrefix(a.allMessagesIn("C0HANDOFF")[0].Text, "Claimed late by <@U0AE2> after")
	}, "the message says how late")
	events, err := a.store.Events(a.ctx, h.ID)
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
	a := start(t, options{config: ladderConfig})
	h := a.handoff("U0SDR", "Acme Corp")

	// Before the fallback step, U0OVR is not in the pool.
	a.click("U0OVR", h, "")
	a.eventually(func() bool { return len(a.ephemeralTexts("U0OVR")) == 1 }, "refused before the fallback")
	require.Contains(t, a.ephemeralTexts("U0OVR")[0], "not in the pool")

	a.clickIn("U0OVR", "C0OVERFLOW", render.ActionClaim)
	a.eventually(func() bool { return a.handoffNow(h.ID).State == routing.StateClaimed }, "claimed from the fallback channel")
	require.Equal(t, "U0OVR", a.handoffNow(h.ID).OwnerID)
	a.eventually(func() bool {
		return strings.HasPrefix(a.allMessagesIn("C0HANDOFF")[0].Text, "Claimed late by <@U0OVR>") &&
			strings.HasPrefix(a.allMessagesIn("C0OVERFLOW")[0].Text, "Claimed late by <@U0OVR>")
	}, "both messages show the claim")
	a.eventually(func() bool { return strings.Contains(a.dmText("U0OVR"), "You own Acme Corp") }, "the brief")
}

// TestCancelStopsTheLadder has the passer cancel while the lead waits.
func TestCancelStopsTheLadder(t *testing.T) {
	t.Parallel()
	// A longer window: the cancel must land before the first step.
	a := start(t, options{config: strings.Replace(ladderConfig, "claim_window: 2s", "claim_window: 8s", 1)})
	h := a.handoff("U0SDR", "Acme Corp")

	// Someone else pressing the passer's Cancel button is refused.
	a.clickIn("U0AE1", "DU0SDR", render.ActionCancel)
	a.eventually(func() bool { return len(a.slack.Ephemerals("DU0SDR", "U0AE1")) == 1 }, "the stranger is told")
	require.Contains(t, a.slack.Ephemerals("DU0SDR", "U0AE1")[0].Text, "Only the rep who passed this lead")

	a.clickIn("U0SDR", "DU0SDR", render.ActionCancel)
	a.waitForModal(render.CallbackCancel)
	ack := a.submit("U0SDR", map[string]map[string]slackfake.InputValue{
		render.BlockReason: {render.ActionInput: slackfake.SelectedOption("dropped_off")},
	})
	require.Empty(t, ack.Payload)
	h = a.handoffNow(h.ID)
	require.Equal(t, routing.StateCancelled, h.State)
	require.True(t, h.NextStepAt.IsZero())
	a.eventually(func() bool {
		return strings.Contains(string(a.allMessagesIn("C0HANDOFF")[0].Blocks), "Cancelled by <@U0SDR>*: The prospect dropped off the call")
	}, "the channel sees why")

	// Past the first step's deadline (and a sweep), nothing fired.
	time.Sleep(time.Until(h.ClaimDeadline.Add(time.Second)))
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPosted, routing.EventCancelled}, a.events(h.ID))
	require.Zero(t, a.countWhere("C0HANDOFF", "<!here>"))
}

// TestRestartFiresTheStepOnce kills a Baton process with SIGKILL after the
// post and before the deadline; a new one fires each step exactly once.
func TestRestartFiresTheStepOnce(t *testing.T) {
	t.Parallel()
	fake := slackfaketest.New(t)
	dbURL, db := storetest.NewDatabase(t)
	// A longer window, so the new process is up before the first step.
	config := strings.Replace(ladderConfig, "claim_window: 2s", "claim_window: 5s", 1)
	first := startProcess(t, fake, dbURL, config)
	before := &app{t: t, ctx: t.Context(), slack: fake, db: db, store: store.New(db)}
	h := before.handoff("U0SDR", "Acme Corp")
	// Killed between steps, not in the middle of a delivery: a notice
	// leased by the dead process waits out its lease (30 s) before the
	// next one delivers it, which is the outbox's own story.
	before.eventually(func() bool { n, _ := before.store.PendingCount(before.ctx); return n == 0 }, "the post's notices are out")
	require.True(t, time.Now().Before(h.ClaimDeadline), "killed before the deadline")
	first.kill()
	require.Eventually(t, func() bool { return fake.Connected() == 0 }, 10*time.Second, 10*time.Millisecond, "the fake sees the killed socket go")

	a := start(t, options{config: config, fake: fake, dbURL: dbURL, db: db})
	a.eventually(func() bool { return a.handoffNow(h.ID).State == routing.StateScheduled }, "the new process runs the ladder to its end")
	a.eventually(func() bool { n, _ := a.store.PendingCount(a.ctx); return n == 0 }, "the outbox drains")
	require.Equal(t, 1, a.countWhere("C0HANDOFF", "<!here>"), "one re-ping")
	require.Equal(t, 1, strings.Count(a.dmText("U0MGR"), "Nobody in *closers*"), "one manager alert")
	require.Len(t, a.allMessagesIn("C0OVERFLOW"), 1, "one fallback post")
	require.Equal(t, []routing.EventKind{
		routing.EventCreated, routing.EventPosted, routing.EventEscalated, routing.EventEscalated, routing.EventPosted, routing.EventMissed,
	}, a.events(h.ID))
}

// TestTwoReplicasFireEachStepOnce runs two Mains on one database and one
// Slack app: each step fires once between them.
func TestTwoReplicasFireEachStepOnce(t *testing.T) {
	t.Parallel()
	a := start(t, options{config: ladderConfig})
	start(t, options{config: ladderConfig, fake: a.slack, dbURL: a.dbURL, db: a.db})

	// One after the other (the fake submits the latest modal), but well
	// within one window, so both replicas sweep all three at once.
	var ids []int64
	for _, passer := range []string{"U0SDR", "U0SDR2", "U0SDR3"} {
		ids = append(ids, a.handoff(passer, "Acme "+passer).ID)
	}
	for _, id := range ids {
		a.eventually(func() bool { return a.handoffNow(id).State == routing.StateScheduled }, "each ladder ends")
		require.Equal(t, []routing.EventKind{
			routing.EventCreated, routing.EventPosted, routing.EventEscalated, routing.EventEscalated, routing.EventPosted, routing.EventMissed,
		}, a.events(id))
	}
	a.eventually(func() bool { return strings.Count(a.dmText("U0MGR"), "Nobody in *closers*") == 3 }, "the alerts are out")
	a.eventually(func() bool { return a.countWhere("C0HANDOFF", "<!here>") == 3 }, "the re-pings are out")
	require.Len(t, a.allMessagesIn("C0OVERFLOW"), 3, "one fallback post per handoff")
	// Three leads, three members: the rotation gave one to each.
	owners := map[string]bool{}
	for _, id := range ids {
		owners[a.handoffNow(id).OwnerID] = true
	}
	require.Len(t, owners, 3)
}
