package routing

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTouchKindMeaningful(t *testing.T) {
	t.Parallel()
	for kind, want := range map[TouchKind]bool{
		TouchCallAttempted: true,
		TouchReplyReceived: true,
		TouchMeetingBooked: true,
		TouchTemplateEmail: false,
		"":                 false,
		"sms":              false,
	} {
		require.Equal(t, want, kind.Meaningful(), "%q", kind)
	}
	require.Len(t, TouchKinds, 4)
}

func TestOutcomeKindFinal(t *testing.T) {
	t.Parallel()
	for kind, want := range map[OutcomeKind]bool{
		OutcomeConnected:    false,
		OutcomeMeetingHeld:  false,
		OutcomeNoShow:       false,
		OutcomeQualifiedSAL: true,
		OutcomeQualifiedSQL: true,
		OutcomeDisqualified: true,
		"":                  false,
	} {
		require.Equal(t, want, kind.Final(), "%q", kind)
	}
}

func TestDisqualifyReasonCreditsBack(t *testing.T) {
	t.Parallel()
	for reason, want := range map[DisqualifyReason]bool{
		DisqualifyNoBudget:   true,
		DisqualifyWrongTitle: true,
		DisqualifyNotDecider: true,
		DisqualifyDuplicate:  true,
		DisqualifyBadTiming:  false,
		DisqualifyOther:      false,
		"":                   false,
		"spam":               false,
	} {
		require.Equal(t, want, reason.CreditsBack(), "%q", reason)
	}
	require.Equal(t, []string{"no_budget", "wrong_title", "not_decision_maker", "duplicate"}, CreditBackReasons())
}

func TestOwned(t *testing.T) {
	t.Parallel()
	T := slaT0
	for _, tt := range []struct {
		name string
		mod  func(h *Handoff)
		want bool
	}{
		{"claimed", func(*Handoff) {}, true},
		{"scheduled", func(h *Handoff) { h.State = StateScheduled }, true},
		{"scheduled, not accepted yet", func(h *Handoff) { h.State, h.AcceptedAt = StateScheduled, time.Time{} }, true},
		{"closed", func(h *Handoff) { h.Work.ClosedAt = T }, false},
		{"open", func(h *Handoff) { h.State = StateOpen }, false},
		{"cancelled", func(h *Handoff) { h.State = StateCancelled }, false},
		{"no owner", func(h *Handoff) { h.OwnerID = "" }, false},
	} {
		h := claimedBy("U1", T)
		tt.mod(&h)
		require.Equal(t, tt.want, h.Owned(), tt.name)
	}
}

func TestFrozenUntil(t *testing.T) {
	t.Parallel()
	T := slaT0
	h := claimedBy("U1", T)
	require.Equal(t, T.Add(30*24*time.Hour), h.FrozenUntil(DefaultSLA()))
	require.Equal(t, T.Add(30*24*time.Hour), h.FrozenUntil(SLA{}), "an SLA built by hand freezes for the default")
	require.Equal(t, T.Add(72*time.Hour), h.FrozenUntil(SLA{OwnershipFreeze: 72 * time.Hour}))
	h.Work.OwnerSince = T.Add(time.Hour)
	require.Equal(t, T.Add(time.Hour+30*24*time.Hour), h.FrozenUntil(DefaultSLA()), "from the current owner")
}

// TestFrozenUntilWithoutOwnerSince: the clocks of a lead whose OwnerSince is
// not set run from its claim (RunningClocks falls back to ClaimedAt, and so
// does StuckSince); the freeze must too, or a lead claimed a minute ago is
// open to any member's take-over.
func TestFrozenUntilWithoutOwnerSince(t *testing.T) {
	t.Parallel()
	T := slaT0
	h := claimedBy("U1", T)
	h.Work.OwnerSince = time.Time{}
	require.Equal(t, T.Add(30*24*time.Hour), h.FrozenUntil(DefaultSLA()), "frozen from the claim")
	_, err := Reassign(h, slaPool, nil, DefaultSLA(), "U3", ReassignInput{Reason: ReassignBetterFit}, T.Add(time.Minute))
	require.Error(t, err, "a member may not take over a lead claimed a minute ago")
	require.Equal(t, RefusedFrozen, refusal(t, err))
}

