package routing

import (
	"slices"
	"strconv"
)

// NoticeKind names something people must be told after a state change. The
// store keeps notices in the outbox, in the transaction of the change, and
// the bot renders and delivers them; so the domain says who must learn what,
// and never how Slack shows it.
type NoticeKind string

// The notices Baton sends.
const (
	// NoticeChannelMessage brings the handoff's channel message up to date
	// with its state: posted the first time, updated afterwards.
	NoticeChannelMessage NoticeKind = "channel_message"
	// NoticeThreadBrief posts the whole brief in the thread of the
	// channel message, so closers can read it all before claiming.
	NoticeThreadBrief NoticeKind = "thread_brief"
	// NoticePasserSent tells the passer, privately, that the lead is out.
	NoticePasserSent NoticeKind = "passer_sent"
	// NoticeOwnerBrief gives the new owner the full brief.
	NoticeOwnerBrief NoticeKind = "owner_brief"
	// NoticePasserClaimed tells the passer who is coming.
	NoticePasserClaimed NoticeKind = "passer_claimed"
	// NoticeReping replies in the handoff's thread with <!here>.
	NoticeReping NoticeKind = "reping"
	// NoticeMemberNudge DMs a pool member that a lead is waiting.
	NoticeMemberNudge NoticeKind = "member_nudge"
	// NoticeManagerAlert DMs a pool manager that nobody has claimed.
	NoticeManagerAlert NoticeKind = "manager_alert"
	// NoticeFallbackMessage posts, then keeps up to date, the handoff's
	// message in the fallback pool's channel.
	NoticeFallbackMessage NoticeKind = "fallback_message"
	// NoticeOwnerAssigned gives the brief to an owner chosen by rotation,
	// with Accept and Hand back.
	NoticeOwnerAssigned NoticeKind = "owner_assigned"
	// NoticePasserMissed tells the passer nobody took the lead live, who
	// owns it now, and asks for a callback time.
	NoticePasserMissed NoticeKind = "passer_missed"
	// NoticeOwnerCallback tells the owner the callback time.
	NoticeOwnerCallback NoticeKind = "owner_callback"
	// NoticePasserScheduled tells the passer who will call back, and when.
	NoticePasserScheduled NoticeKind = "passer_scheduled"
	// NoticeOwnerCancelled tells an owner their lead was cancelled.
	NoticeOwnerCancelled NoticeKind = "owner_cancelled"
	// NoticePasserQueued tells the passer that their lead's post is
	// queued behind other posts in the channel, and that its claim window
	// starts when it is posted.
	NoticePasserQueued NoticeKind = "passer_queued"
	// NoticeOffered tells the up-next member of a round-robin lead that it
	// is theirs to claim first (a mention in an edited message does not
	// notify, so a pass needs a DM).
	NoticeOffered NoticeKind = "offered"
	// NoticeSetAway tells a member they were set away after letting offers
	// lapse, and how to come back.
	NoticeSetAway NoticeKind = "set_away"
	// NoticeWorkLogged confirms to whoever logged a touch or an outcome
	// what was logged and which clock runs next.
	NoticeWorkLogged NoticeKind = "work_logged"
	// NoticeMeetingBooked tells the passer (and the owner, when a manager
	// logged it for them) that a meeting with the prospect is booked, with
	// links that put it in their calendar.
	NoticeMeetingBooked NoticeKind = "meeting_booked"
	// NoticePasserOutcome tells the passer the outcome of their lead: the
	// feedback loop that teaches them which leads were good.
	NoticePasserOutcome NoticeKind = "passer_outcome"
	// NoticeOwnerReassigned gives the brief, with the work buttons, to
	// the member a lead was reassigned to, saying by whom and why.
	NoticeOwnerReassigned NoticeKind = "owner_reassigned"
	// NoticeOwnerReleased tells the previous owner the lead was moved.
	NoticeOwnerReleased NoticeKind = "owner_released"
	// NoticePasserReassigned tells the passer who owns their lead now.
	NoticePasserReassigned NoticeKind = "passer_reassigned"
	// NoticeSLABreach tells the owner an SLA clock ran out on their lead.
	NoticeSLABreach NoticeKind = "sla_breach"
	// NoticeSLAManagerAlert tells a pool manager that a breach is still
	// open after the grace period.
	NoticeSLAManagerAlert NoticeKind = "sla_manager_alert"
	// NoticeDigest posts the stuck-leads digest in a channel (Recipient);
	// it is about no single handoff.
	NoticeDigest NoticeKind = "digest"
	// NoticeWeeklyReview posts the weekly review in a channel (Recipient);
	// its Detail holds the tick, which fixes the weeks it compares.
	NoticeWeeklyReview NoticeKind = "weekly_review"
)

