package routing

import (
	"cmp"
	"time"
)

// A live handoff's claim window starts when its post is in the channel, not
// when it is submitted: Slack takes about one post a second per channel, so
// in a burst of handoffs into one channel the last posts come out close to a
// minute late, and a window started at submission would run out, and the
// ladder start pinging, before anyone could see the lead. Until the post is
// out the handoff waits for it, with one deadline of its own (PostCheckAt):
// first the passer is told their lead is queued, then, at the end of the
// post grace, the window starts anyway, so a lead whose post never goes out
// (Slack refuses it, Baton is not in the channel) still gets an owner.

// Defaults for the wait for a post, used when the SLA leaves them at zero.
const (
	// DefaultPostDelayNotice is how long a post may take before the passer
	// is told it is queued: a post normally goes out within a second, and
	// a burst of fifty into one channel takes most of a minute.
	DefaultPostDelayNotice = 10 * time.Second
	// DefaultPostGrace is how long a lead waits for its post before its
	// claim window starts anyway: long enough for a burst of about a
	// hundred posts into one channel to drain at Slack's pace, short
	// enough that a post that cannot go out does not hold the prospect
	// for long before the ladder finds an owner.
	DefaultPostGrace = 2 * time.Minute
)

// The events of the wait for a post. The post itself is EventPosted; when it
// starts the claim window, its detail says so.
const (
	// EventPostDelayed: the post was not out PostDelayNotice after the
	// submission, and the passer is told.
	EventPostDelayed EventKind = "handoff.post_delayed"
	// EventWindowStarted: the post grace ended without the post, and the
	// claim window started anyway.
	EventWindowStarted EventKind = "handoff.window_started"
)

// postDelayNotice is the SLA's delay notice with its default.
func (s SLA) postDelayNotice() time.Duration {
	return cmp.Or(s.PostDelayNotice, DefaultPostDelayNotice)
}

// postGrace is the SLA's post grace with its default.
func (s SLA) postGrace() time.Duration { return cmp.Or(s.PostGrace, DefaultPostGrace) }

// FirstPostCheck is when a live handoff created at created is first looked
// at if its post is not out: to tell the passer, or, with a grace shorter
// than the notice, to start the window.
func (s SLA) FirstPostCheck(created time.Time) time.Time {
	return created.Add(min(s.postDelayNotice(), s.postGrace()))
}

// AwaitingPost reports whether h is an open live transfer whose claim window
// has not started: its post is not out yet, and its grace has not ended.
// Its deadlines (ClaimDeadline, NextStepAt, Turn.PriorityUntil) are then
// stored as if the window had started at CreatedAt, and nothing sweeps them
// until WindowFrom moves them to the real start.
func (h Handoff) AwaitingPost() bool {
	return h.State == StateOpen && !h.PostCheckAt.IsZero()
}

// WindowStart is when h's claim window started: its post, or the end of its
// post grace; CreatedAt while it awaits its post (the origin its deadlines
// are stored from then) and for handoffs stored before windows started at
// the post.
func (h Handoff) WindowStart() time.Time {
	if h.WindowAt.IsZero() {
		return h.CreatedAt
	}
	return h.WindowAt
}

// ClaimWindow is how long h's claim window is (or was).
func (h Handoff) ClaimWindow() time.Duration { return h.ClaimDeadline.Sub(h.WindowStart()) }

// WindowFrom is h with its claim window started at at: every deadline timed
// from the window (the claim deadline, the ladder's first rung, the
// up-next member's priority window and personal offer) moves from CreatedAt
// to at, and the wait for the post ends. A handoff not awaiting its post is
// returned as it is. The renderer uses it too, to show a post that is about
// to go out with the deadlines it will have.
func (h Handoff) WindowFrom(at time.Time) Handoff {
	if !h.AwaitingPost() {
		return h
	}
	d := max(at.Sub(h.CreatedAt), 0)
	next := h
	next.WindowAt, next.PostCheckAt = h.CreatedAt.Add(d), time.Time{}
	next.ClaimDeadline = h.ClaimDeadline.Add(d)
	if !h.NextStepAt.IsZero() {
		next.NextStepAt = h.NextStepAt.Add(d)
	}
	if !h.Turn.PriorityUntil.IsZero() {
		next.Turn.PriorityUntil = h.Turn.PriorityUntil.Add(d)
	}
	next.OfferEndsAt = next.Turn.OfferEnds(next)
	return next
}

// Posted is the change that records h's channel post, with its ts, at at
// (when Baton recorded it): an open live transfer's claim window starts
// then, and its up-next member is told the lead is theirs first (only now:
// there is something to click, and a window to tell them the end of).
func Posted(h Handoff, ts string, at time.Time) Change {
	next := h
	next.MessageTS = ts
	detail := map[string]any{"ts": ts, "column": "message_ts"}
	var notices []Notice
	if h.AwaitingPost() {
		next = next.WindowFrom(at)
		detail["window_started"] = true
		detail["waited_seconds"] = at.Sub(h.CreatedAt).Seconds()
		detail["claim_deadline"] = next.ClaimDeadline.UTC().Format(time.RFC3339Nano)
		notices = offeredNotices(next)
	}
	return Change{
		Handoff: next,
		Event:   Event{HandoffID: h.ID, At: at, Actor: actorBaton, Kind: EventPosted, Detail: detail},
		Notices: notices,
	}
}

// PostOverdue decides h's wait for its post falling due at now (h awaits
// its post and PostCheckAt has come): the first time, within the post
// grace, the passer is told the lead is queued and the next check is the
// end of the grace; after that, the claim window starts anyway, at now, and
// the ladder with it (it re-pings nobody: a re-ping is a reply under the
// post). Nobody was shown the lead, so nobody is owed a priority window
// nor charged with letting an offer lapse.
func PostOverdue(h Handoff, sla SLA, now time.Time) (Change, error) {
	if !h.AwaitingPost() {
		return Change{}, &Refusal{Code: RefusedState, State: h.State}
	}
	waited := now.Sub(h.CreatedAt).Seconds()
	graceEnds := h.CreatedAt.Add(sla.postGrace())
	tell := []Notice{{Kind: NoticePasserQueued, HandoffID: h.ID, Recipient: h.PasserID}}
	if !h.PostDelayTold && now.Before(graceEnds) {
		next := h
		next.PostDelayTold, next.PostCheckAt = true, graceEnds
		return Change{
			Handoff: next,
			Event: Event{HandoffID: h.ID, At: now, Actor: actorBaton, Kind: EventPostDelayed,
				Detail: map[string]any{"waited_seconds": waited, "grace_ends": graceEnds.UTC().Format(time.RFC3339Nano)}},
			Notices: tell,
		}, nil
	}
	if h.Turn.Mode == ModeRoundRobin {
		h.Turn.PriorityUntil = time.Time{}
	}
	next := h.WindowFrom(now)
	next.OfferEndsAt = time.Time{}
	var notices []Notice
	if !h.PostDelayTold {
		// The sweep came late (a restart), or the grace is shorter than
		// the notice: the passer still hears why nothing was posted.
		next.PostDelayTold, notices = true, tell
	}
	return Change{
		Handoff: next,
		Event: Event{HandoffID: h.ID, At: now, Actor: actorBaton, Kind: EventWindowStarted,
			Detail: map[string]any{"posted": false, "waited_seconds": waited, "claim_deadline": next.ClaimDeadline.UTC().Format(time.RFC3339Nano)}},
		Notices: notices,
	}, nil
}