func TestLogTouchRefusals(t *testing.T) {
	t.Parallel()
	T := slaT0
	now := T.Add(time.Hour)
	for _, tt := range []struct {
		name string
		mod  func(h *Handoff)
		user string
		in   TouchInput
		want RefusalCode
	}{
		{"open", func(h *Handoff) { h.State, h.OwnerID = StateOpen, "" }, "U1", TouchInput{Kind: TouchCallAttempted}, RefusedState},
		{"cancelled", func(h *Handoff) { h.State = StateCancelled }, "U1", TouchInput{Kind: TouchCallAttempted}, RefusedState},
		{"closed", func(h *Handoff) { h.Work.ClosedAt = T }, "U1", TouchInput{Kind: TouchCallAttempted}, RefusedClosed},
		{"closed, asked by another member", func(h *Handoff) { h.Work.ClosedAt = T }, "U2", TouchInput{Kind: TouchCallAttempted}, RefusedClosed},
		{"another member", func(*Handoff) {}, "U2", TouchInput{Kind: TouchCallAttempted}, RefusedNotOwner},
		{"the passer", func(*Handoff) {}, "U0", TouchInput{Kind: TouchCallAttempted}, RefusedNotOwner},
		{"an outsider", func(*Handoff) {}, "UX", TouchInput{Kind: TouchCallAttempted}, RefusedNotOwner},
		{"an unknown touch", func(*Handoff) {}, "U1", TouchInput{Kind: "sms"}, RefusedBadChoice},
		{"no touch", func(*Handoff) {}, "U1", TouchInput{}, RefusedBadChoice},
		{"a meeting without its time", func(*Handoff) {}, "U1", TouchInput{Kind: TouchMeetingBooked}, RefusedBadTime},
		{"a meeting more than a day ago", func(*Handoff) {}, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: now.Add(-24*time.Hour - time.Second)}, RefusedBadTime},
		{"a meeting beyond the callback horizon", func(*Handoff) {}, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: now.Add(MaxCallbackAhead + time.Second)}, RefusedBadTime},
		{"a meeting next year", func(*Handoff) {}, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: now.AddDate(1, 0, 0)}, RefusedBadTime},
	} {
		h := claimedBy("U1", T)
		tt.mod(&h)
		_, err := LogTouch(h, slaPool, DefaultSLA(), tt.user, tt.in, now)
		require.Error(t, err, tt.name)
		require.Equal(t, tt.want, refusal(t, err), tt.name)
	}
	// The edges of the meeting's window are accepted.
	for _, at := range []time.Time{now.Add(-24 * time.Hour), now, now.Add(MaxCallbackAhead)} {
		_, err := LogTouch(claimedBy("U1", T), slaPool, DefaultSLA(), "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: at}, now)
		require.NoError(t, err, "meeting at %s", at)
	}
}

