package routing

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// slaT0 is a Monday morning: the owner of the leads below gets them then.
var slaT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// slaPool is a pool with two managers, so that every manager is told.
var slaPool = Pool{Name: "closers", Channel: "C1", Members: []string{"U1", "U2", "U3"}, Managers: []string{"UM", "UN"}}

// claimedBy is a lead owner claimed at at, as the store returns it: the
// owner is watched from then, and the sweep is due at once.
func claimedBy(owner string, at time.Time) Handoff {
	return Handoff{
		ID: 9, State: StateClaimed, Pool: "closers", Channel: "C1", PasserID: "U0", Lead: Lead{Company: "Acme"},
		CreatedAt: at.Add(-time.Minute), ClaimDeadline: at, OwnerID: owner, ClaimedAt: at, Live: true,
		Work: Work{OwnerSince: at, SLADueAt: at},
	}
}

// runs writes running clocks so that a failure reads well.
func runs(rs []Running) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s %s -> %s", r.Clock, r.StartedAt.UTC().Format(time.RFC3339), r.DueAt.UTC().Format(time.RFC3339)))
	}
	return out
}

func run(c Clock, from, due time.Time) string {
	return runs([]Running{{Clock: c, StartedAt: from, DueAt: due}})[0]
}

// breachKeys writes each breach as owner/clock/start and whether it is open.
func breachKeys(bs []Breach) []string {
	out := []string{}
	for _, b := range bs {
		state := "open"
		if !b.Open() {
			state = "cleared"
		}
		out = append(out, fmt.Sprintf("%s/%s/%s %s", b.Owner, b.Clock, b.StartedAt.UTC().Format(time.RFC3339), state))
	}
	return out
}

func breachKey(owner string, c Clock, start time.Time, state string) string {
	return fmt.Sprintf("%s/%s/%s %s", owner, c, start.UTC().Format(time.RFC3339), state)
}

// sweep is the SLA sweep at now, as the store runs it: it applies the change.
func sweep(t *testing.T, h *Handoff, pool Pool, s SLA, now time.Time) Change {
	t.Helper()
	c := CheckSLA(*h, pool, s, now)
	*h = c.Handoff
	return c
}

