package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// Webhooks are the webhook worker's metrics: what each attempt came to in
// this process, and the dead letters waiting in the database. Every method
// is safe on a nil *Webhooks.
type Webhooks struct {
	deliveries *prometheus.CounterVec
}

// The results WebhookAttempt counts.
const (
	WebhookDelivered    = "delivered"
	WebhookFailed       = "failed"
	WebhookDeadLettered = "dead_lettered"
)

// Webhooks registers the webhook metrics: baton_webhook_deliveries_total
// by result, and baton_webhook_dead_letters, read with countDead at every
// scrape (all replicas; a replay lowers it). Call it once; a nil Metrics
// returns nil.
func (m *Metrics) Webhooks(countDead func(context.Context) (int, error)) *Webhooks {
	if m == nil {
		return nil
	}
	w := &Webhooks{deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "baton_webhook_deliveries_total",
		Help: "Webhook delivery attempts by this process, by result: delivered (2xx), failed (to be retried) or dead_lettered (the last attempt failed).",
	}, []string{"result"})}
	for _, r := range []string{WebhookDelivered, WebhookFailed, WebhookDeadLettered} {
		w.deliveries.WithLabelValues(r)
	}
	m.registry.MustRegister(w.deliveries, outboxDepth{
		desc: prometheus.NewDesc("baton_webhook_dead_letters",
			"Webhook deliveries dead-lettered after their last attempt and not replayed (all replicas), read from the database at scrape time.", nil, nil),
		count: countDead,
	})
	return w
}

// Attempt counts one delivery attempt's result.
func (w *Webhooks) Attempt(result string) {
	if w == nil {
		return
	}
	w.deliveries.WithLabelValues(result).Inc()
}
