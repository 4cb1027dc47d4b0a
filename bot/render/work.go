package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// workButtons are the owner's buttons on a lead they hold: log a touch, log
// an outcome, reassign it (hand it back) with a reason.
func workButtons(h routing.Handoff, blockID string) *slack.ActionBlock {
	id := strconv.FormatInt(h.ID, 10)
	touch := slack.NewButtonBlockElement(ActionLogTouch, id, plain("Log touch"))
	touch.Style = slack.StylePrimary
	outcome := slack.NewButtonBlockElement(ActionLogOutcome, id, plain("Log outcome"))
	reassign := slack.NewButtonBlockElement(ActionReassign, id, plain("Reassign"))
	return slack.NewActionBlock(blockID, touch, outcome, reassign)
}

// clocksLine says which SLA clocks run on the lead and when each is due.
func (c Clock) clocksLine(running []routing.Running) string {
	if len(running) == 0 {
		return "No SLA clock is running on this lead."
	}
	parts := make([]string, len(running))
	for i, r := range running {
		parts[i] = fmt.Sprintf("%s due %s", clockDue(r.Clock), c.when(r.DueAt))
	}
	return "⏱ " + strings.Join(parts, " · ")
}

// clockDue names what a clock waits for.
func clockDue(k routing.Clock) string {
	switch k {
	case routing.ClockFirstTouch:
		return "first meaningful touch"
	case routing.ClockOutcome:
		return "outcome"
	case routing.ClockReengage:
		return "re-engagement of the no-show"
	}
	return string(k)
}

// outcomeText is an outcome as one phrase: "Disqualified — No budget".
func outcomeText(o routing.Outcome) string {
	text := o.Kind.Label()
	if o.Reason != "" {
		text += " — " + o.Reason.Label()
	}
	return text
}

// WorkLogged confirms to whoever logged it what was recorded and which
// clocks run now. what is the notice's detail ("touch" or "outcome"). A
// booked meeting comes with the links that put it in a calendar, linked
// back to the lead's thread by permalink (possibly "").
func (c Clock) WorkLogged(h routing.Handoff, what map[string]string, running []routing.Running, permalink string) Message {
	var text string
	switch {
	case what["outcome"] != "":
		text = fmt.Sprintf("✅ Logged the outcome of *%s*: *%s*.", company(h), routing.OutcomeKind(what["outcome"]).Label())
		if !h.Work.ClosedAt.IsZero() {
			text += " The lead is closed; thank you."
		}
	default:
		k := routing.TouchKind(what["touch"])
		text = fmt.Sprintf("✅ Logged on *%s*: *%s*.", company(h), k.Label())
		if k == routing.TouchMeetingBooked && !h.Work.MeetingAt.IsZero() {
			text = fmt.Sprintf("✅ Logged on *%s*: meeting booked for %s.", company(h), c.when(h.Work.MeetingAt))
		}
		if !k.Meaningful() {
			text += " A templated email does not count as a touch, so the clock keeps running."
		}
	}
	blocks := []slack.Block{section(text)}
	if routing.TouchKind(what["touch"]) == routing.TouchMeetingBooked && !h.Work.MeetingAt.IsZero() {
		blocks = append(blocks, c.calendarButtons(h, "Meeting", h.Work.MeetingAt, permalink))
	}
	if h.Work.ClosedAt.IsZero() {
		blocks = append(blocks, contextLine(c.clocksLine(running)))
	}
	return Message{Text: text, Blocks: blocks}
}

// PasserOutcome tells the passer what became of their lead: the feedback
// loop that shows them which of their leads were good.
func (c Clock) PasserOutcome(h routing.Handoff, permalink string) Message {
	o := h.Work.Outcome
	text := fmt.Sprintf("📬 <@%s> logged an outcome for %s in <#%s>: *%s*.", o.By, leadName(h, permalink), h.Channel, outcomeText(o))
	blocks := []slack.Block{section(text)}
	if o.Note != "" {
		blocks = append(blocks, section("> "+userText(o.Note, MaxSectionText-10)))
	}
	if o.Kind == routing.OutcomeDisqualified {
		blocks = append(blocks, contextLine("Disqualifications are counted per reason in /handoff stats, so patterns show up early."))
	}
	return Message{Text: text, Blocks: blocks}
}

