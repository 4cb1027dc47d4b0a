package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs/handoffstest"
	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/bot/webhook"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const secret = "s3cret-shared-with-the-crm"

// delivery is one request the receiver took, as it saw it.
type delivery struct {
	DeliveryHeader, EventHeader string
	Event                       batonEvent
	Raw                         []byte
	Status                      int
}

// receiver is a CRM's endpoint that verifies every request with the
// documented receiver (batonHandler) and records it; answer decides the
// status of each verified one (nil: 204), and may block.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []delivery
	answer func(e batonEvent) error
}

func newReceiver(t *testing.T, answer func(e batonEvent) error) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, err := io.ReadAll(req.Body)
		require.NoError(t, err)
		req.Body = io.NopCloser(bytes.NewReader(raw))
		d := delivery{DeliveryHeader: req.Header.Get(webhook.HeaderDelivery), EventHeader: req.Header.Get(webhook.HeaderEvent), Raw: raw}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		batonHandler([]byte(secret), func(e batonEvent) error {
			d.Event = e
			if r.answer != nil {
				return r.answer(e)
			}
			return nil
		}).ServeHTTP(rec, req)
		d.Status = rec.status
		r.mu.Lock()
		r.got = append(r.got, d)
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

// statusRecorder keeps the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// count is how many deliveries were answered with status.
func (r *receiver) count(status int) int {
	n := 0
	for _, d := range r.deliveries() {
		if d.Status == status {
			n++
		}
	}
	return n
}

// bundle is the use cases on a database, with the webhook worker sending
// to the receivers it is given.
type bundle struct {
	handoffstest.Bundle
	worker  *webhook.Worker
	metrics *metrics.Metrics
}

func setup(t *testing.T, cfg webhook.Config, endpoints ...webhook.Endpoint) bundle {
	t.Helper()
	b := bundle{Bundle: handoffstest.New(t), metrics: metrics.New()}
	var routes []store.WebhookRoute
	for _, e := range endpoints {
		routes = append(routes, store.WebhookRoute{URL: e.URL, Types: e.Types})
	}
	b.Store.SetWebhookRoutes(routes)
	cfg.Store, cfg.Log, cfg.Clock = b.Store, zerolog.Nop(), b.Clock.Now
	cfg.Metrics = b.metrics.Webhooks(b.Store.CountDeadWebhooks)
	b.worker = webhook.New(cfg, endpoints)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.worker.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return b
}

// settled waits until no delivery is leased, so that moving the clock
// moves every retry already recorded.
func (b bundle) settled(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := b.DB.QueryRow(b.Ctx, `SELECT count(*) FROM webhook_deliveries WHERE leased_until IS NOT NULL`).Scan(&n)
		return err == nil && n == 0
	}, 10*time.Second, 10*time.Millisecond, "no delivery leased")
}

// attempts is baton_webhook_deliveries_total{result} as scraped.
func (b bundle) attempts(t *testing.T, result string) float64 {
	t.Helper()
	families, err := b.metrics.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "baton_webhook_deliveries_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no baton_webhook_deliveries_total{result=%q}", result)
	return 0
}

// gauge is an unlabelled gauge as scraped.
func (b bundle) gauge(t *testing.T, name string) float64 {
	t.Helper()
	families, err := b.metrics.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s", name)
	return 0
}

