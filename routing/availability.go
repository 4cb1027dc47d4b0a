package routing

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reason says why a member is not available for a lead right now. The codes
// are stable: the store logs them and the bot words them.
type Reason string

// The reasons a member is unavailable, in the order they are checked: the
// first that applies is the one reported.
const (
	// ReasonAway: the member said /handoff away and the time has not run out.
	ReasonAway Reason = "away"
	// ReasonLapsedOffers: the member let the pool's lapse limit of priority
	// offers lapse in a row, so Baton treats them as away until they say
	// /handoff back or available. Nothing has to be written for it: the
	// lapse count alone makes them away.
	ReasonLapsedOffers Reason = "lapsed_offers"
	// ReasonOutsideHours: it is outside the member's working hours.
	ReasonOutsideHours Reason = "outside_hours"
	// ReasonDailyCap: the member got their daily cap of leads today.
	ReasonDailyCap Reason = "daily_cap"
	// ReasonOpenCap: the member holds their cap of open leads.
	ReasonOpenCap Reason = "open_cap"
)

// Availability is whether a member can take a lead now and, if not, why and
// until when.
type Availability struct {
	// Reason is empty when the member is available.
	Reason Reason
	// Until is when the reason stops applying, when that is known from the
	// clock alone (the end of an away, the next working stretch, the next
	// day for a daily cap); zero when it depends on the member (coming back,
	// closing a lead).
	Until time.Time
}

// Available reports whether the member can take a lead.
func (a Availability) Available() bool { return a.Reason == "" }

// Availability decides whether member m can be offered a lead at now.
// Slack presence, DND and out-of-office are not inputs of their own: a
// caller that watches them can pass an AwayUntil covering them (until the
// next check), so they are reported as away, which is what they are.
func (r Rotation) Availability(m MemberState, now time.Time) Availability {
	settings := r.SettingsFor(m.User)
	local := now.In(r.Zone(m.User, m.Location))
	if reason := r.awayReason(m, now); reason != "" {
		var until time.Time
		if reason == ReasonAway {
			until = m.AwayUntil
		}
		return Availability{Reason: reason, Until: until}
	}
	if !settings.Hours.Contains(local) {
		return Availability{Reason: ReasonOutsideHours, Until: settings.Hours.nextStart(local)}
	}
	switch settings.capReason(m) {
	case ReasonDailyCap:
		y, mo, d := local.Date()
		return Availability{Reason: ReasonDailyCap, Until: midnight(y, mo, d+1, local.Location())}
	case ReasonOpenCap:
		return Availability{Reason: ReasonOpenCap}
	}
	return Availability{}
}

// awayReason is why m is away at now, if they are; the claim check shares it.
func (r Rotation) awayReason(m MemberState, now time.Time) Reason {
	switch {
	case now.Before(m.AwayUntil):
		return ReasonAway
	case m.LapsedOffers >= r.lapseLimit():
		return ReasonLapsedOffers
	}
	return ""
}

// capReason is which of s's caps m has reached, if any; the claim check
// shares it.
func (s MemberSettings) capReason(m MemberState) Reason {
	switch {
	case s.DailyCap > 0 && m.Today >= s.DailyCap:
		return ReasonDailyCap
	case s.OpenCap > 0 && m.Open >= s.OpenCap:
		return ReasonOpenCap
	}
	return ""
}

// DefaultAway is how long a bare /handoff away lasts. Away is per person,
// not per pool, and someone in pools with different hours has no single
// "end of the working day"; an hour covers the usual lunch or meeting, and
// working hours already cover the evening. The reply says until when, so a
// member who meant longer can say so.
const DefaultAway = time.Hour

// MaxAway is the longest away one command can set; a longer absence is
// someone leaving the pool, which is a manager's change.
const MaxAway = 30 * 24 * time.Hour

// AvailabilityChange is what a member asked for with /handoff away, back or
// available.
type AvailabilityChange struct {
	// Away is false for back and available: the store clears AwayUntil and
	// sets LapsedOffers to zero, so a member set away for lapses comes back.
	Away bool
	// Until is when the away ends.
	Until time.Time
}

// ParseAvailability reads the text after /handoff when it is an
// availability command: "away" with an optional "30m", "2h", "1h30m",
// "45 min", "2 hours", "3d" or "until 17:00" / "until 5pm", or "back" or
// "available". ok is false for any other text (a company name to prefill).
// Times of day are read in loc, the member's zone: "until 17:00" is today, or
// tomorrow once 17:00 has passed. The error is a sentence for the member.
func ParseAvailability(text string, now time.Time, loc *time.Location) (change AvailabilityChange, ok bool, err error) {
	verb, arg, _ := strings.Cut(strings.TrimSpace(strings.ToLower(text)), " ")
	switch verb {
	case "back", "available":
		if strings.TrimSpace(arg) != "" {
			// "/handoff Back Market" is a company called Back Market.
			return AvailabilityChange{}, false, nil
		}
		return AvailabilityChange{}, true, nil
	case "away":
		until, err := parseAwayUntil(strings.TrimSpace(arg), now, loc)
		return AvailabilityChange{Away: true, Until: until}, true, err
	}
	return AvailabilityChange{}, false, nil
}

const awayUsage = "say how long, like `/handoff away 30m`, `/handoff away 2h` or `/handoff away until 17:00`"

func parseAwayUntil(arg string, now time.Time, loc *time.Location) (time.Time, error) {
	if arg == "" {
		return now.Add(DefaultAway), nil
	}
	if at, ok := strings.CutPrefix(arg, "until "); ok {
		clock, ok := parseClock(at)
		if !ok {
			return time.Time{}, fmt.Errorf("%q is not a time of day; %s", at, awayUsage)
		}
		if loc == nil {
			loc = time.UTC
		}
		local := now.In(loc)
		y, m, d := local.Date()
		until := wallClock(y, m, d, clock, loc)
		if !until.After(now) {
			until = wallClock(y, m, d+1, clock, loc)
		}
		return until, nil
	}
	length, ok := parseAwayDuration(arg)
	switch {
	case !ok:
		return time.Time{}, fmt.Errorf("%q is not a length of time; %s", arg, awayUsage)
	case length <= 0:
		return time.Time{}, fmt.Errorf("%q is no time at all; %s", arg, awayUsage)
	case length > MaxAway:
		return time.Time{}, fmt.Errorf("away can last 30 days at most; for longer, ask a manager to take you out of the pool")
	}
	return now.Add(length), nil
}

// parseAwayDuration reads Go durations ("1h30m") and what people type
// ("45 min", "2 hours", "3d").
func parseAwayDuration(s string) (time.Duration, bool) {
	compact := strings.ReplaceAll(s, " ", "")
	if d, err := time.ParseDuration(compact); err == nil {
		return d, true
	}
	i := strings.IndexFunc(compact, func(r rune) bool { return r < '0' || r > '9' })
	if i <= 0 {
		return 0, false
	}
	n, err := strconv.Atoi(compact[:i])
	if err != nil {
		return 0, false
	}
	units := map[string]time.Duration{
		"min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	}
	unit, ok := units[compact[i:]]
	if !ok {
		return 0, false
	}
	if n > int(MaxAway/unit) {
		// Too long either way; answering before multiplying avoids overflow.
		return MaxAway + unit, true
	}
	return time.Duration(n) * unit, true
}