// Notice is one message to deliver about a handoff.
type Notice struct {
	Kind      NoticeKind
	HandoffID int64
	// Recipient is the Slack user (or channel) it goes to.
	Recipient string
	// Detail is what the message needs beyond the handoff's current
	// state: what was logged, which tick of a job. Usually empty.
	Detail map[string]string
}

// OrderingKey groups notices that must reach Slack one at a time, in order:
// every version of a handoff's channel message goes through one key, so an
// update never overtakes the post; the replies in its thread (the brief,
// the re-pings) through another, so that a claim's update never waits
// behind a thread reply held back by the channel's pace (the outbox
// delivers a reply only once the post is out: see ThreadKeyPrefix); and a
// person's DMs arrive in the order they were written.
func (n Notice) OrderingKey() string {
	switch n.Kind {
	case NoticeChannelMessage:
		return MessageKeyPrefix + strconv.FormatInt(n.HandoffID, 10)
	case NoticeReping, NoticeThreadBrief:
		return ThreadKeyPrefix + strconv.FormatInt(n.HandoffID, 10)
	case NoticeFallbackMessage:
		return "fallback:" + strconv.FormatInt(n.HandoffID, 10)
	case NoticeDigest:
		return "digest:" + n.Recipient
	case NoticeWeeklyReview:
		// Not a DM: a channel post, taken before the DMs like the digest.
		return "review:" + n.Recipient
	case NoticeReviewUpdate:
		// The update of one posted review (it is queued by a press on
		// the post, so the post is out): it waits for no later review's
		// post.
		return "review:" + n.Recipient + ":" + n.Detail["ts"]
	case NoticeHomeRefresh:
		// Apart from the person's DMs: a Home refresh must not wait
		// behind them, nor they behind it.
		return HomeKeyPrefix + n.Recipient
	}
	return "dm:" + n.Recipient
}

// MessageKeyPrefix starts the ordering key of a handoff's channel message
// (its post, then its updates).
const MessageKeyPrefix = "message:"

// ThreadKeyPrefix starts the ordering key of the replies in a handoff's
// thread; the store delivers them only once the post they reply to is out
// (or will never be).
const ThreadKeyPrefix = "thread:"

// HotPost reports whether the notice can be the post of a lead into a
// channel, which nothing else bound for that channel may get ahead of:
// the hot post itself, or the post in the fallback pool's channel. (Once
// posted, the same notice kinds are updates, which Slack does not pace.)
func (n Notice) HotPost() bool {
	return n.Kind == NoticeChannelMessage || n.Kind == NoticeFallbackMessage
}

// ChannelBound reports whether the notice is a message in a channel
// (Recipient) rather than a DM or a Home: the ones that share the
// channel's pace.
func (n Notice) ChannelBound() bool { return n.Kind.IsChannelBound() }

// IsChannelBound reports whether notices of kind k are messages in a
// channel (their Recipient) rather than DMs or Homes.
func (k NoticeKind) IsChannelBound() bool {
	return slices.Contains(ChannelBoundKinds, k)
}