func TestDeliverySignedAndRetriedWithItsID(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	crm := newReceiver(t, func(batonEvent) error {
		if calls.Add(1) == 1 {
			return errors.New("the CRM is down")
		}
		return nil
	})
	b := setup(t, webhook.Config{WorkspaceURL: "https://acme.slack.com/"},
		webhook.Endpoint{URL: crm.URL, Secret: secret, Types: []routing.WebhookType{routing.WebhookHandoffCreated}})
	h := b.Create(t, "V1", "Acme Corp")

	require.Eventually(t, func() bool { return len(crm.deliveries()) == 1 }, 10*time.Second, 10*time.Millisecond, "the first attempt")
	b.settled(t)
	first := crm.deliveries()[0]
	require.Equal(t, 500, first.Status, "verified, then refused by the CRM")
	require.Equal(t, "handoff.created", first.EventHeader)
	require.Equal(t, first.DeliveryHeader, first.Event.ID)
	require.Equal(t, h.ID, first.Event.Handoff.ID)
	require.Equal(t, "Acme Corp", first.Event.Handoff.Company)

	// The retry waits its backoff (10 s after the first failure).
	b.Clock.Add(webhook.DefaultBackoff(1))
	require.Eventually(t, func() bool { return len(crm.deliveries()) == 2 }, 10*time.Second, 10*time.Millisecond, "the retry")
	second := crm.deliveries()[1]
	require.Equal(t, 204, second.Status)
	require.Equal(t, first.DeliveryHeader, second.DeliveryHeader, "a retry keeps its delivery id")
	require.Equal(t, first.Event.ID, second.Event.ID)
	b.settled(t)
	ds, err := b.Store.WebhookDeliveries(b.Ctx, h.ID)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.False(t, ds[0].DeliveredAt.IsZero())
	require.Equal(t, 2, ds[0].Attempts)
	require.Equal(t, 1.0, b.attempts(t, metrics.WebhookFailed))
	require.Equal(t, 1.0, b.attempts(t, metrics.WebhookDelivered))
}

func TestDeliveriesInOrderPerEndpointAndHandoff(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	holding := make(chan struct{})
	var once sync.Once
	crm := newReceiver(t, func(e batonEvent) error {
		if e.Handoff.Company == "Acme Corp" && e.Type == "handoff.created" {
			once.Do(func() { close(holding) })
			<-release
		}
		return nil
	})
	b := setup(t, webhook.Config{}, webhook.Endpoint{URL: crm.URL, Secret: secret})
	acme := b.Create(t, "V1", "Acme Corp")
	<-holding
	// Acme's creation is in flight; its claim is committed behind it.
	_, won, err := b.Store.Claim(b.Ctx, acme.ID, "U0AE1", b.Clock.Now())
	require.NoError(t, err)
	require.True(t, won)
	globex := b.Create(t, "V2", "Globex")
	require.Eventually(t, func() bool { return crm.count(http.StatusNoContent) == 1 }, 10*time.Second, 10*time.Millisecond,
		"another lead's event is not held back by Acme's")
	require.Equal(t, globex.ID, crm.deliveries()[0].Event.Handoff.ID)
	// Globex's creation was leased after Acme's claim was committed: the
	// claim was left for its turn.
	for _, d := range crm.deliveries() {
		require.NotEqual(t, "handoff.claimed", d.Event.Type, "Acme's claim overtook its creation")
	}

	close(release)
	require.Eventually(t, func() bool { return crm.count(http.StatusNoContent) == 3 }, 10*time.Second, 10*time.Millisecond)
	var acmeTypes []string
	for _, d := range crm.deliveries() {
		if d.Event.Handoff.ID == acme.ID {
			acmeTypes = append(acmeTypes, d.Event.Type)
		}
	}
	require.Equal(t, []string{"handoff.created", "handoff.claimed"}, acmeTypes)
}