func TestLogTouch(t *testing.T) {
	t.Parallel()
	T := slaT0
	now := T.Add(time.Hour)
	meetingAt := time.Date(2026, 3, 4, 15, 30, 0, 0, loadZone(t, "Europe/Paris"))
	for _, tt := range []struct {
		name        string
		scheduled   bool
		user        string
		in          TouchInput
		wantDetail  map[string]any
		wantNotices map[NoticeKind][]string
		meaningful  bool
		accepted    bool
	}{
		{"a call", false, "U1", TouchInput{Kind: TouchCallAttempted},
			map[string]any{"touch": "call_attempted", "meaningful": true},
			map[NoticeKind][]string{NoticeWorkLogged: {"U1"}}, true, false},
		{"a reply, with a note", false, "U1", TouchInput{Kind: TouchReplyReceived, Note: "wants pricing"},
			map[string]any{"touch": "reply_received", "meaningful": true, "note": "wants pricing"},
			map[NoticeKind][]string{NoticeWorkLogged: {"U1"}}, true, false},
		{"a meeting", false, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: meetingAt},
			map[string]any{"touch": "meeting_booked", "meaningful": true, "meeting_at": "2026-03-04T14:30:00Z"},
			map[NoticeKind][]string{NoticeWorkLogged: {"U1"}, NoticeMeetingBooked: {"U0"}}, true, false},
		{"a meeting a manager books tells the owner too", false, "UM", TouchInput{Kind: TouchMeetingBooked, MeetingAt: meetingAt},
			map[string]any{"touch": "meeting_booked", "meaningful": true, "meeting_at": "2026-03-04T14:30:00Z"},
			map[NoticeKind][]string{NoticeWorkLogged: {"UM"}, NoticeMeetingBooked: {"U1", "U0"}}, true, false},
		{"a templated email", false, "U1", TouchInput{Kind: TouchTemplateEmail, Note: "sequence step 1"},
			map[string]any{"touch": "templated_email", "meaningful": false, "note": "sequence step 1"},
			map[NoticeKind][]string{NoticeWorkLogged: {"U1"}}, false, false},
		{"a manager on the owner's behalf", false, "UM", TouchInput{Kind: TouchCallAttempted},
			map[string]any{"touch": "call_attempted", "meaningful": true},
			map[NoticeKind][]string{NoticeWorkLogged: {"UM"}}, true, false},
		{"the owner working a scheduled lead accepts it", true, "U1", TouchInput{Kind: TouchCallAttempted},
			map[string]any{"touch": "call_attempted", "meaningful": true},
			map[NoticeKind][]string{NoticeWorkLogged: {"U1"}, NoticeChannelMessage: {"C1"}}, true, true},
		{"even with a templated email", true, "U1", TouchInput{Kind: TouchTemplateEmail},
			map[string]any{"touch": "templated_email", "meaningful": false},
			map[NoticeKind][]string{NoticeWorkLogged: {"U1"}, NoticeChannelMessage: {"C1"}}, false, true},
		{"a manager does not accept for the owner", true, "UM", TouchInput{Kind: TouchCallAttempted},
			map[string]any{"touch": "call_attempted", "meaningful": true},
			map[NoticeKind][]string{NoticeWorkLogged: {"UM"}}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := claimedBy("U1", T)
			if tt.scheduled {
				h.State = StateScheduled
			}
			c, err := LogTouch(h, slaPool, DefaultSLA(), tt.user, tt.in, now)
			require.NoError(t, err)
			require.Equal(t, Event{HandoffID: 9, At: now, Actor: tt.user, Kind: EventTouchLogged, Detail: tt.wantDetail}, c.Event)
			require.Equal(t, tt.wantNotices, kinds(c.Notices))
			require.Equal(t, map[string]string{"touch": string(tt.in.Kind)}, c.Notices[0].Detail)
			if tt.meaningful {
				require.Equal(t, now, c.Handoff.Work.LastTouchAt)
				require.Equal(t, tt.in.Kind, c.Handoff.Work.LastTouch)
			} else {
				require.True(t, c.Handoff.Work.LastTouchAt.IsZero())
				require.Empty(t, c.Handoff.Work.LastTouch)
			}
			if tt.in.Kind == TouchMeetingBooked {
				require.Equal(t, tt.in.MeetingAt, c.Handoff.Work.MeetingAt)
				require.Equal(t, now, c.Handoff.Work.MeetingBookedAt)
			} else {
				require.True(t, c.Handoff.Work.MeetingBookedAt.IsZero())
			}
			require.Equal(t, tt.accepted, !c.Handoff.AcceptedAt.IsZero())
			require.Equal(t, h.State, c.Handoff.State)
			require.Equal(t, "U1", c.Handoff.OwnerID)
		})
	}
}

func TestLogOutcomeRefusals(t *testing.T) {
	t.Parallel()
	T := slaT0
	now := T.Add(time.Hour)
	for _, tt := range []struct {
		name string
		mod  func(h *Handoff)
		user string
		in   OutcomeInput
		want RefusalCode
	}{
		{"open", func(h *Handoff) { h.State, h.OwnerID = StateOpen, "" }, "U1", OutcomeInput{Kind: OutcomeConnected}, RefusedState},
		{"cancelled", func(h *Handoff) { h.State = StateCancelled }, "U1", OutcomeInput{Kind: OutcomeConnected}, RefusedState},
		{"closed", func(h *Handoff) { h.Work.ClosedAt = T }, "U1", OutcomeInput{Kind: OutcomeConnected}, RefusedClosed},
		{"closed, a second final outcome", func(h *Handoff) {
			h.Work.ClosedAt, h.Work.Outcome = T, Outcome{Kind: OutcomeQualifiedSAL, At: T}
		}, "U1", OutcomeInput{Kind: OutcomeQualifiedSQL}, RefusedClosed},
		{"another member", func(*Handoff) {}, "U2", OutcomeInput{Kind: OutcomeConnected}, RefusedNotOwner},
		{"the passer", func(*Handoff) {}, "U0", OutcomeInput{Kind: OutcomeConnected}, RefusedNotOwner},
		{"an unknown outcome", func(*Handoff) {}, "U1", OutcomeInput{Kind: "won"}, RefusedBadChoice},
		{"no outcome", func(*Handoff) {}, "U1", OutcomeInput{}, RefusedBadChoice},
		{"disqualified without a reason", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeDisqualified}, RefusedNoReason},
		{"disqualified without a reason, with a note", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeDisqualified, Note: "meh"}, RefusedNoReason},
		{"disqualified as other without a note", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeDisqualified, Reason: DisqualifyOther}, RefusedNoReason},
	} {
		h := claimedBy("U1", T)
		tt.mod(&h)
		_, err := LogOutcome(h, slaPool, DefaultSLA(), tt.user, tt.in, now)
		require.Error(t, err, tt.name)
		require.Equal(t, tt.want, refusal(t, err), tt.name)
	}
}

