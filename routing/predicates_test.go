package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPredicatesAgreeWithTransitions: for every state and person, an
// action's predicate refuses exactly when the transition refuses for the
// same reason, so asking before a form opens tells the truth about what
// storing it will say.
func TestPredicatesAgreeWithTransitions(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	pool := Pool{Name: "closers", Members: []string{"UAE1", "UAE2"}, Managers: []string{"UBOSS"}}
	sla := DefaultSLA()
	people := []string{"UPASS", "UAE1", "UAE2", "UBOSS", "USTRANGER"}
	handoffs := map[string]Handoff{
		"open":      {ID: 1, State: StateOpen, PasserID: "UPASS", Turn: Turn{Mode: ModeRoundRobin, UpNext: "UAE1", PriorityUntil: now.Add(time.Minute)}},
		"claimed":   {ID: 2, State: StateClaimed, PasserID: "UPASS", OwnerID: "UAE1", ClaimedAt: now.Add(-time.Hour), Work: Work{OwnerSince: now.Add(-time.Hour)}},
		"stale":     {ID: 3, State: StateClaimed, PasserID: "UPASS", OwnerID: "UAE1", ClaimedAt: now.Add(-40 * 24 * time.Hour), Work: Work{OwnerSince: now.Add(-40 * 24 * time.Hour)}},
		"scheduled": {ID: 4, State: StateScheduled, PasserID: "UPASS", OwnerID: "UAE2", ScheduledFor: now.Add(time.Hour)},
		"closed":    {ID: 5, State: StateClaimed, PasserID: "UPASS", OwnerID: "UAE1", Work: Work{ClosedAt: now}},
		"cancelled": {ID: 6, State: StateCancelled, PasserID: "UPASS"},
	}
	code := func(err error) RefusalCode {
		if r, ok := err.(*Refusal); ok && r != nil {
			return r.Code
		}
		return ""
	}
	pcode := func(r *Refusal) RefusalCode {
		if r == nil {
			return ""
		}
		return r.Code
	}
	for name, h := range handoffs {
		for _, user := range people {
			_, err := Cancel(h, pool, user, "why", now)
			require.Equal(t, code(err), pcode(MayCancel(h, pool, user)), "cancel %s by %s", name, user)
			_, err = ScheduleCallback(h, pool, user, now.Add(time.Hour), now)
			require.Equal(t, code(err), pcode(MaySchedule(h, pool, user)), "schedule %s by %s", name, user)
			_, err = HandBack(h, pool, nil, user, "why", now)
			require.Equal(t, code(err), pcode(MayHandBack(h, user)), "hand back %s by %s", name, user)
			_, err = Pass(h, pool, nil, user, "why", now)
			require.Equal(t, code(err), pcode(MayPass(h, user, now)), "pass %s by %s", name, user)
			_, err = LogTouch(h, pool, sla, user, TouchInput{Kind: TouchCallAttempted}, now)
			require.Equal(t, code(err), pcode(MayLogWork(h, pool, user)), "touch %s by %s", name, user)
			_, err = Reassign(h, pool, nil, sla, user, ReassignInput{Reason: ReassignOther, Note: "why", To: "UAE2"}, now)
			if c := code(err); c != RefusedOwnedByYou && c != RefusedNotMember {
				require.Equal(t, c, pcode(MayReassign(h, pool, sla, user, now)), "reassign %s by %s", name, user)
			}
		}
	}
}

func TestNoticeWanted(t *testing.T) {
	t.Parallel()
	open := Handoff{ID: 1, State: StateOpen, OwnerID: "", Turn: Turn{UpNext: "UAE1"}}
	claimed := Handoff{ID: 1, State: StateClaimed, OwnerID: "UAE1",
		Work: Work{Breaches: []Breach{{Clock: ClockFirstTouch, Owner: "UAE1"}}}}
	for _, c := range []struct {
		kind      NoticeKind
		recipient string
		h         Handoff
		want      bool
	}{
		{NoticeReping, "C1", open, true},
		{NoticeReping, "C1", claimed, false},
		{NoticeMemberNudge, "UAE2", claimed, false},
		{NoticeManagerAlert, "UBOSS", open, true},
		{NoticeOffered, "UAE1", open, true},
		{NoticeOffered, "UAE2", open, false},
		{NoticeOwnerAssigned, "UAE1", claimed, true},
		{NoticeOwnerAssigned, "UAE2", claimed, false},
		{NoticeOwnerReassigned, "UAE2", claimed, false},
		{NoticeSLABreach, "UAE1", claimed, true},
		{NoticeSLAManagerAlert, "UBOSS", claimed, false},
		{NoticeSLABreach, "UAE1", open, false},
		{NoticeChannelMessage, "C1", claimed, true},
		{NoticePasserClaimed, "UPASS", claimed, true},
	} {
		n := Notice{Kind: c.kind, HandoffID: 1, Recipient: c.recipient}
		require.Equal(t, c.want, n.Wanted(c.h), "%s to %s on a %s handoff", c.kind, c.recipient, c.h.State)
	}
}
