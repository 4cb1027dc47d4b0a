package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
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
	handoffs.Store // nil: a method not overridden here panics, and the edge logs it
}

func (benchStore) Handoff(context.Context, int64) (routing.Handoff, error) {
	return routing.Handoff{}, routing.ErrNotFound
}

func (benchStore) MemberStates(context.Context, string, []string, time.Time, time.Time) ([]routing.MemberState, error) {
	return nil, nil
}

// pendingAnswers counts the private answers (POSTs to a response_url) sent
// and not answered yet.
type pendingAnswers struct{ n atomic.Int64 }

func (p *pendingAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/response/") {
		p.n.Add(1)
		defer p.n.Add(-1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// BenchmarkEnvelopeAck is the round trip of an envelope over a real
// WebSocket on loopback, from the fake Slack writing it to the fake
// receiving the ack: slack-go's socketmode client reading and decoding it,
// the bot's dispatch, and the ack written back. Each op also waits for the
// work the envelope starts (the form's views.open, the private answer to a
// click on a handoff that does not exist), so that work does not pile up
// from one op to the next. With concurrent=1 that wait is not timed:
// ns/op is the ack alone on an idle bot. With concurrent=50, 50 envelopes
// and their work are in flight at a time, as with 50 simultaneous
// handoffs: ns/op is per envelope handled, and ack-ns/op is the mean of
// each envelope's own ack latency. Last, claims-hung is /handoff one at a
// time while every claim handler waits on a private answer that Slack
// never gives (as when Slack answers them late): ns/op runs from the
// command to its views.open, which must not wait behind them.
func BenchmarkEnvelopeAck(b *testing.B) {
	var followUps sync.Map // method → *atomic.Int64
	calls := func(method string) *atomic.Int64 {
		n, _ := followUps.LoadOrStore(method, new(atomic.Int64))
		return n.(*atomic.Int64)
	}
	fake := slackfaketest.New(b, slackfake.WithCallHook(func(c slackfake.Call) { calls(c.Method).Add(1) }))
	answers := &pendingAnswers{}
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken(fake.AppToken()),
		slack.OptionHTTPClient(&http.Client{Transport: answers}))
	pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: []string{"U0AE1", "U0AE2"}}
	checklist, _ := routing.Template(routing.DefaultTemplate)
	svc := handoffs.New(handoffs.Config{
		Policy: routing.Policy{Pools: []routing.Pool{pool}, SLA: routing.DefaultSLA(), Checklist: checklist, Location: time.UTC},
		Store:  benchStore{}, Log: zerolog.Nop(),
	})
	// A short drain: the answers hung at the end are cut off, not waited for.
	bt := New(Config{Service: svc, API: api, Log: zerolog.Nop(), ShutdownTimeout: time.Second})
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
		name, followUp string // followUp: the Web API call the envelope's work ends with
		send           func() (slackfake.Ack, error)
	}{
		{"help", "", func() (slackfake.Ack, error) {
			return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", Text: "help", UserID: "U0SDR"})
		}},
		{"handoff", "views.open", func() (slackfake.Ack, error) {
			return fake.SlashCommand(ctx, slackfake.SlashCommand{Command: "/handoff", Text: "Acme Corp", UserID: "U0SDR"})
		}},
		{"claim", "response_url", func() (slackfake.Ack, error) {
			return fake.ClickButton(ctx, slackfake.Click{UserID: "U0AE1", ChannelID: "C0HANDOFF", MessageTS: ts, ActionID: render.ActionClaim})
		}},
	}
	for _, k := range kinds {
		var sent atomic.Int64 // envelopes of this kind sent so far
		var base int64        // follow-ups seen before this sub-benchmark
		if k.followUp != "" {
			base = calls(k.followUp).Load()
		}
		// handled waits until every envelope sent so far has had its work done.
		handled := func() {
			if k.followUp == "" {
				return
			}
			for deadline := time.Now().Add(5 * time.Second); calls(k.followUp).Load()-base < sent.Load(); {
				if time.Now().After(deadline) {
					b.Errorf("%s: %d envelopes, %d %s calls", k.name, sent.Load(), calls(k.followUp).Load()-base, k.followUp)
					return
				}
				time.Sleep(20 * time.Microsecond)
			}
		}
		b.Run("envelope="+k.name+"/concurrent=1", func(b *testing.B) {
			b.ReportAllocs()
			var latency time.Duration
			for range b.N {
				ack, err := k.send()
				if err != nil {
					b.Fatal(err)
				}
				sent.Add(1)
				latency += ack.Latency
				b.StopTimer()
				handled()
				b.StartTimer()
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
					sent.Add(1)
					latency.Add(ack.Latency.Nanoseconds())
					handled()
				}
			})
			b.ReportMetric(float64(latency.Load())/float64(b.N), "ack-ns/op")
		})
	}

	send := map[string]func() (slackfake.Ack, error){}
	for _, k := range kinds {
		send[k.name] = k.send
	}
	slots := handlerSlots()
	fake.Hang("response_url", slots)
	for range slots {
		if _, err := send["claim"](); err != nil {
			b.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); answers.n.Load() < int64(slots); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d claim answers hung", answers.n.Load(), slots)
		}
	}
	opened := calls("views.open")
	b.Run("envelope=handoff/claims-hung", func(b *testing.B) {
		b.ReportAllocs()
		var latency time.Duration
		for range b.N {
			before := opened.Load()
			ack, err := send["handoff"]()
			if err != nil {
				b.Fatal(err)
			}
			latency += ack.Latency
			for opened.Load() == before {
				time.Sleep(20 * time.Microsecond)
			}
		}
		b.ReportMetric(float64(latency.Nanoseconds())/float64(b.N), "ack-ns/op")
		if n := answers.n.Load(); n < int64(slots) {
			b.Errorf("%d of the %d hung claim answers ended during the measurement: it did not measure behind them", int64(slots)-n, slots)
		}
	})
}
