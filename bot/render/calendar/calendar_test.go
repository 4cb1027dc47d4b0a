package calendar_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render/calendar"
)

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// event is a call at 15:30 in Paris on 3 March 2026 (14:30 UTC).
func event() calendar.Event {
	return calendar.Event{
		Title: "Call: Acme & Co — Dana Reyes", Start: time.Date(2026, 3, 3, 15, 30, 0, 0, paris),
		Guest: "dana+sales@acme.example", Brief: "Phone: +14155550100\nPain: slow callbacks; 50% lost",
		Link: "https://acme.slack.com/archives/C0HANDOFF/p1700000000000100",
	}
}

// TestLinks builds each link, field by field, with its time in UTC.
func TestLinks(t *testing.T) {
	t.Parallel()
	noGuest := event()
	noGuest.Guest = ""
	long := event()
	long.Duration = 90 * time.Minute
	summer := event()
	summer.Start = time.Date(2026, 7, 1, 9, 0, 0, 0, paris) // CEST, UTC+2
	utc := event()
	utc.Start = time.Date(2026, 12, 31, 23, 45, 0, 0, time.UTC) // ends next year
	for _, tt := range []struct {
		name    string
		e       calendar.Event
		google  string
		outlook string
	}{
		{"a call", event(),
			"https://calendar.google.com/calendar/render?action=TEMPLATE&text=Call%3A%20Acme%20%26%20Co%20%E2%80%94%20Dana%20Reyes&dates=20260303T143000Z%2F20260303T150000Z&details=Phone%3A%20%2B14155550100%0APain%3A%20slow%20callbacks%3B%2050%25%20lost%0A%0ASlack%20thread%3A%20https%3A%2F%2Facme.slack.com%2Farchives%2FC0HANDOFF%2Fp1700000000000100&add=dana%2Bsales%40acme.example",
			"https://outlook.office.com/calendar/0/deeplink/compose?subject=Call%3A%20Acme%20%26%20Co%20%E2%80%94%20Dana%20Reyes&startdt=2026-03-03T14%3A30%3A00Z&enddt=2026-03-03T15%3A00%3A00Z&body=Phone%3A%20%2B14155550100%0APain%3A%20slow%20callbacks%3B%2050%25%20lost%0A%0ASlack%20thread%3A%20https%3A%2F%2Facme.slack.com%2Farchives%2FC0HANDOFF%2Fp1700000000000100&to=dana%2Bsales%40acme.example&path=%2Fcalendar%2Faction%2Fcompose&rru=addevent"},
		{"no guest", noGuest,
			"https://calendar.google.com/calendar/render?action=TEMPLATE&text=Call%3A%20Acme%20%26%20Co%20%E2%80%94%20Dana%20Reyes&dates=20260303T143000Z%2F20260303T150000Z&details=Phone%3A%20%2B14155550100%0APain%3A%20slow%20callbacks%3B%2050%25%20lost%0A%0ASlack%20thread%3A%20https%3A%2F%2Facme.slack.com%2Farchives%2FC0HANDOFF%2Fp1700000000000100",
			"https://outlook.office.com/calendar/0/deeplink/compose?subject=Call%3A%20Acme%20%26%20Co%20%E2%80%94%20Dana%20Reyes&startdt=2026-03-03T14%3A30%3A00Z&enddt=2026-03-03T15%3A00%3A00Z&body=Phone%3A%20%2B14155550100%0APain%3A%20slow%20callbacks%3B%2050%25%20lost%0A%0ASlack%20thread%3A%20https%3A%2F%2Facme.slack.com%2Farchives%2FC0HANDOFF%2Fp1700000000000100&path=%2Fcalendar%2Faction%2Fcompose&rru=addevent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.google, calendar.Google(tt.e))
			require.Equal(t, tt.outlook, calendar.Outlook(tt.e))
		})
	}
	for _, tt := range []struct {
		name                     string
		e                        calendar.Event
		googleDates              string
		outlookStart, outlookEnd string
	}{
		{"winter in Paris", event(), "20260303T143000Z/20260303T150000Z", "2026-03-03T14:30:00Z", "2026-03-03T15:00:00Z"},
		{"summer in Paris", summer, "20260701T070000Z/20260701T073000Z", "2026-07-01T07:00:00Z", "2026-07-01T07:30:00Z"},
		{"ninety minutes", long, "20260303T143000Z/20260303T160000Z", "2026-03-03T14:30:00Z", "2026-03-03T16:00:00Z"},
		{"across the new year", utc, "20261231T234500Z/20270101T001500Z", "2026-12-31T23:45:00Z", "2027-01-01T00:15:00Z"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := query(t, calendar.Google(tt.e))
			require.Equal(t, tt.googleDates, g.Get("dates"))
			o := query(t, calendar.Outlook(tt.e))
			require.Equal(t, tt.outlookStart, o.Get("startdt"))
			require.Equal(t, tt.outlookEnd, o.Get("enddt"))
		})
	}
}

