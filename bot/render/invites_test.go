package render_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/render/calendar"
	"github.com/batonhq/baton/routing"
)

// threadLink is the permalink of a lead's post that calendar links point
// back to.
const threadLink = "https://acme.slack.com/archives/C0HANDOFF/p1700000000000100"

// booked is a claimed lead with a meeting booked for three days after it
// was passed.
func booked() routing.Handoff {
	h := owned()
	h.Work.MeetingAt, h.Work.MeetingBookedAt = created.Add(72*time.Hour), created.Add(2*time.Hour)
	h.Work.LastTouch, h.Work.LastTouchAt = routing.TouchMeetingBooked, created.Add(2*time.Hour)
	return h
}

// calendarLinks returns the URLs of a message's calendar buttons.
func calendarLinks(t *testing.T, m render.Message) (google, outlook string) {
	t.Helper()
	for _, b := range m.Blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok || a.BlockID != render.BlockCalendar {
			continue
		}
		for _, el := range a.Elements.ElementSet {
			btn := el.(*slack.ButtonBlockElement)
			switch btn.ActionID {
			case render.ActionCalendarGoogle:
				google = btn.URL
			case render.ActionCalendarOutlook:
				outlook = btn.URL
			}
		}
	}
	return google, outlook
}

// TestGoldenCalendarDMs: every DM about a scheduled call or a booked
// meeting, to its owner and to its passer, carries both calendar links.
func TestGoldenCalendarDMs(t *testing.T) {
	t.Parallel()
	withTime := missed()
	withTime.ScheduledFor = created.Add(26 * time.Hour)
	later := scheduled()
	meeting := booked()
	running := []routing.Running{{Clock: routing.ClockOutcome, StartedAt: meeting.Work.MeetingAt, DueAt: meeting.Work.MeetingAt.Add(24 * time.Hour)}}
	long := render.Clock{Location: time.UTC, CallLength: 45 * time.Minute}
	for _, tt := range []struct {
		name  string
		m     render.Message
		start time.Time
		span  time.Duration
	}{
		{"calendar_owner_callback", clock.OwnerCallback(withTime, threadLink), withTime.ScheduledFor, 30 * time.Minute},
		{"calendar_passer_callback", clock.PasserScheduled(withTime, threadLink), withTime.ScheduledFor, 30 * time.Minute},
		{"calendar_owner_assigned_later", clock.OwnerAssigned(later, threadLink), later.ScheduledFor, 30 * time.Minute},
		{"calendar_passer_later", long.PasserScheduled(later, threadLink), later.ScheduledFor, 45 * time.Minute},
		{"calendar_work_logged_meeting", clock.WorkLogged(meeting, map[string]string{"touch": "meeting_booked"}, running, threadLink), meeting.Work.MeetingAt, 30 * time.Minute},
		{"calendar_meeting_booked_passer", clock.MeetingBooked(meeting, "U0SDR", threadLink), meeting.Work.MeetingAt, 30 * time.Minute},
		{"calendar_meeting_booked_owner", clock.MeetingBooked(meeting, "U0AE1", threadLink), meeting.Work.MeetingAt, 30 * time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			golden(t, tt.name, tt.m)
			validMessage(t, tt.m)
			google, outlook := calendarLinks(t, tt.m)
			require.NotEmpty(t, google)
			require.NotEmpty(t, outlook)
			g, o := linkQuery(t, google), linkQuery(t, outlook)
			end := tt.start.Add(tt.span)
			require.Equal(t, tt.start.UTC().Format(calendar.GoogleLayout)+"/"+end.UTC().Format(calendar.GoogleLayout), g.Get("dates"))
			require.Equal(t, tt.start.UTC().Format(calendar.OutlookLayout), o.Get("startdt"))
			require.Equal(t, end.UTC().Format(calendar.OutlookLayout), o.Get("enddt"))
			for _, q := range []url.Values{g, o} {
				title := q.Get("text") + q.Get("subject")
				require.Contains(t, title, "Acme Corp")
				require.Contains(t, title, "Dana Reyes")
				details := q.Get("details") + q.Get("body")
				require.Contains(t, details, "Phone: +14155550100")
				require.True(t, strings.HasSuffix(details, "Slack thread: "+threadLink), details)
				require.Equal(t, "dana@acme.example", q.Get("add")+q.Get("to"))
			}
		})
	}
	// No time yet, no links: the passer picks it first.
	noTime := missed()
	for _, m := range []render.Message{clock.OwnerAssigned(noTime, threadLink), clock.PasserScheduled(noTime, threadLink), clock.OwnerCallback(noTime, threadLink)} {
		google, outlook := calendarLinks(t, m)
		require.Empty(t, google+outlook)
	}
}