func TestRunningClocks(t *testing.T) {
	t.Parallel()
	T, hr := slaT0, time.Hour
	def := DefaultSLA()
	custom := DefaultSLA()
	custom.FirstTouch, custom.OutcomeDue, custom.Reengage = 2*hr, 3*hr, 5*hr
	noReengage := DefaultSLA()
	noReengage.Reengage = 0
	meeting := func(w *Work, bookedAt, at time.Time) {
		w.LastTouchAt, w.LastTouch, w.MeetingBookedAt, w.MeetingAt = bookedAt, TouchMeetingBooked, bookedAt, at
	}
	tests := []struct {
		name string
		sla  SLA
		mod  func(h *Handoff)
		want []string
	}{
		{"just claimed: touch and outcome", def, func(*Handoff) {},
			[]string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}},
		{"durations from the SLA", custom, func(*Handoff) {},
			[]string{run(ClockFirstTouch, T, T.Add(2*hr)), run(ClockOutcome, T, T.Add(3*hr))}},
		{"a meaningful touch meets the first touch", def, func(h *Handoff) { h.Work.LastTouchAt, h.Work.LastTouch = T.Add(hr), TouchCallAttempted },
			[]string{run(ClockOutcome, T, T.Add(24*hr))}},
		{"a touch the moment the owner got it counts", def, func(h *Handoff) { h.Work.LastTouchAt = T },
			[]string{run(ClockOutcome, T, T.Add(24*hr))}},
		{"a touch before the owner got it does not count", def, func(h *Handoff) { h.Work.LastTouchAt = T.Add(-hr) },
			[]string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}},
		{"any outcome meets both", def, func(h *Handoff) { h.Work.Outcome = Outcome{Kind: OutcomeConnected, At: T.Add(2 * hr), By: "U1"} },
			nil},
		{"an outcome before the owner got it does not count", def, func(h *Handoff) { h.Work.Outcome = Outcome{Kind: OutcomeConnected, At: T.Add(-hr)} },
			[]string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}},
		{"a booked meeting restarts the outcome clock at the meeting", def, func(h *Handoff) { meeting(&h.Work, T.Add(hr), T.Add(50*hr)) },
			[]string{run(ClockOutcome, T.Add(50*hr), T.Add(74*hr))}},
		{"a meeting logged late starts in the past", def, func(h *Handoff) { meeting(&h.Work, T.Add(30*hr), T.Add(10*hr)) },
			[]string{run(ClockOutcome, T.Add(10*hr), T.Add(34*hr))}},
		{"an outcome logged after booking meets it", def, func(h *Handoff) {
			meeting(&h.Work, T.Add(hr), T.Add(5*hr))
			h.Work.Outcome = Outcome{Kind: OutcomeMeetingHeld, At: T.Add(6 * hr)}
		}, nil},
		{"an outcome before the booking does not meet the meeting's", def, func(h *Handoff) {
			h.Work.Outcome = Outcome{Kind: OutcomeConnected, At: T.Add(hr)}
			meeting(&h.Work, T.Add(2*hr), T.Add(26*hr))
		}, []string{run(ClockOutcome, T.Add(26*hr), T.Add(50*hr))}},
		{"a meeting the previous owner booked is not this owner's", def, func(h *Handoff) { meeting(&h.Work, T.Add(-2*hr), T.Add(10*hr)) },
			[]string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}},
		{"a no-show starts the re-engagement clock", def, func(h *Handoff) {
			meeting(&h.Work, T.Add(hr), T.Add(5*hr))
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(6 * hr)}
		}, []string{run(ClockReengage, T.Add(6*hr), T.Add(54*hr))}},
		{"re-engagement with its own duration", custom, func(h *Handoff) {
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(6 * hr)}
		}, []string{run(ClockReengage, T.Add(6*hr), T.Add(11*hr))}},
		{"re-engagement defaults to 48h in an SLA built by hand", noReengage, func(h *Handoff) {
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(6 * hr)}
		}, []string{run(ClockReengage, T.Add(6*hr), T.Add(54*hr))}},
		{"a meaningful touch after the no-show re-engages", def, func(h *Handoff) {
			meeting(&h.Work, T.Add(hr), T.Add(5*hr))
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(6 * hr)}
			h.Work.LastTouchAt, h.Work.LastTouch = T.Add(7*hr), TouchCallAttempted
		}, nil},
		{"a touch at the no-show's instant is not after it", def, func(h *Handoff) {
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(6 * hr)}
			h.Work.LastTouchAt = T.Add(6 * hr)
		}, []string{run(ClockReengage, T.Add(6*hr), T.Add(54*hr))}},
		{"a new meeting after the no-show: its outcome is due", def, func(h *Handoff) {
			meeting(&h.Work, T.Add(hr), T.Add(5*hr))
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(6 * hr)}
			meeting(&h.Work, T.Add(7*hr), T.Add(30*hr))
		}, []string{run(ClockOutcome, T.Add(30*hr), T.Add(54*hr))}},
		{"another outcome after the no-show ends the re-engagement", def, func(h *Handoff) {
			h.Work.Outcome = Outcome{Kind: OutcomeConnected, At: T.Add(8 * hr)}
		}, nil},
		{"a no-show before the owner got it is not theirs to re-engage", def, func(h *Handoff) {
			h.Work.LastTouchAt = T.Add(-3 * hr)
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(-hr)}
		}, []string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}},
		{"a callback later than the owner got it starts the clocks", def, func(h *Handoff) {
			h.State, h.ScheduledFor = StateScheduled, T.Add(72*hr)
		}, []string{run(ClockFirstTouch, T.Add(72*hr), T.Add(120*hr)), run(ClockOutcome, T.Add(72*hr), T.Add(96*hr))}},
		{"a callback before the owner got it does not", def, func(h *Handoff) {
			h.State, h.ScheduledFor = StateScheduled, T.Add(-hr)
		}, []string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}},
		{"a touch before the callback meets the first touch", def, func(h *Handoff) {
			h.State, h.ScheduledFor = StateScheduled, T.Add(72*hr)
			h.Work.LastTouchAt = T.Add(hr)
		}, []string{run(ClockOutcome, T.Add(72*hr), T.Add(96*hr))}},
		{"a scheduled lead is watched like a claimed one", def, func(h *Handoff) { h.State = StateScheduled },
			[]string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}},
		{"without OwnerSince, from the claim", def, func(h *Handoff) { h.Work.OwnerSince = time.Time{} },
			[]string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}},
		{"a final outcome closes the lead", def, func(h *Handoff) {
			h.Work.Outcome = Outcome{Kind: OutcomeQualifiedSQL, At: T.Add(hr)}
			h.Work.ClosedAt = T.Add(hr)
		}, nil},
		{"closed even by a disqualification after a no-show", def, func(h *Handoff) {
			h.Work.Outcome = Outcome{Kind: OutcomeDisqualified, Reason: DisqualifyBadTiming, At: T.Add(hr)}
			h.Work.ClosedAt = T.Add(hr)
		}, nil},
		{"closed with nothing done", def, func(h *Handoff) { h.Work.ClosedAt = T.Add(hr) }, nil},
		{"cancelled", def, func(h *Handoff) { h.State, h.CancelledAt = StateCancelled, T.Add(hr) }, nil},
		{"open", def, func(h *Handoff) { h.State, h.OwnerID = StateOpen, "" }, nil},
		{"claimed without an owner", def, func(h *Handoff) { h.OwnerID = "" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := claimedBy("U1", T)
			tt.mod(&h)
			want := tt.want
			if want == nil {
				want = []string{}
			}
			require.Equal(t, want, runs(tt.sla.RunningClocks(h, Calendar{})))
		})
	}
}

