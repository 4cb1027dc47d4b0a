package faulttest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store/storetest"
)

// restartConfig has a claim window long enough for the test to stop the
// database before it closes, and a first rung at the deadline (re-ping
// and DMs to the members) whose notices show the outbox at work after the
// restart. The lead is missed only much later, after the test.
const restartConfig = `timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3]
    managers: [U0MGR]
sla:
  claim_window: 8s
  post_delay_notice: 5m
  post_grace: 10m
  first_touch: 48h
  outcome_due: 24h
escalation:
  sweep_interval: 500ms
  ladder:
    - at: 0s
      do: [reping, dm_members]
    - at: 1h
      do: [missed]
digest:
  channel: C0HANDOFF
  schedule: "0 9 * * 1-5"
`

// committed is what the database holds that must survive a restart: every
// event (the log of every change) and what identifies each handoff.
type committed struct {
	Events   []string
	Handoffs []string
}

func snapshot(t *testing.T, a *batontest.App) committed {
	t.Helper()
	var c committed
	rows := func(query string) []string {
		r, err := a.DB.Query(a.Ctx, query)
		require.NoError(t, err)
		var out []string
		for r.Next() {
			var s string
			require.NoError(t, r.Scan(&s))
			out = append(out, s)
		}
		require.NoError(t, r.Err())
		return out
	}
	c.Events = rows(`SELECT to_jsonb(e)::text FROM events e ORDER BY id`)
	// What was submitted: the claim deadline moves when the post is
	// recorded (the window starts then).
	c.Handoffs = rows(`SELECT jsonb_build_object('id', id, 'passer', passer_id, 'company', company, 'created_at', created_at,
		'channel', channel, 'answers', answers, 'pool', pool)::text FROM handoffs ORDER BY id`)
	return c
}

