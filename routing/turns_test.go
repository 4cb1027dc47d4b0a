package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// roundRobin is closers in round robin, with a lead offered to U1 and
// posted at once.
func roundRobin(mode Mode) (Pool, Handoff) {
	pool := closers
	pool.Mode = mode
	offer := Decide(pool, nil, t0)
	p := Policy{Pools: []Pool{pool}, SLA: DefaultSLA()}
	in := p.Open("V1", "U0", Lead{Company: "Acme"}, pool, offer, t0)
	h := Handoff{ID: 7, State: StateOpen, Pool: "closers", Channel: "C1", MessageTS: "1700000000.000100", PasserID: "U0", CreatedAt: t0, WindowAt: t0,
		ClaimDeadline: in.ClaimDeadline, Escalation: in.Escalation, NextStepAt: in.FirstStepAt(), Turn: in.Turn, OfferEndsAt: in.OfferEndsAt()}
	return pool, h
}

func TestOpenFreezesTheTurn(t *testing.T) {
	t.Parallel()
	_, h := roundRobin(ModeRoundRobin)
	require.Equal(t, Turn{Mode: ModeRoundRobin, UpNext: "U1", PriorityUntil: t0.Add(DefaultPriorityWindow), Available: 3, Members: 3}, h.Turn)
	require.Equal(t, t0.Add(DefaultPriorityWindow), h.OfferEndsAt)
	require.Equal(t, map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeThreadBrief: {"C1"}, NoticePasserSent: {"U0"}, NoticeOffered: {"U1"}}, kinds(NoticesOnOpen(h)))

	_, h = roundRobin(ModeStrictRoundRobin)
	require.Equal(t, h.ClaimDeadline, h.OfferEndsAt, "the strict next in line holds it for the whole window")

	_, h = roundRobin(ModeFirstToClaim)
	require.True(t, h.OfferEndsAt.IsZero(), "nobody is offered a first-to-claim lead personally")
	require.NotContains(t, kinds(NoticesOnOpen(h)), NoticeOffered)

	// Nobody available: the ladder starts at once.
	pool := closers
	away := []MemberState{{User: "U1", AwayUntil: t0.Add(time.Hour)}, {User: "U2", AwayUntil: t0.Add(time.Hour)}, {User: "U3", AwayUntil: t0.Add(time.Hour)}}
	in := Policy{Pools: []Pool{pool}, SLA: DefaultSLA()}.Open("V1", "U0", Lead{}, pool, Decide(pool, away, t0), t0)
	require.True(t, in.EscalateNow)
	require.Equal(t, t0, in.FirstStepAt())
}

