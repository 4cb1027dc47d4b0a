package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// sectionsT0 is a Monday morning, when the SLA clocks count.
var sectionsT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// owned is a lead owner claimed at at, as the store returns it: the owner
// is watched from then, and the SLA sweep is due at once.
func owned(owner string, at time.Time) routing.Handoff {
	return routing.Handoff{
		State: routing.StateClaimed, Pool: "closers", Channel: "C1", PasserID: "U0", Lead: routing.Lead{Company: "Acme"},
		CreatedAt: at.Add(-time.Minute), ClaimDeadline: at, OwnerID: owner, ClaimedAt: at, Live: true,
		Work: routing.Work{OwnerSince: at, SLADueAt: at},
	}
}

// sectionOf stores h as a new row and returns the digest section its
// conditions put it in, "" for none; it fails the test if they put it in
// more than one.
func (b bundle) sectionOf(t *testing.T, h routing.Handoff) routing.DigestSection {
	t.Helper()
	id, err := b.store.PutHandoff(b.ctx, h)
	require.NoError(t, err)
	in, err := b.store.SectionsOf(b.ctx, id)
	require.NoError(t, err)
	require.LessOrEqual(t, len(in), 1, "a lead is in one section at most: %v", in)
	if len(in) == 0 {
		return ""
	}
	return in[0]
}

// TestStuckSection: each stuck lead is in exactly one section, the first it
// belongs to (unclaimed, untouched, no outcome, no-show), and a lead with
// nothing wrong is in none.
func TestStuckSection(t *testing.T) {
	t.Parallel()
	b := setup(t)
	T, hr := sectionsT0, time.Hour
	breach := func(c routing.Clock, cleared bool) routing.Breach {
		br := routing.Breach{Clock: c, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(24 * hr), Owner: "U1"}
		if cleared {
			br.ClearedAt = T.Add(30 * hr)
		}
		return br
	}
	firstTouch, outcome := breach(routing.ClockFirstTouch, false), breach(routing.ClockOutcome, false)
	reengage := breach(routing.ClockReengage, false)
	noShow := func(h *routing.Handoff) {
		h.Work.Outcome = routing.Outcome{Kind: routing.OutcomeNoShow, At: T.Add(5 * hr)}
	}
	for _, tt := range []struct {
		name string
		mod  func(h *routing.Handoff)
		want routing.DigestSection // "" for none
	}{
		{"open, waiting for a claim", func(h *routing.Handoff) { h.State, h.OwnerID = routing.StateOpen, "" }, routing.SectionUnclaimed},
		{"open after the fallback", func(h *routing.Handoff) {
			h.State, h.OwnerID, h.FallbackOpen = routing.StateOpen, "", true
		}, routing.SectionUnclaimed},
		{"scheduled, not accepted", func(h *routing.Handoff) { h.State = routing.StateScheduled }, routing.SectionUnclaimed},
		{"reassigned while scheduled, not accepted by the new owner", func(h *routing.Handoff) {
			h.State, h.OwnerID, h.ScheduledFor = routing.StateScheduled, "U3", T.Add(72*hr)
			h.Work.ReassignedAt, h.Work.PreviousOwner = T.Add(hr), "U1"
		}, routing.SectionUnclaimed},
		{"unclaimed comes first", func(h *routing.Handoff) {
			h.State = routing.StateScheduled
			h.Work.Breaches = []routing.Breach{firstTouch, outcome}
			noShow(h)
		}, routing.SectionUnclaimed},
		{"scheduled and accepted, nothing wrong", func(h *routing.Handoff) {
			h.State, h.AcceptedAt = routing.StateScheduled, T.Add(hr)
		}, ""},
		{"scheduled and accepted, untouched", func(h *routing.Handoff) {
			h.State, h.AcceptedAt = routing.StateScheduled, T.Add(hr)
			h.Work.Breaches = []routing.Breach{firstTouch}
		}, routing.SectionUntouched},
		{"scheduled, not accepted, closed", func(h *routing.Handoff) {
			h.State, h.Work.ClosedAt = routing.StateScheduled, T.Add(hr)
		}, ""},
		{"claimed, nothing wrong", func(*routing.Handoff) {}, ""},
		{"claimed, untouched", func(h *routing.Handoff) { h.Work.Breaches = []routing.Breach{firstTouch} }, routing.SectionUntouched},
		{"untouched before no outcome", func(h *routing.Handoff) {
			h.Work.Breaches = []routing.Breach{outcome, firstTouch}
		}, routing.SectionUntouched},
		{"no outcome", func(h *routing.Handoff) { h.Work.Breaches = []routing.Breach{outcome} }, routing.SectionNoOutcome},
		{"no outcome before the no-show", func(h *routing.Handoff) {
			noShow(h)
			h.Work.Breaches = []routing.Breach{outcome}
		}, routing.SectionNoOutcome},
		{"a cleared breach is not stuck", func(h *routing.Handoff) {
			h.Work.Breaches = []routing.Breach{breach(routing.ClockFirstTouch, true), breach(routing.ClockOutcome, true)}
		}, ""},
		{"a no-show not re-engaged, before its clock ran out", noShow, routing.SectionNoShow},
		{"a no-show not re-engaged, breached", func(h *routing.Handoff) {
			noShow(h)
			h.Work.Breaches = []routing.Breach{reengage}
		}, routing.SectionNoShow},
		{"a no-show re-engaged", func(h *routing.Handoff) {
			noShow(h)
			h.Work.LastTouchAt = T.Add(6 * hr)
		}, ""},
		{"a no-show with only a touch before it", func(h *routing.Handoff) {
			noShow(h)
			h.Work.LastTouchAt = T.Add(4 * hr)
		}, routing.SectionNoShow},
		{"a re-engagement breach the owner has since met", func(h *routing.Handoff) {
			noShow(h)
			h.Work.LastTouchAt = T.Add(60 * hr)
			h.Work.Breaches = []routing.Breach{reengage}
		}, ""},
		{"closed with open breaches not yet swept", func(h *routing.Handoff) {
			h.Work.ClosedAt = T.Add(30 * hr)
			h.Work.Breaches = []routing.Breach{firstTouch, outcome}
		}, ""},
		{"closed after a no-show", func(h *routing.Handoff) {
			noShow(h)
			h.Work.ClosedAt = T.Add(30 * hr)
		}, ""},
		{"cancelled while open", func(h *routing.Handoff) { h.State, h.OwnerID = routing.StateCancelled, "" }, ""},
		{"cancelled while scheduled", func(h *routing.Handoff) {
			h.State = routing.StateCancelled
			h.Work.Breaches = []routing.Breach{firstTouch}
		}, ""},
	} {
		h := owned("U1", T)
		tt.mod(&h)
		require.Equal(t, tt.want, b.sectionOf(t, h), tt.name)
	}
}

