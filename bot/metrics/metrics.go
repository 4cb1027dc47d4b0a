// Package metrics defines and registers Baton's Prometheus metrics, on a
// registry of their own (not the global default, so that two Mains in one
// test binary, or a library that registers on the default, never collide).
// It knows nothing of the domain: the bot translates what it commits into
// the calls below, with label values from small fixed sets (event kinds,
// clocks, ladder steps, notice kinds, job names, Slack method names, pool
// names), never user ids, channel ids or company names.
//
// Every method is safe on a nil *Metrics, which records nothing: the bot's
// unit tests and tools that run without metrics need no stand-in.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ClaimBuckets are the claim latency histogram's upper bounds, in seconds:
// fine-grained over the first two minutes, where the claim window (60 s by
// default) and the first rungs of the ladder live, then coarse for late
// claims, which come minutes or hours later.
var ClaimBuckets = []float64{1, 2, 5, 10, 15, 20, 30, 45, 60, 75, 90, 120, 180, 300, 600, 1800, 3600, 4 * 3600}

// SlackBuckets are the Slack Web API latency histogram's upper bounds, in
// seconds: a healthy call takes tens to hundreds of milliseconds; a call
// that hangs is cut off by the client's timeout.
var SlackBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics holds Baton's metrics and the registry they are registered on.
type Metrics struct {
	registry *prometheus.Registry

	handoffs      *prometheus.CounterVec
	outcomes      *prometheus.CounterVec
	touches       *prometheus.CounterVec
	claimLatency  prometheus.Histogram
	escalations   *prometheus.CounterVec
	slaBreaches   *prometheus.CounterVec
	managerAlerts *prometheus.CounterVec

	delivered        *prometheus.CounterVec
	deliveryFailures *prometheus.CounterVec
	abandoned        *prometheus.CounterVec
	pruned           prometheus.Counter

	slackLatency     *prometheus.HistogramVec
	slackRateLimited *prometheus.CounterVec
	slackErrors      *prometheus.CounterVec

	jobRuns     *prometheus.CounterVec
	jobFailures *prometheus.CounterVec
}

