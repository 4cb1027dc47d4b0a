package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

// Store is what the worker needs of persistence; *store.Store is one. A
// zero now means the database's clock.
type Store interface {
	LeaseWebhooks(ctx context.Context, now time.Time, endpoints []string, lease time.Duration, limit int) ([]store.WebhookDelivery, error)
	MarkWebhookDelivered(ctx context.Context, d store.WebhookDelivery, now time.Time) error
	RetryWebhook(ctx context.Context, d store.WebhookDelivery, cause string, retryIn time.Duration, now time.Time) error
	PutBackWebhook(ctx context.Context, d store.WebhookDelivery, cause string, now time.Time) error
	DeadLetterWebhook(ctx context.Context, d store.WebhookDelivery, cause string, now time.Time) error
}

// The defaults of Config.
const (
	// DefaultTimeout bounds one attempt: connecting, sending, and the
	// answer's status line and headers.
	DefaultTimeout = 10 * time.Second
	// DefaultAttempts is how many attempts a delivery gets before it is
	// dead-lettered: with DefaultBackoff, about three and a half hours of
	// trying.
	DefaultAttempts = 12
	// DefaultSlots is how many deliveries are in flight at once, per
	// replica.
	DefaultSlots = 4
)

// DefaultBackoff is the wait after the attempt-th failed attempt: 10 s,
// doubling, at most an hour.
func DefaultBackoff(attempt int) time.Duration {
	wait := 10 * time.Second
	for i := 1; i < attempt && wait < time.Hour; i++ {
		wait *= 2
	}
	return min(wait, time.Hour)
}

// Config holds what a Worker is built with.
type Config struct {
	Store Store
	Log   zerolog.Logger
	// Metrics counts each attempt's result; nil counts nothing.
	Metrics *metrics.Webhooks
	// Client sends the requests. Nil: a client of its own (not Slack's),
	// so an endpoint's slow connections never hold Slack's.
	Client *http.Client
	// Timeout bounds one attempt. Default DefaultTimeout.
	Timeout time.Duration
	// Attempts is how many attempts a delivery gets. Default DefaultAttempts.
	Attempts int
	// Backoff is the wait after a failed attempt (counted from 1).
	// Default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Slots is how many deliveries are in flight at once. Default
	// DefaultSlots.
	Slots int
	// Poll is how often the worker looks for due deliveries. Default 250 ms.
	Poll time.Duration
	// People says who a Slack user is (name, email); nil: IDs only.
	People People
	// WorkspaceURL is the Slack workspace's address (auth.test's url),
	// for the messages' permalinks; empty: https://slack.com/.
	WorkspaceURL string
	// Clocks are the SLA clocks running on a handoff; nil: none listed.
	Clocks func(routing.Handoff) []routing.Running
	// Clock is the time deliveries are scheduled with; nil: the
	// database's. The X-Baton-Timestamp is always the real time of the
	// request.
	Clock func() time.Time
	// ShutdownTimeout bounds how long Run lets the deliveries in flight
	// finish when its context ends. Default 10 s.
	ShutdownTimeout time.Duration
}

// Worker sends the webhook deliveries; see the package doc.
type Worker struct {
	cfg       Config
	log       zerolog.Logger
	build     builder
	endpoints atomic.Pointer[map[string]Endpoint]
}

// New builds a Worker sending to endpoints; Run starts it.
func New(cfg Config, endpoints []Endpoint) *Worker {
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.Attempts = cmp.Or(cfg.Attempts, DefaultAttempts)
	cfg.Slots = cmp.Or(cfg.Slots, DefaultSlots)
	cfg.Poll = cmp.Or(cfg.Poll, 250*time.Millisecond)
	cfg.ShutdownTimeout = cmp.Or(cfg.ShutdownTimeout, 10*time.Second)
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{
			// A redirect is the receiver's mistake to fix: following it
			// would send the lead's data where no one configured.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	w := &Worker{cfg: cfg, log: cfg.Log.With().Str("unit", "webhooks").Logger(),
		build: builder{people: cfg.People, workspaceURL: cfg.WorkspaceURL, clocks: cfg.Clocks}}
	w.SetEndpoints(endpoints)
	return w
}

// SetEndpoints replaces the endpoints and their secrets (a configuration
// reload). A delivery enqueued for a URL no longer listed waits, unsent
// and not dead-lettered, until the URL is listed again; a changed secret
// signs every attempt from now on, retries of earlier events included.
func (w *Worker) SetEndpoints(endpoints []Endpoint) {
	m := make(map[string]Endpoint, len(endpoints))
	for _, e := range endpoints {
		m[e.URL] = e
	}
	w.endpoints.Store(&m)
}

func (w *Worker) now() time.Time {
	if w.cfg.Clock == nil {
		return time.Time{}
	}
	return w.cfg.Clock()
}

// lease is how long a delivery is this worker's: the look-ups of its
// body's people, its attempt, and time to record the result.
func (w *Worker) lease() time.Duration { return w.cfg.Timeout + 30*time.Second }