// TestFaultPostgresRestart stops PostgreSQL in the middle of a handoff's
// life and starts it again. While it is down, /readyz says not ready, a
// form submitted shows the passer an error in the modal with their
// answers kept, a Claim click is answered with a plain sentence, /handoff
// still opens the form, and the lead's post, out in Slack, cannot be
// recorded, so its claim window has not started. Once it is back, with no
// help from outside: the pool reconnects, /readyz is ready, the post is
// recorded and its window starts, its rung fires with its re-ping and DMs,
// the click and the submit work, and nothing committed before the stop is
// lost.
func TestFaultPostgresRestart(t *testing.T) {
	t.Parallel()
	srv := storetest.NewServer(t)
	// Slack takes the lead's channel post and the passer's DM, and its
	// answers are held until the database is down: the post is out, but
	// Baton can record neither its ts nor that the DM went.
	held := make(chan string, 2)
	release := make(chan struct{})
	var holding atomic.Bool
	fake := slackfaketest.New(t, slackfake.WithCallHook(func(c slackfake.Call) {
		post := c.Method == "chat.postMessage" && (c.Params["channel"] == batontest.Pool && c.Params["thread_ts"] == "" || c.Params["channel"] == "DU0SDR")
		if post && holding.Load() {
			held <- c.Params["channel"]
			<-release
		}
	}))
	a := batontest.Start(t, batontest.Options{Process: true, Config: restartConfig, Fake: fake, DBURL: srv.URL(), DB: srv.Pool()})
	require.Equal(t, http.StatusOK, a.Readyz())

	// The second passer's form is open before the database goes down.
	a.OpenModal("U0SDR2", "")
	holding.Store(true)
	a.OpenModal("U0SDR", "")
	require.Empty(t, a.Submit("U0SDR", batontest.ValidAnswers("Acme")).Payload, "stored")
	h := a.Latest("U0SDR")
	for range 2 {
		<-held
	}
	holding.Store(false)
	before := snapshot(t, a)

	srv.Stop()
	close(release)
	a.Eventually(func() bool { return a.Readyz() == http.StatusServiceUnavailable }, "/readyz says not ready while the database is down")

	// The form submitted while the database is down: the passer sees
	// why in the modal, which stays open with their answers.
	ack := a.Submit("U0SDR2", batontest.ValidAnswers("Globex"))
	var answer struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(ack.Payload, &answer), "the submit is answered in the modal: %s", ack.Payload)
	require.Equal(t, "errors", answer.Action)
	require.Equal(t, render.SaveFailed, answer.Errors[string(routing.FieldCompany)])

	// A click on Claim (on the post Slack shows, whose ts Baton could not
	// record): a plain sentence, privately.
	require.Len(t, a.Messages(batontest.Pool, false), 1)
	h.MessageTS = a.Messages(batontest.Pool, false)[0].TS
	a.Click("U0AE1", h)
	a.Eventually(func() bool { return len(a.Ephemerals(batontest.Pool, "U0AE1")) == 1 }, "the clicker is told")
	require.Equal(t, render.ClaimFailed, a.Ephemerals(batontest.Pool, "U0AE1")[0])

	// /handoff still opens the form (without who is available), so a
	// passer can fill it in while the database comes back.
	a.OpenModal("U0SDR3", "")
	require.Empty(t, a.Ephemerals(batontest.Sales, "U0SDR3"))

	// A window started at the submission would close while the database
	// is down; this one waits for the post to be recorded. The sweeper
	// tries and fails, and keeps trying.
	a.Eventually(func() bool { return time.Now().After(h.ClaimDeadline.Add(time.Second)) }, "a window from the submission would be over")
	a.Eventually(func() bool {
		return strings.Count(a.Log.String(), "deadline sweep failed; retrying") >= 2
	}, "the sweeper fails while the database is down, and goes on")
	require.Empty(t, a.Messages(batontest.Pool, true), "no brief nor re-ping while the database is down")

	srv.Start()
	up := time.Now()
	a.Eventually(func() bool { return a.Readyz() == http.StatusOK }, "/readyz is ready again, without a restart of baton")

	// The post is recorded, and its window starts then: its rung fires
	// once, after the outage, and the outbox delivers its re-ping and DMs.
	require.Equal(t, h.MessageTS, a.Posted(h.ID).MessageTS, "the post's ts, kept through the outage")
	require.True(t, a.HandoffNow(h.ID).WindowAt.After(up.Add(-time.Second)), "the window starts when the post is recorded")
	a.Eventually(func() bool { return len(a.Messages(batontest.Pool, true)) == 2 }, "the brief and the re-ping")
	reping := a.Messages(batontest.Pool, true)[1]
	require.Contains(t, reping.Text, "<!here>")
	require.Equal(t, h.MessageTS, reping.ThreadTS)
	for _, m := range []string{"U0AE1", "U0AE2", "U0AE3"} {
		a.Eventually(func() bool { return a.DMs(m, "Acme") == 1 }, "the rung's DM to "+m)
	}
	var escalated []routing.Event
	events, err := a.Store.Events(a.Ctx, h.ID)
	require.NoError(t, err)
	for _, e := range events {
		if e.Kind == routing.EventEscalated {
			escalated = append(escalated, e)
		}
	}
	require.Len(t, escalated, 1, "the rung fires once")
	require.True(t, escalated[0].At.After(up.Add(-time.Second)), "fired once the database was back (%s), not before (%s)", escalated[0].At, up)

	// The click again: claimed (late: the window closed), with its update
	// and DMs.
	a.Click("U0AE1", h)
	a.Eventually(func() bool {
		return strings.HasPrefix(a.Messages(batontest.Pool, false)[0].Text, "Claimed late by <@U0AE1>")
	}, "the claim shows")
	a.Eventually(func() bool { return a.DMs("U0AE1", "You own") == 1 && a.DMs("U0SDR", "claimed") == 1 }, "the claim's DMs")
	require.Len(t, a.Ephemerals(batontest.Pool, "U0AE1"), 1, "the second click won: nothing more to say")

	// The form kept open during the outage is submitted again and saved.
	ack = a.Submit("U0SDR2", batontest.ValidAnswers("Globex"))
	require.Empty(t, ack.Payload, "saved now: the form closes")
	globex := a.Posted(a.Latest("U0SDR2").ID)
	require.Equal(t, "Globex", globex.Lead.Company)
	a.Drained()

	// Nothing committed before the stop is lost: every event and every
	// handoff is still there as it was, and the log only grew.
	after := snapshot(t, a)
	require.Equal(t, before.Events, after.Events[:len(before.Events)])
	require.Equal(t, before.Handoffs, after.Handoffs[:len(before.Handoffs)])
	require.Len(t, after.Handoffs, 2, "Acme and Globex; the failed submit stored nothing")
	// The post's ts is recorded when the database is back, and the rung
	// fires at the end of the window that starts then.
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPosted, routing.EventEscalated, routing.EventClaimed}, a.Events(h.ID))
	require.Len(t, a.Messages(batontest.Pool, false), 2, "one post each: the post out when the database went down was not posted again")
	require.Equal(t, 1, a.DMs("U0SDR", "is out in"), "nor the DM")
	require.Equal(t, 2, a.Messages(batontest.Pool, false)[0].Updated, "Acme's post updated twice: by the rung, by the claim")

	ctx, cancel := context.WithTimeout(a.Ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Pool().Ping(ctx), "the test's own pool reconnected too")
}
