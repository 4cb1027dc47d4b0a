package render_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/routing"
)

// escalated is openHandoff after n rungs of the default ladder, with a
// fallback pool.
func escalated(n int) routing.Handoff {
	h := openHandoff()
	h.MessageTS = "1700000000.000100"
	h.Escalation = routing.Escalation{Rungs: routing.DefaultLadder().Rungs(), Fallback: "overflow", FallbackChannel: "C0OVERFLOW"}
	h.Rung = n
	h.FallbackOpen = n >= 2
	return h
}

func missed() routing.Handoff {
	h := escalated(3)
	at := h.ClaimDeadline.Add(2 * time.Minute)
	h.State, h.OwnerID, h.ClaimedAt, h.MissedAt = routing.StateScheduled, "U0AE2", at, at
	return h
}

func TestGoldenEscalation(t *testing.T) {
	t.Parallel()
	golden(t, "channel_escalated", clock.ChannelMessage(escalated(2)))
	golden(t, "fallback_open", clock.FallbackMessage(escalated(2)))
	golden(t, "channel_missed", clock.ChannelMessage(missed()))
	withTime := missed()
	withTime.ScheduledFor = created.Add(26 * time.Hour)
	withTime.AcceptedAt = created.Add(3 * time.Hour)
	golden(t, "channel_scheduled", clock.ChannelMessage(withTime))
	cancelled := escalated(1)
	cancelled.State, cancelled.CancelledBy, cancelled.CancelReason = routing.StateCancelled, "U0SDR", "The prospect dropped off the call"
	golden(t, "channel_cancelled_reason", clock.ChannelMessage(cancelled))

	golden(t, "reping", clock.Reping(escalated(1)))
	golden(t, "member_nudge", clock.MemberNudge(escalated(1), "https://acme.slack.com/archives/C0HANDOFF/p1700000000000100"))
	golden(t, "manager_alert", clock.ManagerAlert(escalated(2), ""))
	golden(t, "passer_missed", clock.PasserMissed(missed()))
	golden(t, "owner_assigned", clock.OwnerAssigned(missed(), ""))
	golden(t, "owner_callback", clock.OwnerCallback(withTime, ""))
	golden(t, "passer_scheduled", clock.PasserScheduled(withTime, ""))
	cancelled = missed()
	cancelled.State, cancelled.CancelledBy, cancelled.CancelReason = routing.StateCancelled, "U0SDR", "Duplicate handoff"
	golden(t, "owner_cancelled", clock.OwnerCancelled(cancelled))

	rr := openHandoff()
	rr.Turn = routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U0AE2", PriorityUntil: created.Add(15 * time.Second)}
	rr.OfferEndsAt = rr.Turn.PriorityUntil
	golden(t, "channel_round_robin", clock.ChannelMessage(rr))
	golden(t, "offered", clock.Offered(rr, ""))
	golden(t, "set_away", clock.SetAway(rr))
	golden(t, "modal_pass", render.PassModal(rr))
	rr.OfferEndsAt = time.Time{}
	golden(t, "channel_round_robin_open", clock.ChannelMessage(rr))
	strict := openHandoff()
	strict.Turn = routing.Turn{Mode: routing.ModeStrictRoundRobin, UpNext: "U0AE3"}
	strict.OfferEndsAt = strict.ClaimDeadline
	golden(t, "channel_strict", clock.ChannelMessage(strict))

	golden(t, "modal_cancel", render.CancelModal(openHandoff()))
	golden(t, "modal_hand_back", render.HandBackModal(missed()))
	golden(t, "modal_callback", render.CallbackModal(missed()))
}

// TestEscalationViewsPassSlackLimits runs every new view through the fake
// Slack's Block Kit validator, which rejects what real Slack rejects.
func TestEscalationViewsPassSlackLimits(t *testing.T) {
	t.Parallel()
	h := missed()
	h.Lead.Company = strings.Repeat("<&>", 100)
	h.Lead.Notes = strings.Repeat("é<", 3000)
	h.CancelReason = strings.Repeat("x", 600)
	h.Pool = strings.Repeat("p", 100)
	for name, m := range map[string]render.Message{
		"escalated": clock.ChannelMessage(escalated(2)), "fallback": clock.FallbackMessage(h), "missed": clock.ChannelMessage(h),
		"reping": clock.Reping(h), "nudge": clock.MemberNudge(h, "https://x.example/p1"), "alert": clock.ManagerAlert(h, ""),
		"passer missed": clock.PasserMissed(h), "owner assigned": clock.OwnerAssigned(h, ""), "owner callback": clock.OwnerCallback(h, ""),
		"passer scheduled": clock.PasserScheduled(h, ""), "owner cancelled": clock.OwnerCancelled(h),
		"offered": clock.Offered(h, ""), "set away": clock.SetAway(h),
	} {
		raw, err := json.Marshal(m.Blocks)
		require.NoError(t, err)
		require.NoError(t, slackfake.ValidateBlocks(slackfake.KindMessage, raw), name)
		require.LessOrEqual(t, len([]rune(m.Text)), render.MaxMessageText, name)
	}
	for name, v := range map[string]any{"cancel": render.CancelModal(h), "hand back": render.HandBackModal(h), "callback": render.CallbackModal(h), "pass": render.PassModal(h)} {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, slackfake.ValidateBlocks(slackfake.KindModal, raw), name)
	}
}