// TestClocksThroughTheWork drives the clocks with the owner's own actions:
// a templated email stops nothing, a call does, a meeting restarts the
// outcome clock, a no-show starts the re-engagement and a final outcome
// ends everything.
func TestClocksThroughTheWork(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U1", T)
	clocks := func() []string { return runs(s.RunningClocks(h, Calendar{})) }
	do := func(c Change, err error) {
		t.Helper()
		require.NoError(t, err)
		h = c.Handoff
	}
	fresh := []string{run(ClockFirstTouch, T, T.Add(48*hr)), run(ClockOutcome, T, T.Add(24*hr))}
	require.Equal(t, fresh, clocks())

	do(LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchTemplateEmail, Note: "sent the template"}, T.Add(hr)))
	require.Equal(t, fresh, clocks(), "a templated email does not stop the first-touch clock")
	require.True(t, h.Work.LastTouchAt.IsZero())

	do(LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchReplyReceived}, T.Add(2*hr)))
	require.Equal(t, []string{run(ClockOutcome, T, T.Add(24*hr))}, clocks())

	do(LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: T.Add(28 * hr)}, T.Add(3*hr)))
	require.Equal(t, []string{run(ClockOutcome, T.Add(28*hr), T.Add(52*hr))}, clocks())

	do(LogOutcome(h, slaPool, s, "U1", OutcomeInput{Kind: OutcomeNoShow}, T.Add(29*hr)))
	require.Equal(t, []string{run(ClockReengage, T.Add(29*hr), T.Add(77*hr))}, clocks())

	do(LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchTemplateEmail}, T.Add(30*hr)))
	require.Equal(t, []string{run(ClockReengage, T.Add(29*hr), T.Add(77*hr))}, clocks(), "a template does not re-engage")

	do(LogTouch(h, slaPool, s, "UM", TouchInput{Kind: TouchCallAttempted}, T.Add(31*hr)))
	require.Equal(t, []string{}, clocks(), "a manager's call on the owner's behalf re-engages")

	do(LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: T.Add(50 * hr)}, T.Add(32*hr)))
	require.Equal(t, []string{run(ClockOutcome, T.Add(50*hr), T.Add(74*hr))}, clocks())

	do(LogOutcome(h, slaPool, s, "U1", OutcomeInput{Kind: OutcomeQualifiedSAL}, T.Add(51*hr)))
	require.Equal(t, []string{}, clocks())
	require.False(t, h.Owned())
	require.True(t, h.Work.SLADueAt.IsZero(), "nothing left to watch")
}

// TestCheckSLABreachesOnceAndAlertsManagersAfterGrace walks a lead nobody
// works: each clock breaches once however often the sweep looks, the owner
// is told at once and each manager once after the grace period, and the next
// look is always the earliest thing still to happen.
func TestCheckSLABreachesOnceAndAlertsManagersAfterGrace(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U1", T)

	c := sweep(t, &h, slaPool, s, T)
	require.Empty(t, c.Event.Kind, "nothing happened but the next date")
	require.Empty(t, c.Notices)
	require.Equal(t, T.Add(24*hr), h.Work.SLADueAt, "the outcome is due first")

	for _, at := range []time.Time{T.Add(hr), T.Add(24*hr - time.Nanosecond)} {
		c = sweep(t, &h, slaPool, s, at)
		require.Empty(t, c.Event.Kind)
		require.Empty(t, h.Work.Breaches)
		require.Equal(t, T.Add(24*hr), h.Work.SLADueAt)
	}

	// At the deadline itself the outcome clock breaches.
	c = sweep(t, &h, slaPool, s, T.Add(24*hr))
	require.Equal(t, EventSLABreached, c.Event.Kind)
	require.Equal(t, h.ID, c.Event.HandoffID)
	require.Equal(t, "baton", c.Event.Actor)
	require.Equal(t, T.Add(24*hr), c.Event.At)
	require.Equal(t, map[string]any{"owner": "U1", "breached": []string{"outcome"}}, c.Event.Detail)
	require.Equal(t, map[NoticeKind][]string{NoticeSLABreach: {"U1"}}, kinds(c.Notices))
	require.Equal(t, []Breach{{Clock: ClockOutcome, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(24 * hr), Owner: "U1"}}, h.Work.Breaches)
	require.Equal(t, T.Add(28*hr), h.Work.SLADueAt, "the managers' grace ends before the first touch is due")
	require.Equal(t, h.Work.Breaches, h.OpenBreaches())

	// The sweep looking again and again records nothing more.
	for _, at := range []time.Time{T.Add(24 * hr), T.Add(24*hr + time.Minute), T.Add(27 * hr)} {
		c = sweep(t, &h, slaPool, s, at)
		require.Empty(t, c.Event.Kind, "at %s", at)
		require.Empty(t, c.Notices)
		require.Len(t, h.Work.Breaches, 1)
		require.Equal(t, T.Add(28*hr), h.Work.SLADueAt)
	}

	// After the grace period each manager hears of it, once.
	c = sweep(t, &h, slaPool, s, T.Add(28*hr))
	require.Equal(t, EventSLAEscalate, c.Event.Kind)
	require.Equal(t, map[string]any{"owner": "U1", "alerted": []string{"outcome"}}, c.Event.Detail)
	require.Equal(t, map[NoticeKind][]string{NoticeSLAManagerAlert: {"UM", "UN"}}, kinds(c.Notices))
	require.Equal(t, T.Add(28*hr), h.Work.Breaches[0].ManagerAlertedAt)
	require.Equal(t, T.Add(48*hr), h.Work.SLADueAt, "next: the first touch")
	c = sweep(t, &h, slaPool, s, T.Add(30*hr))
	require.Empty(t, c.Event.Kind)
	require.Empty(t, c.Notices, "managers are told once")

	// The first touch breaches in turn, then reaches the managers.
	c = sweep(t, &h, slaPool, s, T.Add(48*hr+time.Minute))
	require.Equal(t, EventSLABreached, c.Event.Kind)
	require.Equal(t, map[string]any{"owner": "U1", "breached": []string{"first_touch"}}, c.Event.Detail)
	require.Equal(t, map[NoticeKind][]string{NoticeSLABreach: {"U1"}}, kinds(c.Notices))
	require.Equal(t, T.Add(48*hr), h.Work.Breaches[1].DueAt)
	require.Equal(t, T.Add(48*hr+time.Minute), h.Work.Breaches[1].BreachedAt)
	require.Equal(t, T.Add(52*hr+time.Minute), h.Work.SLADueAt, "the grace counts from the breach")
	c = sweep(t, &h, slaPool, s, T.Add(52*hr+time.Minute))
	require.Equal(t, EventSLAEscalate, c.Event.Kind)
	require.Equal(t, map[string]any{"owner": "U1", "alerted": []string{"first_touch"}}, c.Event.Detail)
	require.Equal(t, map[NoticeKind][]string{NoticeSLAManagerAlert: {"UM", "UN"}}, kinds(c.Notices))
	require.True(t, h.Work.SLADueAt.IsZero(), "everything breached and told: nothing left to look for")

	for _, at := range []time.Time{T.Add(53 * hr), T.Add(400 * hr)} {
		c = sweep(t, &h, slaPool, s, at)
		require.Empty(t, c.Event.Kind)
		require.Empty(t, c.Notices)
	}
	require.Equal(t, []string{breachKey("U1", ClockOutcome, T, "open"), breachKey("U1", ClockFirstTouch, T, "open")}, breachKeys(h.Work.Breaches))
}