func TestDeadLetterAfterTheLastAttemptThenReplay(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	down.Store(true)
	crm := newReceiver(t, func(batonEvent) error {
		if down.Load() {
			return errors.New("down")
		}
		return nil
	})
	b := setup(t, webhook.Config{Attempts: 2}, webhook.Endpoint{URL: crm.URL, Secret: secret})
	h := b.Create(t, "V1", "Acme Corp")
	require.Eventually(t, func() bool { return crm.count(http.StatusInternalServerError) == 1 }, 10*time.Second, 10*time.Millisecond)
	b.settled(t)
	b.Clock.Add(webhook.DefaultBackoff(1))
	require.Eventually(t, func() bool {
		dead, err := b.Store.WebhookDeadLetters(b.Ctx)
		return err == nil && len(dead) == 1
	}, 10*time.Second, 10*time.Millisecond, "dead-lettered after its second attempt")
	require.Equal(t, 2, crm.count(http.StatusInternalServerError))
	require.Equal(t, 1.0, b.attempts(t, metrics.WebhookDeadLettered))
	require.Equal(t, 1.0, b.attempts(t, metrics.WebhookFailed))
	require.Equal(t, 1.0, b.gauge(t, "baton_webhook_dead_letters"))
	dead, err := b.Store.WebhookDeadLetters(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, h.ID, dead[0].Handoff.ID)
	require.Contains(t, dead[0].LastError, "500")

	// Nothing more is tried however long it waits.
	b.Clock.Add(time.Hour)
	down.Store(false)
	n, err := b.Store.ReplayWebhooks(b.Ctx, dead[0].DeliveryID, b.Clock.Now())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Eventually(t, func() bool { return crm.count(http.StatusNoContent) == 1 }, 10*time.Second, 10*time.Millisecond, "the replay")
	got := crm.deliveries()
	require.Len(t, got, 3, "two failed attempts and the replay, nothing between")
	require.Equal(t, got[0].DeliveryHeader, got[2].DeliveryHeader, "a replay keeps the delivery id")
	require.Equal(t, 0.0, b.gauge(t, "baton_webhook_dead_letters"))
}

func TestWrongSecretIsRefusedAndRetried(t *testing.T) {
	t.Parallel()
	crm := newReceiver(t, nil)
	b := setup(t, webhook.Config{}, webhook.Endpoint{URL: crm.URL, Secret: "not-the-crms"})
	b.Create(t, "V1", "Acme Corp")
	require.Eventually(t, func() bool { return crm.count(http.StatusUnauthorized) == 1 }, 10*time.Second, 10*time.Millisecond)
	b.settled(t)
	var delivered int
	require.NoError(t, b.DB.QueryRow(b.Ctx, `SELECT count(*) FROM webhook_deliveries WHERE delivered_at IS NOT NULL`).Scan(&delivered))
	require.Zero(t, delivered, "a 401 is a failure")

	// The secret in force at delivery signs the retry (a reload fixed it).
	b.worker.SetEndpoints([]webhook.Endpoint{{URL: crm.URL, Secret: secret}})
	b.Clock.Add(webhook.DefaultBackoff(1))
	require.Eventually(t, func() bool { return crm.count(http.StatusNoContent) == 1 }, 10*time.Second, 10*time.Millisecond)
}

// people is a directory that knows one person.
type people map[string]webhook.Person

func (p people) Person(_ context.Context, id string) webhook.Person { return p[id] }

func TestBodyCarriesTheHandoffAsItStood(t *testing.T) {
	t.Parallel()
	crm := newReceiver(t, nil)
	b := setup(t, webhook.Config{
		WorkspaceURL: "https://acme.slack.com/",
		People:       people{"U0AE1": {Name: "Ada Closer", Email: "ada@seller.example"}},
		Clocks: func(h routing.Handoff) []routing.Running {
			return routing.DefaultSLA().RunningClocks(h, routing.Calendar{})
		},
	}, webhook.Endpoint{URL: crm.URL, Secret: secret, Types: []routing.WebhookType{routing.WebhookHandoffClaimed}})
	h := b.Create(t, "V1", "Acme Corp")
	h = b.Post(t, h.ID)
	_, _, err := b.Store.Claim(b.Ctx, h.ID, "U0AE1", b.Clock.Now())
	require.NoError(t, err)
	require.Eventually(t, func() bool { return crm.count(http.StatusNoContent) == 1 }, 10*time.Second, 10*time.Millisecond)
	var body map[string]any
	require.NoError(t, json.Unmarshal(crm.deliveries()[0].Raw, &body))
	require.Equal(t, "handoff.claimed", body["type"])
	require.Equal(t, map[string]any{"slack_id": "U0AE1", "name": "Ada Closer", "email": "ada@seller.example"}, body["actor"])
	handoff := body["handoff"].(map[string]any)
	require.Equal(t, "claimed", handoff["state"])
	require.Equal(t, "Acme Corp", handoff["company"])
	require.Equal(t, map[string]any{"slack_id": "U0AE1", "name": "Ada Closer", "email": "ada@seller.example"}, handoff["owner"])
	require.Equal(t, map[string]any{"slack_id": "U0SDR"}, handoff["passer"], "what Baton does not know is left out")
	require.Equal(t, "+14155550100", handoff["contact"].(map[string]any)["phone"])
	require.Equal(t, "Salesforce", handoff["answers"].(map[string]any)["crm"])
	require.Equal(t, 600.0, handoff["answers"].(map[string]any)["employees"])
	require.Equal(t, map[string]any{"channel": "C0HANDOFF", "ts": h.MessageTS,
		"permalink": "https://acme.slack.com/archives/C0HANDOFF/p" + strings.ReplaceAll(h.MessageTS, ".", "")}, handoff["slack"])
	running := handoff["sla"].(map[string]any)["running"].([]any)
	require.NotEmpty(t, running, "the owner's first-touch clock runs")
	require.Equal(t, "first_touch", running[0].(map[string]any)["clock"])
	require.NotNil(t, handoff["claimed_at"])
	require.Equal(t, b.Clock.Now().UTC().Format(time.RFC3339), body["occurred_at"])
}

