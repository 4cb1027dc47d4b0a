package render

import (
	"fmt"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// waited is how long the prospect had been holding when the handoff's last
// rung fired: the window plus the rung's delay. It is derived from the
// ladder rather than from the delivery time, so a retried message says the
// same thing.
func waited(h routing.Handoff) time.Duration {
	r, _ := h.LastRung()
	return h.ClaimDeadline.Add(r.After).Sub(h.CreatedAt)
}

func handoffLink(h routing.Handoff, permalink string) string {
	if permalink == "" {
		return fmt.Sprintf("in <#%s>", h.Channel)
	}
	return fmt.Sprintf("in <#%s> (<%s|open the handoff>)", h.Channel, permalink)
}

// Reping is the thread reply that pings the channel again when the claim
// window closes with nobody on the lead.
func (c Clock) Reping(h routing.Handoff) Message {
	text := fmt.Sprintf("<!here> ⏰ *%s* is still unclaimed after %s and the prospect is holding. Click *Claim* above if you can take it.", company(h), Wait(waited(h)))
	return Message{Text: fmt.Sprintf("<!here> %s is still unclaimed after %s", company(h), Wait(waited(h))), Blocks: []slack.Block{section(text)}}
}

// MemberNudge is the DM to a pool member while a lead waits.
func (c Clock) MemberNudge(h routing.Handoff, permalink string) Message {
	text := fmt.Sprintf("🔥 *%s* has been waiting %s for a closer %s. If you are free, claim it now: the prospect is on the line.", company(h), Wait(waited(h)), handoffLink(h, permalink))
	return Message{Text: fmt.Sprintf("%s is waiting for a closer", company(h)), Blocks: []slack.Block{section(text)}}
}

// ManagerAlert is the DM to a pool manager when nobody has claimed.
func (c Clock) ManagerAlert(h routing.Handoff, permalink string) Message {
	r, _ := h.LastRung()
	text := fmt.Sprintf("⚠️ Nobody in *%s* has claimed *%s* after %s (escalation step %d of %d) %s. Can you get someone on it?",
		userText(h.Pool, 100), company(h), Wait(waited(h)), r.Step, r.Steps, handoffLink(h, permalink))
	if at, ok := h.Escalation.NextRungAt(h.ClaimDeadline, len(h.Escalation.Rungs)-1); ok {
		text += fmt.Sprintf(" If it is still unclaimed at %s, it will be scheduled for later with an owner picked by rotation.", c.date(at, "{time_secs}"))
	}
	return Message{Text: fmt.Sprintf("Nobody has claimed %s", company(h)), Blocks: []slack.Block{section(text)}}
}

// PasserMissed tells the passer nobody took the lead live, who owns it now,
// and asks for the callback time agreed with the prospect.
func (c Clock) PasserMissed(h routing.Handoff) Message {
	text := fmt.Sprintf("😕 Nobody could take *%s* live. <@%s> owns it now and will call the prospect back.", company(h), h.OwnerID)
	say := "Say: _“Our specialist is with another client. I've booked them to call you back; what time suits you best?”_ Then pick that time below."
	pick := slack.NewButtonBlockElement(ActionPickTime, strconv.FormatInt(h.ID, 10), plain("Pick a callback time"))
	pick.Style = slack.StylePrimary
	return Message{
		Text:   fmt.Sprintf("Nobody could take %s live; <@%s> owns it now", company(h), h.OwnerID),
		Blocks: []slack.Block{section(text), section(say), slack.NewActionBlock("passer_missed_actions", pick)},
	}
}

func (c Clock) callback(h routing.Handoff) string {
	if h.ScheduledFor.IsZero() {
		return "to be agreed: <@" + h.PasserID + "> will pick the time with the prospect"
	}
	return c.when(h.ScheduledFor)
}

// OwnerAssigned gives the brief to an owner chosen by rotation for a lead
// nobody took live (or one scheduled from the start), with Accept and Hand
// back.
//
// A callback time set, the owner gets the calendar links too; permalink
// (possibly "") links them back to the lead's Slack thread.
func (c Clock) OwnerAssigned(h routing.Handoff, permalink string) Message {
	why := "the passer scheduled a call for later"
	if !h.MissedAt.IsZero() {
		why = "nobody could take it live"
	}
	head := fmt.Sprintf("📅 *%s is yours* (%s; you are next in the rotation). Callback: %s.", company(h), why, c.callback(h))
	id := strconv.FormatInt(h.ID, 10)
	accept := slack.NewButtonBlockElement(ActionAccept, id, plain("Accept"))
	accept.Style = slack.StylePrimary
	back := slack.NewButtonBlockElement(ActionHandBack, id, plain("Hand back"))
	touch := slack.NewButtonBlockElement(ActionLogTouch, id, plain("Log touch"))
	outcome := slack.NewButtonBlockElement(ActionLogOutcome, id, plain("Log outcome"))
	tail := []slack.Block{slack.NewActionBlock("owner_actions", accept, touch, outcome, back)}
	if !h.ScheduledFor.IsZero() {
		tail = append(tail, c.calendarButtons(h, "Call", h.ScheduledFor, permalink))
	}
	tail = append(tail, contextLine("Handoff #"+id+" · hand it back with a reason if you can't take it; the next in the rotation gets it at once."))
	blocks := c.withBrief(h, []slack.Block{section(head)}, tail...)
	return Message{Text: fmt.Sprintf("%s is yours: callback %s", company(h), c.callback(h)), Blocks: blocks}
}

// OwnerCallback tells the owner when to call the prospect back, with the
// links that put the call in their calendar.
func (c Clock) OwnerCallback(h routing.Handoff, permalink string) Message {
	text := fmt.Sprintf("📅 <@%s> booked your callback with *%s* for %s.", h.PasserID, company(h), c.callback(h))
	blocks := []slack.Block{section(text)}
	if !h.ScheduledFor.IsZero() {
		blocks = append(blocks, c.calendarButtons(h, "Call", h.ScheduledFor, permalink))
	}
	return Message{Text: text, Blocks: blocks}
}

// PasserScheduled tells the passer who will call the prospect back, and
// when, with the calendar links once the time is set, and asks them to
// check the prospect's phone and email while they still can.
func (c Clock) PasserScheduled(h routing.Handoff, permalink string) Message {
	text := fmt.Sprintf("📅 <@%s> owns *%s* and will call back: %s.", h.OwnerID, company(h), c.callback(h))
	blocks := []slack.Block{section(text)}
	if check := checkContact(h, "If the prospect is still on the line"); check != "" {
		blocks = append(blocks, contextLine(check))
	}
	if !h.ScheduledFor.IsZero() {
		blocks = append(blocks, c.calendarButtons(h, "Call", h.ScheduledFor, permalink))
	}
	return Message{Text: text, Blocks: blocks}
}

// OwnerCancelled tells an owner that their scheduled lead was cancelled.
func (c Clock) OwnerCancelled(h routing.Handoff) Message {
	text := fmt.Sprintf("✖️ <@%s> cancelled *%s*: %s. Nothing more to do.", h.CancelledBy, company(h), userText(h.CancelReason, maxReasonText))
	return Message{Text: text, Blocks: []slack.Block{section(text)}}
}

// Offered tells the up-next member of a round-robin lead that it is theirs
// to claim first.
func (c Clock) Offered(h routing.Handoff, permalink string) Message {
	until := "while the prospect holds"
	if !h.Turn.PriorityUntil.IsZero() {
		until = "until " + c.date(h.Turn.PriorityUntil, "{time_secs}") + ", then it opens to the pool"
	}
	text := fmt.Sprintf("🎯 You're up next: *%s* is yours to claim first, %s. Claim it %s, or press *Pass* there with a reason so it moves on at once.",
		company(h), until, handoffLink(h, permalink))
	return Message{Text: fmt.Sprintf("You're up next for %s", company(h)), Blocks: []slack.Block{section(text)}}
}

// PasserQueued tells the passer that their lead's post is queued behind
// other posts in its channel (Slack takes about one a second per channel)
// and that its claim window starts when it is posted. It is rendered at
// delivery, which may come after the post (it is then out, and the window
// runs from it) or after the post grace (the window started without it).
func (c Clock) PasserQueued(h routing.Handoff) Message {
	co := company(h)
	var blocks []slack.Block
	var text, note string
	switch {
	case h.MessageTS != "":
		text = fmt.Sprintf("⏳ Your hot lead *%s* had to queue behind other posts in <#%s>: Slack takes about one post a second per channel. It is posted now, and its claim window runs from the post: closers have until %s to claim it.",
			co, h.Channel, c.date(h.ClaimDeadline, "{time_secs}"))
		note = fmt.Sprintf("Your hot lead %s is posted in <#%s> after queueing", co, h.Channel)
		blocks = []slack.Block{section(text)}
	case h.AwaitingPost():
		text = fmt.Sprintf("⏳ Your hot lead *%s* is queued behind other posts in <#%s>: Slack takes about one post a second per channel. Its claim window starts when it is posted, so closers still get their full %s. Keep the prospect on the line.",
			co, h.Channel, Wait(h.ClaimWindow()))
		note = fmt.Sprintf("Your hot lead %s is queued behind other posts in <#%s>", co, h.Channel)
		blocks = []slack.Block{section(text),
			contextLine(fmt.Sprintf("If it is still not posted at %s, its claim window starts anyway and the escalation ladder runs without the post.", c.date(h.PostCheckAt, "{time_secs}")))}
	default:
		text = fmt.Sprintf("⚠️ Your hot lead *%s* still could not be posted in <#%s>, so its claim window started without the post and the escalation ladder is running. If nobody takes it live, it will be scheduled for later with an owner.",
			co, h.Channel)
		note = fmt.Sprintf("Your hot lead %s could not be posted in <#%s>", co, h.Channel)
		blocks = []slack.Block{section(text)}
	}
	return Message{Text: note, Blocks: blocks}
}

// SetAway tells a member Baton set them away after lapsed offers.
func (c Clock) SetAway(h routing.Handoff) Message {
	text := fmt.Sprintf("💤 You let %s go by without claiming, and that was several in a row, so I've set you as away: you won't be offered leads until you type `/handoff back`.", company(h))
	return Message{Text: "You're set as away in Baton", Blocks: []slack.Block{section(text)}}
}

// PassReasons are why an up-next member passes on a lead.
var PassReasons = []Reason{
	{"busy", "I'm with another prospect"},
	{"wrong_segment", "Wrong territory or segment for me"},
	{"stepping_away", "I'm stepping away"},
	{"other", "Other (say why below)"},
}

// PassModal asks the up-next member why they pass.
func PassModal(h routing.Handoff) slack.ModalViewRequest {
	return reasonModal(CallbackPass, "Pass on lead", "Pass",
		fmt.Sprintf("Pass on *%s*? It moves on to the next in the rotation at once.", company(h)), h, PassReasons)
}

// AwaySet confirms /handoff away.
func (c Clock) AwaySet(until time.Time) string {
	return fmt.Sprintf("💤 You're away until %s: no leads will be offered to you, and you can't claim. Type `/handoff back` to come back sooner.", c.when(until))
}

// BackSet confirms /handoff back.
const BackSet = "✅ You're back: leads will be offered to you again."

// AvailabilityFailed is the answer when Baton could not record availability.
const AvailabilityFailed = "Baton couldn't record that just now (its database is not answering). Please try again in a moment."

// Reason is a reason code offered in a modal, with its label.
type Reason struct {
	Code  string
	Label string
}

// CancelReasons are why a passer cancels a handoff.
var CancelReasons = []Reason{
	{"dropped_off", "The prospect dropped off the call"},
	{"asked_later", "The prospect asked to be called later"},
	{"not_qualified", "Not qualified after all"},
	{"duplicate", "Duplicate handoff"},
	{"other", "Other (say why below)"},
}

// HandBackReasons are why an owner hands a scheduled lead back.
var HandBackReasons = []Reason{
	{"unavailable", "I'm not available at that time"},
	{"conflict", "Conflict of interest or existing relationship"},
	{"wrong_segment", "Wrong territory or segment for me"},
	{"other", "Other (say why below)"},
}

// ReasonLabel returns the label of code in reasons.
func ReasonLabel(reasons []Reason, code string) (string, bool) {
	for _, r := range reasons {
		if r.Code == code {
			return r.Label, true
		}
	}
	return "", false
}

func reasonModal(callback, title, submit, intro string, h routing.Handoff, reasons []Reason) slack.ModalViewRequest {
	opts := make([]*slack.OptionBlockObject, len(reasons))
	for i, r := range reasons {
		opts[i] = slack.NewOptionBlockObject(r.Code, plain(r.Label), nil)
	}
	reason := slack.NewInputBlock(BlockReason, plain("Reason"), nil, slack.NewRadioButtonsBlockElement(ActionInput, opts...))
	return workModal(callback, title, submit, h, section(intro), reason, noteInput("Note", "Anything the team should know"))
}

// MaxReasonNote bounds the free-text note of a reason.
const MaxReasonNote = 500

// maxReasonText bounds a reason as shown (its label, then the note): room
// for a note of MaxReasonNote with some characters escaped, so that only
// a note of little but "&", "<" and ">" is cut.
const maxReasonText = 1000

// CancelModal asks the passer why the handoff is cancelled.
func CancelModal(h routing.Handoff) slack.ModalViewRequest {
	return reasonModal(CallbackCancel, "Cancel handoff", "Cancel handoff",
		fmt.Sprintf("Cancel the handoff of *%s*? The escalation stops and the channel sees why.", company(h)), h, CancelReasons)
}

// HandBackModal asks the owner why they hand a scheduled lead back.
func HandBackModal(h routing.Handoff) slack.ModalViewRequest {
	return reasonModal(CallbackHandBack, "Hand back lead", "Hand back",
		fmt.Sprintf("Hand *%s* back? The next member in the rotation gets it at once, and the passer is told.", company(h)), h, HandBackReasons)
}

// CallbackModal asks the passer for the callback time agreed with the
// prospect.
func CallbackModal(h routing.Handoff) slack.ModalViewRequest {
	picker := slack.NewDateTimePickerBlockElement(ActionInput)
	when := slack.NewInputBlock(BlockWhen, plain("Callback time"), plain("Shown to each person in their own time zone."), picker)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackCallback,
		PrivateMetadata: strconv.FormatInt(h.ID, 10),
		Title:           plain("Schedule callback"),
		Submit:          plain("Schedule"),
		Close:           plain("Back"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(fmt.Sprintf("When should <@%s> call *%s* back?", h.OwnerID, company(h))),
			when,
		}},
	}
}