func linkQuery(t *testing.T, link string) url.Values {
	t.Helper()
	require.LessOrEqual(t, len(link), calendar.MaxURLLength)
	u, err := url.Parse(link)
	require.NoError(t, err)
	q, err := url.ParseQuery(u.RawQuery)
	require.NoError(t, err)
	return q
}

// TestCalendarLinksAtTheMaximums: a lead with every text at its longest,
// in emoji, still gets links Slack takes, with the time whole.
func TestCalendarLinksAtTheMaximums(t *testing.T) {
	t.Parallel()
	h := booked()
	emoji := func(n int) string { return strings.Repeat("😀", n) }
	h.Lead.Company, h.Lead.ContactName, h.Lead.ContactTitle = emoji(routing.MaxNameLength), emoji(routing.MaxNameLength), emoji(routing.MaxNameLength)
	h.Lead.Notes, h.Lead.Context.Pain = emoji(routing.MaxNotesLength), strings.Repeat("é&<>", routing.MaxPainLength/4)
	h.Lead.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com"
	m := clock.MeetingBooked(h, "U0SDR", threadLink)
	validMessage(t, m)
	google, outlook := calendarLinks(t, m)
	for _, link := range []string{google, outlook} {
		q := linkQuery(t, link)
		require.Equal(t, h.Lead.Email, q.Get("add")+q.Get("to"))
		require.NotEmpty(t, q.Get("dates")+q.Get("startdt"))
		require.True(t, strings.HasSuffix(q.Get("details")+q.Get("body"), "Slack thread: "+threadLink))
	}
}

// TestPasserChecksTheContact: the passer's confirmation asks them to read
// back the phone and email while the prospect is on the line, and the
// brief shows both.
func TestPasserChecksTheContact(t *testing.T) {
	t.Parallel()
	for _, m := range []render.Message{clock.PasserSent(openHandoff()), clock.PasserScheduled(scheduled(), "")} {
		raw, err := json.Marshal(m.Blocks)
		require.NoError(t, err)
		require.Contains(t, string(raw), "read back their phone *+14155550100* and email *dana@acme.example*")
	}
	raw, err := json.Marshal(clock.ThreadBrief(openHandoff()).Blocks)
	require.NoError(t, err)
	require.Contains(t, string(raw), "+14155550100")
	require.Contains(t, string(raw), "dana@acme.example")
}

// hiddenFields are the contact details of openHandoff, as they would
// show in a message.
var hiddenFields = []string{"Dana Reyes", "VP Sales", "+14155550100", "4155550100", "dana@acme.example", "Uses Salesforce; 600 employees",
	"calls.example", "Prefers texting"}

// TestGoldenHiddenDetails: a pool that hides its leads' details posts
// them without the contact, before and after the claim, and its thread
// brief and a nudge to a member likewise (whom the outbox shows the
// details to is routing.ShowsDetails; see TestHiddenDetailsEndToEnd).
func TestGoldenHiddenDetails(t *testing.T) {
	t.Parallel()
	hidden := func(h routing.Handoff) routing.Handoff { h.Lead = h.Lead.WithoutDetails(); return h }
	clock := render.Clock{Location: time.UTC, DetailsHidden: true}
	owner := claimed(14 * time.Second)
	for _, tt := range []struct {
		name string
		m    render.Message
	}{
		{"hidden_channel_open", clock.ChannelMessage(hidden(openHandoff()))},
		{"hidden_channel_claimed", clock.ChannelMessage(hidden(owner))},
		{"hidden_thread_brief", clock.ThreadBrief(hidden(openHandoff()))},
		{"hidden_member_nudge", clock.MemberNudge(hidden(escalated(1)), leadLink)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			golden(t, tt.name, tt.m)
			validMessage(t, tt.m)
			raw, err := json.Marshal(tt.m)
			require.NoError(t, err)
			for _, f := range hiddenFields {
				require.NotContains(t, string(raw), f)
			}
			require.Contains(t, string(raw), "Acme Corp")
		})
	}
	// What a closer decides with stays: the gates, who passed it.
	raw, err := json.Marshal(clock.ChannelMessage(hidden(openHandoff())))
	require.NoError(t, err)
	require.Contains(t, string(raw), "600")
	require.Contains(t, string(raw), "@U0SDR")
	raw, err = json.Marshal(clock.ThreadBrief(hidden(openHandoff())))
	require.NoError(t, err)
	require.Contains(t, string(raw), "E-commerce")
	require.Contains(t, string(raw), "Inbound leads wait a day")
}
