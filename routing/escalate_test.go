package routing

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

var closers = Pool{Name: "closers", Channel: "C1", Members: []string{"U1", "U2", "U3"}, Managers: []string{"UM"}, Fallback: "overflow"}

// openHandoff is a handoff just opened into closers with the default ladder
// and a fallback pool, posted at once, as the store returns it.
func openHandoff() Handoff {
	p := Policy{Pools: []Pool{closers, {Name: "overflow", Channel: "C2", Members: []string{"U9"}}}, SLA: DefaultSLA()}
	in := p.Open("V1", "U0", Lead{Company: "Acme"}, closers, Offer{}, t0)
	next, _ := in.Escalation.NextRungAt(in.ClaimDeadline, 0)
	return Handoff{ID: 7, State: StateOpen, Pool: "closers", Channel: "C1", MessageTS: "1700000000.000100", PasserID: "U0", Lead: in.Lead,
		CreatedAt: t0, WindowAt: t0, ClaimDeadline: in.ClaimDeadline, Escalation: in.Escalation, NextStepAt: next}
}

func kinds(ns []Notice) map[NoticeKind][]string {
	out := map[NoticeKind][]string{}
	for _, n := range ns {
		out[n.Kind] = append(out[n.Kind], n.Recipient)
	}
	return out
}

// TestEscalateDefaultLadder walks the default ladder with an injected clock:
// each rung's effects, the next deadline, and the end with an owner.
func TestEscalateDefaultLadder(t *testing.T) {
	t.Parallel()
	h := openHandoff()
	require.Equal(t, t0.Add(time.Minute), h.NextStepAt, "the first rung is due when the window closes")

	// Rung 1 at the deadline: re-ping the thread, DM the members.
	now := h.NextStepAt
	c, err := Escalate(h, closers, nil, now)
	require.NoError(t, err)
	require.Equal(t, EventEscalated, c.Event.Kind)
	require.Equal(t, "baton", c.Event.Actor)
	require.Equal(t, 1, c.Event.Detail["step"])
	require.Equal(t, map[NoticeKind][]string{
		NoticeReping:         {"C1"},
		NoticeMemberNudge:    {"U1", "U2", "U3"},
		NoticeChannelMessage: {"C1"},
	}, kinds(c.Notices))
	h = c.Handoff
	require.Equal(t, StateOpen, h.State)
	require.Equal(t, 1, h.Rung)
	require.True(t, h.Escalated())
	require.Equal(t, t0.Add(2*time.Minute), h.NextStepAt)

	// Rung 2 a minute later: managers and the fallback pool.
	now = h.NextStepAt
	c, err = Escalate(h, closers, nil, now)
	require.NoError(t, err)
	require.Equal(t, map[NoticeKind][]string{
		NoticeManagerAlert:    {"UM"},
		NoticeChannelMessage:  {"C1"},
		NoticeFallbackMessage: {"C2"},
	}, kinds(c.Notices))
	h = c.Handoff
	require.True(t, h.FallbackOpen)
	require.Equal(t, t0.Add(3*time.Minute), h.NextStepAt)
	r, ok := h.LastRung()
	require.True(t, ok)
	require.Equal(t, 2, r.Step)

	// Rung 3: missed, owned by rotation, the passer asked for a time.
	now = h.NextStepAt
	loads := []MemberState{{User: "U1", Assigned: 3}, {User: "U2", Assigned: 1}, {User: "U3", Assigned: 2}}
	c, err = Escalate(h, closers, loads, now)
	require.NoError(t, err)
	require.Equal(t, EventMissed, c.Event.Kind)
	h = c.Handoff
	require.Equal(t, StateScheduled, h.State)
	require.Equal(t, "U2", h.OwnerID, "the member with the fewest leads")
	require.Equal(t, now, h.MissedAt)
	require.Equal(t, now, h.ClaimedAt)
	require.True(t, h.NextStepAt.IsZero(), "the ladder is done")
	require.Equal(t, map[NoticeKind][]string{
		NoticeOwnerAssigned:   {"U2"},
		NoticePasserMissed:    {"U0"},
		NoticeChannelMessage:  {"C1"},
		NoticeFallbackMessage: {"C2"},
	}, kinds(c.Notices))

	_, err = Escalate(h, closers, loads, now)
	require.Error(t, err, "a scheduled handoff does not escalate")
}

func TestEscalateSkipsMissingFallbackAndEmptyPool(t *testing.T) {
	t.Parallel()
	h := openHandoff()
	h.Escalation.Fallback, h.Escalation.FallbackChannel = "", ""
	h.Rung = 1
	c, err := Escalate(h, closers, nil, t0.Add(2*time.Minute))
	require.NoError(t, err)
	require.False(t, c.Handoff.FallbackOpen)
	require.NotContains(t, kinds(c.Notices), NoticeFallbackMessage)

	// A pool emptied since the handoff opened: the passer keeps the lead.
	h.Rung = 2
	c, err = Escalate(h, Pool{Name: "closers", Channel: "C1"}, nil, t0.Add(3*time.Minute))
	require.NoError(t, err)
	require.Equal(t, "U0", c.Handoff.OwnerID)

	h.Rung = 3
	_, err = Escalate(h, closers, nil, t0.Add(4*time.Minute))
	require.ErrorContains(t, err, "ladder is done")
}

