package routing

import (
	"errors"
	"time"
)

// State is where a handoff stands in its life.
type State string

// The states of a handoff. A handoff starts open; exactly one claim moves it
// to claimed. One that nobody claimed live is scheduled: it gets an owner by
// fair rotation and a callback time, so it is never left without an owner.
const (
	StateOpen      State = "open"
	StateClaimed   State = "claimed"
	StateScheduled State = "scheduled"
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
	// Escalation is the pool's ladder, frozen for this handoff.
	Escalation Escalation
	// Turn is who the rotation offered the lead to, frozen likewise.
	Turn Turn
	// EscalateNow starts the ladder at once instead of at the deadline:
	// nobody in the pool is available, or the strict next in line is not.
	// Either way it starts from the post (see AwaitingPost).
	EscalateNow bool
	// PostCheckAt is when a live transfer whose post is not out by then is
	// looked at (SLA.FirstPostCheck): its window starts at its post.
	PostCheckAt time.Time
	// Live is true for a live transfer now, false for a call scheduled
	// for later (the passer's choice, or the gates' when the criteria of
	// a live transfer are not met).
	Live bool
	// ScheduledFor is when the scheduled call is to happen; zero when Live.
	ScheduledFor time.Time
	// Owner is who a call scheduled for later goes to, picked by fair
	// rotation when it is stored (a live transfer's owner is its claimer).
	Owner string
	// Rule is the routing rule that picked Pool, as Rule.String writes it,
	// or "" when the lead took the default pool. The event log keeps it, so
	// "why did this lead go to enterprise?" has an answer after the rules
	// change.
	Rule string
}

// Later makes n a call scheduled for at with owner, instead of a live
// transfer: it is never offered for claiming and its ladder does not run.
func (n NewHandoff) Later(at time.Time, owner string) NewHandoff {
	n.Live, n.ScheduledFor, n.Owner = false, at, owner
	n.Turn, n.EscalateNow = Turn{}, false
	return n
}

// FirstStepAt is when the first rung of the new handoff's ladder is due:
// when the window closes, or at once when waiting is pointless; as if the
// window started at CreatedAt (WindowFrom moves it to the post).
func (in NewHandoff) FirstStepAt() time.Time {
	if in.EscalateNow {
		return in.CreatedAt
	}
	at, _ := in.Escalation.NextRungAt(in.ClaimDeadline, 0)
	return at
}

// OfferEndsAt is when the up-next member's personal offer would end (zero
// when nobody has one) if the window started at CreatedAt: the lapse sweep
// is due then, counted from the post instead (see WindowFrom).
func (in NewHandoff) OfferEndsAt() time.Time {
	return in.Turn.OfferEnds(Handoff{ClaimDeadline: in.ClaimDeadline})
}

// Row is the handoff n opens as, before it has an id. A live transfer
// opens claimable, awaiting its post: its ladder and its turn run from
// the post (see AwaitingPost). A call scheduled for
// later is stored with the owner the rotation picked, its SLA clocks
// starting now (the next SLA sweep sets their deadline), and nothing else
// runs on it.
func (n NewHandoff) Row() (Handoff, error) {
	h := Handoff{
		State: StateOpen, Pool: n.Pool.Name, Channel: n.Pool.Channel, PasserID: n.PasserID, Lead: n.Lead,
		CreatedAt: n.CreatedAt, ClaimDeadline: n.ClaimDeadline, Escalation: n.Escalation, NextStepAt: n.FirstStepAt(),
		Live: n.Live, Turn: n.Turn,
	}
	if n.Live {
		// No offer runs before the post: WindowFrom sets its end.
		h.PostCheckAt = n.PostCheckAt
		if h.PostCheckAt.IsZero() {
			h.PostCheckAt = DefaultSLA().FirstPostCheck(n.CreatedAt)
		}
		return h, nil
	}
	if n.Owner == "" {
		return Handoff{}, errors.New("a call scheduled for later needs an owner")
	}
	h.State, h.NextStepAt, h.ScheduledFor = StateScheduled, time.Time{}, n.ScheduledFor
	h.OwnerID, h.ClaimedAt, h.Work.OwnerSince, h.Work.SLADueAt = n.Owner, n.CreatedAt, n.CreatedAt, n.CreatedAt
	return h, nil
}

// Opened is the change that records h, the row n opened as once stored
// (with its id): the creation event, with why the lead went where it did,
// and the notices that announce it.
func (n NewHandoff) Opened(h Handoff) Change {
	detail := map[string]any{"pool": n.Pool.Name, "live": n.Live, "checklist": n.Lead.Checklist.Name}
	if n.Rule != "" {
		// Why the lead went to this pool, as the rules stood then.
		detail["rule"] = n.Rule
	}
	if unmet := n.Lead.Unmet(); len(unmet) > 0 {
		// Why the lead was not live-qualified, as it was judged then.
		detail["unmet_gates"] = QuestionIDs(unmet)
	}
	c := Change{
		Handoff: h,
		Event:   Event{HandoffID: h.ID, At: n.CreatedAt, Actor: n.PasserID, Kind: EventCreated, Detail: detail},
	}
	c.Notices = append(NoticesOnOpen(h), HomeRefreshes(Handoff{}, c)...)
	return c
}

