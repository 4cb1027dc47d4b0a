package faulttest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// replicasConfig runs everything in seconds: a 2 s claim window and a
// ladder to the end 4 s after it, a first touch due 2 s after a lead gets
// its owner and the manager told 2 s after that, SLA sweeps every second
// and a digest every 2 s in its own channel.
const replicasConfig = `
timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3, U0AE4, U0AE5, U0AE6]
    managers: [U0MGR]
    fallback: overflow
  - name: overflow
    channel: C0OVERFLOW
    members: [U0OVR]
sla:
  claim_window: 2s
  first_touch: 2s
  outcome_due: 1h
  manager_grace: 2s
  sweep_schedule: "@every 1s"
escalation:
  sweep_interval: 500ms
  ladder:
    - {at: 0s, do: [reping, dm_members]}
    - {at: 2s, do: [dm_managers, fallback]}
    - {at: 4s, do: [missed]}
digest:
  channel: C0DIGEST
  schedule: "@every 2s"
# The compressed ladder above leaves no time for Slack's pace of one post
# a second in the channel: this test watches the replicas, not the pace
# (TestReplicasShareTheChannelPace does).
channel_pace:
  burst: 0
`

// TestFaultTenReplicas runs ten baton processes on one database and one
// Slack app, each with its own Socket Mode connection, the fake spreading
// envelopes over them round robin as Slack does. A burst of handoffs,
// every member clicking Claim at once on some of them (the clicks of one
// lead land on different replicas), the ladder run to the end on the
// others, every lead's first-touch clock breached, and a digest every 2 s
// with ten replicas ticking: one claim per lead, each ladder step, breach,
// alert and digest tick once, each DM once.
//
// The processes run without the race detector even under -race (see
// batontest.PlainBinary): ten race-instrumented processes on a two-core
// machine spend their time in the detector, not in Baton, and would miss
// the deadlines under test. The detector runs on the same code in the
// other tests.
func TestFaultTenReplicas(t *testing.T) {
	t.Parallel()
	const replicas, claimedLeads, missedLeads = 10, 5, 3
	members := []string{"U0AE1", "U0AE2", "U0AE3", "U0AE4", "U0AE5", "U0AE6"}
	bin := batontest.PlainBinary(t)
	// Slack's pace of about one post a second per channel would take the
	// eight posts, their briefs and re-pings past these 2 s claim windows:
	// this test compresses the ladder to watch the replicas, so the fake
	// keeps no pace (how a burst meets the pace is tested on its own).
	fake := slackfaketest.New(t, slackfake.WithChannelPace(slackfake.ChannelPace{}))
	a := batontest.Start(t, batontest.Options{Process: true, Config: replicasConfig, Binary: bin, Fake: fake})
	all := []*batontest.App{a}
	for range replicas - 1 {
		all = append(all, batontest.Start(t, batontest.Options{Process: true, Config: replicasConfig, Binary: bin, Fake: a.Slack, DBURL: a.DBURL, DB: a.DB}))
	}
	require.Equal(t, replicas, a.Slack.Connected())

	// A burst of handoffs: each /handoff and each submit goes to the next
	// replica.
	var hs []routing.Handoff
	for i := range claimedLeads + missedLeads {
		passer := fmt.Sprintf("U0SDR%d", i)
		a.OpenModal(passer, "")
		require.Empty(t, a.Submit(passer, batontest.ValidAnswers(fmt.Sprintf("Company %d", i))).Payload)
		hs = append(hs, a.Latest(passer))
	}
	for i := range hs {
		hs[i] = a.Posted(hs[i].ID)
	}

	// Every member clicks Claim at once on each of the first leads.
	var wg sync.WaitGroup
	errs := make(chan error, claimedLeads*len(members))
	for _, h := range hs[:claimedLeads] {
		for _, m := range members {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(a.Ctx, 30*time.Second)
				defer cancel()
				_, err := a.Slack.ClickButton(ctx, slackfake.Click{UserID: m, ChannelID: h.Channel, MessageTS: h.MessageTS, ActionID: render.ActionClaim})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	// A click can only come while the button is there: once the message
	// shows the claim, Slack (and the fake) has nothing left to click.
	clicks := 0
	for err := range errs {
		if err != nil {
			require.ErrorContains(t, err, `no element with action_id "claim"`)
			continue
		}
		clicks++
	}
	require.GreaterOrEqual(t, clicks, claimedLeads)
	t.Logf("%d of %d clicks reached Baton", clicks, claimedLeads*len(members))

	// Wait for the end state: the first leads claimed, the others through
	// the ladder to an owner, every owner's first touch breached and the
	// manager told, and a few digest ticks.
	state := func(id int64) routing.Handoff {
		h, err := a.Store.Handoff(a.Ctx, id)
		require.NoError(t, err)
		return h
	}
	for i, h := range hs {
		want := routing.StateClaimed
		if i >= claimedLeads {
			want = routing.StateScheduled
		}
		a.Eventually(func() bool { return state(h.ID).State == want }, fmt.Sprintf("lead %d %s", i, want))
		a.Eventually(func() bool {
			return batontest.Count(a.Events(h.ID), routing.EventSLAEscalate) == 1
		}, fmt.Sprintf("lead %d: its breach reaches the manager", i))
	}
	digestRuns := func() int {
		var n int
		require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM job_runs WHERE job = 'digest'`).Scan(&n))
		return n
	}
	a.Eventually(func() bool { return digestRuns() >= 3 }, "digest ticks")
	a.Drained()

	// Stop every replica (they drain and exit 0) before counting, so that
	// nothing moves underneath.
	for _, r := range all {
		r.Signal(syscall.SIGTERM)
	}
	for i, r := range all {
		code, exited := r.WaitExit(60 * time.Second)
		require.True(t, exited, "replica %d exits", i)
		require.Zero(t, code, "replica %d exit status", i)
	}

	// No double claim: one claim event per claimed lead, its owner one of
	// the clickers, and every other clicker told once who has it.
	for i, h := range hs {
		h = state(h.ID)
		kinds := a.Events(h.ID)
		if i < claimedLeads {
			require.Equal(t, 1, batontest.Count(kinds, routing.EventClaimed), "lead %d: %v", i, kinds)
			require.Contains(t, members, h.OwnerID)
			require.Zero(t, batontest.Count(kinds, routing.EventMissed))
			require.LessOrEqual(t, batontest.Count(kinds, routing.EventEscalated), 2, "lead %d: %v", i, kinds)
		} else {
			// Each ladder step once, in order, however many replicas swept.
			require.Zero(t, batontest.Count(kinds, routing.EventClaimed), "lead %d: %v", i, kinds)
			require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPosted, routing.EventEscalated,
				routing.EventEscalated, routing.EventPosted, routing.EventMissed}, kinds[:6], "lead %d", i)
			require.Equal(t, 1, batontest.Count(kinds, routing.EventMissed))
			require.NotEmpty(t, h.OwnerID)
		}
		// Each breach recorded once and told once, sweeps every second on
		// ten replicas notwithstanding.
		require.Equal(t, 1, batontest.Count(kinds, routing.EventSLABreached), "lead %d: %v", i, kinds)
		require.Equal(t, 1, batontest.Count(kinds, routing.EventSLAEscalate), "lead %d: %v", i, kinds)
		require.Equal(t, 1, a.DMs(h.OwnerID, "SLA missed on Company "+strconv.Itoa(i)), "lead %d's owner told once", i)
	}
	var claims int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM events WHERE kind = $1`, routing.EventClaimed).Scan(&claims))
	require.Equal(t, claimedLeads, claims)
	ephemerals := a.Slack.Ephemerals(batontest.Pool, "")
	// The clicks were decided by several replicas, not one: the fake
	// spreads envelopes round robin, but forms, commands and events take
	// turns too, so how many replicas get a click varies (4 to 10 seen).
	deciders := 0
	for _, r := range all {
		if log := r.Log.String(); strings.Contains(log, `"message":"claim refused"`) || strings.Contains(log, `"message":"handoff claimed"`) {
			deciders++
		}
	}
	require.GreaterOrEqual(t, deciders, 3, "replicas that handled a click")
	// (One person may lose several leads to one winner, with the same
	// words: the count is what tells a double answer.)
	require.Len(t, ephemerals, clicks-claimedLeads, "each losing click answered once")

	// Each post once: one per lead, one fallback post per missed lead, no
	// thread reply twice.
	require.Len(t, a.Messages(batontest.Pool, false), claimedLeads+missedLeads)
	require.Len(t, a.Slack.Messages("C0OVERFLOW"), missedLeads)
	replies := map[string]bool{}
	for _, m := range a.Messages(batontest.Pool, true) {
		key := m.ThreadTS + "\x00" + m.Text
		require.False(t, replies[key], "thread reply twice: %q", m.Text)
		replies[key] = true
	}

	// Each digest tick posted once: a run key per tick, one outbox notice
	// per run, one post per delivered notice.
	var notices, delivered int
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*), count(delivered_at) FROM outbox WHERE kind = $1`, routing.NoticeDigest).Scan(&notices, &delivered))
	require.Equal(t, digestRuns(), notices, "one notice per tick")
	posted := 0
	for _, c := range a.Slack.Calls("chat.postMessage") {
		if c.Params["channel"] == "C0DIGEST" && !refused(c) {
			posted++
		}
	}
	require.GreaterOrEqual(t, delivered, 3)
	require.Equal(t, delivered, posted, "each delivered tick posted once")

	// Each DM once: no person got the same message twice.
	for _, user := range append(append([]string{"U0MGR", "U0OVR"}, members...), "U0SDR0", "U0SDR5") {
		texts := map[string]bool{}
		for _, m := range a.Slack.Messages("D" + user) {
			key := m.Text + string(m.Blocks)
			require.False(t, texts[key], "%s got twice: %q", user, m.Text)
			texts[key] = true
		}
	}
	require.Equal(t, missedLeads, a.DMs("U0MGR", "Nobody in *closers*"), "one ladder alert per missed lead")
	require.Equal(t, claimedLeads+missedLeads, a.DMs("U0MGR", "still out of SLA"), "one SLA alert per lead")
	for i := range hs {
		require.Equal(t, 1, a.DMs(fmt.Sprintf("U0SDR%d", i), "is out in"), "passer %d told once", i)
	}
}
