package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStuckSince: "overdue by" counts from the deadline the section's clock
// passed, the no-show, or when the lead began to wait.
func TestStuckSince(t *testing.T) {
	t.Parallel()
	T, hr := slaT0, time.Hour
	for _, tt := range []struct {
		name    string
		section DigestSection
		mod     func(h *Handoff)
		want    time.Time
	}{
		{"open: since it was created", SectionUnclaimed, func(h *Handoff) { h.State, h.OwnerID = StateOpen, "" }, T.Add(-time.Minute)},
		{"scheduled, not accepted: since the owner got it", SectionUnclaimed, func(h *Handoff) {
			h.State, h.Work.OwnerSince = StateScheduled, T.Add(2*hr)
		}, T.Add(2 * hr)},
		{"scheduled, OwnerSince unknown: since the claim", SectionUnclaimed, func(h *Handoff) {
			h.State, h.Work.OwnerSince = StateScheduled, time.Time{}
		}, T},
		{"untouched: since the first touch was due", SectionUntouched, func(h *Handoff) {
			h.Work.Breaches = []Breach{
				{Clock: ClockOutcome, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(24 * hr), Owner: "U1"},
				{Clock: ClockFirstTouch, StartedAt: T, DueAt: T.Add(48 * hr), BreachedAt: T.Add(49 * hr), Owner: "U1"},
			}
		}, T.Add(48 * hr)},
		{"no outcome: since the open run's deadline, not a cleared one's", SectionNoOutcome, func(h *Handoff) {
			h.Work.LastTouchAt = T.Add(hr)
			h.Work.Breaches = []Breach{
				{Clock: ClockOutcome, StartedAt: T, DueAt: T.Add(24 * hr), BreachedAt: T.Add(24 * hr), Owner: "U1", ClearedAt: T.Add(25 * hr)},
				{Clock: ClockOutcome, StartedAt: T.Add(30 * hr), DueAt: T.Add(54 * hr), BreachedAt: T.Add(55 * hr), Owner: "U1"},
			}
		}, T.Add(54 * hr)},
		{"no-show: since the no-show", SectionNoShow, func(h *Handoff) {
			h.Work.LastTouchAt = T.Add(hr)
			h.Work.Outcome = Outcome{Kind: OutcomeNoShow, At: T.Add(7 * hr)}
			h.Work.Breaches = []Breach{{Clock: ClockReengage, StartedAt: T.Add(7 * hr), DueAt: T.Add(55 * hr), BreachedAt: T.Add(55 * hr), Owner: "U1"}}
		}, T.Add(7 * hr)},
	} {
		h := claimedBy("U1", T)
		tt.mod(&h)
		require.Equal(t, tt.want, StuckSince(h, tt.section), tt.name)
	}
}