func TestCheckSLALateSweep(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	s.ManagerGrace = 2 * hr
	h := claimedBy("U1", T)

	// Baton was down: both clocks ran out before the sweep looked.
	c := sweep(t, &h, slaPool, s, T.Add(100*hr))
	require.Equal(t, EventSLABreached, c.Event.Kind)
	require.ElementsMatch(t, []string{"first_touch", "outcome"}, c.Event.Detail["breached"])
	require.Equal(t, map[NoticeKind][]string{NoticeSLABreach: {"U1"}}, kinds(c.Notices), "one notice for both")
	for _, b := range h.Work.Breaches {
		require.Equal(t, T.Add(100*hr), b.BreachedAt)
		require.True(t, b.DueAt.Before(b.BreachedAt))
	}
	require.Equal(t, T.Add(102*hr), h.Work.SLADueAt, "the grace (2h here) counts from when the breach was seen")

	c = sweep(t, &h, slaPool, s, T.Add(102*hr))
	require.Equal(t, EventSLAEscalate, c.Event.Kind)
	require.ElementsMatch(t, []string{"first_touch", "outcome"}, c.Event.Detail["alerted"])
	require.Equal(t, map[NoticeKind][]string{NoticeSLAManagerAlert: {"UM", "UN"}}, kinds(c.Notices), "each manager once, for both breaches")
}

func TestCheckSLAWithoutManagers(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	pool := slaPool
	pool.Managers = nil
	h := claimedBy("U1", T)

	c := sweep(t, &h, pool, s, T.Add(24*hr))
	require.Equal(t, EventSLABreached, c.Event.Kind)
	require.Equal(t, map[NoticeKind][]string{NoticeSLABreach: {"U1"}}, kinds(c.Notices))
	require.Equal(t, T.Add(48*hr), h.Work.SLADueAt, "no grace to wait for")

	c = sweep(t, &h, pool, s, T.Add(48*hr))
	require.Equal(t, EventSLABreached, c.Event.Kind)
	require.True(t, h.Work.SLADueAt.IsZero())
	for _, at := range []time.Time{T.Add(60 * hr), T.Add(500 * hr)} {
		c = sweep(t, &h, pool, s, at)
		require.Empty(t, c.Event.Kind)
		require.Empty(t, c.Notices, "nobody to alert")
	}
	for _, b := range h.Work.Breaches {
		require.True(t, b.ManagerAlertedAt.IsZero())
	}
}

// TestCheckSLANextLook pins SLADueAt: the earliest pending deadline or end
// of a grace period, zero when nothing runs.
func TestCheckSLANextLook(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	for _, tt := range []struct {
		name string
		mod  func(h *Handoff)
		now  time.Time
		want time.Time
	}{
		{"fresh claim: the outcome", func(*Handoff) {}, T, T.Add(24 * hr)},
		{"touched: still the outcome", func(h *Handoff) { h.Work.LastTouchAt = T.Add(hr) }, T.Add(hr), T.Add(24 * hr)},
		{"meeting far ahead: its outcome", func(h *Handoff) {
			h.Work.LastTouchAt, h.Work.MeetingBookedAt, h.Work.MeetingAt = T.Add(hr), T.Add(hr), T.Add(240*hr)
		}, T.Add(hr), T.Add(264 * hr)},
		{"outcome logged, touched: nothing", func(h *Handoff) {
			h.Work.LastTouchAt, h.Work.Outcome = T.Add(hr), Outcome{Kind: OutcomeConnected, At: T.Add(hr)}
		}, T.Add(hr), time.Time{}},
		{"no-show: the re-engagement", func(h *Handoff) { h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(2 * hr)} }, T.Add(2 * hr), T.Add(50 * hr)},
		{"callback later: from the callback", func(h *Handoff) { h.State, h.ScheduledFor = StateScheduled, T.Add(10*hr) }, T, T.Add(34 * hr)},
		{"closed", func(h *Handoff) { h.Work.ClosedAt = T.Add(hr) }, T.Add(hr), time.Time{}},
		{"cancelled", func(h *Handoff) { h.State = StateCancelled }, T.Add(hr), time.Time{}},
		{"open", func(h *Handoff) { h.State, h.OwnerID = StateOpen, "" }, T, time.Time{}},
		{"an open breach waiting for the grace beats a later deadline", func(h *Handoff) {
			h.Work.Breaches = []Breach{{Clock: ClockOutcome, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(25 * hr), Owner: "U1"}}
		}, T.Add(26 * hr), T.Add(29 * hr)},
		{"a later grace loses to an earlier deadline", func(h *Handoff) {
			h.Work.Breaches = []Breach{{Clock: ClockOutcome, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(46 * hr), Owner: "U1"}}
		}, T.Add(47 * hr), T.Add(48 * hr)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := claimedBy("U1", T)
			tt.mod(&h)
			c := CheckSLA(h, slaPool, s, tt.now)
			require.Equal(t, tt.want, c.Handoff.Work.SLADueAt)
		})
	}
}

