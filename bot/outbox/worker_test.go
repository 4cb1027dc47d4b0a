package outbox_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/handoffs/handoffstest"
	"github.com/batonhq/baton/bot/home"
	"github.com/batonhq/baton/bot/outbox"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/bot/wakeup"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// bundle is a worker running against the fake Slack and a real database,
// with the use cases that fill its outbox.
type bundle struct {
	handoffstest.Bundle
	slack *slackfake.Server
	// wake is the worker's wake-up, the test's to give: the worker polls
	// only hourly, so nothing is delivered before the test says.
	wake *wakeup.Signal
	// pause stops the worker and waits until it has returned; resume
	// starts it again. A worker leases once more after its last delivery
	// finishes, so a test that must change the outbox while no worker can
	// lease pauses it first.
	pause, resume func()
}

func setup(t *testing.T) bundle {
	t.Helper()
	return setupWith(t, nil)
}

// setupWith is setup with the worker's configuration changed by with, once
// the bundle, its fake Slack and its wake-up are made.
func setupWith(t *testing.T, with func(b bundle, api *slack.Client, cfg *outbox.Config)) bundle {
	t.Helper()
	b := bundle{Bundle: handoffstest.New(t), slack: slackfaketest.New(t), wake: wakeup.New()}
	api := slack.New(b.slack.BotToken(), slack.OptionAPIURL(b.slack.APIURL()))
	homes := &home.Homes{Store: b.Store, Service: b.Service, API: api, Log: zerolog.Nop()}
	cfg := outbox.Config{Store: b.Store, Service: b.Service, Homes: homes, API: api, Log: zerolog.Nop(),
		Wake: b.wake, Poll: time.Hour, ChannelPace: &outbox.ChannelPace{}, Clock: b.Clock.Now}
	if with != nil {
		with(b, api, &cfg)
	}
	w := outbox.New(cfg)
	var stop func()
	b.resume = func() {
		ctx, cancel := context.WithCancel(b.Ctx)
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		stop = func() {
			cancel()
			require.NoError(t, <-done)
			stop = func() {}
		}
	}
	b.pause = func() { stop() }
	b.resume()
	t.Cleanup(func() { stop() })
	return b
}

// post is the channel post of the handoff for company, once it is out.
func (b bundle) post(t *testing.T, company string) slackfake.Message {
	t.Helper()
	var post slackfake.Message
	require.Eventually(t, func() bool {
		for _, m := range b.slack.Messages("C0HANDOFF") {
			if m.ThreadTS == "" && strings.Contains(m.Text, company) {
				post = m
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "the channel post of %s", company)
	return post
}

// settled waits until no notice is leased: Slack may have seen a delivery
// before the worker records its result, and a clock moved meanwhile would
// put the retry that long later.
func (b bundle) settled(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := b.DB.QueryRow(b.Ctx, `SELECT count(*) FROM outbox WHERE leased_until IS NOT NULL
			AND delivered_at IS NULL AND abandoned_at IS NULL`).Scan(&n)
		return err == nil && n == 0
	}, 10*time.Second, 10*time.Millisecond, "no notice leased")
}

// delivered waits until the outbox holds nothing left to deliver.
func (b bundle) delivered(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		n, err := b.Store.PendingCount(b.Ctx)
		return err == nil && n == 0
	}, 10*time.Second, 10*time.Millisecond, "the outbox is emptied")
}