// Run sends deliveries until ctx ends, then lets those in flight finish
// within Config.ShutdownTimeout; one cut off is put back, due at once.
func (w *Worker) Run(ctx context.Context) error {
	bound, cutOff := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOff()
	stop := context.AfterFunc(ctx, func() {
		timer := time.NewTimer(w.cfg.ShutdownTimeout)
		defer timer.Stop()
		select {
		case <-timer.C:
			cutOff()
		case <-bound.Done():
		}
	})
	defer stop()

	ticker := time.NewTicker(w.cfg.Poll)
	defer ticker.Stop()
	finished := make(chan struct{}, w.cfg.Slots)
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	free := w.cfg.Slots
	for {
		if free > 0 && ctx.Err() == nil {
			urls := slices.Sorted(maps.Keys(*w.endpoints.Load()))
			ds, err := w.cfg.Store.LeaseWebhooks(ctx, w.now(), urls, w.lease(), free)
			if err != nil && ctx.Err() == nil {
				w.log.Warn().Err(err).Msg("webhook lease failed")
			}
			for _, d := range ds {
				free--
				inFlight.Go(func() {
					defer func() { finished <- struct{}{} }()
					w.deliverOne(bound, d)
				})
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-finished:
			free++
		case <-ticker.C:
		}
		for drained := false; !drained; {
			select {
			case <-finished:
				free++
			default:
				drained = true
			}
		}
	}
}

// deliverOne makes one attempt at d and records its result.
func (w *Worker) deliverOne(bound context.Context, d store.WebhookDelivery) {
	log := w.log.With().Str("delivery", d.DeliveryID).Str("type", string(d.Type)).Int64("handoff", d.Handoff.ID).
		Str("endpoint", Redact(d.Endpoint)).Int("attempt", d.Attempts).Logger()
	ep, ok := (*w.endpoints.Load())[d.Endpoint]
	var err error
	if !ok {
		err = errors.New("the endpoint is no longer configured")
	} else {
		err = w.send(bound, ep, d)
	}
	// The result is recorded even after a cut-off, on a context of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(bound), 5*time.Second)
	defer cancel()
	switch {
	case err == nil:
		w.cfg.Metrics.Attempt(metrics.WebhookDelivered)
		if err := w.cfg.Store.MarkWebhookDelivered(ctx, d, w.now()); err != nil {
			// The lease lapses and it is sent again: at least once.
			log.Warn().Err(err).Msg("webhook delivered but not marked; it will be sent again")
		}
		log.Debug().Msg("webhook delivered")
	case bound.Err() != nil || !ok:
		// Not the endpoint's failure: a stop cut it off, or a reload
		// removed the endpoint. Back for the next process or replica, or
		// for when the URL is configured again, no attempt counted.
		if err := w.cfg.Store.PutBackWebhook(ctx, d, err.Error(), w.now()); err != nil {
			log.Warn().Err(err).Msg("webhook not put back; its lease will lapse")
		}
	case d.Attempts >= w.cfg.Attempts:
		w.cfg.Metrics.Attempt(metrics.WebhookDeadLettered)
		log.Error().Err(err).Msg("webhook dead-lettered after its last attempt (baton webhooks list, baton webhooks replay)")
		if err := w.cfg.Store.DeadLetterWebhook(ctx, d, err.Error(), w.now()); err != nil {
			log.Warn().Err(err).Msg("webhook not dead-lettered; its lease will lapse")
		}
	default:
		w.cfg.Metrics.Attempt(metrics.WebhookFailed)
		wait := w.cfg.Backoff(d.Attempts)
		log.Warn().Err(err).Dur("retry_in", wait).Msg("webhook failed; retrying")
		if err := w.cfg.Store.RetryWebhook(ctx, d, err.Error(), wait, w.now()); err != nil {
			log.Warn().Err(err).Msg("webhook failure not recorded; its lease will lapse")
		}
	}
}

// send POSTs d to ep, signed, and says why it did not get a 2xx.
func (w *Worker) send(bound context.Context, ep Endpoint, d store.WebhookDelivery) error {
	// The body first: who people are may take a Slack call, which is not
	// the endpoint's time.
	body, err := json.Marshal(w.build.body(bound, d))
	if err != nil {
		return fmt.Errorf("encode the body: %w", err)
	}
	ctx, cancel := context.WithTimeout(bound, w.cfg.Timeout)
	defer cancel()
	ts := time.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build the request: %w", unwrapURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton-Webhooks/1")
	req.Header.Set(HeaderEvent, string(d.Type))
	req.Header.Set(HeaderDelivery, d.DeliveryID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(ep.Secret, ts, body))
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil && bound.Err() == nil {
			return fmt.Errorf("no answer within %s", w.cfg.Timeout)
		}
		return unwrapURL(err)
	}
	defer resp.Body.Close()
	// Read a little of the answer, so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the endpoint answered %s", resp.Status)
	}
	return nil
}

// unwrapURL drops the URL net/http puts in its errors: a URL may carry a
// token (Zapier's and n8n's do), and the error is logged and stored.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Redact is a URL as Baton logs and lists it: scheme and host, then
// "/…" and a short hash of the whole URL instead of the rest. The path of
// a Zapier or n8n hook is its token, and a query or a user may carry one;
// the hash still tells two endpoints on one host apart.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(not a URL)"
	}
	sum := sha256.Sum256([]byte(raw))
	return u.Scheme + "://" + u.Host + "/… #" + hex.EncodeToString(sum[:4])
}
