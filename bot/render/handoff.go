package render

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// mrkdwn is a mrkdwn text object with verbatim set: Slack then links no
// bare URL, channel name or @name in it, so user text that Escape left as
// plain text ("@here", "#general", a web address) stays plain text, while
// the mentions, links and dates Baton writes as <…> tokens still work
// ("it won't modify any plain-text content", manual parsing strings are
// still processed:
// https://docs.slack.dev/reference/block-kit/composition-objects/text-object).
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
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
	// Now is the moment of rendering, set by the outbox: a lead awaiting
	// its post (routing.Handoff.AwaitingPost) is shown with the deadlines
	// it will have once posted now, since its claim window starts at its
	// post. Zero shows them from its submission.
	Now time.Time
	// CallLength is how long a scheduled call lasts in the calendar links
	// (calendar.duration); zero means routing.DefaultCallLength.
	CallLength time.Duration
	// DetailsHidden says the handoff rendered is without its contact
	// details (routing.Lead.WithoutDetails), kept from this reader by its
	// pool: the post and the brief say where they are instead.
	DetailsHidden bool
}

// asPosted is h as its channel message shows it: a lead awaiting its post
// with its window started at c.Now, the moment the message is posted.
func (c Clock) asPosted(h routing.Handoff) routing.Handoff {
	if !h.AwaitingPost() {
		return h
	}
	at := c.Now
	if at.IsZero() {
		at = h.CreatedAt
	}
	return h.WindowFrom(at)
}

func (c Clock) date(t time.Time, format string) string {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	fallback := t.In(loc).Format("15:04:05 MST")
	if strings.Contains(format, "{date") {
		fallback = t.In(loc).Format("Mon 2 Jan 15:04 MST")
	}
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, fallback)
}

// when formats the time of a scheduled call, day included.
func (c Clock) when(t time.Time) string { return c.date(t, "{date_short_pretty} at {time}") }

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

// leadName names one lead for a DM that may sit among several about other
// leads: the company in bold, linked to the handoff's message when its
// permalink is known, then the contact.
func leadName(h routing.Handoff, permalink string) string {
	name := "*" + company(h) + "*"
	if permalink != "" {
		name = fmt.Sprintf("*<%s|%s>*", permalink, company(h))
	}
	if h.Lead.ContactName != "" {
		name += " (" + contactLine(h.Lead) + ")"
	}
	return name
}

func contactLine(l routing.Lead) string {
	line := userText(l.ContactName, routing.MaxNameLength*5)
	if l.ContactTitle != "" {
		line += ", " + userText(l.ContactTitle, routing.MaxNameLength*5)
	}
	return line
}

// ChannelMessage is the handoff's message in the pool's channel, rendered
// from its current state: open with a Claim button and the deadline (and,
// once the ladder runs, which step it is on), claimed (late or not), missed
// and scheduled with its owner, or cancelled. Rendering from state rather
// than from the event that changed it makes every update idempotent and
// lets a late update never show an older truth.
func (c Clock) ChannelMessage(h routing.Handoff) Message {
	return c.handoffMessage(h, "<!channel> 🔥 *Hot lead transferring — "+company(h)+"*", "<!channel> 🔥 Hot lead transferring — "+company(h))
}

// FallbackMessage is the handoff's message in the fallback pool's channel,
// posted when the ladder offers the lead to that pool and kept up to date
// like the channel message.
func (c Clock) FallbackMessage(h routing.Handoff) Message {
	head := fmt.Sprintf("<!here> 🔥 *Overflow from %s: hot lead waiting — %s*", userText(h.Pool, 100), company(h))
	text := fmt.Sprintf("<!here> 🔥 Overflow from %s: hot lead waiting — %s", userText(h.Pool, 100), company(h))
	return c.handoffMessage(h, head, text)
}

// handoffMessage renders a handoff's message with openHead/openText while it
// can be claimed, and its outcome afterwards.
//
// The facts under the head are cut only when the message would not fit
// Slack's MaxBlocksText otherwise (a checklist of many gates with long
// answers): each text to the longest length that fits.
func (c Clock) handoffMessage(h routing.Handoff, openHead, openText string) Message {
	h = c.asPosted(h)
	m := c.handoffMessageCut(h, openHead, openText, noCut)
	if TextLength(m.Blocks) <= MaxBlocksText {
		return m
	}
	// At factsWhole nothing is cut, and the message did not fit.
	lo, hi := minCut, factsWhole
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if TextLength(c.handoffMessageCut(h, openHead, openText, mid).Blocks) <= MaxBlocksText {
			lo = mid
		} else {
			hi = mid
		}
	}
	return c.handoffMessageCut(h, openHead, openText, lo)
}

