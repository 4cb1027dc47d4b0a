package faulttest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// claimScriptConfig leaves time to crash and restart before anything is
// due: the lead is claimed long before its window closes, and a post the
// crash delayed is out long before its passer would be told it is late.
var claimScriptConfig = strings.Replace(batontest.DefaultConfig, "claim_window: 60s", "claim_window: 10m\n  post_delay_notice: 5m\n  post_grace: 10m", 1)

// ladderScriptConfig lets nobody claim: the window closes after 6 s (time
// to freeze the process before it), the members are re-pinged and DMed,
// and 6 s later the lead is missed and given an owner by rotation.
const ladderScriptConfig = `timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3]
    managers: [U0MGR]
sla:
  claim_window: 6s
  first_touch: 48h
  outcome_due: 24h
escalation:
  sweep_interval: 500ms
  ladder:
    - at: 0s
      do: [reping, dm_members]
    - at: 6s
      do: [missed]
digest:
  channel: C0HANDOFF
  schedule: "0 9 * * 1-5"
`

// The last rung comes 6 s after the first so that a process
// killed a second after the first rung fell due has restarted, on a busy
// machine too, before the last one is due. Were both due at the restart,
// the catch-up would fire them together, and the first rung's DMs asking
// for a claim would be dropped as no longer wanted (the lead is scheduled
// by then): right for Baton, but no longer the same end as the crash-free
// run this suite compares with.

// afterLease bounds the wait for a notice that a killed process had
// leased: the next process takes it once the 30 s lease lapses.
const afterLease = 90 * time.Second

// endState is what a handoff's story comes to: the row, the event log and
// everything Slack shows. Times, durations and ts values differ from run
// to run, so the numbers in texts are blanked (user ids keep theirs).
type endState struct {
	State  routing.State
	Owner  string
	Events []routing.EventKind
	Slack  []string
}

var numbers = regexp.MustCompile(`\b\d+(\.\d+)?\b`)

// settle waits until handoff id reaches want and every notice is out, then
// reads its end state.
func settle(t *testing.T, a *batontest.App, id int64, want routing.State) endState {
	t.Helper()
	a.EventuallyWithin(afterLease, func() bool {
		h, err := a.Store.Handoff(a.Ctx, id)
		n, perr := a.Store.PendingCount(a.Ctx)
		return err == nil && perr == nil && h.State == want && n == 0
	}, fmt.Sprintf("handoff %d ends %s with every notice out", id, want))
	h, err := a.Store.Handoff(a.Ctx, id)
	require.NoError(t, err)
	s := endState{State: h.State, Owner: h.OwnerID, Events: a.Events(id)}
	channels := []string{batontest.Pool}
	for _, c := range a.Slack.Calls("chat.postMessage") {
		if !slices.Contains(channels, c.Params["channel"]) {
			channels = append(channels, c.Params["channel"])
		}
	}
	for _, ch := range channels {
		for _, m := range a.Slack.Messages(ch) {
			where := "post"
			if m.ThreadTS != "" {
				where = "reply"
			}
			s.Slack = append(s.Slack, fmt.Sprintf("%s %s: %s", ch, where, numbers.ReplaceAllString(batontest.SlackText(m.Text), "#")))
		}
	}
	for _, e := range a.Slack.Ephemerals("", "") {
		s.Slack = append(s.Slack, fmt.Sprintf("ephemeral to %s: %s", e.User, numbers.ReplaceAllString(e.Text, "#")))
	}
	slices.Sort(s.Slack)
	return s
}

// handOff opens and submits the form for Acme as U0SDR, and returns the
// stored handoff.
func handOff(a *batontest.App) routing.Handoff {
	a.OpenModal("U0SDR", "")
	require.Empty(a.T, a.Submit("U0SDR", batontest.ValidAnswers("Acme")).Payload, "stored")
	return a.Latest("U0SDR")
}

// posted waits (beyond a lapsed lease) until handoff id is in the channel.
func posted(a *batontest.App, id int64) routing.Handoff {
	a.T.Helper()
	var h routing.Handoff
	a.EventuallyWithin(afterLease, func() bool {
		var err error
		h, err = a.Store.Handoff(a.Ctx, id)
		return err == nil && h.MessageTS != ""
	}, fmt.Sprintf("handoff %d is posted", id))
	return h
}

