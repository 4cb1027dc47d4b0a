package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render/calendar"
	"github.com/batonhq/baton/routing"
)

// ActionCalendarGoogle and ActionCalendarOutlook are the link buttons that
// open a calendar's new-event page filled in for a scheduled call. Slack
// still sends a click on a link button to the app; the edge acks it and
// does nothing more.
const (
	ActionCalendarGoogle  = "calendar_google"
	ActionCalendarOutlook = "calendar_outlook"
)

// BlockCalendar is the block_id of the calendar link buttons.
const BlockCalendar = "calendar_links"

// callLength is the length of the calendar event, as configured.
func (c Clock) callLength() time.Duration {
	if c.CallLength <= 0 {
		return routing.DefaultCallLength
	}
	return c.CallLength
}

// calendarEvent is a call (what: "Call" or "Meeting") with h's prospect at
// start: titled with the company and the contact, the prospect as guest,
// and a short brief that ends with the link to the lead's Slack thread.
func (c Clock) calendarEvent(h routing.Handoff, what string, start time.Time, permalink string) calendar.Event {
	l := h.Lead
	title := what + ": " + l.Company
	if l.ContactName != "" {
		title = fmt.Sprintf("%s with %s (%s)", what, l.ContactName, l.Company)
	}
	var brief []string
	line := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" {
			brief = append(brief, label+": "+value)
		}
	}
	contact := l.ContactName
	if l.ContactTitle != "" {
		contact += ", " + l.ContactTitle
	}
	line("Company", l.Company)
	line("Contact", contact)
	line("Phone", l.Phone)
	line("Email", l.Email)
	line("Pain or need", l.Context.Pain)
	line("Interest", l.Context.Interest)
	line("Current tools", l.Context.CurrentTools)
	line("Best time to reach them", l.Context.BestTime)
	line("Best way to reach them", l.Context.BestChannel)
	brief = append(brief, fmt.Sprintf("Baton handoff #%d, pool %s.", h.ID, h.Pool))
	// Notes go last: they are the longest, and what a cut takes first.
	line("Notes", l.Notes)
	return calendar.Event{
		Title: title, Start: start, Duration: c.callLength(), Guest: l.Email,
		Brief: strings.Join(brief, "\n"), Link: permalink,
	}
}

// calendarButtons are the two links that put a call with h's prospect at
// start in the reader's calendar.
func (c Clock) calendarButtons(h routing.Handoff, what string, start time.Time, permalink string) *slack.ActionBlock {
	e := c.calendarEvent(h, what, start, permalink)
	google := slack.NewButtonBlockElement(ActionCalendarGoogle, "", plain("Add to Google Calendar"))
	google.URL = calendar.Google(e)
	outlook := slack.NewButtonBlockElement(ActionCalendarOutlook, "", plain("Add to Outlook"))
	outlook.URL = calendar.Outlook(e)
	return slack.NewActionBlock(BlockCalendar, google, outlook)
}

// checkContact asks the passer to check the prospect's phone and email
// (the lead's own: the invite goes to that email) while they are still on
// the line (when says so: "While the prospect is on the line").
func checkContact(h routing.Handoff, when string) string {
	l := h.Lead
	var ways []string
	if l.Phone != "" {
		ways = append(ways, "phone *"+userText(l.Phone, 40)+"*")
	}
	if l.Email != "" {
		ways = append(ways, "email *"+userText(l.Email, routing.MaxEmailLength*5)+"*")
	}
	if len(ways) == 0 {
		return ""
	}
	return "☎️ " + when + ", read back their " + strings.Join(ways, " and ") +
		": the calendar invite goes to that email, so it can go out before you hang up."
}

// MeetingBooked tells the passer (or the owner, when a manager logged it)
// that a meeting with the prospect is booked, with links that put it in
// their calendar.
func (c Clock) MeetingBooked(h routing.Handoff, recipient, permalink string) Message {
	at := h.Work.MeetingAt
	text := fmt.Sprintf("📅 <@%s> booked a meeting with %s for %s.", h.OwnerID, leadName(h, permalink), c.when(at))
	if recipient == h.OwnerID {
		text = fmt.Sprintf("📅 A meeting with %s is booked for you, %s.", leadName(h, permalink), c.when(at))
	}
	blocks := []slack.Block{section(text)}
	if !at.IsZero() {
		blocks = append(blocks, c.calendarButtons(h, "Meeting", at, permalink))
	}
	return Message{Text: text, Blocks: blocks}
}