// handoffMessageCut is handoffMessage with the facts' texts cut to max
// characters each.
func (c Clock) handoffMessageCut(h routing.Handoff, openHead, openText string, max int) Message {
	co := company(h)
	brief := channelFacts(h, max, c.DetailsHidden)
	id := "Handoff #" + strconv.FormatInt(h.ID, 10) + " · pool " + userText(h.Pool, 100)
	closed := func(head, text, foot string) Message {
		blocks := append([]slack.Block{section(head)}, brief...)
		if work := workLine(h); work != "" {
			blocks = append(blocks, contextLine(work))
		}
		blocks = append(blocks, contextLine(foot))
		return Message{Text: text, Blocks: blocks}
	}
	window := Wait(h.ClaimWindow())

	switch h.State {
	case routing.StateClaimed:
		wait := Wait(h.TimeToClaim())
		if h.ClaimedLate() {
			late := Wait(h.ClaimedAt.Sub(h.ClaimDeadline))
			return closed(
				fmt.Sprintf("✅ *Claimed late by <@%s> after %s* (%s past the %s window) — %s", h.OwnerID, wait, late, window, co),
				fmt.Sprintf("Claimed late by <@%s> after %s — %s", h.OwnerID, wait, co),
				fmt.Sprintf("⚠️ Claim window missed by %s · %s", late, id))
		}
		if !h.Work.ReassignedAt.IsZero() {
			// The claimer is in the event log; the message shows who has it.
			return closed(
				fmt.Sprintf("✅ *Claimed in %s — now with <@%s>* — %s", wait, h.OwnerID, co),
				fmt.Sprintf("Claimed in %s, now with <@%s> — %s", wait, h.OwnerID, co),
				id)
		}
		return closed(
			fmt.Sprintf("✅ *Claimed by <@%s> in %s* — %s", h.OwnerID, wait, co),
			fmt.Sprintf("Claimed by <@%s> in %s — %s", h.OwnerID, wait, co),
			id)
	case routing.StateScheduled:
		head := fmt.Sprintf("📅 *Scheduled for later with <@%s>* — %s", h.OwnerID, co)
		if !h.MissedAt.IsZero() {
			head = fmt.Sprintf("📅 *Missed for live transfer — scheduled with <@%s>* — %s", h.OwnerID, co)
		}
		foot := "Callback time to be agreed with the passer"
		if !h.ScheduledFor.IsZero() {
			foot = "Callback " + c.when(h.ScheduledFor)
		}
		if !h.AcceptedAt.IsZero() {
			foot += " · accepted"
		}
		return closed(head, fmt.Sprintf("Scheduled for later with <@%s> — %s", h.OwnerID, co), foot+" · "+id)
	case routing.StateCancelled:
		head := "✖️ *Cancelled* — " + co
		if h.CancelledBy != "" {
			head = fmt.Sprintf("✖️ *Cancelled by <@%s>*: %s — %s", h.CancelledBy, userText(h.CancelReason, maxReasonText), co)
		}
		return closed(head, "Handoff cancelled — "+co, id)
	}

	claim := slack.NewButtonBlockElement(ActionClaim, strconv.FormatInt(h.ID, 10), plain("Claim"))
	claim.Style = slack.StylePrimary
	buttons := []slack.BlockElement{claim}
	if offerRunning(h) {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionPass, strconv.FormatInt(h.ID, 10), plain("Pass")))
	}
	status := fmt.Sprintf("⏱ Claim by %s · %s", c.date(h.ClaimDeadline, "{time_secs}"), id)
	if r, ok := h.LastRung(); ok {
		status = fmt.Sprintf("⏫ Escalated (step %d of %d) · the %s window closed %s · still open to claim · %s",
			r.Step, r.Steps, window, c.date(h.ClaimDeadline, "{time_secs}"), id)
		if h.FallbackOpen {
			status += " · also offered to " + userText(h.Escalation.Fallback, 100)
		}
	}
	blocks := append([]slack.Block{section(openHead)}, brief...)
	if turn := c.turnLine(h); turn != "" {
		blocks = append(blocks, section(turn))
	}
	blocks = append(blocks, contextLine(status), slack.NewActionBlock("handoff_actions", buttons...))
	return Message{Text: openText, Blocks: blocks}
}