func TestCheckSLADoesNotChangeItsInput(t *testing.T) {
	t.Parallel()
	T, hr := slaT0, time.Hour
	h := claimedBy("U1", T)
	h.Work.Breaches = []Breach{{Clock: ClockFirstTouch, StartedAt: T, DueAt: T.Add(48 * hr), BreachedAt: T.Add(48 * hr), Owner: "U1"}}
	h.Work.LastTouchAt, h.Work.Outcome = T.Add(50*hr), Outcome{Kind: OutcomeConnected, At: T.Add(50 * hr)}
	c := CheckSLA(h, slaPool, DefaultSLA(), T.Add(60*hr))
	require.Equal(t, EventSLACleared, c.Event.Kind)
	require.True(t, h.Work.Breaches[0].Open(), "the caller's handoff is not touched")
	require.False(t, c.Handoff.Work.Breaches[0].Open())
}

// TestBreachClearedByTheWork: the owner's work clears what it meets, in the
// change of their own action, whose event stays theirs.
func TestBreachClearedByTheWork(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()

	// Both clocks breached, managers told of the outcome one.
	h := claimedBy("U1", T)
	sweep(t, &h, slaPool, s, T.Add(24*hr))
	sweep(t, &h, slaPool, s, T.Add(28*hr))
	sweep(t, &h, slaPool, s, T.Add(48*hr))
	require.Len(t, h.OpenBreaches(), 2)

	// A templated email clears nothing.
	c, err := LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchTemplateEmail}, T.Add(49*hr))
	require.NoError(t, err)
	require.NotContains(t, c.Event.Detail, "sla_cleared")
	require.Len(t, c.Handoff.OpenBreaches(), 2)

	// A call clears the first touch; the outcome breach stands.
	c, err = LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchCallAttempted}, T.Add(49*hr))
	require.NoError(t, err)
	require.Equal(t, EventTouchLogged, c.Event.Kind)
	require.Equal(t, "U1", c.Event.Actor)
	require.Equal(t, []string{"first_touch"}, c.Event.Detail["sla_cleared"])
	require.NotContains(t, kinds(c.Notices), NoticeSLABreach)
	h = c.Handoff
	require.Equal(t, []string{breachKey("U1", ClockOutcome, T, "open"), breachKey("U1", ClockFirstTouch, T, "cleared")}, breachKeys(h.Work.Breaches))
	require.Equal(t, T.Add(49*hr), h.Work.Breaches[1].ClearedAt)
	require.True(t, h.Work.SLADueAt.IsZero(), "the first touch was cleared before its grace; the outcome breach was already told")

	// An outcome clears the outcome breach: nothing runs, nothing to look at.
	c, err = LogOutcome(h, slaPool, s, "U1", OutcomeInput{Kind: OutcomeConnected}, T.Add(50*hr))
	require.NoError(t, err)
	require.Equal(t, EventOutcomeLogged, c.Event.Kind)
	require.Equal(t, []string{"outcome"}, c.Event.Detail["sla_cleared"])
	h = c.Handoff
	require.Empty(t, h.OpenBreaches())
	require.True(t, h.Work.SLADueAt.IsZero())
	require.Len(t, h.Work.Breaches, 2, "cleared breaches stay on record")

	// The sweep later finds nothing to do.
	c2 := sweep(t, &h, slaPool, s, T.Add(100*hr))
	require.Empty(t, c2.Event.Kind)
}

func TestBreachClearedByAFinalOutcome(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U1", T)
	sweep(t, &h, slaPool, s, T.Add(48*hr))
	require.Len(t, h.OpenBreaches(), 2)
	c, err := LogOutcome(h, slaPool, s, "U1", OutcomeInput{Kind: OutcomeDisqualified, Reason: DisqualifyNoBudget}, T.Add(49*hr))
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"first_touch", "outcome"}, c.Event.Detail["sla_cleared"])
	require.Empty(t, c.Handoff.OpenBreaches())
	require.True(t, c.Handoff.Work.SLADueAt.IsZero())
}

// TestBreachFoundDuringAPersonsChange: the owner logs something that does
// not meet a clock just past its deadline, before the sweep saw it: the
// breach is recorded with their change and the owner is still told.
func TestBreachFoundDuringAPersonsChange(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U1", T)
	h.Work.LastTouchAt = T.Add(hr)
	c, err := LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchTemplateEmail}, T.Add(24*hr))
	require.NoError(t, err)
	require.Equal(t, EventTouchLogged, c.Event.Kind)
	require.Equal(t, []string{"outcome"}, c.Event.Detail["sla_breached"])
	require.Equal(t, []string{"U1"}, kinds(c.Notices)[NoticeSLABreach])
	require.Equal(t, []string{breachKey("U1", ClockOutcome, T, "open")}, breachKeys(c.Handoff.Work.Breaches))
	require.Equal(t, T.Add(28*hr), c.Handoff.Work.SLADueAt)

	h = c.Handoff
	c2 := sweep(t, &h, slaPool, s, T.Add(24*hr+time.Minute))
	require.Empty(t, c2.Event.Kind, "the sweep does not breach it again")
}