// onlyPending waits until the notices of kinds are all that is left in
// the outbox: the rest is delivered and marked, so nothing but the
// chosen notice is in flight when the process is killed.
func onlyPending(a *batontest.App, kinds ...routing.NoticeKind) {
	a.T.Helper()
	var names []string
	for _, k := range kinds {
		names = append(names, string(k))
	}
	a.Eventually(func() bool {
		var others int
		err := a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND abandoned_at IS NULL AND kind <> ALL($1)`, names).Scan(&others)
		return err == nil && others == 0
	}, "every other notice is delivered")
}

// hung waits until Slack has received (and left unanswered) a post in channel.
func hung(a *batontest.App, channel string) {
	a.T.Helper()
	slackfaketest.WaitFor(a.T, a.Slack, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Params["channel"] == channel && strings.Contains(string(c.Response), "no_answer")
	}, 15*time.Second)
}

// TestFaultKill9 kills baton with SIGKILL at each point of a handoff's
// life and starts it again, and checks that the handoff ends exactly as
// in a run of the same script without the crash: the same state and
// owner, the same event log, the same messages in Slack (each once).
//
// Each scenario's script is one of two: a handoff claimed by U0AE1, or a
// handoff nobody claims, escalated then missed and given an owner.
func TestFaultKill9(t *testing.T) {
	t.Parallel()
	for _, sc := range []struct {
		name   string
		config string
		// claim: U0AE1 claims; else the ladder runs to its end.
		claim bool
		// crash runs the script with a crash and returns the process
		// that finishes it and the handoff's id.
		crash func(a *batontest.App, o batontest.Options) (*batontest.App, int64)
	}{{
		// The form's submission reaches the socket of a process that
		// never reads it, and the process dies: no ack, so Slack sends
		// the envelope again, to the new process.
		name: "before the ack of the form", config: claimScriptConfig, claim: true,
		crash: func(a *batontest.App, o batontest.Options) (*batontest.App, int64) {
			a.OpenModal("U0SDR", "")
			a.Freeze()
			sub, err := a.Slack.SubmitView(a.Ctx, slackfake.Submit{UserID: "U0SDR", Values: batontest.ValidAnswers("Acme")})
			require.Error(a.T, err, "never acked")
			a.Kill()
			b := a.Restart(o)
			ack, err := b.Slack.Redeliver(b.Ctx, sub.EnvelopeID, 1, "timeout")
			require.NoError(b.T, err)
			require.Empty(b.T, ack.Payload, "the redelivered form is stored and closes")
			h := b.Posted(b.Latest("U0SDR").ID)
			b.Click("U0AE1", h)
			return b, h.ID
		},
	}, {
		// The same for the Claim click.
		name: "before the ack of the claim", config: claimScriptConfig, claim: true,
		crash: func(a *batontest.App, o batontest.Options) (*batontest.App, int64) {
			h := a.Posted(handOff(a).ID)
			a.Drained()
			a.Freeze()
			click, err := a.Slack.ClickButton(a.Ctx, slackfake.Click{UserID: "U0AE1", ChannelID: h.Channel, MessageTS: h.MessageTS, ActionID: render.ActionClaim})
			require.Error(a.T, err, "never acked")
			a.Kill()
			require.Equal(a.T, routing.StateOpen, a.Latest("U0SDR").State, "the click died with the process")
			b := a.Restart(o)
			_, err = b.Slack.Redeliver(b.Ctx, click.EnvelopeID, 1, "timeout")
			require.NoError(b.T, err)
			return b, h.ID
		},
	}, {
		// The handoff is committed with its notices; the channel post
		// is on its way to Slack (which never gets it) when the process
		// dies. The next process posts it once the dead one's lease
		// lapses. Slack never acted on the lost call, so the post goes
		// out exactly once (see the README for the window where it is
		// at least once).
		name: "after the commit, before the channel post", config: claimScriptConfig, claim: true,
		crash: func(a *batontest.App, o batontest.Options) (*batontest.App, int64) {
			a.Slack.HangWhen("chat.postMessage", 1, func(p map[string]string) bool {
				return p["channel"] == batontest.Pool && p["thread_ts"] == ""
			})
			id := handOff(a).ID
			hung(a, batontest.Pool)
			onlyPending(a, routing.NoticeChannelMessage, routing.NoticeThreadBrief)
			a.Kill()
			b := a.Restart(o)
			h := posted(b, id)
			b.Click("U0AE1", h)
			return b, id
		},
	}, {
		// The claim window closes while the process is frozen, and it
		// dies: the rung it never fired is due in the database, and the
		// next process fires it, once, with its re-ping and DMs.
		name: "a rung due when the process dies", config: ladderScriptConfig,
		crash: func(a *batontest.App, o batontest.Options) (*batontest.App, int64) {
			h := a.Posted(handOff(a).ID)
			a.Drained()
			a.Freeze()
			require.Zero(a.T, batontest.Count(a.Events(h.ID), routing.EventEscalated), "frozen before the first rung")
			a.Eventually(func() bool { return time.Now().After(h.ClaimDeadline.Add(time.Second)) }, "the rung falls due")
			a.Kill()
			return a.Restart(o), h.ID
		},
	}, {
		// The last rung fires (missed: an owner by rotation) and its DM
		// to the passer is on its way when the process dies. The rung
		// does not fire again; the DM goes once the lease lapses.
		name: "a rung's DMs in flight", config: ladderScriptConfig,
		crash: func(a *batontest.App, o batontest.Options) (*batontest.App, int64) {
			h := a.Posted(handOff(a).ID)
			a.Eventually(func() bool { return a.DMs("U0SDR", "is out in") == 1 }, "the passer's first DM")
			a.Drained()
			a.Slack.HangWhen("chat.postMessage", 1, func(p map[string]string) bool { return p["channel"] == "DU0SDR" })
			hung(a, "DU0SDR")
			onlyPending(a, routing.NoticePasserMissed)
			a.Kill()
			require.Equal(a.T, routing.StateScheduled, a.Latest("U0SDR").State, "the rung had fired")
			return a.Restart(o), h.ID
		},
	}} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			want := routing.StateScheduled
			if sc.claim {
				want = routing.StateClaimed
			}
			o := batontest.Options{Process: true, Config: sc.config}

			// The reference: the same script, no crash.
			ref := batontest.Start(t, o)
			h := ref.Posted(handOff(ref).ID)
			if sc.claim {
				ref.Click("U0AE1", h)
			}
			reference := settle(t, ref, h.ID, want)
			t.Logf("reference: %+v", reference)

			a := batontest.Start(t, o)
			b, id := sc.crash(a, o)
			got := settle(t, b, id, want)
			require.Equal(t, reference, got, "the crash changes nothing in the end")
			if sc.claim {
				require.Equal(t, "U0AE1", got.Owner)
			}
		})
	}
}
