package render

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(Truncate(text, MaxSectionText)), nil, nil)
}

func contextLine(text string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(Truncate(text, MaxContextText)))
}

// Message is a Slack message: the notification text and the blocks.
type Message struct {
	// Text drives notifications and is what screen readers and old clients
	// show, so it carries the mention as well as the blocks.
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// Options returns the message as slack-go message options.
func (m Message) Options() []slack.MsgOption {
	return []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
}

// Clock formats times for people: Slack's <!date> token shows each reader
// their own time zone; the fallback, for clients that can't, uses Location.
type Clock struct {
	Location *time.Location
}

func (c Clock) date(t time.Time, format string) string {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, t.In(loc).Format("15:04:05 MST"))
}

// when formats the time of a scheduled call, day included.
func (c Clock) when(t time.Time) string {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|%s>", t.Unix(), t.In(loc).Format("Mon 2 Jan 15:04 MST"))
}

// Wait formats how long something took, the way people say it: "14 s",
// "3 min", "2 h".
func Wait(d time.Duration) string {
	s := math.Round(d.Seconds())
	switch {
	case s < 120:
		return fmt.Sprintf("%d s", int(s))
	case s < 2*3600:
		return fmt.Sprintf("%d min", int(s/60))
	default:
		return fmt.Sprintf("%d h", int(s/3600))
	}
}

func company(h routing.Handoff) string { return userText(h.Lead.Company, MaxHeaderText) }

func contactLine(l routing.Lead) string {
	line := userText(l.ContactName, routing.MaxNameLength*5)
	if l.ContactTitle != "" {
		line += ", " + userText(l.ContactTitle, routing.MaxNameLength*5)
	}
	return line
}

// ChannelMessage is the handoff's message in the pool's channel, rendered
// from its current state: open with a Claim button and the deadline, or
// claimed, or cancelled. Rendering from state rather than from the event
// that changed it makes every update idempotent and lets a late update
// never show an older truth.
func (c Clock) ChannelMessage(h routing.Handoff) Message {
	co := company(h)
	brief := channelFacts(h)
	id := "Handoff #" + strconv.FormatInt(h.ID, 10) + " · pool " + userText(h.Pool, 100)

	switch h.State {
	case routing.StateClaimed:
		wait := Wait(h.TimeToClaim())
		head := fmt.Sprintf("✅ *Claimed by <@%s> in %s* — %s", h.OwnerID, wait, co)
		foot := id
		if h.ClaimedLate() {
			foot = fmt.Sprintf("Claimed %s after the %s window closed · %s", Wait(h.ClaimedAt.Sub(h.ClaimDeadline)), Wait(h.ClaimDeadline.Sub(h.CreatedAt)), id)
		}
		blocks := append([]slack.Block{section(head)}, brief...)
		blocks = append(blocks, contextLine(foot))
		return Message{Text: fmt.Sprintf("Claimed by <@%s> in %s — %s", h.OwnerID, wait, co), Blocks: blocks}
	case routing.StateCancelled:
		blocks := append([]slack.Block{section("✖️ *Cancelled* — " + co)}, brief...)
		blocks = append(blocks, contextLine(id))
		return Message{Text: "Handoff cancelled — " + co, Blocks: blocks}
	}

	claim := slack.NewButtonBlockElement(ActionClaim, strconv.FormatInt(h.ID, 10), plain("Claim"))
	claim.Style = slack.StylePrimary
	if !h.Live {
		// A call for later pings nobody: the prospect is not holding.
		when := c.when(h.ScheduledFor)
		blocks := append([]slack.Block{section("📅 *Scheduled for later — " + co + "*: a call at " + when)}, brief...)
		blocks = append(blocks,
			contextLine("Claim it to own the call at "+when+" · "+id),
			slack.NewActionBlock("handoff_actions", claim),
		)
		return Message{Text: "📅 Scheduled for later — " + co + ": a call at " + when, Blocks: blocks}
	}
	blocks := append([]slack.Block{section("<!channel> 🔥 *Hot lead transferring — " + co + "*")}, brief...)
	blocks = append(blocks,
		contextLine(fmt.Sprintf("⏱ Claim by %s · %s", c.date(h.ClaimDeadline, "{time_secs}"), id)),
		slack.NewActionBlock("handoff_actions", claim),
	)
	return Message{Text: "<!channel> 🔥 Hot lead transferring — " + co, Blocks: blocks}
}

// channelFacts are the few facts that let a closer decide to claim in five
// seconds: the contact and title, who passed it, and the gate answers. The
// whole brief goes in the thread and the owner's DM.
func channelFacts(h routing.Handoff) []slack.Block {
	fields := []string{
		field("Contact", contactLine(h.Lead)),
		field("Passed by", fmt.Sprintf("<@%s>", h.PasserID)),
	}
	for _, q := range h.Lead.Checklist.Gated() {
		a, answered := routing.FindAnswer(h.Lead.Answers, q.ID)
		fields = append(fields, field(userText(q.Label, 300), gateVerdict(q, a, answered, 1000)))
	}
	return fieldSections(fields)
}

