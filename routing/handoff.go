package routing

import "time"

// State is where a handoff stands in its life.
type State string

// The states of a handoff. A handoff starts open; exactly one claim moves it
// to claimed.
const (
	StateOpen      State = "open"
	StateClaimed   State = "claimed"
	StateCancelled State = "cancelled"
)

// Lead is what the passer knows about the prospect, as typed in the modal.
// Strings are stored as given; escaping is the renderer's job.
type Lead struct {
	Company      string
	ContactName  string
	ContactTitle string
	// Phone is normalised to E.164 by ValidateLead.
	Phone   string
	Email   string
	Notes   string
	Consent bool
	Context Context
	// Checklist is the checklist the passer answered, as it stood then,
	// so the brief shows what was asked even after the configuration
	// changes.
	Checklist Checklist
	// Answers are the typed checklist answers, in checklist order.
	Answers []Answer
}

// Unmet returns the gated questions the lead's answers do not pass.
func (l Lead) Unmet() []Question { return l.Checklist.Unmet(l.Answers) }

// NewHandoff is a validated request to pass a lead, before it is stored.
type NewHandoff struct {
	// SubmissionKey identifies the submission (Slack's view id), so that a
	// double submit or a redelivered envelope creates the handoff once.
	SubmissionKey string
	PasserID      string
	Pool          Pool
	Lead          Lead
	CreatedAt     time.Time
	ClaimDeadline time.Time
	// Live is true for a live transfer now, false for a call scheduled
	// for later (the passer's choice, or the gates' when the criteria of
	// a live transfer are not met).
	Live bool
	// ScheduledFor is when the scheduled call is to happen; zero when Live.
	ScheduledFor time.Time
}

// Later makes n a call scheduled for at instead of a live transfer.
func (n NewHandoff) Later(at time.Time) NewHandoff {
	n.Live, n.ScheduledFor = false, at
	return n
}

// Handoff is one lead passed from a passer to a receiver: the central record.
type Handoff struct {
	ID            int64
	State         State
	Pool          string
	Channel       string
	MessageTS     string
	PasserID      string
	Lead          Lead
	CreatedAt     time.Time
	ClaimDeadline time.Time
	OwnerID       string
	ClaimedAt     time.Time
	// Live and ScheduledFor are as in NewHandoff.
	Live         bool
	ScheduledFor time.Time
}

// TimeToClaim is how long the lead waited for its owner; zero while unclaimed.
func (h Handoff) TimeToClaim() time.Duration {
	if h.State != StateClaimed || h.ClaimedAt.IsZero() {
		return 0
	}
	return h.ClaimedAt.Sub(h.CreatedAt)
}

// ClaimedLate reports whether the claim came after the claim window closed.
func (h Handoff) ClaimedLate() bool {
	return h.State == StateClaimed && h.ClaimedAt.After(h.ClaimDeadline)
}

// Open creates the request for a new handoff of lead into pool, submitted now,
// with the pool's claim deadline: a live transfer (see NewHandoff.Later).
func Open(submissionKey, passerID string, lead Lead, pool Pool, sla SLA, now time.Time) NewHandoff {
	return NewHandoff{
		SubmissionKey: submissionKey,
		PasserID:      passerID,
		Pool:          pool,
		Lead:          lead,
		CreatedAt:     now,
		ClaimDeadline: now.Add(sla.ClaimWindow),
		Live:          true,
	}
}