// TestBreachClearedByReassignment: the old owner's breaches clear when the
// lead moves, and the new owner's clocks start fresh from OwnerSince.
func TestBreachClearedByReassignment(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U1", T)
	h.Work.LastTouchAt = T.Add(hr) // U1 touched it, then sat on it
	sweep(t, &h, slaPool, s, T.Add(24*hr))
	require.Equal(t, []string{breachKey("U1", ClockOutcome, T, "open")}, breachKeys(h.Work.Breaches))

	now := T.Add(30 * hr)
	c, err := Reassign(h, slaPool, nil, s, "UM", ReassignInput{Reason: ReassignCapacity, To: "U2"}, now)
	require.NoError(t, err)
	require.Equal(t, EventReassigned, c.Event.Kind)
	require.Equal(t, []string{"outcome"}, c.Event.Detail["sla_cleared"])
	require.NotContains(t, kinds(c.Notices), NoticeSLABreach)
	h = c.Handoff
	require.Equal(t, "U2", h.OwnerID)
	require.Equal(t, now, h.Work.OwnerSince)
	require.Equal(t, []string{breachKey("U1", ClockOutcome, T, "cleared")}, breachKeys(h.Work.Breaches))
	require.Equal(t, []string{run(ClockFirstTouch, now, now.Add(48*hr)), run(ClockOutcome, now, now.Add(24*hr))},
		runs(s.RunningClocks(h, Calendar{})), "U1's touch is not U2's")
	require.Equal(t, now.Add(24*hr), h.Work.SLADueAt)

	// The new owner's clock breaches on its own, once.
	c = sweep(t, &h, slaPool, s, now.Add(24*hr))
	require.Equal(t, EventSLABreached, c.Event.Kind)
	require.Equal(t, map[NoticeKind][]string{NoticeSLABreach: {"U2"}}, kinds(c.Notices))
	require.Equal(t, "U2", c.Event.Detail["owner"])
	sweep(t, &h, slaPool, s, now.Add(25*hr))
	require.Equal(t, []string{breachKey("U1", ClockOutcome, T, "cleared"), breachKey("U2", ClockOutcome, now, "open")}, breachKeys(h.Work.Breaches))
}

// TestBreachClearedByTheSweepWhenTheOwnerChanged: a lead handed back or
// missed gets its owner without an SLA check, and the sweep it schedules at
// once clears the previous owner's breaches.
func TestBreachClearedByTheSweepWhenTheOwnerChanged(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U2", T)
	h.State = StateScheduled
	sweep(t, &h, slaPool, s, T.Add(24*hr))
	require.Len(t, h.OpenBreaches(), 1)

	now := T.Add(25 * hr)
	c, err := HandBack(h, slaPool, nil, "U2", "on leave", now)
	require.NoError(t, err)
	h = c.Handoff
	require.Equal(t, "U1", h.OwnerID)
	require.Equal(t, now, h.Work.SLADueAt, "the sweep looks at once")

	c = sweep(t, &h, slaPool, s, now)
	require.Equal(t, EventSLACleared, c.Event.Kind)
	require.Equal(t, map[string]any{"owner": "U1", "cleared": []string{"outcome"}}, c.Event.Detail)
	require.Empty(t, c.Notices)
	require.Empty(t, h.OpenBreaches())
	require.Equal(t, now.Add(24*hr), h.Work.SLADueAt)
}

// TestCheckSLABreachesAndClearsAtOnce: one sweep that both clears and
// breaches reports the breach, with the cleared clocks in its detail. A
// breach is its owner's: the previous owner's clears even when the new
// owner's run of the same clock started at the same instant, and does not
// stand for the new owner's.
func TestCheckSLABreachesAndClearsAtOnce(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	for _, start := range []time.Time{T.Add(-48 * hr), T} {
		h := claimedBy("U2", T)
		h.Work.Breaches = []Breach{{Clock: ClockOutcome, StartedAt: start, DueAt: start.Add(24 * hr), BreachedAt: start.Add(24 * hr), Owner: "U1"}}
		c := sweep(t, &h, slaPool, s, T.Add(30*hr))
		require.Equal(t, EventSLABreached, c.Event.Kind)
		require.Equal(t, map[string]any{"owner": "U2", "breached": []string{"outcome"}, "cleared": []string{"outcome"}}, c.Event.Detail)
		require.Equal(t, map[NoticeKind][]string{NoticeSLABreach: {"U2"}}, kinds(c.Notices))
		require.Equal(t, []string{breachKey("U1", ClockOutcome, start, "cleared"), breachKey("U2", ClockOutcome, T, "open")}, breachKeys(h.Work.Breaches))
	}
}

// TestCheckSLABreachAndAlertTogether: a new breach and a grace ending in
// the same sweep: the event is the breach, and both the owner and the
// managers are told.
func TestCheckSLABreachAndAlertTogether(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	s.ManagerGrace = 24 * hr
	h := claimedBy("U1", T)
	sweep(t, &h, slaPool, s, T.Add(24*hr))
	c := sweep(t, &h, slaPool, s, T.Add(48*hr))
	require.Equal(t, EventSLABreached, c.Event.Kind)
	require.Equal(t, []string{"first_touch"}, c.Event.Detail["breached"])
	require.Equal(t, []string{"outcome"}, c.Event.Detail["alerted"])
	require.Equal(t, map[NoticeKind][]string{NoticeSLABreach: {"U1"}, NoticeSLAManagerAlert: {"UM", "UN"}}, kinds(c.Notices))
}