// Refused explains privately why an action on a handoff was not taken.
func Refused(r *routing.Refusal) string {
	switch r.Code {
	case routing.RefusedNotPasser:
		return "Only the rep who passed this lead, or a manager of its pool, can do that."
	case routing.RefusedNotOwner:
		return "Only the lead's current owner can do that."
	case routing.RefusedBadTime:
		return "Pick a callback time in the future, within the next 60 days."
	case routing.RefusedNoReason:
		return "Pick a reason, so the team knows what happened."
	case routing.RefusedNotOffered:
		return "Only the member this lead is offered to can pass on it, while it is theirs alone."
	case routing.RefusedClosed:
		return "This lead is closed: its final outcome is logged."
	case routing.RefusedFrozen:
		return "Ownership of this lead is frozen: only a manager of its pool or its owner can reassign it for now."
	case routing.RefusedBadChoice:
		return "Pick one of the choices offered."
	case routing.RefusedNotMember:
		return "Pick a member of the lead's pool as its new owner."
	case routing.RefusedOwnedByYou:
		return "That is already the lead's owner."
	case routing.RefusedNotInPool:
		return "Only members and managers of the lead's pool can do that."
	case routing.RefusedState:
		switch r.State {
		case routing.StateClaimed:
			return "This lead was already claimed, so there is nothing to change here."
		case routing.StateCancelled:
			return "This handoff was cancelled already."
		case routing.StateOpen:
			return "This lead is still waiting for a claim; that can be done once it is scheduled."
		case routing.StateScheduled:
			return "This lead is already scheduled for later."
		}
	}
	return "You can't do that on this lead."
}

// ActionFailed is the answer when Baton could not record an action.
const ActionFailed = "Something went wrong on Baton's side and nothing was changed. Please try again in a moment."