// TestUnknownReasonCodeIsABadChoice: RefusedBadChoice is documented as "a
// touch, outcome or reason code Baton does not know"; a reason code that is
// not one of the lists (a stale or forged form) is that, not a missing one.
func TestUnknownReasonCodeIsABadChoice(t *testing.T) {
	t.Parallel()
	T := slaT0
	_, err := LogOutcome(claimedBy("U1", T), slaPool, DefaultSLA(), "U1", OutcomeInput{Kind: OutcomeDisqualified, Reason: "spam"}, T.Add(time.Hour))
	require.Equal(t, RefusedBadChoice, refusal(t, err), "an unknown disqualification reason")
	_, err = Reassign(claimedBy("U1", T), slaPool, nil, DefaultSLA(), "UM", ReassignInput{Reason: "vacation"}, T.Add(time.Hour))
	require.Equal(t, RefusedBadChoice, refusal(t, err), "an unknown reassignment reason")
}

func TestLogOutcome(t *testing.T) {
	t.Parallel()
	T := slaT0
	now := T.Add(time.Hour)
	for _, tt := range []struct {
		name        string
		mod         func(h *Handoff)
		user        string
		in          OutcomeInput
		wantOutcome Outcome
		wantDetail  map[string]any
		wantNotices map[NoticeKind][]string
		closed      bool
		accepted    bool
	}{
		{"connected", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeConnected},
			Outcome{Kind: OutcomeConnected, At: now, By: "U1"},
			map[string]any{"outcome": "connected_live", "final": false},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"U1"}, NoticePasserOutcome: {"U0"}}, false, false},
		{"a no-show, with a note", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeNoShow, Note: "rang twice"},
			Outcome{Kind: OutcomeNoShow, Note: "rang twice", At: now, By: "U1"},
			map[string]any{"outcome": "no_show", "final": false, "note": "rang twice"},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"U1"}, NoticePasserOutcome: {"U0"}}, false, false},
		{"qualified closes the lead; a stray reason is dropped", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeQualifiedSQL, Reason: DisqualifyNoBudget},
			Outcome{Kind: OutcomeQualifiedSQL, At: now, By: "U1"},
			map[string]any{"outcome": "qualified_sql", "final": true},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"U1"}, NoticePasserOutcome: {"U0"}}, true, false},
		{"disqualified for a bad fit is credited back", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeDisqualified, Reason: DisqualifyWrongTitle},
			Outcome{Kind: OutcomeDisqualified, Reason: DisqualifyWrongTitle, At: now, By: "U1"},
			map[string]any{"outcome": "disqualified", "final": true, "reason": "wrong_title", "credited_back": true},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"U1"}, NoticePasserOutcome: {"U0"}}, true, false},
		{"disqualified for bad timing keeps counting", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeDisqualified, Reason: DisqualifyBadTiming},
			Outcome{Kind: OutcomeDisqualified, Reason: DisqualifyBadTiming, At: now, By: "U1"},
			map[string]any{"outcome": "disqualified", "final": true, "reason": "bad_timing", "credited_back": false},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"U1"}, NoticePasserOutcome: {"U0"}}, true, false},
		{"disqualified as other, with its note", func(*Handoff) {}, "U1", OutcomeInput{Kind: OutcomeDisqualified, Reason: DisqualifyOther, Note: "a competitor"},
			Outcome{Kind: OutcomeDisqualified, Reason: DisqualifyOther, Note: "a competitor", At: now, By: "U1"},
			map[string]any{"outcome": "disqualified", "final": true, "reason": "other", "credited_back": false, "note": "a competitor"},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"U1"}, NoticePasserOutcome: {"U0"}}, true, false},
		{"a manager on the owner's behalf", func(*Handoff) {}, "UM", OutcomeInput{Kind: OutcomeMeetingHeld},
			Outcome{Kind: OutcomeMeetingHeld, At: now, By: "UM"},
			map[string]any{"outcome": "meeting_held", "final": false},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"UM"}, NoticePasserOutcome: {"U0"}}, false, false},
		{"the passer who owns the lead is not told twice", func(h *Handoff) { h.OwnerID = "U0" }, "U0", OutcomeInput{Kind: OutcomeConnected},
			Outcome{Kind: OutcomeConnected, At: now, By: "U0"},
			map[string]any{"outcome": "connected_live", "final": false},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"U0"}}, false, false},
		{"a manager who passed the lead is told as the one who logged it", func(h *Handoff) { h.PasserID = "UM" }, "UM", OutcomeInput{Kind: OutcomeConnected},
			Outcome{Kind: OutcomeConnected, At: now, By: "UM"},
			map[string]any{"outcome": "connected_live", "final": false},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"UM"}}, false, false},
		{"the owner logging on a scheduled lead accepts it", func(h *Handoff) { h.State = StateScheduled }, "U1", OutcomeInput{Kind: OutcomeConnected},
			Outcome{Kind: OutcomeConnected, At: now, By: "U1"},
			map[string]any{"outcome": "connected_live", "final": false},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"U1"}, NoticePasserOutcome: {"U0"}}, false, true},
		{"a manager does not accept for the owner", func(h *Handoff) { h.State = StateScheduled }, "UM", OutcomeInput{Kind: OutcomeConnected},
			Outcome{Kind: OutcomeConnected, At: now, By: "UM"},
			map[string]any{"outcome": "connected_live", "final": false},
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeWorkLogged: {"UM"}, NoticePasserOutcome: {"U0"}}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := claimedBy("U1", T)
			h.Work.LastTouchAt = T.Add(time.Minute)
			tt.mod(&h)
			c, err := LogOutcome(h, slaPool, DefaultSLA(), tt.user, tt.in, now)
			require.NoError(t, err)
			require.Equal(t, Event{HandoffID: 9, At: now, Actor: tt.user, Kind: EventOutcomeLogged, Detail: tt.wantDetail}, c.Event)
			require.Equal(t, tt.wantNotices, kinds(c.Notices))
			for _, n := range c.Notices {
				if n.Kind == NoticeWorkLogged {
					require.Equal(t, map[string]string{"outcome": string(tt.in.Kind)}, n.Detail)
				}
			}
			require.Equal(t, tt.wantOutcome, c.Handoff.Work.Outcome)
			require.Equal(t, tt.closed, !c.Handoff.Work.ClosedAt.IsZero())
			require.Equal(t, tt.closed, !c.Handoff.Owned())
			require.Equal(t, tt.accepted, !c.Handoff.AcceptedAt.IsZero())
			if tt.closed {
				require.Equal(t, now, c.Handoff.Work.ClosedAt)
				require.True(t, c.Handoff.Work.SLADueAt.IsZero())
			}
		})
	}
}