// PasserSent tells the passer, privately, that the lead is out.
func (c Clock) PasserSent(h routing.Handoff) Message {
	if !h.Live {
		text := fmt.Sprintf("📅 Your handoff of *%s* is in <#%s>, scheduled for a call at %s. A closer will own it; I'll tell you who.",
			company(h), h.Channel, c.when(h.ScheduledFor))
		return Message{Text: text, Blocks: []slack.Block{section(text)}}
	}
	text := fmt.Sprintf("📣 Your handoff of *%s* is out in <#%s>. Closers have until %s to claim it; I'll tell you who picks it up. Keep the prospect on the line.",
		company(h), h.Channel, c.date(h.ClaimDeadline, "{time_secs}"))
	return Message{Text: text, Blocks: []slack.Block{section(text)}}
}

// OwnerBrief is the full brief the new owner gets by DM: everything the
// passer learned, so the prospect never repeats themselves.
func (c Clock) OwnerBrief(h routing.Handoff) Message {
	head := fmt.Sprintf("🎯 *You own %s* — the prospect is waiting on the line with <@%s>.", company(h), h.PasserID)
	if !h.Live {
		head = fmt.Sprintf("🎯 *You own %s* — a call scheduled for %s, passed by <@%s>.", company(h), c.when(h.ScheduledFor), h.PasserID)
	}
	foot := contextLine(fmt.Sprintf("Handoff #%d · claimed in %s", h.ID, Wait(h.TimeToClaim())))
	blocks := append([]slack.Block{section(head)}, c.newBrief(h).fit(MaxMessageBlock-2)...)
	return Message{Text: "You own " + company(h) + " — full brief inside", Blocks: append(blocks, foot)}
}

// ThreadBrief is the whole brief, posted in the thread of the channel
// message, so a closer can read everything before claiming.
func (c Clock) ThreadBrief(h routing.Handoff) Message {
	head := section("📋 *Full brief — " + company(h) + "*")
	foot := contextLine(fmt.Sprintf("Handoff #%d · pool %s", h.ID, userText(h.Pool, 100)))
	blocks := append([]slack.Block{head}, c.newBrief(h).fit(MaxMessageBlock-2)...)
	return Message{Text: "Full brief — " + company(h), Blocks: append(blocks, foot)}
}

// PasserClaimed tells the passer who is coming, with a warm-intro line to say
// so the prospect hears they won't have to start over.
func (c Clock) PasserClaimed(h routing.Handoff) Message {
	if !h.Live {
		text := fmt.Sprintf("🤝 <@%s> claimed *%s* and will call the prospect at %s.", h.OwnerID, company(h), c.when(h.ScheduledFor))
		intro := fmt.Sprintf("If you can, tell the prospect: _“<@%s> will call you at the time we set. I've briefed them on everything we discussed, so you won't have to repeat yourself.”_", h.OwnerID)
		return Message{Text: text, Blocks: []slack.Block{section(text), section(intro)}}
	}
	text := fmt.Sprintf("🤝 <@%s> claimed *%s* in %s and is joining now.", h.OwnerID, company(h), Wait(h.TimeToClaim()))
	intro := fmt.Sprintf("Say: _“I have <@%s> joining us. I've briefed them on everything we discussed, so you won't have to repeat yourself.”_", h.OwnerID)
	return Message{Text: text, Blocks: []slack.Block{section(text), section(intro)}}
}

// ClaimRefused explains privately why a click on Claim did not make the
// clicker the owner.
func ClaimRefused(r *routing.ClaimRefusal, pool routing.Pool) string {
	switch r.Code {
	case routing.RefusedAlreadyClaimed:
		return fmt.Sprintf("<@%s> already has this lead.", r.Owner)
	case routing.RefusedOwnedByYou:
		return "You already own this lead; the full brief is in your DMs from Baton."
	case routing.RefusedCancelled:
		return "This handoff was cancelled; there is nothing to claim."
	case routing.RefusedNotInPool:
		msg := fmt.Sprintf("Only members of the *%s* pool can claim this lead, and you are not in the pool.", userText(pool.Name, 100))
		if len(pool.Managers) > 0 {
			msg += fmt.Sprintf(" Ask <@%s> if you should be.", pool.Managers[0])
		}
		return msg
	}
	return "You can't claim this lead."
}

// PoolGone explains a click on a handoff whose pool was renamed or removed
// from the configuration: nobody can be checked against it.
func PoolGone(pool string) string {
	return fmt.Sprintf("This lead belongs to the *%s* pool, which is no longer in Baton's configuration, so nobody can claim it here. Ask a manager to restore the pool or reassign the lead.", userText(pool, 100))
}

// Texts for failures people must understand without reading a log.
const (
	HandoffGone = "I can't find that handoff any more, so nothing was claimed."
	ClaimFailed = "Something went wrong on Baton's side and the lead was not claimed. Please click Claim again."
	SaveFailed  = "Baton couldn't save this handoff just now (its database is not answering). Your answers are still here: press Hand off again in a moment."
	// ChecklistChanged answers a form whose checklist left the
	// configuration while it was open.
	ChecklistChanged = "Baton's qualification checklist changed while this form was open. Please close it and type /handoff again."
	OpenModalFailed  = "Baton couldn't open the handoff form. Please type /handoff again."
)