func TestPickOwner(t *testing.T) {
	t.Parallel()
	pool := Pool{Members: []string{"U1", "U2", "U3"}, Managers: []string{"UM"}}
	for _, tc := range []struct {
		name    string
		loads   []MemberState
		exclude []string
		want    string
	}{
		{"nobody has any: config order", nil, nil, "U1"},
		{"fewest wins", []MemberState{{User: "U1", Assigned: 2}, {User: "U2", Assigned: 2}, {User: "U3", Assigned: 1}}, nil, "U3"},
		{"tie to the longest wait", []MemberState{
			{User: "U1", Assigned: 1, LastAssigned: t0.Add(-time.Hour)},
			{User: "U2", Assigned: 1, LastAssigned: t0.Add(-2 * time.Hour)},
			{User: "U3", Assigned: 1, LastAssigned: t0.Add(-time.Minute)},
		}, nil, "U2"},
		{"never assigned waits longest", []MemberState{{User: "U1", Assigned: 0, LastAssigned: t0.Add(-time.Hour)}}, nil, "U2"},
		{"excluded are passed over", nil, []string{"U1", "U2"}, "U3"},
		{"all excluded: the manager", nil, []string{"U1", "U2", "U3"}, "UM"},
		{"all and manager excluded: least loaded member", []MemberState{{User: "U1", Assigned: 1}, {User: "U3", Assigned: 1}}, []string{"U1", "U2", "U3", "UM"}, "U2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := PickOwner(pool, tc.loads, tc.exclude, t0)
			require.True(t, ok)
			require.Equal(t, tc.want, got)
		})
	}
	_, ok := PickOwner(Pool{}, nil, nil, t0)
	require.False(t, ok)
}

func TestPickOwnerUsesTheRotation(t *testing.T) {
	t.Parallel()
	pool := Pool{Members: []string{"U1", "U2", "U3"}, Managers: []string{"UM"}}
	pool.Settings = map[string]MemberSettings{"U1": {Weight: 2}, "U2": {OpenCap: 1}}

	// U1 has twice the weight: 2 leads at weight 2 rank with 1 at weight 1.
	states := []MemberState{{User: "U1", Assigned: 2, LastAssigned: t0.Add(-3 * time.Hour)}, {User: "U3", Assigned: 1, LastAssigned: t0.Add(-time.Hour)}, {User: "U2", Assigned: 5}}
	got, _ := PickOwner(pool, states, nil, t0)
	require.Equal(t, "U1", got, "2/2 ties 1/1; U1 waited longer")

	// An away member and a capped one are passed over while someone is free.
	states = []MemberState{{User: "U1", AwayUntil: t0.Add(time.Hour)}, {User: "U2", Open: 1}, {User: "U3", Assigned: 9}}
	got, _ = PickOwner(pool, states, nil, t0)
	require.Equal(t, "U3", got)
	require.Equal(t, []string{"U3"}, AvailableMembers(pool, states, t0))

	// Everyone unavailable: the fairest still owns it rather than nobody.
	states = append(states[:2], MemberState{User: "U3", AwayUntil: t0.Add(time.Hour), Assigned: 9})
	got, _ = PickOwner(pool, states, nil, t0)
	require.Equal(t, "U1", got)
	require.Empty(t, AvailableMembers(pool, states, t0))
}

func TestEscalateNudgesOnlyAvailableMembers(t *testing.T) {
	t.Parallel()
	h := openHandoff()
	states := []MemberState{{User: "U2", AwayUntil: t0.Add(time.Hour)}}
	c, err := Escalate(h, closers, states, h.NextStepAt)
	require.NoError(t, err)
	require.Equal(t, []string{"U1", "U3"}, kinds(c.Notices)[NoticeMemberNudge])
}

func scheduled() Handoff {
	h := openHandoff()
	h.State, h.OwnerID, h.ClaimedAt, h.MissedAt, h.NextStepAt = StateScheduled, "U2", t0.Add(3*time.Minute), t0.Add(3*time.Minute), time.Time{}
	return h
}

func refusal(t *testing.T, err error) RefusalCode {
	t.Helper()
	var r *Refusal
	require.True(t, errors.As(err, &r), "want a *Refusal, got %v", err)
	return r.Code
}