func TestReassignRefusals(t *testing.T) {
	t.Parallel()
	T := slaT0
	s := DefaultSLA()
	frozenUntil := T.Add(30 * 24 * time.Hour)
	reason := ReassignInput{Reason: ReassignCapacity}
	for _, tt := range []struct {
		name string
		mod  func(h *Handoff)
		user string
		in   ReassignInput
		now  time.Time
		want RefusalCode
	}{
		{"open", func(h *Handoff) { h.State, h.OwnerID = StateOpen, "" }, "UM", reason, T, RefusedState},
		{"cancelled", func(h *Handoff) { h.State = StateCancelled }, "UM", reason, T, RefusedState},
		{"closed", func(h *Handoff) { h.Work.ClosedAt = T }, "UM", reason, T, RefusedClosed},
		{"a member while frozen", func(*Handoff) {}, "U3", reason, T.Add(29 * 24 * time.Hour), RefusedFrozen},
		{"a member a moment before the freeze ends", func(*Handoff) {}, "U3", reason, frozenUntil.Add(-time.Nanosecond), RefusedFrozen},
		{"a member while a new owner's freeze runs", func(h *Handoff) { h.Work.OwnerSince = T.Add(20 * 24 * time.Hour) }, "U3", reason, frozenUntil, RefusedFrozen},
		{"an outsider after the freeze", func(*Handoff) {}, "UX", reason, frozenUntil.Add(time.Hour), RefusedNotInPool},
		{"the passer", func(*Handoff) {}, "U0", reason, frozenUntil.Add(time.Hour), RefusedNotInPool},
		{"the owner without a reason", func(*Handoff) {}, "U1", ReassignInput{}, T, RefusedNoReason},
		{"a manager without a reason", func(*Handoff) {}, "UM", ReassignInput{To: "U2", Note: "because"}, T, RefusedNoReason},
		{"other without a note", func(*Handoff) {}, "UM", ReassignInput{Reason: ReassignOther, To: "U2"}, T, RefusedNoReason},
		{"a take-over without a reason", func(*Handoff) {}, "U3", ReassignInput{}, frozenUntil, RefusedNoReason},
		{"to someone outside the pool", func(*Handoff) {}, "UM", ReassignInput{Reason: ReassignTerritory, To: "UX"}, T, RefusedNotMember},
		{"to the passer, who is not a member", func(*Handoff) {}, "UM", ReassignInput{Reason: ReassignTerritory, To: "U0"}, T, RefusedNotMember},
		{"to its owner", func(*Handoff) {}, "UM", ReassignInput{Reason: ReassignTerritory, To: "U1"}, T, RefusedOwnedByYou},
		{"a manager owner to themselves", func(h *Handoff) { h.OwnerID = "UM" }, "UM", ReassignInput{Reason: ReassignTerritory, To: "UM"}, T, RefusedOwnedByYou},
	} {
		h := claimedBy("U1", T)
		tt.mod(&h)
		_, err := Reassign(h, slaPool, nil, s, tt.user, tt.in, tt.now)
		require.Error(t, err, tt.name)
		require.Equal(t, tt.want, refusal(t, err), tt.name)
	}
}

