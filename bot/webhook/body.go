package webhook

import (
	"context"
	"strings"
	"time"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

// Body is what every delivery POSTs, as JSON. docs/integrations.md
// documents each field; a field is added, never renamed or removed.
type Body struct {
	// ID is the delivery id, also in X-Baton-Delivery: the same on every
	// retry and replay, so a receiver drops what it has seen.
	ID string `json:"id"`
	// Type is the public event type, also in X-Baton-Event.
	Type routing.WebhookType `json:"type"`
	// OccurredAt is when the change happened (not when it was sent).
	OccurredAt time.Time `json:"occurred_at"`
	// Sequence is the event's place in Baton's event log: it grows with
	// every event, so a receiver that sees an older one after a newer
	// one (a replay) can tell.
	Sequence int64 `json:"sequence"`
	// Actor is who made the change; null when Baton did (a ladder rung,
	// an SLA sweep).
	Actor *Person `json:"actor"`
	// Detail is the event's own detail, as the event log keeps it (why,
	// how long, which touch); its keys depend on the type.
	Detail map[string]any `json:"detail"`
	// Handoff is the lead as it stood just after the change.
	Handoff Handoff `json:"handoff"`
}

// Person is a Slack user, with what Baton knows of them.
type Person struct {
	SlackID string `json:"slack_id"`
	// Name and Email come from the Slack profile (users.info, with the
	// users:read.email scope); empty when Slack did not say.
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// Handoff is a lead in a webhook body.
type Handoff struct {
	ID      int64   `json:"id"`
	State   string  `json:"state"`
	Live    bool    `json:"live"`
	Pool    string  `json:"pool"`
	Company string  `json:"company"`
	Contact Contact `json:"contact"`
	Passer  Person  `json:"passer"`
	// Owner is null until the lead has one.
	Owner *Person `json:"owner"`
	// Answers are the checklist's answers by question id: a bool, a
	// number, a string (a date as YYYY-MM-DD) or a list of strings.
	Answers map[string]any `json:"answers"`
	Notes   string         `json:"notes"`
	Context LeadContext    `json:"context"`

	CreatedAt     time.Time  `json:"created_at"`
	ClaimDeadline time.Time  `json:"claim_deadline"`
	ClaimedAt     *time.Time `json:"claimed_at"`
	// SecondsToClaim is set once claimed live.
	SecondsToClaim *float64   `json:"seconds_to_claim"`
	ScheduledFor   *time.Time `json:"scheduled_for"`
	MissedAt       *time.Time `json:"missed_at"`
	CancelledAt    *time.Time `json:"cancelled_at"`
	CancelReason   string     `json:"cancel_reason,omitempty"`

	LastTouch *Touch   `json:"last_touch"`
	Outcome   *Outcome `json:"outcome"`
	SLA       SLA      `json:"sla"`
	Slack     Slack    `json:"slack"`
}

// Contact is the prospect, as the passer typed it.
type Contact struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Consent bool   `json:"consent"`
}

// LeadContext is the brief's context, as the passer typed it.
type LeadContext struct {
	Pain         string `json:"pain"`
	Interest     string `json:"interest"`
	CurrentTools string `json:"current_tools"`
	RecordingURL string `json:"recording_url"`
	BestTime     string `json:"best_time"`
	BestChannel  string `json:"best_channel"`
	Personality  string `json:"personality"`
}

// Touch is the latest meaningful touch.
type Touch struct {
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
	// MeetingAt is the meeting booked, if one was.
	MeetingAt *time.Time `json:"meeting_at,omitempty"`
}

// Outcome is the latest outcome logged.
type Outcome struct {
	Kind   string    `json:"kind"`
	Reason string    `json:"reason,omitempty"`
	Note   string    `json:"note,omitempty"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
}

// SLA is the owner's clocks: those running when the delivery was built,
// and every breach so far.
type SLA struct {
	Running  []Clock  `json:"running"`
	Breaches []Breach `json:"breaches"`
}

// Clock is an SLA clock running on the lead.
type Clock struct {
	Clock     string    `json:"clock"`
	StartedAt time.Time `json:"started_at"`
	DueAt     time.Time `json:"due_at"`
}

// Breach is an SLA clock that ran out.
type Breach struct {
	Clock      string     `json:"clock"`
	DueAt      time.Time  `json:"due_at"`
	BreachedAt time.Time  `json:"breached_at"`
	Owner      string     `json:"owner"`
	ClearedAt  *time.Time `json:"cleared_at"`
}

// Slack is where the lead's message is.
type Slack struct {
	Channel string `json:"channel"`
	// TS and Permalink are empty until the post is out.
	TS        string `json:"ts"`
	Permalink string `json:"permalink"`
}

// People finds what Baton knows of a Slack user. It must not block for
// long: a delivery waits on it.
type People interface {
	Person(ctx context.Context, id string) Person
}

// builder builds bodies: who people are, where messages live, which SLA
// clocks run.
type builder struct {
	people       People
	workspaceURL string
	clocks       func(routing.Handoff) []routing.Running
}

// body is d's body.
func (b builder) body(ctx context.Context, d store.WebhookDelivery) Body {
	out := Body{
		ID: d.DeliveryID, Type: d.Type, OccurredAt: d.OccurredAt.UTC(), Sequence: d.EventID,
		Detail: d.Detail, Handoff: b.handoff(ctx, d.Handoff),
	}
	if out.Detail == nil {
		out.Detail = map[string]any{}
	}
	if d.Actor != "" && d.Actor != "baton" {
		p := b.person(ctx, d.Actor)
		out.Actor = &p
	}
	return out
}

func (b builder) person(ctx context.Context, id string) Person {
	if b.people == nil {
		return Person{SlackID: id}
	}
	p := b.people.Person(ctx, id)
	p.SlackID = id
	return p
}

func (b builder) handoff(ctx context.Context, h routing.Handoff) Handoff {
	out := Handoff{
		ID: h.ID, State: string(h.State), Live: h.Live, Pool: h.Pool, Company: h.Lead.Company,
		Contact: Contact{Name: h.Lead.ContactName, Title: h.Lead.ContactTitle, Phone: h.Lead.Phone, Email: h.Lead.Email, Consent: h.Lead.Consent},
		Passer:  b.person(ctx, h.PasserID),
		Answers: map[string]any{},
		Notes:   h.Lead.Notes,
		Context: LeadContext{
			Pain: h.Lead.Context.Pain, Interest: h.Lead.Context.Interest, CurrentTools: h.Lead.Context.CurrentTools,
			RecordingURL: h.Lead.Context.RecordingURL, BestTime: h.Lead.Context.BestTime, BestChannel: h.Lead.Context.BestChannel,
			Personality: h.Lead.Context.Personality,
		},
		CreatedAt: h.CreatedAt.UTC(), ClaimDeadline: h.ClaimDeadline.UTC(),
		ClaimedAt: optTime(h.ClaimedAt), ScheduledFor: optTime(h.ScheduledFor), MissedAt: optTime(h.MissedAt),
		CancelledAt: optTime(h.CancelledAt), CancelReason: h.CancelReason,
		SLA:   SLA{Running: []Clock{}, Breaches: []Breach{}},
		Slack: Slack{Channel: h.Channel, TS: h.MessageTS, Permalink: b.permalink(h.Channel, h.MessageTS)},
	}
	if h.OwnerID != "" {
		p := b.person(ctx, h.OwnerID)
		out.Owner = &p
	}
	if h.State == routing.StateClaimed {
		s := h.TimeToClaim().Seconds()
		out.SecondsToClaim = &s
	}
	for _, a := range h.Lead.Answers {
		if q, ok := h.Lead.Checklist.Question(a.QuestionID); ok {
			out.Answers[a.QuestionID] = a.Value(q.Type)
		}
	}
	w := h.Work
	if !w.LastTouchAt.IsZero() {
		out.LastTouch = &Touch{Kind: string(w.LastTouch), At: w.LastTouchAt.UTC(), MeetingAt: optTime(w.MeetingAt)}
	}
	if !w.Outcome.At.IsZero() {
		out.Outcome = &Outcome{Kind: string(w.Outcome.Kind), Reason: string(w.Outcome.Reason), Note: w.Outcome.Note,
			At: w.Outcome.At.UTC(), By: w.Outcome.By}
	}
	if b.clocks != nil {
		for _, r := range b.clocks(h) {
			out.SLA.Running = append(out.SLA.Running, Clock{Clock: string(r.Clock), StartedAt: r.StartedAt.UTC(), DueAt: r.DueAt.UTC()})
		}
	}
	for _, br := range w.Breaches {
		out.SLA.Breaches = append(out.SLA.Breaches, Breach{Clock: string(br.Clock), DueAt: br.DueAt.UTC(),
			BreachedAt: br.BreachedAt.UTC(), Owner: br.Owner, ClearedAt: optTime(br.ClearedAt)})
	}
	return out
}

// permalink is the message's web address, built the way Slack builds
// them (what chat.getPermalink answers, without the call): the
// workspace's URL, /archives/, the channel, and p with the ts's digits.
func (b builder) permalink(channel, ts string) string {
	if ts == "" {
		return ""
	}
	base := b.workspaceURL
	if base == "" {
		base = "https://slack.com/"
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + "archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
