// Package calendar builds the "Add to Google Calendar" and "Add to
// Outlook" links of a scheduled call: web links that open the calendar's
// new-event page filled in, so nobody types the time, the guest or the
// brief. It is pure: no Slack, no clock.
//
// A link's URL must fit Slack's 3,000 characters for a button's url. What
// gives way is the brief: it is cut (ending in "…") to the longest that
// fits, then, only if a title of hundreds of emoji still does not fit,
// the title. The time, the guest and the link back to Slack are never cut.
package calendar

import (
	"net/url"
	"strings"
	"time"

	"github.com/batonhq/baton/bot/render/sanitize"
)

// MaxURLLength is the longest URL Slack takes in a link button.
const MaxURLLength = 3000

// DefaultDuration is an event's length when Event.Duration is zero.
const DefaultDuration = 30 * time.Minute

// Event is a call to put in a calendar.
type Event struct {
	// Title names the event: the company and the contact.
	Title string
	// Start is when the call starts, in any zone: links carry it in UTC.
	Start time.Time
	// Duration is how long it lasts; zero means DefaultDuration.
	Duration time.Duration
	// Guest is the prospect's email, invited to the event; "" for none.
	Guest string
	// Brief is the event's description: what the caller should know.
	Brief string
	// Link points back to the lead's Slack thread; it follows the brief
	// and is never cut.
	Link string
}

// end is when the event ends.
func (e Event) end() time.Time {
	d := e.Duration
	if d <= 0 {
		d = DefaultDuration
	}
	return e.Start.Add(d)
}

// GoogleLayout is how Google Calendar's dates parameter writes a time:
// basic ISO 8601 in UTC.
const GoogleLayout = "20060102T150405Z"

// Google is e as a Google Calendar link:
// https://calendar.google.com/calendar/render?action=TEMPLATE&text=…&dates=START/END&details=…&add=GUEST.
func Google(e Event) string {
	dates := e.Start.UTC().Format(GoogleLayout) + "/" + e.end().UTC().Format(GoogleLayout)
	return fit(e, func(title, details string) string {
		q := []string{"action=TEMPLATE", "text=" + escape(title), "dates=" + escape(dates), "details=" + escape(details)}
		if e.Guest != "" {
			q = append(q, "add="+escape(e.Guest))
		}
		return "https://calendar.google.com/calendar/render?" + strings.Join(q, "&")
	})
}

// OutlookLayout is how Outlook's startdt and enddt write a time: RFC 3339
// in UTC.
const OutlookLayout = "2006-01-02T15:04:05Z"

// Outlook is e as an Outlook on the web link:
// https://outlook.office.com/calendar/0/deeplink/compose?subject=…&startdt=…&enddt=…&body=…&to=GUEST&path=/calendar/action/compose&rru=addevent.
func Outlook(e Event) string {
	return fit(e, func(title, details string) string {
		q := []string{"subject=" + escape(title), "startdt=" + escape(e.Start.UTC().Format(OutlookLayout)),
			"enddt=" + escape(e.end().UTC().Format(OutlookLayout)), "body=" + escape(details)}
		if e.Guest != "" {
			q = append(q, "to="+escape(e.Guest))
		}
		q = append(q, "path="+escape("/calendar/action/compose"), "rru=addevent")
		return "https://outlook.office.com/calendar/0/deeplink/compose?" + strings.Join(q, "&")
	})
}

// escape writes s for a query string, a space as %20: Outlook shows a "+"
// as a plus.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// clean is sanitize.Text without the surrounding space.
func clean(s string) string { return sanitize.Text(strings.TrimSpace(s)) }

// details is the description: the brief, then the link back to Slack.
func details(brief, link string) string {
	switch {
	case link == "":
		return brief
	case brief == "":
		return "Slack thread: " + link
	}
	return brief + "\n\nSlack thread: " + link
}

// fit builds e's link with build(title, details), cutting the brief, then
// the title, to the longest that keeps it within MaxURLLength.
func fit(e Event, build func(title, details string) string) string {
	title, brief, link := []rune(clean(e.Title)), []rune(clean(e.Brief)), clean(e.Link)
	with := func(t, b []rune) string { return build(string(t), details(string(b), link)) }
	if u := with(title, brief); len(u) <= MaxURLLength {
		return u
	}
	// Shorter cuts make shorter links: the longest cut of the brief that
	// fits, if even an empty brief does.
	if n, ok := longest(len(brief), func(n int) bool { return len(with(title, cut(brief, n))) <= MaxURLLength }); ok {
		return with(title, cut(brief, n))
	}
	if n, ok := longest(len(title), func(n int) bool { return len(with(cut(title, n), nil)) <= MaxURLLength }); ok {
		return with(cut(title, n), nil)
	}
	// Only a guest or a link thousands of characters long gets here; the
	// time is still right.
	return build("", "")
}

// cut is the first n runes of r, ending in "…" when that left some out.
func cut(r []rune, n int) []rune {
	if n >= len(r) {
		return r
	}
	if n == 0 {
		return nil
	}
	out := append([]rune{}, r[:n]...)
	return append(out, '…')
}

// longest is the largest n below whole (whole itself was tried) for which
// fits holds, fits being true up to some n and false after; ok is false
// when it holds for none.
func longest(whole int, fits func(n int) bool) (int, bool) {
	if !fits(0) {
		return 0, false
	}
	lo, hi := 0, whole // fits(lo); hi is not tried or does not fit
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, true
}