func query(t *testing.T, link string) url.Values {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	q, err := url.ParseQuery(u.RawQuery)
	require.NoError(t, err)
	return q
}

// TestLinksFitSlack cuts the brief, then the title, never the time, the
// guest or the link back to Slack, so every link fits Slack's 3,000
// characters and still parses.
func TestLinksFitSlack(t *testing.T) {
	t.Parallel()
	huge := func(s string, n int) string { return strings.Repeat(s, n) }
	for _, tt := range []struct {
		name       string
		e          func() calendar.Event
		briefWhole bool // the brief fits whole
		titleWhole bool
	}{
		{"a short brief", event, true, true},
		{"a long ASCII brief", func() calendar.Event { e := event(); e.Brief = huge("notes & more ", 800); return e }, false, true},
		{"an emoji brief", func() calendar.Event { e := event(); e.Brief = huge("😀", 3000); return e }, false, true},
		{"accents and CJK", func() calendar.Event { e := event(); e.Brief = huge("éà漢字", 2000); return e }, false, true},
		{"a huge company and contact", func() calendar.Event {
			e := event()
			e.Title, e.Brief = "Call: "+huge("😀", 150)+" — "+huge("😀", 150), huge("x", 5000)
			return e
		}, false, false},
		{"invalid UTF-8 and controls", func() calendar.Event {
			e := event()
			e.Brief = "a\x00b\xffc\x1b" + huge("ü", 4000)
			return e
		}, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := tt.e()
			for name, link := range map[string]string{"google": calendar.Google(e), "outlook": calendar.Outlook(e)} {
				require.LessOrEqual(t, len(link), calendar.MaxURLLength, name)
				q := query(t, link)
				details, title := q.Get("details")+q.Get("body"), q.Get("text")+q.Get("subject")
				require.True(t, utf8.ValidString(details) && utf8.ValidString(title), name)
				require.True(t, strings.HasSuffix(details, "Slack thread: "+e.Link), "%s: the link back to Slack is kept: %q", name, details)
				require.Equal(t, e.Guest, q.Get("add")+q.Get("to"), name)
				if name == "google" {
					require.Equal(t, "20260303T143000Z/20260303T150000Z", q.Get("dates"))
				} else {
					require.Equal(t, "2026-03-03T14:30:00Z", q.Get("startdt"))
					require.Equal(t, "2026-03-03T15:00:00Z", q.Get("enddt"))
				}
				brief := strings.TrimSuffix(strings.TrimSuffix(details, "Slack thread: "+e.Link), "\n\n")
				if tt.briefWhole {
					require.Equal(t, e.Brief, brief, name)
				} else {
					require.True(t, brief == "" || strings.HasSuffix(brief, "…"), "%s: a cut brief ends in …", name)
					require.NotContains(t, brief, "\x00")
					// Cut to the longest that fits: one more character
					// would not have.
					if tt.titleWhole {
						require.Greater(t, len(link), calendar.MaxURLLength-40, "%s: the brief was cut more than needed", name)
					}
				}
				if tt.titleWhole {
					require.Equal(t, e.Title, title, name)
				} else {
					require.Empty(t, brief, "%s: the title is cut only once the brief is gone", name)
					require.True(t, strings.HasSuffix(title, "…"), name)
				}
			}
		})
	}
}

// FuzzLinks: whatever the text, a link fits Slack, parses, and carries
// its time.
func FuzzLinks(f *testing.F) {
	f.Add("Acme", "brief", "dana@acme.example", int64(1772548200))
	f.Add(strings.Repeat("😀", 400), strings.Repeat("é", 3000), "", int64(0))
	f.Fuzz(func(t *testing.T, title, brief, guest string, start int64) {
		if len(guest) > 254 {
			guest = guest[:254]
		}
		e := calendar.Event{Title: title, Brief: brief, Guest: guest, Start: time.Unix(start%4e9, 0), Link: "https://x.slack.com/archives/C1/p1"}
		for _, link := range []string{calendar.Google(e), calendar.Outlook(e)} {
			require.LessOrEqual(t, len(link), calendar.MaxURLLength)
			q := query(t, link)
			require.NotEmpty(t, q.Get("dates")+q.Get("startdt"))
		}
	})
}
