package launcher_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/render/calendar"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
)

// hiddenConfig is the minimal configuration with a pool that keeps its
// leads' contact details to their owner, and calls of 45 minutes.
var hiddenConfig = strings.Replace(config.Minimal, "    managers: [U0MGR]\n", "    managers: [U0MGR]\n    hide_details_until_claimed: true\n", 1) +
	"calendar:\n  duration: 45m\n"

// contactDetails are the contact details batontest.ValidAnswers types, as
// any message would show them.
var contactDetails = []string{"dana@acme.example", "4155550100", "Dana Reyes", "Uses Salesforce, 600 seats"}

// googleLink finds the Google Calendar link in text (a message's JSON, as
// Slack reads it) and returns its query.
func googleLink(t *testing.T, text string) url.Values {
	t.Helper()
	link := regexp.MustCompile(`https://calendar\.google\.com/calendar/render\?[^"]+`).FindString(text)
	require.NotEmpty(t, link, "a Google Calendar link")
	require.LessOrEqual(t, len(link), calendar.MaxURLLength)
	u, err := url.Parse(link)
	require.NoError(t, err)
	q, err := url.ParseQuery(u.RawQuery)
	require.NoError(t, err)
	return q
}

// TestHiddenDetailsEndToEnd: in a pool that hides its leads' details, the
// channel post and its thread never show the contact's name, phone, email
// or notes, before or after the claim; the passer is asked to read back
// the phone and email; the owner's brief has them all. A meeting the
// owner books reaches the passer with calendar links of the configured
// length, the prospect invited, and a click on one is acked and ignored.
func TestHiddenDetailsEndToEnd(t *testing.T) {
	t.Parallel()
	require.Contains(t, hiddenConfig, "hide_details_until_claimed: true")
	a := batontest.Start(t, batontest.Options{Config: hiddenConfig})
	h := a.Handoff("U0SDR", "Acme Corp")
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 1 }, "the brief in the thread")
	channel := func() string {
		var all []string
		for _, m := range a.AllMessages(batontest.Pool) {
			all = append(all, m.Text+string(m.Blocks))
		}
		return strings.Join(all, "\n")
	}
	shown := channel()
	for _, detail := range contactDetails {
		require.NotContains(t, shown, detail, "the channel never shows the contact's details")
	}
	require.Contains(t, shown, `*Number of employees*\n600 ✅`, "what a closer decides with is shown")
	require.Contains(t, shown, `*Industry*\nE-commerce`)
	require.Contains(t, shown, "For the lead's owner alone")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "is out in <#C0HANDOFF>") }, "the passer is told it is out")
	require.Contains(t, a.DMText("U0SDR"), "read back their phone *+14155550100* and email *dana@acme.example*")

	a.Click("U0AE1", h)
	a.Eventually(func() bool { return a.HandoffNow(h.ID).State == routing.StateClaimed }, "claimed")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "You own Acme Corp") }, "the owner's brief")
	for _, detail := range contactDetails {
		require.Contains(t, a.DMText("U0AE1"), detail, "the owner has the contact's details")
	}
	a.Eventually(func() bool { return strings.HasPrefix(a.Messages(batontest.Pool, false)[0].Text, "Claimed by") }, "the post shows the claim")
	shown = channel()
	for _, detail := range contactDetails {
		require.NotContains(t, shown, detail, "the post stays without the details once claimed")
	}

	// The owner books a meeting: both get calendar links, 45 minutes long,
	// the prospect invited, pointing back to the thread.
	meeting := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	a.ClickIn("U0AE1", "DU0AE1", render.ActionLogTouch)
	a.WaitForModal(render.CallbackTouch)
	ack := a.Submit("U0AE1", map[string]map[string]slackfake.InputValue{
		render.BlockKind:    in(slackfake.SelectedOption(string(routing.TouchMeetingBooked))),
		render.BlockMeeting: in(slackfake.DateTimePicked(meeting)),
	})
	require.Empty(t, ack.Payload)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "booked a meeting with") }, "the passer hears of the meeting")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "meeting booked for") }, "the owner's confirmation")
	wantDates := meeting.UTC().Format(calendar.GoogleLayout) + "/" + meeting.Add(45*time.Minute).UTC().Format(calendar.GoogleLayout)
	for _, user := range []string{"U0SDR", "U0AE1"} {
		var dm string
		for _, m := range a.Slack.Messages("D" + user) {
			if strings.Contains(m.Text, "meeting") {
				dm = batontest.SlackText(string(m.Blocks))
			}
		}
		q := googleLink(t, dm)
		require.Equal(t, wantDates, q.Get("dates"), user)
		require.Equal(t, "dana@acme.example", q.Get("add"), user)
		require.Contains(t, q.Get("text"), "Dana Reyes", user)
		require.Contains(t, q.Get("details"), "Slack thread: https://", user)
		require.Contains(t, dm, "https://outlook.office.com/calendar/0/deeplink/compose?", user)
	}

	// A click on a link button reaches Baton too: acked, nothing else.
	before := len(a.Events(h.ID))
	ack = a.ClickIn("U0SDR", "DU0SDR", render.ActionCalendarGoogle)
	require.Empty(t, ack.Payload)
	require.Len(t, a.Events(h.ID), before)
}

// TestScheduledCallCarriesCalendarLinks: a call the passer schedules for
// later from the form reaches its owner and its passer with calendar
// links at the time picked, 30 minutes long by default, the prospect
// invited.
func TestScheduledCallCarriesCalendarLinks(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	a.OpenModal("U0SDR", "")
	small := batontest.ValidAnswers("Tiny Co")
	small["q.employees"] = in(slackfake.TextInput("120"))
	resp := decodeAck(t, a.Submit("U0SDR", small))
	require.Equal(t, "update", resp.ResponseAction, "the form offers a call for later")
	at := time.Now().Add(26 * time.Hour).Truncate(time.Minute)
	ack := a.Submit("U0SDR", map[string]map[string]slackfake.InputValue{
		render.BlockTransferOffered: in(slackfake.SelectedOption(render.TransferLater)),
		"scheduled_for":             in(slackfake.DateTimePicked(at)),
	})
	require.Empty(t, ack.Payload)
	h := a.Latest("U0SDR")
	require.Equal(t, routing.StateScheduled, h.State)
	a.Eventually(func() bool { return strings.Contains(a.DMText(h.OwnerID), "Add to Google Calendar") }, "the owner's links")
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0SDR"), "Add to Google Calendar") }, "the passer's links")
	wantDates := at.UTC().Format(calendar.GoogleLayout) + "/" + at.Add(30*time.Minute).UTC().Format(calendar.GoogleLayout)
	for _, user := range []string{h.OwnerID, "U0SDR"} {
		dm := a.DMText(user)
		q := googleLink(t, dm)
		require.Equal(t, wantDates, q.Get("dates"), user)
		require.Equal(t, "dana@acme.example", q.Get("add"), user)
		require.Equal(t, "Call with Dana Reyes (Tiny Co)", q.Get("text"), user)
		require.Contains(t, dm, "https://outlook.office.com/calendar/0/deeplink/compose?", user)
	}
	require.Contains(t, a.DMText("U0SDR"), "read back their phone *+14155550100* and email *dana@acme.example*")
}
