package routing

import "time"

// DigestSection is one part of the stuck-leads digest.
type DigestSection string

// The digest's sections, in the order it shows them. A lead is listed once,
// in the first section it belongs to. Which leads those are is decided by
// the store, where each section is one SQL condition with its own index.
const (
	// SectionUnclaimed: open and waiting for a claim, or given to an owner
	// by rotation (missed, or scheduled for later) who has not accepted it.
	SectionUnclaimed DigestSection = "unclaimed"
	// SectionUntouched: owned, and the first-touch clock ran out.
	SectionUntouched DigestSection = "untouched"
	// SectionNoOutcome: owned, and the outcome clock ran out.
	SectionNoOutcome DigestSection = "no_outcome"
	// SectionNoShow: the prospect did not show and nobody has re-engaged
	// them yet (breached or not).
	SectionNoShow DigestSection = "no_show"
)

// DigestSections lists the sections in order.
var DigestSections = []DigestSection{SectionUnclaimed, SectionUntouched, SectionNoOutcome, SectionNoShow}

// Title is the section's heading.
func (s DigestSection) Title() string {
	switch s {
	case SectionUnclaimed:
		return "Unclaimed or missed"
	case SectionUntouched:
		return "Claimed but untouched"
	case SectionNoOutcome:
		return "No outcome"
	case SectionNoShow:
		return "No-shows to re-engage"
	}
	return string(s)
}

// DefaultDigestPerSection is how many leads a digest section lists before
// "and N more": four full sections stay well within Slack's 50 blocks.
const DefaultDigestPerSection = 5

// MaxDigestPerSection bounds digest.per_section so that the digest always
// fits in one message (4 sections × (heading + leads + "more") + header).
const MaxDigestPerSection = 9

// StuckLeads is what a digest shows: for each section, its first leads
// (oldest first) and how many there are in all.
type StuckLeads struct {
	At       time.Time
	Sections []StuckSectionLeads
}

// StuckSectionLeads is one section of the digest.
type StuckSectionLeads struct {
	Section DigestSection
	Total   int
	Leads   []Handoff
}

// Total is the number of stuck leads across sections.
func (s StuckLeads) Total() int {
	n := 0
	for _, sec := range s.Sections {
		n += sec.Total
	}
	return n
}

// StuckSince is the moment a stuck lead's problem began, for "overdue by":
// the deadline its breached clock passed, the no-show, or when it began to
// wait for a claim or an acceptance.
func StuckSince(h Handoff, section DigestSection) time.Time {
	clock := map[DigestSection]Clock{SectionUntouched: ClockFirstTouch, SectionNoOutcome: ClockOutcome}[section]
	for _, b := range h.OpenBreaches() {
		if b.Clock == clock {
			return b.DueAt
		}
	}
	switch {
	case section == SectionNoShow:
		return h.Work.Outcome.At
	case h.State == StateOpen:
		return h.CreatedAt
	case !h.Work.OwnerSince.IsZero():
		return h.Work.OwnerSince
	}
	return h.ClaimedAt
}