// reassignLine says who moved the lead, from whom, and why.
func reassignLine(h routing.Handoff) string {
	w := h.Work
	why := w.ReassignReason.Label()
	if w.ReassignNote != "" {
		why += ": " + userText(w.ReassignNote, maxReasonText)
	}
	if w.ReassignedBy == w.PreviousOwner {
		return fmt.Sprintf("<@%s> handed it back (%s)", w.PreviousOwner, why)
	}
	return fmt.Sprintf("<@%s> reassigned it from <@%s> (%s)", w.ReassignedBy, w.PreviousOwner, why)
}

// OwnerReassigned gives the brief to the member a lead was reassigned to,
// with the work buttons and the clocks that now run for them.
func (c Clock) OwnerReassigned(h routing.Handoff, running []routing.Running) Message {
	head := fmt.Sprintf("🔁 *%s is yours now*: %s.", company(h), reassignLine(h))
	blocks := c.withBrief(h, []slack.Block{section(head)},
		workButtons(h, "work_actions"), contextLine(fmt.Sprintf("Handoff #%d · %s", h.ID, c.clocksLine(running))))
	return Message{Text: fmt.Sprintf("%s is yours now — full brief inside", company(h)), Blocks: blocks}
}

// OwnerReleased tells the previous owner the lead was moved.
func (c Clock) OwnerReleased(h routing.Handoff) Message {
	text := fmt.Sprintf("🔁 *%s* now belongs to <@%s>: %s. Its clocks stop for you.", company(h), h.OwnerID, reassignLine(h))
	return Message{Text: text, Blocks: []slack.Block{section(text)}}
}

// PasserReassigned tells the passer who owns their lead now.
func (c Clock) PasserReassigned(h routing.Handoff) Message {
	text := fmt.Sprintf("🔁 Your lead *%s* is now with <@%s>: %s.", company(h), h.OwnerID, reassignLine(h))
	return Message{Text: text, Blocks: []slack.Block{section(text)}}
}

// breachLines lists open breaches: which clock ran out, when, and how long
// ago. Slack's {ago} counts from when the reader looks, so a DM read hours
// later still says how overdue the lead is.
func (c Clock) breachLines(breaches []routing.Breach) string {
	lines := make([]string, len(breaches))
	for i, b := range breaches {
		lines[i] = fmt.Sprintf("• *%s* — the clock for the %s ran out %s", b.Clock.Label(), clockDue(b.Clock), c.date(b.DueAt, "{date_short_pretty} at {time} ({ago})"))
	}
	return strings.Join(lines, "\n")
}

// SLABreach tells the owner a clock ran out on their lead, naming the lead
// (an owner may hold several), with the buttons that clear it.
func (c Clock) SLABreach(h routing.Handoff, breaches []routing.Breach, permalink string) Message {
	text := fmt.Sprintf("⏰ SLA missed on %s in <#%s>:", leadName(h, permalink), h.Channel)
	blocks := []slack.Block{section(text + "\n" + c.breachLines(breaches)), workButtons(h, "work_actions"),
		contextLine("Log the touch or the outcome and the breach clears; your manager hears of it if it is still open later.")}
	return Message{Text: fmt.Sprintf("SLA missed on %s", company(h)), Blocks: blocks}
}

// SLAManagerAlert tells a manager that a breach is still open after the
// grace period, naming the lead and its owner, with a Reassign button.
func (c Clock) SLAManagerAlert(h routing.Handoff, breaches []routing.Breach, permalink string) Message {
	text := fmt.Sprintf("🚨 <@%s>'s lead %s in <#%s> is still out of SLA:", h.OwnerID, leadName(h, permalink), h.Channel)
	reassign := slack.NewButtonBlockElement(ActionReassign, strconv.FormatInt(h.ID, 10), plain("Reassign"))
	blocks := []slack.Block{section(text + "\n" + c.breachLines(breaches)), slack.NewActionBlock("manager_actions", reassign)}
	return Message{Text: fmt.Sprintf("%s is still out of SLA", company(h)), Blocks: blocks}
}