// Handoff is one lead passed from a passer to a receiver: the central record.
type Handoff struct {
	ID        int64
	State     State
	Pool      string
	Channel   string
	MessageTS string
	PasserID  string
	Lead      Lead
	CreatedAt time.Time
	// ClaimDeadline is when the claim window closes. It runs from the
	// post (WindowAt); while the handoff awaits its post it is stored as
	// if the window had started at CreatedAt.
	ClaimDeadline time.Time
	// WindowAt is when the claim window started: when the post was
	// recorded, or when the post grace ended without it. Zero while the
	// handoff awaits its post, for a call scheduled for later, and for
	// handoffs stored before windows started at the post.
	WindowAt time.Time
	// PostCheckAt is set while an open live transfer awaits its post: when
	// the passer is told it is queued, then when its window starts anyway.
	// PostDelayTold says the passer was told.
	PostCheckAt   time.Time
	PostDelayTold bool
	// OwnerID holds the lead once claimed or scheduled; ClaimedAt is when
	// they got it (the click, or the assignment of a scheduled lead).
	OwnerID   string
	ClaimedAt time.Time

	// Escalation is the ladder frozen at creation; Rung counts the rungs
	// fired so far and NextStepAt is when the next one is due (zero when
	// none is: claimed, scheduled, cancelled or the ladder is done).
	Escalation Escalation
	Rung       int
	NextStepAt time.Time
	// FallbackOpen is set once the fallback pool was offered the lead;
	// FallbackTS is its message in the fallback pool's channel.
	FallbackOpen bool
	FallbackTS   string
	// MissedAt is when the live transfer was given up; zero if it never was.
	MissedAt time.Time
	// Live is false for a call scheduled for later from the form, true for
	// a live transfer (even one the ladder scheduled after it was missed).
	Live bool
	// ScheduledFor is the callback time the passer picked for a scheduled
	// lead; zero until they pick one.
	ScheduledFor time.Time
	// AcceptedAt is when the owner of a scheduled lead accepted it.
	AcceptedAt time.Time
	// DeclinedBy lists the members who passed on the lead or handed it
	// back, so the rotation does not offer it to them again.
	DeclinedBy []string
	// Turn is who the rotation offered the lead to (frozen at creation,
	// moved on by a Pass); OfferEndsAt is when that personal offer ends,
	// zero once the lapse sweep has looked at it.
	Turn        Turn
	OfferEndsAt time.Time
	// CancelledBy, CancelReason and CancelledAt say who stopped the
	// handoff, why and when.
	CancelledBy  string
	CancelReason string
	CancelledAt  time.Time

	// Work is what the owner did with the lead and the SLA clocks on it.
	Work Work
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

// Escalated reports whether at least one rung of the ladder has fired.
func (h Handoff) Escalated() bool { return h.Rung > 0 }

// LastRung is the rung that fired most recently; ok is false before any.
func (h Handoff) LastRung() (r Rung, ok bool) {
	if h.Rung <= 0 || h.Rung > len(h.Escalation.Rungs) {
		return Rung{}, false
	}
	return h.Escalation.Rungs[h.Rung-1], true
}

// Open creates the request for a new handoff of lead into pool, submitted
// now, with the claim deadline, the pool's ladder and the rotation's offer
// (see Decide) frozen onto it. The pool is stored with the handoff and never
// chosen again: a configuration reload, or a change of rules, applies to new
// leads only.
func (p Policy) Open(submissionKey, passerID string, lead Lead, pool Pool, offer Offer, now time.Time) NewHandoff {
	return NewHandoff{
		SubmissionKey: submissionKey,
		PasserID:      passerID,
		Pool:          pool,
		Lead:          lead,
		CreatedAt:     now,
		ClaimDeadline: now.Add(p.SLA.ClaimWindow),
		PostCheckAt:   p.SLA.FirstPostCheck(now),
		Escalation:    p.Escalation(pool),
		Turn:          offer.Turn,
		EscalateNow:   offer.EscalateNow,
		Live:          true,
		Rule:          p.ruleFor(lead, pool),
	}
}

// ruleFor is the rule that sends lead to pool, written out, or "" when
// lead went there by default.
func (p Policy) ruleFor(lead Lead, pool Pool) string {
	if i, ruled, ok := p.MatchRule(lead); ok && ruled.Name == pool.Name {
		return p.Rules[i].String()
	}
	return ""
}