// TestRestartedClockBreachesAgainOnce: a new meeting restarts the outcome
// clock; the old run's breach clears, the new run can breach, once.
func TestRestartedClockBreachesAgainOnce(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U1", T)
	h.Work.LastTouchAt = T.Add(hr)
	sweep(t, &h, slaPool, s, T.Add(24*hr))
	require.Equal(t, []string{breachKey("U1", ClockOutcome, T, "open")}, breachKeys(h.Work.Breaches))

	m1 := T.Add(26 * hr)
	c, err := LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: m1}, T.Add(25*hr))
	require.NoError(t, err)
	require.Equal(t, []string{"outcome"}, c.Event.Detail["sla_cleared"])
	h = c.Handoff
	require.Equal(t, m1.Add(24*hr), h.Work.SLADueAt)

	for _, at := range []time.Time{m1.Add(24 * hr), m1.Add(25 * hr), m1.Add(30 * hr)} {
		sweep(t, &h, slaPool, s, at)
	}
	require.Equal(t, []string{breachKey("U1", ClockOutcome, T, "cleared"), breachKey("U1", ClockOutcome, m1, "open")}, breachKeys(h.Work.Breaches))

	// Rescheduled again: the second meeting's breach clears and the third
	// meeting's clock breaches in its turn.
	m2 := m1.Add(48 * hr)
	c, err = LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchMeetingBooked, MeetingAt: m2}, m1.Add(31*hr))
	require.NoError(t, err)
	h = c.Handoff
	for _, at := range []time.Time{m2.Add(24 * hr), m2.Add(24 * hr), m2.Add(99 * hr)} {
		sweep(t, &h, slaPool, s, at)
	}
	require.Equal(t, []string{
		breachKey("U1", ClockOutcome, T, "cleared"),
		breachKey("U1", ClockOutcome, m1, "cleared"),
		breachKey("U1", ClockOutcome, m2, "open"),
	}, breachKeys(h.Work.Breaches))
}

func TestReengageClockBreachesAndClears(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	h := claimedBy("U1", T)
	h.Work.LastTouchAt = T.Add(hr)
	noShow := T.Add(5 * hr)
	c, err := LogOutcome(h, slaPool, s, "U1", OutcomeInput{Kind: OutcomeNoShow}, noShow)
	require.NoError(t, err)
	h = c.Handoff
	require.Equal(t, noShow.Add(48*hr), h.Work.SLADueAt)

	c = sweep(t, &h, slaPool, s, noShow.Add(48*hr))
	require.Equal(t, EventSLABreached, c.Event.Kind)
	require.Equal(t, []string{"reengage"}, c.Event.Detail["breached"])
	require.Equal(t, []string{breachKey("U1", ClockReengage, noShow, "open")}, breachKeys(h.Work.Breaches))

	c, err = LogTouch(h, slaPool, s, "U1", TouchInput{Kind: TouchReplyReceived}, noShow.Add(49*hr))
	require.NoError(t, err)
	require.Equal(t, []string{"reengage"}, c.Event.Detail["sla_cleared"])
	require.Empty(t, c.Handoff.OpenBreaches())
	require.True(t, c.Handoff.Work.SLADueAt.IsZero())
}

// TestCheckSLAClearsWhenTheLeadStops: a lead cancelled or closed outside
// withSLA has its breaches cleared by the next sweep, quietly.
func TestCheckSLAClearsWhenTheLeadStops(t *testing.T) {
	t.Parallel()
	T, hr, s := slaT0, time.Hour, DefaultSLA()
	for name, stop := range map[string]func(h *Handoff){
		"cancelled": func(h *Handoff) { h.State = StateCancelled },
		"closed":    func(h *Handoff) { h.Work.ClosedAt = T.Add(49 * hr) },
	} {
		h := claimedBy("U1", T)
		h.State = StateScheduled
		sweep(t, &h, slaPool, s, T.Add(48*hr))
		stop(&h)
		c := sweep(t, &h, slaPool, s, T.Add(50*hr))
		require.Equal(t, EventSLACleared, c.Event.Kind, name)
		require.ElementsMatch(t, []string{"first_touch", "outcome"}, c.Event.Detail["cleared"], name)
		require.Empty(t, c.Notices, name)
		require.Empty(t, h.OpenBreaches(), name)
		require.True(t, h.Work.SLADueAt.IsZero(), name)
		require.Empty(t, sweep(t, &h, slaPool, s, T.Add(60*hr)).Event.Kind, name)
	}
}