// workModal is a modal about one handoff.
func workModal(callback, title, submit string, h routing.Handoff, blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callback,
		PrivateMetadata: strconv.FormatInt(h.ID, 10),
		Title:           plain(title),
		Submit:          plain(submit),
		Close:           plain("Back"),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func noteInput(label, hint string) *slack.InputBlock {
	note := slack.NewInputBlock(BlockNote, plain(label), nil,
		slack.NewPlainTextInputBlockElement(plain(hint), ActionInput).WithMaxLength(MaxReasonNote).WithMultiline(true))
	note.Optional = true
	return note
}

// TouchModal asks the owner what follow-up they made.
func TouchModal(h routing.Handoff) slack.ModalViewRequest {
	opts := make([]*slack.OptionBlockObject, len(routing.TouchKinds))
	for i, k := range routing.TouchKinds {
		opts[i] = slack.NewOptionBlockObject(string(k), plain(k.Label()), nil)
	}
	kind := slack.NewInputBlock(BlockKind, plain("What happened"), nil, slack.NewRadioButtonsBlockElement(ActionInput, opts...))
	meeting := slack.NewInputBlock(BlockMeeting, plain("Meeting time"), plain("Needed for a booked meeting: the outcome is due after it."),
		slack.NewDateTimePickerBlockElement(ActionInput))
	meeting.Optional = true
	return workModal(CallbackTouch, "Log touch", "Log", h,
		section(fmt.Sprintf("Log a follow-up on *%s*. A call attempted, a reply received or a meeting booked stops the first-touch clock.", company(h))),
		kind, meeting, noteInput("Note", "What was said, what's next"))
}

// OutcomeModal asks the owner what became of the lead.
func OutcomeModal(h routing.Handoff) slack.ModalViewRequest {
	kinds := make([]*slack.OptionBlockObject, len(routing.OutcomeKinds))
	for i, k := range routing.OutcomeKinds {
		kinds[i] = slack.NewOptionBlockObject(string(k), plain(k.Label()), nil)
	}
	reasons := make([]*slack.OptionBlockObject, len(routing.DisqualifyReasons))
	for i, r := range routing.DisqualifyReasons {
		reasons[i] = slack.NewOptionBlockObject(string(r), plain(r.Label()), nil)
	}
	kind := slack.NewInputBlock(BlockKind, plain("Outcome"), nil, slack.NewRadioButtonsBlockElement(ActionInput, kinds...))
	reason := slack.NewInputBlock(BlockReason, plain("Disqualification reason"), plain("Required when disqualified."),
		slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick a reason"), ActionInput, reasons...))
	reason.Optional = true
	return workModal(CallbackOutcome, "Log outcome", "Log", h,
		section(fmt.Sprintf("What became of *%s*? <@%s> passed it and will be told, so they learn which leads were good.", company(h), h.PasserID)),
		kind, reason, noteInput("Note", "Required for “Other”"))
}

// ReassignModal asks for the reason code of a reassignment; a manager may
// also choose the new owner.
func ReassignModal(h routing.Handoff, manager bool) slack.ModalViewRequest {
	opts := make([]*slack.OptionBlockObject, len(routing.ReassignReasons))
	for i, r := range routing.ReassignReasons {
		opts[i] = slack.NewOptionBlockObject(string(r), plain(r.Label()), nil)
	}
	intro := fmt.Sprintf("Reassign *%s* (owned by <@%s>)? The reason is logged and the passer is told.", company(h), h.OwnerID)
	blocks := []slack.Block{section(intro),
		slack.NewInputBlock(BlockReason, plain("Reason"), nil, slack.NewRadioButtonsBlockElement(ActionInput, opts...))}
	if manager {
		owner := slack.NewInputBlock(BlockOwner, plain("New owner"), plain("Leave empty to give it to the next in the rotation."),
			slack.NewOptionsSelectBlockElement(slack.OptTypeUser, plain("Pick a member"), ActionInput))
		owner.Optional = true
		blocks = append(blocks, owner)
	}
	blocks = append(blocks, noteInput("Note", "Required for “Other”"))
	return workModal(CallbackReassign, "Reassign lead", "Reassign", h, blocks...)
}

// ReassignFrozen explains to a pool member why they may not take a lead
// over yet.
func (c Clock) ReassignFrozen(until time.Time) string {
	return fmt.Sprintf("Ownership of this lead is frozen until %s: only a manager of its pool or its owner can reassign it before then.", c.when(until))
}