// New creates Baton's metrics on a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		registry: r,
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_handoffs_total",
			Help: "Handoffs reaching a stage of their life, by outcome: created (live), created_later (scheduled for later from the form), claimed, claimed_late, missed (the ladder ran out), cancelled, callback_scheduled, accepted, handed_back, passed, reassigned.",
		}, []string{"outcome"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_lead_outcomes_total",
			Help: "Outcomes logged by owners, by outcome kind, and reason code for disqualifications (empty otherwise).",
		}, []string{"outcome", "reason"}),
		touches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_lead_touches_total",
			Help: "Touches logged by owners, by kind.",
		}, []string{"touch"}),
		claimLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "baton_claim_latency_seconds",
			Help:    "Time from a handoff's creation to its winning claim.",
			Buckets: ClaimBuckets,
		}),
		escalations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_escalations_total",
			Help: "Rungs of the escalation ladder fired, by configured step (1, 2, …).",
		}, []string{"step"}),
		slaBreaches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_sla_breaches_total",
			Help: "SLA breaches recorded (each told to the owner once), by clock: first_touch, outcome, reengage.",
		}, []string{"clock"}),
		managerAlerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_manager_alerts_total",
			Help: "Times a pool's managers were alerted, by cause: escalation (a ladder rung with dm_managers) or the SLA clock left open past the grace.",
		}, []string{"cause"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_outbox_delivered_total",
			Help: "Outbox notices delivered to Slack, by notice kind.",
		}, []string{"kind"}),
		deliveryFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_outbox_delivery_failures_total",
			Help: "Failed outbox delivery attempts that will be retried, by notice kind.",
		}, []string{"kind"}),
		abandoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_outbox_abandoned_total",
			Help: "Outbox notices given up on (Slack refused them for good, or too many attempts), by notice kind.",
		}, []string{"kind"}),
		pruned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "baton_outbox_pruned_total",
			Help: "Delivered and abandoned outbox notices deleted by the retention job, once older than outbox.retention.",
		}),
		slackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "baton_slack_api_request_duration_seconds",
			Help:    "Latency of Slack Web API calls until the answer's headers, by method, whatever the answer.",
			Buckets: SlackBuckets,
		}, []string{"method"}),
		slackRateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_slack_api_rate_limited_total",
			Help: "Slack Web API calls answered 429 Too Many Requests, by method.",
		}, []string{"method"}),
		slackErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_slack_api_errors_total",
			Help: "Slack Web API calls that failed below the API (not 429s), by method and error: an HTTP status code, timeout, canceled or network.",
		}, []string{"method", "error"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_job_runs_total",
			Help: "Scheduled job ticks run by this replica (including ticks another replica had already taken, which do nothing), by job.",
		}, []string{"job"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_job_failures_total",
			Help: "Scheduled job ticks that failed or panicked, by job.",
		}, []string{"job"}),
	}
	r.MustRegister(m.handoffs, m.outcomes, m.touches, m.claimLatency, m.escalations,
		m.slaBreaches, m.managerAlerts, m.delivered, m.deliveryFailures, m.abandoned, m.pruned,
		m.slackLatency, m.slackRateLimited, m.slackErrors, m.jobRuns, m.jobFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry Baton's metrics are on, for tests and for
// collectors registered by the wiring.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in Prometheus's exposition format. A collector
// that fails (the outbox depth with the database down) is left out of that
// scrape, reported through log, rather than failing the whole scrape.
func (m *Metrics) Handler(log func(error)) http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:      errorLogger(log),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

type errorLogger func(error)

func (l errorLogger) Println(v ...any) {
	if l == nil {
		return
	}
	for _, x := range v {
		if err, ok := x.(error); ok {
			l(err)
			return
		}
	}
}

// Known are label values known before anything happens. Their series are
// created at zero, so that every metric is exposed from the first scrape
// and a rate() or an alert on them works before the first event.
type Known struct {
	// Handoffs are the outcomes of baton_handoffs_total.
	Handoffs []string
	// Touches are the kinds of baton_lead_touches_total.
	Touches []string
	// Clocks are the SLA clocks of baton_sla_breaches_total.
	Clocks []string
	// AlertCauses are the causes of baton_manager_alerts_total.
	AlertCauses []string
	// Jobs are the jobs of baton_job_runs_total and baton_job_failures_total.
	Jobs []string
	// Steps is the number of steps of the longest escalation ladder:
	// baton_escalations_total gets steps 1 to Steps.
	Steps int
}

// Expect creates the series of k at zero.
func (m *Metrics) Expect(k Known) {
	if m == nil {
		return
	}
	for _, v := range k.Handoffs {
		m.handoffs.WithLabelValues(v)
	}
	for _, v := range k.Touches {
		m.touches.WithLabelValues(v)
	}
	for _, v := range k.Clocks {
		m.slaBreaches.WithLabelValues(v)
	}
	for _, v := range k.AlertCauses {
		m.managerAlerts.WithLabelValues(v)
	}
	for _, v := range k.Jobs {
		m.jobRuns.WithLabelValues(v)
		m.jobFailures.WithLabelValues(v)
	}
	for step := 1; step <= k.Steps; step++ {
		m.escalations.WithLabelValues(strconv.Itoa(step))
	}
}

// Handoff counts a handoff reaching a stage of its life (see
// baton_handoffs_total for the outcomes).
func (m *Metrics) Handoff(outcome string) {
	if m == nil {
		return
	}
	m.handoffs.WithLabelValues(outcome).Inc()
}

// Claimed records a winning claim after it waited.
func (m *Metrics) Claimed(waited time.Duration, late bool) {
	if m == nil {
		return
	}
	m.Handoff("claimed")
	if late {
		m.Handoff("claimed_late")
	}
	m.claimLatency.Observe(waited.Seconds())
}

// Outcome counts an outcome logged by an owner; reason is the
// disqualification's reason code, empty for other outcomes.
func (m *Metrics) Outcome(outcome, reason string) {
	if m == nil {
		return
	}
	m.outcomes.WithLabelValues(outcome, reason).Inc()
}

// Touch counts a touch logged by an owner.
func (m *Metrics) Touch(touch string) {
	if m == nil {
		return
	}
	m.touches.WithLabelValues(touch).Inc()
}

// Escalated counts a rung of the ladder fired, by its configured step.
func (m *Metrics) Escalated(step int) {
	if m == nil {
		return
	}
	m.escalations.WithLabelValues(strconv.Itoa(step)).Inc()
}

// SLABreached counts a breach of clock.
func (m *Metrics) SLABreached(clock string) {
	if m == nil {
		return
	}
	m.slaBreaches.WithLabelValues(clock).Inc()
}

// ManagersAlerted counts an alert to a pool's managers, by cause.
func (m *Metrics) ManagersAlerted(cause string) {
	if m == nil {
		return
	}
	m.managerAlerts.WithLabelValues(cause).Inc()
}

// Delivered counts a notice delivered.
func (m *Metrics) Delivered(kind string) {
	if m == nil {
		return
	}
	m.delivered.WithLabelValues(kind).Inc()
}

// DeliveryFailed counts a failed delivery attempt to be retried.
func (m *Metrics) DeliveryFailed(kind string) {
	if m == nil {
		return
	}
	m.deliveryFailures.WithLabelValues(kind).Inc()
}

// Abandoned counts a notice given up on.
func (m *Metrics) Abandoned(kind string) {
	if m == nil {
		return
	}
	m.abandoned.WithLabelValues(kind).Inc()
}

// Pruned counts notices the retention job deleted.
func (m *Metrics) Pruned(n int) {
	if m == nil {
		return
	}
	m.pruned.Add(float64(n))
}

// JobRan counts a job's tick, and its failure when err is not nil.
func (m *Metrics) JobRan(job string, err error) {
	if m == nil {
		return
	}
	m.jobRuns.WithLabelValues(job).Inc()
	if err != nil {
		m.jobFailures.WithLabelValues(job).Inc()
	}
}

// outboxDepth reports the notices waiting for delivery at scrape time.
type outboxDepth struct {
	desc  *prometheus.Desc
	count func(context.Context) (int, error)
}

// outboxDepthTimeout bounds the query a scrape runs: a scrape must not hang
// on a database that does not answer.
const outboxDepthTimeout = 2 * time.Second

func (o outboxDepth) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

func (o outboxDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxDepthTimeout)
	defer cancel()
	n, err := o.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(o.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(n))
}

// WatchOutbox registers baton_outbox_depth, read with count at every scrape
// (the store counts undelivered rows on their partial index: cheap, and
// never stale, unlike a gauge set by a poller). Call it once.
func (m *Metrics) WatchOutbox(count func(context.Context) (int, error)) {
	if m == nil {
		return
	}
	m.registry.MustRegister(outboxDepth{
		desc:  prometheus.NewDesc("baton_outbox_depth", "Outbox notices not yet delivered nor abandoned (all replicas), read from the database at scrape time.", nil, nil),
		count: count,
	})
}