func TestCalendarFor(t *testing.T) {
	t.Parallel()
	ny, paris, tokyo := loadZone(t, "America/New_York"), loadZone(t, "Europe/Paris"), loadZone(t, "Asia/Tokyo")
	poolHours := WorkingHours{{Days: workWeek, Start: 8 * time.Hour, End: 16 * time.Hour}}
	ownHours := WorkingHours{{Days: []time.Weekday{time.Saturday}, Start: 10 * time.Hour, End: 14 * time.Hour}}
	plain := Pool{Name: "p", Members: []string{"U1", "U2"}}
	withHours := Pool{Name: "p", Members: []string{"U1", "U2", "U3"}, Rotation: Rotation{Location: paris, PoolZone: true, Hours: poolHours, Settings: map[string]MemberSettings{
		"U1": {Hours: ownHours, Location: tokyo},
		"U2": {Location: tokyo},
	}}}
	on := SLA{BusinessHours: true, Location: ny}
	for _, tt := range []struct {
		name  string
		sla   SLA
		pool  Pool
		owner string
		want  Calendar
	}{
		{"off: every hour", SLA{Location: ny}, withHours, "U1", Calendar{}},
		{"no hours anywhere: the default, in the policy's zone", on, plain, "U1", Calendar{Hours: DefaultBusinessHours, Location: ny}},
		{"no hours, no zone: the default in UTC", SLA{BusinessHours: true}, plain, "U1", Calendar{Hours: DefaultBusinessHours, Location: time.UTC}},
		{"the owner's own hours in their own zone", on, withHours, "U1", Calendar{Hours: ownHours, Location: tokyo}},
		{"the pool's hours in the owner's zone", on, withHours, "U2", Calendar{Hours: poolHours, Location: tokyo}},
		{"the pool's hours in the pool's zone", on, withHours, "U3", Calendar{Hours: poolHours, Location: paris}},
		{"an owner outside the pool: the pool's", on, withHours, "U0", Calendar{Hours: poolHours, Location: paris}},
	} {
		require.Equal(t, tt.want, tt.sla.CalendarFor(tt.pool, tt.owner), tt.name)
	}
}

func TestCalendarAdd(t *testing.T) {
	t.Parallel()
	ny := loadZone(t, "America/New_York")
	friday := time.Date(2026, 3, 6, 16, 0, 0, 0, ny)
	requireSameInstant(t, friday.Add(48*time.Hour), Calendar{}.Add(friday, 48*time.Hour), "no hours: the wall clock")
	requireSameInstant(t, friday, Calendar{Hours: DefaultBusinessHours, Location: ny}.Add(friday, 0))
	requireSameInstant(t, friday.Add(-time.Hour), Calendar{Hours: DefaultBusinessHours, Location: ny}.Add(friday, -time.Hour))
	requireSameInstant(t, time.Date(2026, 3, 16, 16, 0, 0, 0, ny), Calendar{Hours: DefaultBusinessHours, Location: ny}.Add(friday.UTC(), 48*time.Hour),
		"read in the calendar's zone, whatever the start's")
	// Nil location: UTC. Friday 16:00 New York is 21:00 UTC, after hours.
	requireSameInstant(t, time.Date(2026, 3, 16, 17, 0, 0, 0, time.UTC), Calendar{Hours: DefaultBusinessHours}.Add(friday, 48*time.Hour))
}

// TestBusinessHoursClocks: with sla.business_hours, a 48h first-touch clock
// from Friday 16:00 in New York counts 1h that Friday, 40h the week after
// (DST begins that weekend) and 7h the Monday after: 16:00 EDT.
func TestBusinessHoursClocks(t *testing.T) {
	t.Parallel()
	ny := loadZone(t, "America/New_York")
	s := DefaultSLA()
	s.BusinessHours, s.Location = true, ny
	pool := slaPool
	friday := time.Date(2026, 3, 6, 16, 0, 0, 0, ny)
	h := claimedBy("U1", friday.UTC())

	firstTouchDue := time.Date(2026, 3, 16, 16, 0, 0, 0, ny)
	outcomeDue := time.Date(2026, 3, 11, 16, 0, 0, 0, ny)
	running := s.RunningClocks(h, s.CalendarFor(pool, "U1"))
	require.Len(t, running, 2)
	require.Equal(t, ClockFirstTouch, running[0].Clock)
	requireSameInstant(t, friday, running[0].StartedAt)
	requireSameInstant(t, firstTouchDue, running[0].DueAt)
	require.Equal(t, time.Date(2026, 3, 16, 20, 0, 0, 0, time.UTC), running[0].DueAt.UTC(), "EDT, not EST")
	require.Equal(t, ClockOutcome, running[1].Clock)
	requireSameInstant(t, outcomeDue, running[1].DueAt)

	c := sweep(t, &h, pool, s, friday.UTC())
	require.Empty(t, c.Event.Kind)
	requireSameInstant(t, outcomeDue, h.Work.SLADueAt)
	sweep(t, &h, pool, s, outcomeDue.Add(-time.Second))
	require.Empty(t, h.Work.Breaches, "the wall-clock 24h passed on Saturday; business hours did not")
	sweep(t, &h, pool, s, outcomeDue)
	require.Equal(t, []string{breachKey("U1", ClockOutcome, friday, "open")}, breachKeys(h.Work.Breaches))
	sweep(t, &h, pool, s, firstTouchDue.Add(-time.Second))
	require.Len(t, h.Work.Breaches, 1)
	c = sweep(t, &h, pool, s, firstTouchDue)
	require.Equal(t, []string{"first_touch"}, c.Event.Detail["breached"])

	// The owner's own hours and zone win: a Tokyo owner working 09:00-17:00
	// Tokyo time; Saturday 06:00 Tokyo is Friday 16:00 New York.
	tokyo := loadZone(t, "Asia/Tokyo")
	pool.Settings = map[string]MemberSettings{"U2": {Location: tokyo}}
	h2 := claimedBy("U2", friday.UTC())
	running = s.RunningClocks(h2, s.CalendarFor(pool, "U2"))
	requireSameInstant(t, time.Date(2026, 3, 16, 17, 0, 0, 0, tokyo), running[0].DueAt, "six full Tokyo working days")
	requireSameInstant(t, time.Date(2026, 3, 11, 17, 0, 0, 0, tokyo), running[1].DueAt)
}