func TestPass(t *testing.T) {
	t.Parallel()
	pool, h := roundRobin(ModeRoundRobin)
	now := t0.Add(5 * time.Second)

	_, err := Pass(h, pool, nil, "U2", "busy", now)
	require.Equal(t, RefusedNotOffered, refusal(t, err), "only the up-next member")
	_, err = Pass(h, pool, nil, "U1", "", now)
	require.Equal(t, RefusedNoReason, refusal(t, err))
	_, err = Pass(h, pool, nil, "U1", "busy", t0.Add(time.Minute))
	require.Equal(t, RefusedNotOffered, refusal(t, err), "after the priority window it is everyone's")

	c, err := Pass(h, pool, nil, "U1", "I'm with another prospect", now)
	require.NoError(t, err)
	require.Equal(t, EventPassed, c.Event.Kind)
	require.Equal(t, "U2", c.Handoff.Turn.UpNext, "the next fairest gets it at once")
	require.Equal(t, now.Add(DefaultPriorityWindow), c.Handoff.Turn.PriorityUntil, "with a fresh window")
	require.Equal(t, now.Add(DefaultPriorityWindow), c.Handoff.OfferEndsAt)
	require.Equal(t, []string{"U1"}, c.Handoff.DeclinedBy)
	require.Equal(t, map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOffered: {"U2"}}, kinds(c.Notices))

	// U2 and U3 pass too: it opens to the pool.
	c, err = Pass(c.Handoff, pool, nil, "U2", "busy", now)
	require.NoError(t, err)
	c, err = Pass(c.Handoff, pool, nil, "U3", "busy", now)
	require.NoError(t, err)
	require.Empty(t, c.Handoff.Turn.UpNext)
	require.True(t, c.Handoff.OfferEndsAt.IsZero())
	require.False(t, c.Handoff.Turn.Exclusive(now))

	// Strict: when the line is exhausted, the ladder starts now.
	pool, h = roundRobin(ModeStrictRoundRobin)
	for _, u := range []string{"U1", "U2", "U3"} {
		c, err = Pass(h, pool, nil, u, "busy", now)
		require.NoError(t, err, u)
		h = c.Handoff
	}
	require.Equal(t, now, h.NextStepAt)

	// Strict never skips: U1 passes, U2 is next in line though away, so the
	// ladder starts at once instead of passing over U2.
	pool, h = roundRobin(ModeStrictRoundRobin)
	c, err = Pass(h, pool, []MemberState{{User: "U2", AwayUntil: now.Add(time.Hour)}}, "U1", "busy", now)
	require.NoError(t, err)
	require.Equal(t, "U2", c.Handoff.Turn.UpNext)
	require.Equal(t, now, c.Handoff.NextStepAt)

	// Once the ladder runs, the lead is everyone's: nobody passes.
	pool, h = roundRobin(ModeRoundRobin)
	h.Rung = 1
	_, err = Pass(h, pool, nil, "U1", "busy", now)
	require.Equal(t, RefusedNotOffered, refusal(t, err))
}

func TestOfferEnded(t *testing.T) {
	t.Parallel()
	pool, h := roundRobin(ModeRoundRobin)
	end := h.OfferEndsAt

	// U1 let it lapse: one lapse, the message opens to the pool.
	c := OfferEnded(h, pool, end)
	require.Equal(t, EventOfferLapsed, c.Event.Kind)
	require.True(t, c.Handoff.OfferEndsAt.IsZero(), "handled once")
	require.Equal(t, &MemberChange{User: "U1", LapseLimit: DefaultLapseLimit}, c.Member)
	require.Equal(t, map[NoticeKind][]string{NoticeChannelMessage: {"C1"}}, kinds(c.Notices))

	// Counted, it is their first in a row: nothing more.
	first := c.Lapsed(1)
	require.Equal(t, map[NoticeKind][]string{NoticeChannelMessage: {"C1"}}, kinds(first.Notices))
	require.Equal(t, map[string]any{"member": "U1", "lapsed": true, "lapsed_in_a_row": 1, "set_away": false}, first.Event.Detail)
	require.Equal(t, map[string]any{"member": "U1", "lapsed": true}, c.Event.Detail, "the change completed is a copy")

	// The third in a row sets them away and tells them.
	third := c.Lapsed(3)
	require.Equal(t, []string{"U1"}, kinds(third.Notices)[NoticeSetAway])
	require.Equal(t, true, third.Event.Detail["set_away"])
	require.True(t, pool.Availability(MemberState{User: "U1", LapsedOffers: 3}, end).Reason == ReasonLapsedOffers)

	// Past the limit (a lapse on a lead offered before they were set
	// away): away already, not told again.
	fourth := c.Lapsed(4)
	require.Empty(t, kinds(fourth.Notices)[NoticeSetAway])
	require.Equal(t, false, fourth.Event.Detail["set_away"])

	// The pool's own limit.
	pool.LapseLimit = 1
	require.Equal(t, []string{"U1"}, kinds(OfferEnded(h, pool, end).Lapsed(1).Notices)[NoticeSetAway])

	// Claimed by someone else before the end: not U1's lapse.
	claimed := h
	claimed.State, claimed.OwnerID, claimed.ClaimedAt = StateClaimed, "U2", end.Add(-time.Second)
	c = OfferEnded(claimed, pool, end)
	require.Nil(t, c.Member)
	require.Empty(t, c.Notices)
}
