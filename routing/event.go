package routing

import "time"

// EventKind names an entry of the append-only event log.
type EventKind string

// The events Baton records.
const (
	EventCreated EventKind = "handoff.created"
	EventClaimed EventKind = "handoff.claimed"
	EventPosted  EventKind = "handoff.posted"
	// EventNoticeAbandoned records a Slack message Baton gave up delivering.
	EventNoticeAbandoned EventKind = "notice.abandoned"
)

// Event is one entry of the event log: who did what to which handoff, when.
type Event struct {
	ID        int64
	HandoffID int64
	At        time.Time
	Actor     string
	Kind      EventKind
	// Detail holds what the kind needs to be understood later (why, how long).
	Detail map[string]any
}
