package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStuckSection: each stuck lead is in exactly one section, the first it
// belongs to (unclaimed, untouched, no outcome, no-show), and a lead with
// nothing wrong is in none.
func TestStuckSection(t *testing.T) {
	t.Parallel()
	T, hr := slaT0, time.Hour
	breach := func(c Clock, cleared bool) Breach {
		b := Breach{Clock: c, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(24 * hr), Owner: "U1"}
		if cleared {
			b.ClearedAt = T.Add(30 * hr)
		}
		return b
	}
	firstTouch, outcome, reengage := breach(ClockFirstTouch, false), breach(ClockOutcome, false), breach(ClockReengage, false)
	noShow := func(h *Handoff) { h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(5 * hr)} }
	for _, tt := range []struct {
		name string
		mod  func(h *Handoff)
		want DigestSection // "" for none
	}{
		{"open, waiting for a claim", func(h *Handoff) { h.State, h.OwnerID = StateOpen, "" }, SectionUnclaimed},
		{"open after the fallback", func(h *Handoff) { h.State, h.OwnerID, h.FallbackOpen = StateOpen, "", true }, SectionUnclaimed},
		{"scheduled, not accepted", func(h *Handoff) { h.State = StateScheduled }, SectionUnclaimed},
		{"unclaimed comes first", func(h *Handoff) {
			h.State = StateScheduled
			h.Work.Breaches = []Breach{firstTouch, outcome}
			noShow(h)
		}, SectionUnclaimed},
		{"scheduled and accepted, nothing wrong", func(h *Handoff) { h.State, h.AcceptedAt = StateScheduled, T.Add(hr) }, ""},
		{"scheduled and accepted, untouched", func(h *Handoff) {
			h.State, h.AcceptedAt = StateScheduled, T.Add(hr)
			h.Work.Breaches = []Breach{firstTouch}
		}, SectionUntouched},
		{"scheduled, not accepted, closed", func(h *Handoff) {
			h.State, h.Work.ClosedAt = StateScheduled, T.Add(hr)
		}, ""},
		{"claimed, nothing wrong", func(*Handoff) {}, ""},
		{"claimed, untouched", func(h *Handoff) { h.Work.Breaches = []Breach{firstTouch} }, SectionUntouched},
		{"untouched before no outcome", func(h *Handoff) { h.Work.Breaches = []Breach{outcome, firstTouch} }, SectionUntouched},
		{"no outcome", func(h *Handoff) { h.Work.Breaches = []Breach{outcome} }, SectionNoOutcome},
		{"no outcome before the no-show", func(h *Handoff) {
			noShow(h)
			h.Work.Breaches = []Breach{outcome}
		}, SectionNoOutcome},
		{"a cleared breach is not stuck", func(h *Handoff) {
			h.Work.Breaches = []Breach{breach(ClockFirstTouch, true), breach(ClockOutcome, true)}
		}, ""},
		{"a no-show not re-engaged, before its clock ran out", noShow, SectionNoShow},
		{"a no-show not re-engaged, breached", func(h *Handoff) {
			noShow(h)
			h.Work.Breaches = []Breach{reengage}
		}, SectionNoShow},
		{"a no-show re-engaged", func(h *Handoff) {
			noShow(h)
			h.Work.LastTouchAt = T.Add(6 * hr)
		}, ""},
		{"a no-show with only a touch before it", func(h *Handoff) {
			noShow(h)
			h.Work.LastTouchAt = T.Add(4 * hr)
		}, SectionNoShow},
		{"a re-engagement breach the owner has since met", func(h *Handoff) {
			noShow(h)
			h.Work.LastTouchAt = T.Add(60 * hr)
			h.Work.Breaches = []Breach{reengage}
		}, ""},
		{"closed with open breaches not yet swept", func(h *Handoff) {
			h.Work.ClosedAt = T.Add(30 * hr)
			h.Work.Breaches = []Breach{firstTouch, outcome}
		}, ""},
		{"closed after a no-show", func(h *Handoff) {
			noShow(h)
			h.Work.ClosedAt = T.Add(30 * hr)
		}, ""},
		{"cancelled while open", func(h *Handoff) { h.State, h.OwnerID = StateCancelled, "" }, ""},
		{"cancelled while scheduled", func(h *Handoff) {
			h.State = StateCancelled
			h.Work.Breaches = []Breach{firstTouch}
		}, ""},
	} {
		h := claimedBy("U1", T)
		tt.mod(&h)
		got, ok := StuckSection(h)
		require.Equal(t, tt.want != "", ok, tt.name)
		require.Equal(t, tt.want, got, tt.name)
		if ok {
			require.Contains(t, DigestSections, got, tt.name)
		}
	}
}

