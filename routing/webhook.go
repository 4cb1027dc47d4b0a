package routing

import "slices"

// WebhookType is the public name of an event as webhooks send it (the
// X-Baton-Event header and the body's type). The internal event kinds are
// Baton's own vocabulary and may be renamed or split; these are the
// contract with the receivers.
type WebhookType string

// The public webhook event types.
const (
	WebhookHandoffCreated    WebhookType = "handoff.created"
	WebhookHandoffPosted     WebhookType = "handoff.posted"
	WebhookHandoffClaimed    WebhookType = "handoff.claimed"
	WebhookHandoffEscalated  WebhookType = "handoff.escalated"
	WebhookHandoffPassed     WebhookType = "handoff.passed"
	WebhookOfferLapsed       WebhookType = "handoff.offer_lapsed"
	WebhookHandoffAssigned   WebhookType = "handoff.assigned"
	WebhookHandoffScheduled  WebhookType = "handoff.scheduled"
	WebhookHandoffAccepted   WebhookType = "handoff.accepted"
	WebhookHandoffHandedBack WebhookType = "handoff.handed_back"
	WebhookHandoffReassigned WebhookType = "handoff.reassigned"
	WebhookHandoffCancelled  WebhookType = "handoff.cancelled"
	WebhookTouchLogged       WebhookType = "touch.logged"
	WebhookOutcomeLogged     WebhookType = "outcome.logged"
	WebhookSLABreached       WebhookType = "sla.breached"
	WebhookSLAManagerAlerted WebhookType = "sla.manager_alerted"
	WebhookSLACleared        WebhookType = "sla.cleared"
)

// WebhookTypes lists every public type, in the order the documentation
// gives them.
var WebhookTypes = []WebhookType{
	WebhookHandoffCreated, WebhookHandoffPosted, WebhookHandoffClaimed, WebhookHandoffEscalated,
	WebhookHandoffPassed, WebhookOfferLapsed, WebhookHandoffAssigned, WebhookHandoffScheduled, WebhookHandoffAccepted, WebhookHandoffHandedBack,
	WebhookHandoffReassigned, WebhookHandoffCancelled, WebhookTouchLogged, WebhookOutcomeLogged,
	WebhookSLABreached, WebhookSLAManagerAlerted, WebhookSLACleared,
}

// IsWebhookType reports whether s names a public webhook type.
func IsWebhookType(s string) bool { return slices.Contains(WebhookTypes, WebhookType(s)) }

// webhookTypes maps every event kind a receiver hears of to its public
// type. handoff.missed is the ladder's last rung: the live transfer ended
// unclaimed and the rotation assigned the lead an owner (Escalate always
// names one, the passer when the pool has nobody), so a CRM hears of it
// as an assignment.
var webhookTypes = map[EventKind]WebhookType{
	EventCreated:       WebhookHandoffCreated,
	EventPosted:        WebhookHandoffPosted,
	EventClaimed:       WebhookHandoffClaimed,
	EventEscalated:     WebhookHandoffEscalated,
	EventPassed:        WebhookHandoffPassed,
	EventOfferLapsed:   WebhookOfferLapsed,
	EventMissed:        WebhookHandoffAssigned,
	EventScheduled:     WebhookHandoffScheduled,
	EventAccepted:      WebhookHandoffAccepted,
	EventHandedBack:    WebhookHandoffHandedBack,
	EventReassigned:    WebhookHandoffReassigned,
	EventCancelled:     WebhookHandoffCancelled,
	EventTouchLogged:   WebhookTouchLogged,
	EventOutcomeLogged: WebhookOutcomeLogged,
	EventSLABreached:   WebhookSLABreached,
	EventSLAEscalate:   WebhookSLAManagerAlerted,
	EventSLACleared:    WebhookSLACleared,
}

// WebhookExcluded lists the event kinds no webhook carries, each with why.
// A new event kind must be added either here or to the mapping: a test
// reads every EventKind constant of this package and checks it is in one
// of the two.
var WebhookExcluded = map[EventKind]string{
	EventMemberAway:       "about a member, not a lead",
	EventMemberBack:       "about a member, not a lead",
	EventChannelInvited:   "about Baton's access to a channel, not a lead",
	EventChannelUninvited: "about Baton's access to a channel, not a lead",
	EventNoticeAbandoned:  "a Slack message Baton gave up on: Slack's delivery, not the lead's story",
	EventPostDelayed:      "the passer was told the post is queued behind Slack's pace; nothing changed on the lead",
	EventWindowStarted:    "the claim window started without the post; the claim or the ladder that follows is sent",
	EventGatesRefused:     "a form the live-transfer gates refused, before any lead was stored",
	EventReviewPosted:     "the weekly review was posted: about the team, not a lead",
	EventReviewed:         "a manager marked the weekly review reviewed: about the team, not a lead",
}

// WebhookTypeOf returns the public type of an event kind, or false when
// no webhook carries it (see WebhookExcluded).
func WebhookTypeOf(kind EventKind) (WebhookType, bool) {
	t, ok := webhookTypes[kind]
	return t, ok
}

// WebhookKinds returns the event kinds whose public type is in types, or
// every kind a webhook carries when types is empty: what an endpoint
// subscribed to types is sent.
func WebhookKinds(types []WebhookType) []EventKind {
	var kinds []EventKind
	for kind, t := range webhookTypes {
		if len(types) == 0 || slices.Contains(types, t) {
			kinds = append(kinds, kind)
		}
	}
	slices.Sort(kinds)
	return kinds
}