// workLine is what happened after the claim, for the channel: the latest
// reassignment and the latest outcome.
func workLine(h routing.Handoff) string {
	var parts []string
	if !h.Work.ReassignedAt.IsZero() {
		parts = append(parts, "🔁 "+reassignLine(h))
	}
	if o := h.Work.Outcome; o.Kind != "" {
		part := "📬 Outcome: *" + outcomeText(o) + "*"
		if !h.Work.ClosedAt.IsZero() {
			part += " · closed"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " · ")
}

// offerRunning reports whether an up-next member's personal offer on h is
// still running, which is when they may Pass.
func offerRunning(h routing.Handoff) bool {
	return h.Turn.UpNext != "" && !h.OfferEndsAt.IsZero() && !h.Escalated() &&
		(h.Turn.Mode == routing.ModeRoundRobin || h.Turn.Mode == routing.ModeStrictRoundRobin)
}

// turnLine says who the rotation offered the lead to, by mode.
func (c Clock) turnLine(h routing.Handoff) string {
	t := h.Turn
	switch {
	case h.Escalated() && (t.Mode == routing.ModeRoundRobin || t.Mode == routing.ModeStrictRoundRobin):
		return "🎯 Escalated: anyone in the pool may claim now."
	case t.Mode == routing.ModeStrictRoundRobin && t.UpNext != "":
		return fmt.Sprintf("🎯 Strict round robin: only <@%s>, next in line, may claim.", t.UpNext)
	case t.Mode == routing.ModeRoundRobin && t.UpNext != "" && offerRunning(h):
		return fmt.Sprintf("🎯 <@%s> is up next and may claim alone until %s; then anyone in the pool may.", t.UpNext, c.date(t.PriorityUntil, "{time_secs}"))
	case t.Mode == routing.ModeRoundRobin:
		return "🎯 Open to everyone in the pool."
	case t.UpNext != "":
		return fmt.Sprintf("Up next in the rotation: <@%s> (anyone in the pool may claim).", t.UpNext)
	}
	return ""
}

// factsWhole is a length no text of the channel's facts reaches: the
// longest is the contact line (a name and a title of MaxNameLength, each
// escaped), and a field holds at most MaxFieldText.
const factsWhole = MaxFieldText + 1

// channelFacts are the few facts that let a closer decide to claim in five
// seconds: the contact and title, who passed it, and the gate answers. The
// whole brief goes in the thread and the owner's DM. Each text is cut to
// max characters; when one was, a line under the facts says so.
func channelFacts(h routing.Handoff, max int, hidden bool) []slack.Block {
	l := &layout{max: max}
	contact := entry{label: "Contact", text: contactLine(h.Lead)}
	if hidden {
		contact = hiddenFact
	}
	fields := []string{
		l.field(contact),
		l.field(entry{label: "Passed by", text: fmt.Sprintf("<@%s>", h.PasserID), fixed: true}),
	}
	for _, q := range h.Lead.Checklist.Gated() {
		a, answered := routing.FindAnswer(h.Lead.Answers, q.ID)
		fields = append(fields, l.field(entry{label: userText(q.Label, 300), gate: &gated{q, a, answered}}))
	}
	out := fieldSections(fields)
	if l.cut {
		out = append(out, contextLine("✂️ Cut to fit one Slack message: each text ending in “…” is shortened. The brief in the thread has the answers."))
	}
	return out
}

// hiddenFact stands for the contact details of a lead whose pool keeps
// them to its owner (routing.Lead.WithoutDetails).
var hiddenFact = entry{label: "Contact details", text: "🔒 For the lead's owner alone, in their DM.", fixed: true}

// PasserSent tells the passer, privately, that the lead is out, how many
// closers are available and who is up next, with a way to cancel it if the
// prospect drops off. It gives the window's length rather than its end:
// the window starts at the post, which this DM may come before.
func (c Clock) PasserSent(h routing.Handoff) Message {
	text := fmt.Sprintf("📣 Your handoff of *%s* is out in <#%s>. Closers have %s to claim it from when it shows there; I'll tell you who picks it up. Keep the prospect on the line.",
		company(h), h.Channel, Wait(h.ClaimWindow()))
	blocks := []slack.Block{section(text)}
	if t := h.Turn; t.Members > 0 {
		who := fmt.Sprintf("%d of %d in *%s* available now", t.Available, t.Members, userText(h.Pool, 100))
		switch {
		case t.Available == 0:
			who = fmt.Sprintf("Nobody in *%s* is available right now, so I'm escalating at once; if nobody claims, the lead will be scheduled for later with an owner.", userText(h.Pool, 100))
		case t.UpNext != "":
			who += fmt.Sprintf("; <@%s> is up next.", t.UpNext)
		default:
			who += "."
		}
		blocks = append(blocks, contextLine(who))
	}
	if check := checkContact(h, "While the prospect is on the line"); check != "" {
		blocks = append(blocks, contextLine(check))
	}
	cancel := slack.NewButtonBlockElement(ActionCancel, strconv.FormatInt(h.ID, 10), plain("Cancel handoff"))
	blocks = append(blocks, slack.NewActionBlock("passer_actions", cancel))
	return Message{Text: text, Blocks: blocks}
}

// OwnerBrief is the full brief the new owner gets by DM: everything the
// passer learned, so the prospect never repeats themselves.
func (c Clock) OwnerBrief(h routing.Handoff) Message {
	head := fmt.Sprintf("🎯 *You own %s* — the prospect is waiting on the line with <@%s>.", company(h), h.PasserID)
	foot := contextLine(fmt.Sprintf("Handoff #%d · claimed in %s · log your first meaningful touch and the outcome here; the SLA clocks watch both.", h.ID, Wait(h.TimeToClaim())))
	blocks := c.withBrief(h, []slack.Block{section(head)}, workButtons(h, "work_actions"), foot)
	return Message{Text: "You own " + company(h) + " — full brief inside", Blocks: blocks}
}

// ThreadBrief is the whole brief, posted in the thread of the channel
// message, so a closer can read everything before claiming.
func (c Clock) ThreadBrief(h routing.Handoff) Message {
	head := section("📋 *Full brief — " + company(h) + "*")
	foot := contextLine(fmt.Sprintf("Handoff #%d · pool %s", h.ID, userText(h.Pool, 100)))
	return Message{Text: "Full brief — " + company(h), Blocks: c.withBrief(h, []slack.Block{head}, foot)}
}

// PasserClaimed tells the passer who is coming, with a warm-intro line to say
// so the prospect hears they won't have to start over.
func (c Clock) PasserClaimed(h routing.Handoff) Message {
	text := fmt.Sprintf("🤝 <@%s> claimed *%s* in %s and is joining now.", h.OwnerID, company(h), Wait(h.TimeToClaim()))
	intro := fmt.Sprintf("Say: _“I have <@%s> joining us. I've briefed them on everything we discussed, so you won't have to repeat yourself.”_", h.OwnerID)
	return Message{Text: text, Blocks: []slack.Block{section(text), section(intro)}}
}

// ClaimRefused explains privately why a click on Claim did not make the
// clicker the owner. turn is the rotation's offer frozen on the handoff.
func (c Clock) ClaimRefused(r *routing.ClaimRefusal, pool routing.Pool, turn routing.Turn) string {
	switch r.Code {
	case routing.RefusedAlreadyClaimed:
		return fmt.Sprintf("<@%s> already has this lead.", r.Owner)
	case routing.RefusedOwnedByYou:
		return "You already own this lead; the full brief is in your DMs from Baton."
	case routing.RefusedCancelled:
		return "This handoff was cancelled; there is nothing to claim."
	case routing.RefusedScheduled:
		return fmt.Sprintf("Nobody took this lead live, so it was scheduled for later with <@%s>.", r.Owner)
	case routing.RefusedNotInPool:
		msg := fmt.Sprintf("Only members of the *%s* pool can claim this lead, and you are not in the pool.", userText(pool.Name, 100))
		if len(pool.Managers) > 0 {
			msg += fmt.Sprintf(" Ask <@%s> if you should be.", pool.Managers[0])
		}
		return msg
	case routing.RefusedAway:
		return "You're set as away, so Baton isn't giving you leads. Type `/handoff back` when you're ready, then claim."
	case routing.RefusedCapped:
		return "You've reached your cap of leads (open, or for today), so this one goes to a teammate."
	case routing.RefusedNotYourTurn:
		if turn.UpNext == "" {
			// Everyone in line passed: the ladder is starting.
			return "Nobody is next in line for this lead any more; it is being escalated to the whole pool. Try again in a moment."
		}
		return fmt.Sprintf("This pool runs strict round robin: only <@%s>, next in line, may claim this lead.", turn.UpNext)
	case routing.RefusedPriorityWindow:
		return fmt.Sprintf("<@%s> is up next and has until %s to claim; then it opens to everyone in the pool.", turn.UpNext, c.date(turn.PriorityUntil, "{time_secs}"))
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

// SlackBusy answers a click or command whose form Slack would not open in
// time (it rate-limited views.open longer than a trigger_id lives): the
// form cannot be opened late, so the person is told when to try again.
func SlackBusy(retry time.Duration) string {
	secs := max(1, int((retry+time.Second-1)/time.Second))
	return fmt.Sprintf("Slack is busy and wouldn't open the form just now. Please try again in %d s.", secs)
}

// AboutLead names h's lead at the head of a private answer about it (a
// refused claim or action), so a person who clicked on one of several
// leads knows which one the answer is about. With no lead known (the
// handoff could not be read) the answer stands alone.
func AboutLead(h routing.Handoff, text string) string {
	if h.Lead.Company == "" {
		return text
	}
	return "*" + userText(h.Lead.Company, routing.MaxNameLength) + "*: " + text
}