func TestCancel(t *testing.T) {
	t.Parallel()
	now := t0.Add(30 * time.Second)
	c, err := Cancel(openHandoff(), closers, "U0", "prospect dropped off", now)
	require.NoError(t, err)
	require.Equal(t, StateCancelled, c.Handoff.State)
	require.True(t, c.Handoff.NextStepAt.IsZero(), "the ladder stops")
	require.Equal(t, "prospect dropped off", c.Handoff.CancelReason)
	require.Equal(t, EventCancelled, c.Event.Kind)
	require.Equal(t, map[NoticeKind][]string{NoticeChannelMessage: {"C1"}}, kinds(c.Notices))

	c, err = Cancel(scheduled(), closers, "UM", "duplicate", now)
	require.NoError(t, err, "a manager may cancel")
	require.Equal(t, []string{"U2"}, kinds(c.Notices)[NoticeOwnerCancelled], "the owner is told")

	_, err = Cancel(openHandoff(), closers, "U1", "no", now)
	require.Equal(t, RefusedNotPasser, refusal(t, err))
	_, err = Cancel(openHandoff(), closers, "U0", "", now)
	require.Equal(t, RefusedNoReason, refusal(t, err))
	claimed := openHandoff()
	claimed.State = StateClaimed
	_, err = Cancel(claimed, closers, "U0", "late", now)
	require.Equal(t, RefusedState, refusal(t, err))
}

func TestScheduleCallback(t *testing.T) {
	t.Parallel()
	now := t0.Add(5 * time.Minute)
	at := now.Add(2 * time.Hour)
	c, err := ScheduleCallback(scheduled(), closers, "U0", at, now)
	require.NoError(t, err)
	require.Equal(t, at, c.Handoff.ScheduledFor)
	require.Equal(t, map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerCallback: {"U2"}, NoticePasserScheduled: {"U0"}}, kinds(c.Notices))

	_, err = ScheduleCallback(scheduled(), closers, "U1", at, now)
	require.Equal(t, RefusedNotPasser, refusal(t, err))
	_, err = ScheduleCallback(scheduled(), closers, "U0", now.Add(-time.Minute), now)
	require.Equal(t, RefusedBadTime, refusal(t, err), "in the past")
	_, err = ScheduleCallback(scheduled(), closers, "U0", now.Add(MaxCallbackAhead+time.Hour), now)
	require.Equal(t, RefusedBadTime, refusal(t, err), "too far ahead")
	_, err = ScheduleCallback(openHandoff(), closers, "U0", at, now)
	require.Equal(t, RefusedState, refusal(t, err))
}

func TestAcceptAndHandBack(t *testing.T) {
	t.Parallel()
	now := t0.Add(5 * time.Minute)
	c, changed, err := Accept(scheduled(), "U2", now)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, now, c.Handoff.AcceptedAt)
	_, changed, err = Accept(c.Handoff, "U2", now.Add(time.Second))
	require.NoError(t, err)
	require.False(t, changed, "accepting twice is a no-op")
	_, _, err = Accept(scheduled(), "U1", now)
	require.Equal(t, RefusedNotOwner, refusal(t, err))

	// U2 hands back: U1 and U3 are tied, U1 comes first in the config.
	c, err = HandBack(scheduled(), closers, nil, "U2", "I'm out tomorrow", now)
	require.NoError(t, err)
	require.Equal(t, "U1", c.Handoff.OwnerID)
	require.Equal(t, []string{"U2"}, c.Handoff.DeclinedBy)
	require.True(t, c.Handoff.AcceptedAt.IsZero())
	require.Equal(t, map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerAssigned: {"U1"}, NoticePasserScheduled: {"U0"}}, kinds(c.Notices))
	require.Equal(t, "I'm out tomorrow", c.Event.Detail["reason"])

	// Then U1 and U3: the manager gets it, never nobody.
	c, err = HandBack(c.Handoff, closers, nil, "U1", "conflict", now)
	require.NoError(t, err)
	require.Equal(t, "U3", c.Handoff.OwnerID)
	c, err = HandBack(c.Handoff, closers, nil, "U3", "conflict", now)
	require.NoError(t, err)
	require.Equal(t, "UM", c.Handoff.OwnerID)
	c, err = HandBack(c.Handoff, closers, nil, "UM", "no", now)
	require.NoError(t, err)
	require.Equal(t, "U0", c.Handoff.OwnerID, "with everyone declined, the passer keeps it")

	_, err = HandBack(scheduled(), closers, nil, "U2", "", now)
	require.Equal(t, RefusedNoReason, refusal(t, err))
	_, err = HandBack(scheduled(), closers, nil, "U1", "x", now)
	require.Equal(t, RefusedNotOwner, refusal(t, err))
}

func TestNoticesOnClaimUpdateFallbackMessage(t *testing.T) {
	t.Parallel()
	h := openHandoff()
	h.State, h.OwnerID = StateClaimed, "U9"
	require.NotContains(t, kinds(NoticesOnClaim(h)), NoticeFallbackMessage)
	h.FallbackOpen = true
	require.Equal(t, []string{"C2"}, kinds(NoticesOnClaim(h))[NoticeFallbackMessage])
	require.Equal(t, "fallback:7", Notice{Kind: NoticeFallbackMessage, HandoffID: 7}.OrderingKey())
	require.Equal(t, "thread:7", Notice{Kind: NoticeReping, HandoffID: 7}.OrderingKey())
	require.Equal(t, "thread:7", Notice{Kind: NoticeThreadBrief, HandoffID: 7}.OrderingKey())
	require.Equal(t, "message:7", Notice{Kind: NoticeChannelMessage, HandoffID: 7}.OrderingKey())
}