func TestStuckSince(t *testing.T) {
	t.Parallel()
	T, hr := slaT0, time.Hour
	for _, tt := range []struct {
		name string
		mod  func(h *Handoff)
		want time.Time
	}{
		{"open: since it was created", func(h *Handoff) { h.State, h.OwnerID = StateOpen, "" }, T.Add(-time.Minute)},
		{"scheduled, not accepted: since the owner got it", func(h *Handoff) {
			h.State, h.Work.OwnerSince = StateScheduled, T.Add(2*hr)
		}, T.Add(2 * hr)},
		{"scheduled, OwnerSince unknown: since the claim", func(h *Handoff) {
			h.State, h.Work.OwnerSince = StateScheduled, time.Time{}
		}, T},
		{"untouched: since the first touch was due", func(h *Handoff) {
			h.Work.Breaches = []Breach{
				{Clock: ClockOutcome, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(24 * hr), Owner: "U1"},
				{Clock: ClockFirstTouch, StartedAt: T, DueAt: T.Add(48 * hr), BreachedAt: T.Add(49 * hr), Owner: "U1"},
			}
		}, T.Add(48 * hr)},
		{"no outcome: since the open run's deadline, not a cleared one's", func(h *Handoff) {
			h.Work.LastTouchAt = T.Add(hr)
			h.Work.Breaches = []Breach{
				{Clock: ClockOutcome, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(24 * hr), Owner: "U1", ClearedAt: T.Add(25 * hr)},
				{Clock: ClockOutcome, StartedAt: T.Add(30 * hr), DueAt: T.Add(54 * hr), BreachedAt: T.Add(55 * hr), Owner: "U1"},
			}
		}, T.Add(54 * hr)},
		{"no-show: since the no-show", func(h *Handoff) {
			h.Work.LastTouchAt = T.Add(hr)
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(7 * hr)}
			h.Work.Breaches = []Breach{{Clock: ClockReengage, StartedAt: T.Add(7 * hr), DueAt: T.Add(55 * hr), BreachedAt: T.Add(55 * hr), Owner: "U1"}}
		}, T.Add(7 * hr)},
	} {
		h := claimedBy("U1", T)
		tt.mod(&h)
		section, ok := StuckSection(h)
		require.True(t, ok, tt.name)
		require.Equal(t, tt.want, StuckSince(h, section), tt.name)
	}
}

// TestStuckSectionFollowsTheSweep: a lead nobody works moves through the
// sections as its clocks breach, and leaves them when the work is done.
func TestStuckSectionFollowsTheSweep(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	section := func(h Handoff) DigestSection {
		sec, _ := StuckSection(h)
		return sec
	}
	h := claimedBy("U1", T)
	h.State = StateScheduled
	require.Equal(t, SectionUnclaimed, section(h))
	c, _, err := Accept(h, "U1", T.Add(hr))
	require.NoError(t, err)
	h = c.Handoff
	require.Equal(t, DigestSection(""), section(h))

	sweep(t, &h, slaPool, s, T.Add(24*hr))
	require.Equal(t, SectionNoOutcome, section(h))
	require.Equal(t, T.Add(24*hr), StuckSince(h, SectionNoOutcome))
	sweep(t, &h, slaPool, s, T.Add(48*hr))
	require.Equal(t, SectionUntouched, section(h))
	require.Equal(t, T.Add(48*hr), StuckSince(h, SectionUntouched))

	lc, err := LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchCallAttempted}, T.Add(49*hr))
	require.NoError(t, err)
	h = lc.Handoff
	require.Equal(t, SectionNoOutcome, section(h))

	lc, err = LogOutcome(h, slaPool, s, "U1", OutcomeInput{Kind: OutcomeNoShow}, T.Add(50*hr))
	require.NoError(t, err)
	h = lc.Handoff
	require.Equal(t, SectionNoShow, section(h))
	require.Equal(t, T.Add(50*hr), StuckSince(h, SectionNoShow))

	lc, err = LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: T.Add(70 * hr)}, T.Add(51*hr))
	require.NoError(t, err)
	h = lc.Handoff
	require.Equal(t, DigestSection(""), section(h))
}