// ChannelBoundKinds are the kinds of notices that are messages in a
// channel: they share the channel's pace.
var ChannelBoundKinds = []NoticeKind{NoticeChannelMessage, NoticeFallbackMessage, NoticeReping, NoticeThreadBrief, NoticeDigest, NoticeWeeklyReview}

// HomeKeyPrefix starts the ordering key of a person's App Home refreshes;
// the store reads it to coalesce them and to deliver them after DMs.
const HomeKeyPrefix = "home:"

// NoticesOnOpen are the notices for a handoff that was just opened.
// A call scheduled for later from the form already has its owner, who gets
// the brief with the time; the passer learns who it is.
func NoticesOnOpen(h Handoff) []Notice {
	out := []Notice{
		{Kind: NoticeChannelMessage, HandoffID: h.ID, Recipient: h.Channel},
		{Kind: NoticeThreadBrief, HandoffID: h.ID, Recipient: h.Channel},
	}
	if h.State == StateScheduled {
		return append(out,
			Notice{Kind: NoticeOwnerAssigned, HandoffID: h.ID, Recipient: h.OwnerID},
			Notice{Kind: NoticePasserScheduled, HandoffID: h.ID, Recipient: h.PasserID})
	}
	out = append(out, Notice{Kind: NoticePasserSent, HandoffID: h.ID, Recipient: h.PasserID})
	if h.AwaitingPost() {
		// The up-next member is told when the post is out (see Posted).
		return out
	}
	return append(out, offeredNotices(h)...)
}

// offeredNotices DM the up-next member when the lead is theirs first.
func offeredNotices(h Handoff) []Notice {
	if h.Turn.UpNext == "" || h.Turn.Mode == ModeFirstToClaim || h.Turn.Mode == "" {
		return nil
	}
	return []Notice{{Kind: NoticeOffered, HandoffID: h.ID, Recipient: h.Turn.UpNext}}
}

// NoticesOnClaim are the notices for a handoff that was just claimed.
func NoticesOnClaim(h Handoff) []Notice {
	return append(statusNotices(h),
		Notice{Kind: NoticeOwnerBrief, HandoffID: h.ID, Recipient: h.OwnerID},
		Notice{Kind: NoticePasserClaimed, HandoffID: h.ID, Recipient: h.PasserID})
}

// PendingNotice is a notice taken from the outbox for delivery.
type PendingNotice struct {
	// ID identifies the outbox entry, to mark it delivered or failed.
	ID int64
	// Attempts counts deliveries tried so far, this one included.
	Attempts int
	// Lease is the token of this lease: the store takes a result of the
	// delivery only from the worker holding it.
	Lease int64
	Notice
}

// Wanted reports whether n, about h as it stands at delivery, is still worth
// sending. Notices are rendered from the handoff's current state, and some
// lose their point when the lead moved on before they went out (a retry, a
// catch-up after a restart): a re-ping once the lead was claimed, an owner's
// brief once it was handed on, a breach once the work was done. This is the
// one place that decides it; notices not about one handoff are always wanted.
func (n Notice) Wanted(h Handoff) bool {
	switch n.Kind {
	case NoticeReping, NoticeMemberNudge, NoticeManagerAlert:
		// Asking for a claim on a lead no longer open would mislead.
		return h.State == StateOpen
	case NoticeOwnerAssigned, NoticeOwnerReassigned:
		// The brief goes to whoever owns it now.
		return h.OwnerID == n.Recipient
	case NoticeOffered:
		return h.State == StateOpen && h.Turn.UpNext == n.Recipient
	case NoticePasserQueued:
		// Once it is claimed or cancelled, the passer knows more already.
		return h.State == StateOpen
	case NoticeSLABreach, NoticeSLAManagerAlert:
		return len(h.BreachesToTell(n.Kind == NoticeSLAManagerAlert)) > 0
	}
	return true
}