// TestWorkerDeliversAHandoffsLife: woken by the commits, the worker posts
// the hot lead with its thread brief and the passer's DM, records the
// post's ts, and on the claim updates the post in place.
func TestWorkerDeliversAHandoffsLife(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.Create(t, "V1", "Acme Corp")
	b.wake.Notify()

	post := b.post(t, "Acme Corp")
	require.Contains(t, post.Text, "<!channel>", "the post pings the channel")
	require.Eventually(t, func() bool {
		got, err := b.Service.Handoff(b.Ctx, h.ID)
		return err == nil && got.MessageTS == post.TS
	}, 10*time.Second, 10*time.Millisecond, "the post's ts is recorded")
	require.Eventually(t, func() bool {
		for _, m := range b.slack.Messages("C0HANDOFF") {
			if m.ThreadTS == post.TS {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "the brief goes in the post's thread")

	_, err := b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: "C0HANDOFF", MessageTS: post.TS})
	require.NoError(t, err)
	b.wake.Notify()
	require.Eventually(t, func() bool {
		m := b.post(t, "Acme Corp")
		return m.Updated > 0 && strings.Contains(m.Text, "Claimed by <@U0AE1>")
	}, 10*time.Second, 10*time.Millisecond, "the post is updated in place with the owner")
	require.Len(t, b.slack.Messages("C0HANDOFF"), 2, "the post and its brief, nothing posted twice")
}

// TestWorkerSkipsWhatIsNoLongerWanted: a re-ping queued by the ladder but
// delivered after the lead was claimed is dropped, not posted.
func TestWorkerSkipsWhatIsNoLongerWanted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.Create(t, "V1", "Acme Corp")
	b.wake.Notify()
	post := b.post(t, "Acme Corp")
	b.delivered(t)
	b.pause()

	// The window closes: the first rung queues a re-ping and nudges; the
	// lead is claimed before the worker runs again.
	b.Clock.Add(h.NextStepAt.Sub(b.Clock.Now()))
	fired, err := b.Service.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, 1, fired)
	_, err = b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: "C0HANDOFF", MessageTS: post.TS})
	require.NoError(t, err)
	b.resume()
	b.wake.Notify()
	b.delivered(t)
	for _, m := range b.slack.Messages("C0HANDOFF") {
		require.NotContains(t, m.Text, "still unclaimed", "no re-ping for a claimed lead")
	}
}

// TestWorker429HoldsTheMethodAndIsNoAttempt: Slack answers a claim's
// message update with 429 and a Retry-After: the notice waits that long
// without counting an attempt (a burst of 429s never abandons it), and no
// other delivery of the process calls chat.update meanwhile.
func TestWorker429HoldsTheMethodAndIsNoAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.Create(t, "V1", "Acme Corp")
	second := b.Create(t, "V2", "Globex")
	b.wake.Notify()
	posts := map[int64]slackfake.Message{first.ID: b.post(t, "Acme Corp"), second.ID: b.post(t, "Globex")}
	b.delivered(t)

	b.slack.Throttle("chat.update", 30*time.Second)
	claim := func(h routing.Handoff) {
		t.Helper()
		_, err := b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: "C0HANDOFF", MessageTS: posts[h.ID].TS})
		require.NoError(t, err)
		b.wake.Notify()
	}
	type row struct {
		attempts  int
		lastError string
		waits     bool
	}
	updates := func() []row {
		rows, err := b.DB.Query(b.Ctx, `SELECT attempts, last_error, deliver_after > $1 AND leased_until IS NULL FROM outbox
			WHERE kind = 'channel_message' AND delivered_at IS NULL AND abandoned_at IS NULL ORDER BY id`, b.Clock.Now())
		require.NoError(t, err)
		out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.attempts, &x.lastError, &x.waits)
		})
		require.NoError(t, err)
		return out
	}
	// The first update is answered 429: it waits, and so does chat.update.
	claim(first)
	require.Eventually(t, func() bool {
		got := updates()
		return len(got) == 1 && got[0].waits
	}, 10*time.Second, 10*time.Millisecond, "the first update waits for the Retry-After")
	// The second is held without a call.
	claim(second)
	require.Eventually(t, func() bool {
		got := updates()
		return len(got) == 2 && got[0].waits && got[1].waits
	}, 10*time.Second, 10*time.Millisecond, "the second update waits too")
	for _, u := range updates() {
		require.Equal(t, row{attempts: 0, lastError: "", waits: true}, u, "a 429 is no attempt and no failure")
	}
	require.Len(t, b.slack.Calls("chat.update"), 1, "the 429 held chat.update for every delivery of the process")
}