func TestEscalationTextIsEscaped(t *testing.T) {
	t.Parallel()
	h := missed()
	h.Lead.Company = "<!everyone>"
	h.Pool = "<!channel>"
	h.CancelReason = "<!here> gone"
	h.CancelledBy = "U0SDR"
	for name, m := range map[string]render.Message{
		"fallback": clock.FallbackMessage(h), "reping": clock.Reping(h), "nudge": clock.MemberNudge(h, ""), "alert": clock.ManagerAlert(h, ""),
		"missed": clock.PasserMissed(h), "assigned": clock.OwnerAssigned(h, ""), "cancelled": clock.OwnerCancelled(h),
	} {
		all := m.Text + blocksJSON(t, m.Blocks)
		require.NotContains(t, all, "<!everyone>", name)
		require.NotContains(t, all, "<!channel>", name)
		require.NotContains(t, all, "<!here> gone", name)
	}
}

func TestChannelMessageShowsWhereTheHandoffStands(t *testing.T) {
	t.Parallel()
	m := clock.ChannelMessage(escalated(1))
	require.Contains(t, blocksJSON(t, m.Blocks), "Escalated (step 1 of 3)")
	require.Contains(t, blocksJSON(t, m.Blocks), `"action_id":"claim"`, "still claimable after the window")
	require.NotContains(t, blocksJSON(t, m.Blocks), "also offered to")
	require.Contains(t, blocksJSON(t, clock.ChannelMessage(escalated(2)).Blocks), "also offered to overflow")

	m = clock.ChannelMessage(missed())
	require.Equal(t, "Scheduled for later with <@U0AE2> — Acme Corp", m.Text)
	require.Contains(t, blocksJSON(t, m.Blocks), "Missed for live transfer")
	require.Contains(t, blocksJSON(t, m.Blocks), "Callback time to be agreed")
	require.NotContains(t, blocksJSON(t, m.Blocks), `"action_id":"claim"`)

	late := claimed(95 * time.Second)
	require.Equal(t, "Claimed late by <@U0AE1> after 95 s — Acme Corp", clock.ChannelMessage(late).Text)
	require.Contains(t, blocksJSON(t, clock.ChannelMessage(late).Blocks), "35 s past the 60 s window")
}

func TestRefused(t *testing.T) {
	t.Parallel()
	for code, want := range map[routing.RefusalCode]string{
		routing.RefusedNotPasser: "Only the rep who passed this lead",
		routing.RefusedNotOwner:  "current owner",
		routing.RefusedBadTime:   "in the future",
		routing.RefusedNoReason:  "Pick a reason",
	} {
		require.Contains(t, render.Refused(&routing.Refusal{Code: code}), want)
	}
	require.Contains(t, render.Refused(&routing.Refusal{Code: routing.RefusedState, State: routing.StateClaimed}), "already claimed")
	require.Contains(t, render.Refused(&routing.Refusal{Code: routing.RefusedState, State: routing.StateCancelled}), "cancelled")
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedScheduled, Owner: "U0AE2"}, routing.Pool{}, routing.Turn{}), "scheduled for later with <@U0AE2>")
	turn := routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U0AE2", PriorityUntil: created}
	for code, want := range map[routing.RefusalCode]string{
		routing.RefusedAway:           "/handoff back",
		routing.RefusedCapped:         "cap",
		routing.RefusedNotYourTurn:    "only <@U0AE2>, next in line",
		routing.RefusedPriorityWindow: "<@U0AE2> is up next and has until <!date^",
	} {
		require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: code}, routing.Pool{}, turn), want)
	}
	require.Contains(t, render.Refused(&routing.Refusal{Code: routing.RefusedNotOffered}), "offered to")
	noOne := clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedNotYourTurn}, routing.Pool{}, routing.Turn{Mode: routing.ModeStrictRoundRobin})
	require.NotContains(t, noOne, "<@>", "no empty mention when the line is exhausted")
	require.Contains(t, noOne, "escalated")
}