// TestStuckSectionFollowsTheSweep: a lead nobody works moves through the
// sections as its clocks breach, and leaves them when the work is done.
func TestStuckSectionFollowsTheSweep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	T, hr, s := sectionsT0, time.Hour, routing.DefaultSLA()
	pool := routing.Pool{Name: "closers", Channel: "C1", Members: []string{"U1", "U2", "U3"}, Managers: []string{"UM"}}
	h := owned("U1", T)
	h.State = routing.StateScheduled
	require.Equal(t, routing.SectionUnclaimed, b.sectionOf(t, h))
	c, _, err := routing.Accept(h, "U1", T.Add(hr))
	require.NoError(t, err)
	h = c.Handoff
	require.Equal(t, routing.DigestSection(""), b.sectionOf(t, h))

	h = routing.CheckSLA(h, pool, s, T.Add(24*hr)).Handoff
	require.Equal(t, routing.SectionNoOutcome, b.sectionOf(t, h))
	require.Equal(t, T.Add(24*hr), routing.StuckSince(h, routing.SectionNoOutcome))
	h = routing.CheckSLA(h, pool, s, T.Add(48*hr)).Handoff
	require.Equal(t, routing.SectionUntouched, b.sectionOf(t, h))
	require.Equal(t, T.Add(48*hr), routing.StuckSince(h, routing.SectionUntouched))

	lc, err := routing.LogTouch(h, pool, s, "U1", routing.TouchInput{Kind: routing.TouchCallAttempted}, T.Add(49*hr))
	require.NoError(t, err)
	h = lc.Handoff
	require.Equal(t, routing.SectionNoOutcome, b.sectionOf(t, h))

	lc, err = routing.LogOutcome(h, pool, s, "U1", routing.OutcomeInput{Kind: routing.OutcomeNoShow}, T.Add(50*hr))
	require.NoError(t, err)
	h = lc.Handoff
	require.Equal(t, routing.SectionNoShow, b.sectionOf(t, h))
	require.Equal(t, T.Add(50*hr), routing.StuckSince(h, routing.SectionNoShow))

	lc, err = routing.LogTouch(h, pool, s, "U1", routing.TouchInput{Kind: routing.TouchMeetingBooked, MeetingAt: T.Add(70 * hr)}, T.Add(51*hr))
	require.NoError(t, err)
	h = lc.Handoff
	require.Equal(t, routing.DigestSection(""), b.sectionOf(t, h))
}