func TestReassign(t *testing.T) {
	t.Parallel()
	T := slaT0
	hr := time.Hour
	frozenUntil := T.Add(30 * 24 * hr)
	// U3 has had the fewest leads, then U2; U1 the most.
	states := []MemberState{{User: "U1", Assigned: 1}, {User: "U2", Assigned: 5}, {User: "U3", Assigned: 3}}
	lonely := Pool{Name: "closers", Channel: "C1", Members: []string{"U1"}}
	for _, tt := range []struct {
		name        string
		pool        Pool
		mod         func(h *Handoff)
		states      []MemberState
		user        string
		in          ReassignInput
		now         time.Time
		wantTo      string
		wantNotices map[NoticeKind][]string
	}{
		{"a manager picks a member", slaPool, func(*Handoff) {}, states, "UM", ReassignInput{Reason: ReassignOutOfOffice, To: "U2", Note: "on leave"}, T.Add(hr), "U2",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U2"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
		{"a manager picks another manager", slaPool, func(*Handoff) {}, states, "UM", ReassignInput{Reason: ReassignBetterFit, To: "UN"}, T.Add(hr), "UN",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"UN"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
		{"a manager picks themselves", slaPool, func(*Handoff) {}, states, "UM", ReassignInput{Reason: ReassignBetterFit, To: "UM"}, T.Add(hr), "UM",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"UM"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
		{"a manager lets the rotation pick, never the owner though fairest", slaPool, func(*Handoff) {}, states, "UM", ReassignInput{Reason: ReassignCapacity}, T.Add(hr), "U3",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U3"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
		{"the rotation picks the fairest but the owner", slaPool, func(h *Handoff) { h.OwnerID = "U3" }, states, "UM", ReassignInput{Reason: ReassignCapacity}, T.Add(hr), "U1",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U1"}, NoticeOwnerReleased: {"U3"}, NoticePasserReassigned: {"U0"}}},
		{"the rotation skips who declined", slaPool, func(h *Handoff) { h.DeclinedBy = []string{"U3"} }, states, "UM", ReassignInput{Reason: ReassignCapacity}, T.Add(hr), "U2",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U2"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
		{"everyone declined: the manager keeps it", slaPool, func(h *Handoff) { h.DeclinedBy = []string{"U2", "U3", "UM", "UN"} }, states, "UM", ReassignInput{Reason: ReassignCapacity}, T.Add(hr), "UM",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"UM"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
		{"the owner hands back: the rotation picks", slaPool, func(*Handoff) {}, states, "U1", ReassignInput{Reason: ReassignOutOfOffice}, T.Add(hr), "U3",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U3"}, NoticePasserReassigned: {"U0"}}},
		{"the owner cannot choose", slaPool, func(*Handoff) {}, states, "U1", ReassignInput{Reason: ReassignOutOfOffice, To: "U2"}, T.Add(hr), "U3",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U3"}, NoticePasserReassigned: {"U0"}}},
		{"the owner hands back, members all declined: a manager", slaPool, func(h *Handoff) { h.DeclinedBy = []string{"U2", "U3"} }, nil, "U1", ReassignInput{Reason: ReassignOutOfOffice}, T.Add(hr), "UM",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"UM"}, NoticePasserReassigned: {"U0"}}},
		{"the owner hands back, everyone declined: the passer", slaPool, func(h *Handoff) { h.DeclinedBy = []string{"U2", "U3", "UM", "UN"} }, nil, "U1", ReassignInput{Reason: ReassignOutOfOffice}, T.Add(hr), "U0",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U0"}}},
		{"the only member hands back: the passer", lonely, func(*Handoff) {}, nil, "U1", ReassignInput{Reason: ReassignOther, Note: "conflict of interest"}, T.Add(hr), "U0",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U0"}}},
		{"a member takes a stuck lead over after the freeze", slaPool, func(*Handoff) {}, states, "U2", ReassignInput{Reason: ReassignCapacity}, frozenUntil, "U2",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U2"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
		{"a take-over goes to the taker, whatever they ask", slaPool, func(*Handoff) {}, states, "U2", ReassignInput{Reason: ReassignCapacity, To: "U3"}, frozenUntil.Add(hr), "U2",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U2"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
		{"a member who passed the lead takes it over", slaPool, func(h *Handoff) { h.PasserID = "U2" }, states, "U2", ReassignInput{Reason: ReassignCapacity}, frozenUntil, "U2",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U2"}, NoticeOwnerReleased: {"U1"}}},
		{"a manager reassigns a lead that already showed in the fallback pool", slaPool, func(h *Handoff) {
			h.FallbackOpen, h.Escalation.FallbackChannel = true, "C2"
		}, states, "UM", ReassignInput{Reason: ReassignCapacity, To: "U2"}, T.Add(hr), "U2",
			map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeFallbackMessage: {"C2"}, NoticeOwnerReassigned: {"U2"}, NoticeOwnerReleased: {"U1"}, NoticePasserReassigned: {"U0"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := claimedBy("U1", T)
			tt.mod(&h)
			before := slices.Clone(h.DeclinedBy)
			c, err := Reassign(h, tt.pool, tt.states, DefaultSLA(), tt.user, tt.in, tt.now)
			require.NoError(t, err)
			require.Equal(t, before, h.DeclinedBy, "the caller's handoff is not touched")
			next := c.Handoff
			require.Equal(t, tt.wantTo, next.OwnerID)
			require.Equal(t, tt.wantNotices, kinds(c.Notices))
			require.Equal(t, tt.now, next.Work.OwnerSince, "the new owner's clocks and freeze start now")
			require.Equal(t, tt.now, next.Work.ReassignedAt)
			require.Equal(t, tt.user, next.Work.ReassignedBy)
			require.Equal(t, h.OwnerID, next.Work.PreviousOwner)
			require.Equal(t, tt.in.Reason, next.Work.ReassignReason)
			require.Equal(t, tt.in.Note, next.Work.ReassignNote)
			require.Contains(t, next.DeclinedBy, h.OwnerID, "the previous owner is not offered it again")
			require.Len(t, next.DeclinedBy, len(before)+1)
			require.Equal(t, StateClaimed, next.State)
			require.Equal(t, h.ClaimedAt, next.ClaimedAt, "a claimed lead keeps its claim time")
			require.Equal(t, tt.now.Add(24*hr), next.Work.SLADueAt, "the new owner's outcome clock")
			detail := map[string]any{"from": h.OwnerID, "to": tt.wantTo, "reason": string(tt.in.Reason)}
			if tt.in.Note != "" {
				detail["note"] = tt.in.Note
			}
			require.Equal(t, Event{HandoffID: 9, At: tt.now, Actor: tt.user, Kind: EventReassigned, Detail: detail}, c.Event)
		})
	}
}

func TestReassignScheduledLead(t *testing.T) {
	t.Parallel()
	T := slaT0
	h := claimedBy("U1", T)
	h.State, h.AcceptedAt, h.ScheduledFor = StateScheduled, T.Add(time.Minute), T.Add(72*time.Hour)
	h.DeclinedBy = append(make([]string, 0, 8), "U1") // room to append into
	now := T.Add(time.Hour)
	c, err := Reassign(h, slaPool, nil, DefaultSLA(), "UM", ReassignInput{Reason: ReassignTerritory, To: "U3"}, now)
	require.NoError(t, err)
	next := c.Handoff
	require.Equal(t, StateScheduled, next.State)
	require.Equal(t, "U3", next.OwnerID)
	require.Equal(t, now, next.ClaimedAt, "the new owner got it now")
	require.True(t, next.AcceptedAt.IsZero(), "the new owner must accept it")
	require.Equal(t, []string{"U1"}, next.DeclinedBy, "an owner already listed is not listed twice")
	require.Equal(t, T.Add(72*time.Hour), next.ScheduledFor, "the callback stands")
	require.Equal(t, []string{run(ClockFirstTouch, T.Add(72*time.Hour), T.Add(120*time.Hour)), run(ClockOutcome, T.Add(72*time.Hour), T.Add(96*time.Hour))},
		runs(DefaultSLA().RunningClocks(next, Calendar{})), "the callback still starts the new owner's clocks")

	// The owner's hand-back into a full slice does not write into the caller's.
	h.DeclinedBy = append(make([]string, 0, 8), "U2")
	c, err = Reassign(h, slaPool, nil, DefaultSLA(), "U1", ReassignInput{Reason: ReassignCapacity}, now)
	require.NoError(t, err)
	require.Equal(t, []string{"U2", "U1"}, c.Handoff.DeclinedBy)
	require.Equal(t, "U3", c.Handoff.OwnerID)
	require.Equal(t, []string{"U2"}, h.DeclinedBy)
	require.Empty(t, h.DeclinedBy[:2][1], "nothing was written past the caller's slice")
}

// TestHandBackNeverToThePreviousOwner: whatever the pool, its members' loads
// and availability and who declined before, the owner handing a lead back
// never gets it again, and it goes to someone who did not decline it or, when
// everyone did, to the passer.
func TestHandBackNeverToThePreviousOwner(t *testing.T) {
	t.Parallel()
	T := slaT0
	rng := rand.New(rand.NewPCG(6, 2026))
	for i := range 2000 {
		n := 1 + rng.IntN(4)
		pool := Pool{Name: "p", Channel: "C1"}
		for m := range n {
			pool.Members = append(pool.Members, fmt.Sprintf("U%d", m+1))
		}
		for m := range rng.IntN(3) {
			pool.Managers = append(pool.Managers, fmt.Sprintf("UM%d", m+1))
		}
		var states []MemberState
		for _, m := range pool.Members {
			st := MemberState{User: m, Assigned: rng.IntN(4)}
			if rng.IntN(3) == 0 {
				st.AwayUntil = T.Add(time.Duration(1+rng.IntN(5)) * time.Hour)
			}
			states = append(states, st)
		}
		everyone := append(slices.Clone(pool.Members), pool.Managers...)
		owner := everyone[rng.IntN(len(everyone))]
		var declined []string
		for _, u := range everyone {
			if rng.IntN(3) == 0 {
				declined = append(declined, u)
			}
		}
		h := claimedBy(owner, T.Add(-time.Hour))
		h.DeclinedBy = declined
		now := T.Add(time.Duration(rng.IntN(120)) * time.Minute)
		user := owner
		if rng.IntN(4) == 0 && len(pool.Managers) > 0 && !slices.Contains(pool.Managers, owner) {
			user = pool.Managers[rng.IntN(len(pool.Managers))]
		}
		c, err := Reassign(h, pool, states, DefaultSLA(), user, ReassignInput{Reason: ReassignCapacity}, now)
		desc := fmt.Sprintf("case %d: pool %v managers %v owner %s user %s declined %v states %+v", i, pool.Members, pool.Managers, owner, user, declined, states)
		require.NoError(t, err, "there is always someone else: %s", desc)
		to := c.Handoff.OwnerID
		require.NotEqual(t, owner, to, desc)
		if to != "U0" && to != user {
			require.NotContains(t, declined, to, desc)
		}
		require.NotContains(t, kinds(c.Notices)[NoticeOwnerReassigned], owner, desc)
	}
}

// TestManagerOwnerHandsBack: a manager can own a lead (PickOwner gives it to
// one when every member declined). Handing it back, they are its owner, not
// a manager choosing for someone else: the lead goes to another manager or,
// when there is none, to the passer, as any owner's would, instead of being
// refused because "the manager keeps it" means keeping it themselves.
func TestManagerOwnerHandsBack(t *testing.T) {
	t.Parallel()
	T := slaT0
	now := T.Add(time.Hour)
	onlyManager := Pool{Name: "closers", Channel: "C1", Members: []string{"U1", "U2"}, Managers: []string{"UM"}}
	h := claimedBy("UM", T)
	h.DeclinedBy = []string{"U1", "U2", "U3"}

	c, err := Reassign(h, slaPool, nil, DefaultSLA(), "UM", ReassignInput{Reason: ReassignCapacity}, now)
	require.NoError(t, err)
	require.Equal(t, "UN", c.Handoff.OwnerID, "the other manager")

	c, err = Reassign(h, onlyManager, nil, DefaultSLA(), "UM", ReassignInput{Reason: ReassignCapacity}, now)
	require.NoError(t, err, "the only manager hands back a lead every member declined")
	require.Equal(t, "U0", c.Handoff.OwnerID, "the passer, as for any owner")
	require.Equal(t, map[NoticeKind][]string{NoticeChannelMessage: {"C1"}, NoticeOwnerReassigned: {"U0"}}, kinds(c.Notices))
}
