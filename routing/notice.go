package routing

import "strconv"

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
)

// Notice is one message to deliver about a handoff.
type Notice struct {
	Kind      NoticeKind
	HandoffID int64
	// Recipient is the Slack user (or channel) it goes to.
	Recipient string
}

// OrderingKey groups notices that must reach Slack one at a time, in order:
// every version of a handoff's channel message, and the reply in its
// thread, go through one key, so neither can overtake the post it needs; and
// a person's DMs arrive in the order they were written.
func (n Notice) OrderingKey() string {
	if n.Kind == NoticeChannelMessage || n.Kind == NoticeThreadBrief {
		return "message:" + strconv.FormatInt(n.HandoffID, 10)
	}
	return "dm:" + n.Recipient
}

// NoticesOnOpen are the notices for a handoff that was just opened.
func NoticesOnOpen(h Handoff) []Notice {
	return []Notice{
		{Kind: NoticeChannelMessage, HandoffID: h.ID, Recipient: h.Channel},
		{Kind: NoticeThreadBrief, HandoffID: h.ID, Recipient: h.Channel},
		{Kind: NoticePasserSent, HandoffID: h.ID, Recipient: h.PasserID},
	}
}

// NoticesOnClaim are the notices for a handoff that was just claimed.
func NoticesOnClaim(h Handoff) []Notice {
	return []Notice{
		{Kind: NoticeChannelMessage, HandoffID: h.ID, Recipient: h.Channel},
		{Kind: NoticeOwnerBrief, HandoffID: h.ID, Recipient: h.OwnerID},
		{Kind: NoticePasserClaimed, HandoffID: h.ID, Recipient: h.PasserID},
	}
}

// PendingNotice is a notice taken from the outbox for delivery.
type PendingNotice struct {
	// ID identifies the outbox entry, to mark it delivered or failed.
	ID int64
	// Attempts counts deliveries tried so far, this one included.
	Attempts int
	Notice
}
