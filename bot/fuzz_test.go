package bot

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// FuzzSlashCommand feeds arbitrary /handoff text (as Slack sends it, with
// &, < and > as entities) through the command's parsing and the
// availability commands, in two zones: nothing panics, an away always ends
// in the future and within routing.MaxAway, and an answer quoting the text
// back escapes it.
func FuzzSlashCommand(f *testing.F) {
	for _, seed := range []string{"", "help", "HELP me", "Acme &amp; Co &lt;EU&gt;", "away", "away 30m", "away 2 hours", "away 90 min",
		"away until 17:00", "away until 5pm", "away 3d", "away 999999999999d", "away -5m", "away 0s", "back", "available", "Back Market",
		"away until 25:00", "away &lt;!channel&gt;", "away 1h30m", "  away   45 min  ", "away until 23:59", "\xff\xfe", "away \x00"} {
		f.Add(seed)
	}
	now := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) // a DST change in Europe
	zones := []*time.Location{time.UTC, nil}
	for _, name := range []string{"Europe/London", "Pacific/Chatham", "America/St_Johns"} {
		if loc, err := time.LoadLocation(name); err == nil {
			zones = append(zones, loc)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		sub, arg := parseCommandText(text)
		require.Contains(t, []string{"", "help"}, sub)
		require.Equal(t, arg, strings.TrimSpace(arg))
		for _, loc := range zones {
			change, ok, err := routing.ParseAvailability(arg, now, loc)
			switch {
			case !ok:
				require.NoError(t, err, "text that is not a command is a company")
			case err != nil:
				answer := didNotGet(err)
				require.NotContains(t, answer, "<", "the text quoted back is escaped")
			case change.Away:
				require.True(t, change.Until.After(now), "away ends in the future: %q", arg)
				require.False(t, change.Until.After(now.Add(routing.MaxAway)), "away lasts at most MaxAway: %q", arg)
			}
		}
	})
}

// FuzzViewMetadata submits Baton's modals with arbitrary private_metadata
// and input values: the handoff id is read only from a plain positive
// number, and whatever parses is only a claim the handlers check against
// the store.
func FuzzViewMetadata(f *testing.F) {
	for _, seed := range []string{"42", "0", "-1", "+7", "007", "9223372036854775807", "9223372036854775808", "1e3", " 42", "42 ", "",
		`{"checklist":"bant","pool":"enterprise"}`, `{"checklist":1}`, "null", "\xff"} {
		f.Add(seed, "U0AE1", "meeting_booked", int64(1795000000))
	}
	callbacks := []string{render.CallbackCancel, render.CallbackHandBack, render.CallbackPass, render.CallbackCallback,
		render.CallbackTouch, render.CallbackOutcome, render.CallbackReassign, render.CallbackHandoff}
	f.Fuzz(func(t *testing.T, meta, user, choice string, at int64) {
		for _, callback := range callbacks {
			cb := &slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user}}
			cb.View.ID, cb.View.CallbackID, cb.View.PrivateMetadata = "V1", callback, meta
			cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
				render.BlockReason:  {render.ActionInput: {SelectedOption: slack.OptionBlockObject{Value: choice}}},
				render.BlockKind:    {render.ActionInput: {SelectedOption: slack.OptionBlockObject{Value: choice}}},
				render.BlockNote:    {render.ActionInput: {Value: choice}},
				render.BlockMeeting: {render.ActionInput: {SelectedDateTime: at}},
				render.BlockWhen:    {render.ActionInput: {SelectedDateTime: at}},
				render.BlockOwner:   {render.ActionInput: {SelectedUser: choice}},
			}}
			id, who, err := viewHandoff(cb)
			if err == nil {
				require.Positive(t, id)
				require.Equal(t, user, who)
				n, perr := strconv.ParseInt(meta, 10, 64)
				require.NoError(t, perr)
				require.Equal(t, n, id)
			} else {
				require.ErrorIs(t, err, errMalformed)
			}
			if w, err := parseWork(cb); err == nil {
				require.Equal(t, id, w.HandoffID)
				require.Equal(t, strings.TrimSpace(storableText(choice)), w.Note)
				require.NotContains(t, w.Note+w.Kind+w.Reason+w.To, "\x00", "PostgreSQL stores no NUL")
				require.Equal(t, at > 0, !w.At.IsZero())
			}
			if c, err := parseCallback(cb); err == nil {
				require.Equal(t, at > 0, !c.At.IsZero())
			}
			if r, err := parseReason(cb); err == nil {
				require.Equal(t, storableText(choice), r.Code)
			}
			if sub, err := parseSubmission(cb); err == nil {
				// Metadata only names a checklist and a pool, which the
				// handler looks up in the configuration.
				require.Equal(t, render.CallbackHandoff, callback)
				require.Equal(t, user, sub.UserID)
				require.Equal(t, "V1", sub.ViewID)
			}
		}
	})
}

// FuzzTrimEcho feeds arbitrary Web API answers to the echo trimmer: it
// never fails, and either passes the body unchanged or returns the same
// JSON object without "message" and "view".
func FuzzTrimEcho(f *testing.F) {
	f.Add([]byte(`{"ok":true,"channel":"C1","ts":"1.0001","message":{"text":"hi","blocks":[]}}`))
	f.Add([]byte(`{"ok":true,"view":{"id":"V1","blocks":[]},"response_metadata":{"warnings":["x"]}}`))
	f.Add([]byte(`{"ok":false,"error":"invalid_blocks","message":{}}`))
	f.Add([]byte(`{"ok":true}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"ok":true,"ok":false,"view":1}`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, body []byte) {
		out := trimEcho(body)
		if string(out) == string(body) {
			return
		}
		var in, got map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &in))
		require.NoError(t, json.Unmarshal(out, &got))
		require.Equal(t, "true", string(got["ok"]))
		require.NotContains(t, got, "message")
		require.NotContains(t, got, "view")
		delete(in, "message")
		delete(in, "view")
		require.Equal(t, len(in), len(got))
	})
}