func TestSignature(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"x"}`)
	now := time.Unix(1_800_000_000, 0)
	header := http.Header{}
	header.Set(webhook.HeaderTimestamp, "1800000000")
	header.Set(webhook.HeaderSignature, webhook.Sign(secret, now.Unix(), body))
	require.Regexp(t, `^v1=[0-9a-f]{64}$`, header.Get(webhook.HeaderSignature))
	require.NoError(t, verifyBaton([]byte(secret), header, body, now))
	require.Error(t, verifyBaton([]byte(secret), header, []byte(`{"id":"y"}`), now), "another body")
	require.Error(t, verifyBaton([]byte("other"), header, body, now), "another secret")
	require.Error(t, verifyBaton([]byte(secret), header, body, now.Add(6*time.Minute)), "replayed late")
}

// TestTimedOutAttemptIsRetriedWithItsID: an endpoint that does not answer
// within Config.Timeout fails the attempt, which is recorded as such and
// retried after its backoff under the same delivery id.
func TestTimedOutAttemptIsRetriedWithItsID(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var calls atomic.Int32
	crm := newReceiver(t, func(batonEvent) error {
		if calls.Add(1) == 1 {
			<-release
		}
		return nil
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	const timeout = 2 * time.Second
	b := setup(t, webhook.Config{Timeout: timeout}, webhook.Endpoint{URL: crm.URL, Secret: secret})
	h := b.Create(t, "V1", "Acme Corp")

	var first store.WebhookDelivery
	require.Eventually(t, func() bool {
		ds, err := b.Store.WebhookDeliveries(b.Ctx, h.ID)
		if err != nil || len(ds) != 1 {
			return false
		}
		first = ds[0]
		return first.LastError != ""
	}, 30*time.Second, 10*time.Millisecond, "the attempt gives up")
	require.Equal(t, "no answer within "+timeout.String(), first.LastError)
	require.True(t, first.DeliveredAt.IsZero())
	require.Equal(t, 1.0, b.attempts(t, metrics.WebhookFailed))
	close(release)
	b.settled(t)

	b.Clock.Add(webhook.DefaultBackoff(1))
	require.Eventually(t, func() bool {
		ds, err := b.Store.WebhookDeliveries(b.Ctx, h.ID)
		return err == nil && len(ds) == 1 && !ds[0].DeliveredAt.IsZero()
	}, 10*time.Second, 10*time.Millisecond, "the retry is delivered")
	// The hung request is recorded when its handler returns, which may be
	// after the retry.
	require.Eventually(t, func() bool { return len(crm.deliveries()) == 2 }, 10*time.Second, 10*time.Millisecond, "the hung request and the retry")
	got := crm.deliveries()
	require.Equal(t, first.DeliveryID, got[0].DeliveryHeader)
	require.Equal(t, first.DeliveryID, got[1].DeliveryHeader, "the retry keeps its delivery id")
}
