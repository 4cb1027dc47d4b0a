package launcher_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// TestBurstOfFiftyHandoffs: fifty passers submit their handoffs at the
// same instant into one channel, against a Slack that keeps its pace (the
// fake's default: five posts at once, then one a second, 429 beyond), and
// the pool's three closers click Claim on every post as soon as it is in
// the channel. Every lead is posted once, all before any thread brief;
// Slack never refuses a post for its pace; no notice is abandoned; every
// lead is claimed once and its message shows the claim; every lead's claim
// window started when its post was out, none before. It takes about 50 s, the pace's: the figures
// (how soon, how fast) are the load command's, not this test's.
func TestBurstOfFiftyHandoffs(t *testing.T) {
	t.Parallel()
	const n = 50
	closers := []string{"U0AE1", "U0AE2", "U0AE3"} // config.Minimal's pool
	a := batontest.Start(t, batontest.Options{})

	// Every form open, then all submitted at once.
	viewOf := map[string]string{}
	for i := range n {
		passer := fmt.Sprintf("U0BURST%02d", i)
		a.OpenModal(passer, "")
		for _, v := range a.Slack.Views() {
			if v.UserID == passer && !v.Closed {
				viewOf[passer] = v.ID
			}
		}
		require.NotEmpty(t, viewOf[passer], "%s's form is open", passer)
	}
	// Slack gives an envelope's ack 3 s; fifty stores at once under the
	// race detector on a small machine may take longer, and how long is
	// the load command's to measure: the fake waits for every ack here.
	ackCtx, cancel := context.WithTimeout(a.Ctx, 5*time.Minute)
	defer cancel()

	// The closers click Claim on each post the moment it is in the channel.
	var mu sync.Mutex
	var clicks sync.WaitGroup
	var clickErrs []error
	clicked := map[string]bool{}
	clickNew := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range a.Messages(batontest.Pool, false) {
			if clicked[m.TS] {
				continue
			}
			clicked[m.TS] = true
			for _, closer := range closers {
				clicks.Go(func() {
					_, err := a.Slack.ClickButton(ackCtx, slackfake.Click{UserID: closer, ChannelID: batontest.Pool, MessageTS: m.TS, ActionID: render.ActionClaim})
					if err != nil && !strings.Contains(err.Error(), "no element with action_id") {
						// (No button left: the message already shows the
						// claim, and in Slack the closer could not click.)
						mu.Lock()
						clickErrs = append(clickErrs, err)
						mu.Unlock()
					}
				})
			}
		}
	}
	stopClicking, clickerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(clickerDone)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopClicking:
				return
			case <-ackCtx.Done(): // the test failed early
				return
			case <-tick.C:
				clickNew()
			}
		}
	}()

	// Slack turns every post away until the whole burst is stored, so that
	// all fifty wait at once and their order is the order they were
	// stored in (a post going while an earlier-numbered handoff has not
	// committed yet would follow the commits, not the numbers).
	lift := a.Slack.Throttle("chat.postMessage", time.Second)
	var submits sync.WaitGroup
	acks := make([]slackfake.Ack, n)
	errs := make([]error, n)
	for i := range n {
		passer := fmt.Sprintf("U0BURST%02d", i)
		submits.Go(func() {
			acks[i], errs[i] = a.Slack.SubmitView(ackCtx, slackfake.Submit{UserID: passer, ViewID: viewOf[passer],
				Values: batontest.ValidAnswers(fmt.Sprintf("Burst %02d", i))})
		})
	}
	submits.Wait()
	for i := range n {
		require.NoError(t, errs[i], "submit %d", i)
		require.Empty(t, acks[i].Payload, "submit %d closes the form", i)
	}
	held := len(a.Slack.Calls(""))
	lift()

	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(clicked) == n }, 4*time.Minute, 20*time.Millisecond, "every lead posted")
	close(stopClicking)
	<-clickerDone
	clicks.Wait()
	require.Empty(t, clickErrs, "every click was answered")

	// Each lead is claimed once, and its message shows it.
	a.Eventually(func() bool {
		for _, m := range a.Messages(batontest.Pool, false) {
			if !strings.HasPrefix(m.Text, "Claimed by <@") {
				return false
			}
		}
		return true
	}, "every message shows its claim")
	var claims []int
	rows, err := a.DB.Query(a.Ctx, `SELECT (SELECT count(*) FROM events e WHERE e.handoff_id = h.id AND e.kind = $1) FROM handoffs h`, routing.EventClaimed)
	require.NoError(t, err)
	claims, err = pgx.CollectRows(rows, pgx.RowTo[int])
	require.NoError(t, err)
	require.Len(t, claims, n)
	for i, c := range claims {
		require.Equal(t, 1, c, "lead %d claimed once", i)
	}

	// The channel's posts: the fifty leads first, each once, then the
	// briefs.
	var posted []slackfake.Call
	for _, c := range a.Slack.Calls("chat.postMessage") {
		if c.Params["channel"] == batontest.Pool && strings.Contains(string(c.Response), `"ok":true`) {
			posted = append(posted, c)
		}
	}
	require.GreaterOrEqual(t, len(posted), n)
	posted = posted[:n]
	for i, c := range posted {
		require.Empty(t, c.Params["thread_ts"], "post %d is a lead's, before any thread brief", i+1)
	}
	// In submission order: the order the handoffs were stored in.
	rows, qerr := a.DB.Query(a.Ctx, `SELECT company FROM handoffs ORDER BY id`)
	require.NoError(t, qerr)
	storedOrder, qerr := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, qerr)
	require.Len(t, storedOrder, n)
	for i, c := range posted {
		require.Contains(t, c.Params["text"], storedOrder[i], "post %d: hot posts in submission order", i+1)
	}
	require.Len(t, a.Messages(batontest.Pool, false), n, "each lead posted once")

	// Baton keeps every conversation's pace (the pool's channel, and the
	// DMs): Slack never refused a post.
	for _, c := range a.Slack.Calls("")[held:] {
		require.NotContains(t, string(c.Response), `"error":"ratelimited"`, "%s into %s: a 429", c.Method, c.Params["channel"])
	}

	var abandoned int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM outbox WHERE abandoned_at IS NOT NULL`).Scan(&abandoned))
	require.Zero(t, abandoned, "no notice abandoned")

	// Every lead's claim window started with its post in the channel, so
	// none ran out, nor started, before anyone could see the lead.
	rows, err = a.DB.Query(a.Ctx, `SELECT id FROM handoffs`)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	require.Len(t, ids, n)
	for _, id := range ids {
		events, err := a.Store.Events(a.Ctx, id)
		require.NoError(t, err)
		out := slices.IndexFunc(events, func(e routing.Event) bool { return e.Kind == routing.EventPosted })
		require.NotEqual(t, -1, out, "handoff %d posted", id)
		// A closer may claim the lead from its post in Slack before Baton
		// has recorded the post: no window to start then.
		claimedFirst := slices.ContainsFunc(events[:out], func(e routing.Event) bool { return e.Kind == routing.EventClaimed })
		if !claimedFirst {
			require.Equal(t, true, events[out].Detail["window_started"], "handoff %d: its window started with its post", id)
		}
		for _, e := range events[:out] {
			require.NotContains(t, []routing.EventKind{routing.EventEscalated, routing.EventWindowStarted}, e.Kind, "handoff %d: before its post", id)
		}
	}
}
