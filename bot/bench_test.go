package bot

import (
	"context"
	"encoding/json"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/routing"
)

// clickJSON is a click on Claim as Slack sends it, message included.
const clickJSON = `{"type":"block_actions","user":{"id":"U0AE1","username":"u0ae1","team_id":"T0TEST"},
"api_app_id":"A0BATON","token":"x","trigger_id":"T.1","team":{"id":"T0TEST","domain":"fake"},
"container":{"type":"message","message_ts":"1700000000.000100","channel_id":"C0HANDOFF","is_ephemeral":false},
"channel":{"id":"C0HANDOFF","name":"c0handoff"},
"message":{"type":"message","user":"UBATON","text":"<!channel> 🔥 Hot lead transferring — Acme Corp","ts":"1700000000.000100"},
"actions":[{"type":"button","action_id":"claim","block_id":"actions","value":"42","action_ts":"1700000001.000200","text":{"type":"plain_text","text":"Claim"}}]}`

// envelopeJSON wraps an interactive payload in its Socket Mode envelope.
func envelopeJSON(payload string) []byte {
	return []byte(`{"envelope_id":"0000002a-fa4e-4e5d-8000-00000000002a","type":"interactive","accepts_response_payload":true,"payload":` + payload + `}`)
}

// BenchmarkDecodeEnvelope decodes a Socket Mode envelope the way slack-go's
// socketmode client and the handlers do (the envelope, its payload, then
// the plain input): the work done before a click can be acked, and before
// a submission can be checked.
func BenchmarkDecodeEnvelope(b *testing.B) {
	for _, c := range []struct {
		name  string
		raw   []byte
		parse func(*slack.InteractionCallback) error
	}{
		{"submission", envelopeJSON(submissionJSON), func(cb *slack.InteractionCallback) error {
			_, err := parseSubmission(cb)
			return err
		}},
		{"click", envelopeJSON(clickJSON), func(cb *slack.InteractionCallback) error {
			_, err := parseClick(cb, cb.ActionCallback.BlockActions[0])
			return err
		}},
	} {
		b.Run("payload="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			for b.Loop() {
				var req socketmode.Request
				if err := json.Unmarshal(c.raw, &req); err != nil {
					b.Fatal(err)
				}
				var cb slack.InteractionCallback
				if err := json.Unmarshal(req.Payload, &cb); err != nil {
					b.Fatal(err)
				}
				if err := c.parse(&cb); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchStore stands in for the database where a benchmark measures the
// Slack side alone: no handoff exists, nothing is due.
type benchStore struct {
	Store // nil: a method not overridden here panics, and the bot logs it
}

func (benchStore) Handoff(context.Context, int64) (routing.Handoff, error) {
	return routing.Handoff{}, routing.ErrNotFound
}

func (benchStore) MemberStates(context.Context, string, []string, time.Time, time.Time) ([]routing.MemberState, error) {
	return nil, nil
}

func (benchStore) LeaseNotices(context.Context, time.Time, time.Duration, int) ([]routing.PendingNotice, error) {
	return nil, nil
}

func (benchStore) SweepDue(context.Context, time.Time, int, routing.DecideChange) ([]routing.Change, error) {
	return nil, nil
}

func (benchStore) NextDeadline(context.Context) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

// BenchmarkEnvelopeAck is the round trip of an envelope over a real
// WebSocket on loopback, from the fake Slack writing it to the fake
// receiving the ack: slack-go's socketmode client reading and decoding it,
// the bot's dispatch, and the ack written back. The work each envelope
// starts (the modal, the private answer to a click on a handoff that does
// not exist) runs in the background, as it does in production.
// concurrent=50 has 50 envelopes in flight at a time, as 50 simultaneous
// handoffs do; ack-ns/op is then the mean of each envelope's own latency.
func BenchmarkEnvelopeAck(b *testing.B) {
	fake := slackfake.New(b)
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken(fake.AppToken()))
	pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: []string{"U0AE1", "U0AE2"}}
	checklist, _ := routing.Template(routing.DefaultTemplate)
	bt := New(Config{
		Policy: routing.Policy{Pools: []routing.Pool{pool}, SLA: routing.DefaultSLA(), Checklist: checklist, Location: time.UTC},
		API:    api, Store: benchStore{}, Log: zerolog.Nop(),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bt.Run(ctx, socketmode.New(api)) }()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	if err := fake.WaitConnected(ctx, 1); err != nil {
		b.Fatal(err)
	}
	// A channel message with a Claim button, so the fake can click it.
	h := routing.Handoff{ID: 42, State: routing.StateOpen, Pool: "closers", Channel: "C0HANDOFF",
		Lead: routing.Lead{Company: "Acme Corp", Checklist: checklist}, CreatedAt: time.Now(), ClaimDeadline: time.Now().Add(time.Minute)}
	_, ts, err := api.PostMessage("C0HANDOFF", render.Clock{Location: time.UTC}.ChannelMessage(h).Options()...)
	if err != nil {
		b.Fatal(err)
	}

	kinds := []struct {
		name string
		send func() (slackfake.Ack, error)
	}{
		{"help", func() (slackfake.Ack, error) {
			return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", Text: "help", UserID: "U0SDR"})
		}},
		{"handoff", func() (slackfake.Ack, error) {
			return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", Text: "Acme Corp", UserID: "U0SDR"})
		}},
		{"claim", func() (slackfake.Ack, error) {
			return fake.ClickButton(ctx, slackfake.Click{UserID: "U0AE1", ChannelID: "C0HANDOFF", MessageTS: ts, ActionID: render.ActionClaim})
		}},
	}
	for _, k := range kinds {
		b.Run("envelope="+k.name+"/concurrent=1", func(b *testing.B) {
			b.ReportAllocs()
			var latency time.Duration
			for b.Loop() {
				ack, err := k.send()
				if err != nil {
					b.Fatal(err)
				}
				latency += ack.Latency
			}
			b.ReportMetric(float64(latency.Nanoseconds())/float64(b.N), "ack-ns/op")
		})
		b.Run("envelope="+k.name+"/concurrent=50", func(b *testing.B) {
			b.ReportAllocs()
			var latency atomic.Int64
			// RunParallel runs parallelism × GOMAXPROCS goroutines.
			b.SetParallelism(max(1, 50/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ack, err := k.send()
					if err != nil {
						b.Error(err)
						return
					}
					latency.Add(ack.Latency.Nanoseconds())
				}
			})
			b.ReportMetric(float64(latency.Load())/float64(b.N), "ack-ns/op")
		})
	}
}
