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
}

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
// with the pool's claim deadline.
func Open(submissionKey, passerID string, lead Lead, pool Pool, sla SLA, now time.Time) NewHandoff {
	return NewHandoff{
		SubmissionKey: submissionKey,
		PasserID:      passerID,
		Pool:          pool,
		Lead:          lead,
		CreatedAt:     now,
		ClaimDeadline: now.Add(sla.ClaimWindow),
	}
}
