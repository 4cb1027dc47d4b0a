package launcher_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/batontest"
)

// TestMetricsEndToEnd scrapes /metrics from a running Main after a handoff
// is created (its channel post rate limited once by Slack) and claimed.
func TestMetricsEndToEnd(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})

	// Before anything happens, the metrics with known labels are there at 0.
	body := a.Scrape()
	for _, series := range []string{
		`baton_handoffs_total{outcome="created"}`, `baton_handoffs_total{outcome="claimed"}`, `baton_handoffs_total{outcome="missed"}`,
		`baton_escalations_total{step="1"}`, `baton_escalations_total{step="3"}`,
		`baton_sla_breaches_total{clock="first_touch"}`, `baton_manager_alerts_total{cause="escalation"}`,
		`baton_job_runs_total{job="digest"}`, `baton_job_failures_total{job="sla_sweep"}`,
		`baton_job_runs_total{job="outbox_retention"}`, `baton_outbox_pruned_total`,
		`baton_claim_latency_seconds_count`, `baton_outbox_depth`,
	} {
		v, ok := batontest.MetricValue(body, series)
		require.True(t, ok, "%s is exposed", series)
		require.Zero(t, v, series)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "baton_slack_api_request_duration_seconds_count"} {
		require.Contains(t, body, "\n"+name, "%s is exposed", name)
	}

	// Slack turns the channel post away once: the outbox waits and posts.
	a.Slack.RateLimit("chat.postMessage", 1, time.Second)
	h := a.Handoff("U0SDR", "Acme")
	a.Click("U0AE1", h)
	a.Eventually(func() bool { return strings.Contains(a.DMText("U0AE1"), "You own") }, "claimed")
	a.Eventually(func() bool { n, err := a.Store.PendingCount(a.Ctx); return err == nil && n == 0 }, "the outbox drains")

	body = a.Scrape()
	for series, want := range map[string]float64{
		`baton_handoffs_total{outcome="created"}`:                             1,
		`baton_handoffs_total{outcome="claimed"}`:                             1,
		`baton_handoffs_total{outcome="claimed_late"}`:                        0,
		`baton_claim_latency_seconds_count`:                                   1,
		`baton_slack_api_rate_limited_total{method="chat.postMessage"}`:       1,
		`baton_outbox_delivered_total{kind="owner_brief"}`:                    1,
		`baton_outbox_depth`:                                                  0,
		`baton_slack_api_request_duration_seconds_count{method="views.open"}`: 1,
	} {
		v, ok := batontest.MetricValue(body, series)
		require.True(t, ok, "%s is exposed", series)
		require.Equal(t, want, v, series)
	}
	require.Zero(t, batontest.SumMetric(body, "baton_outbox_delivery_failures_total"), "a 429 is no failed delivery: the notice waits what Slack asks")
	posts, ok := batontest.MetricValue(body, `baton_slack_api_request_duration_seconds_count{method="chat.postMessage"}`)
	require.True(t, ok)
	require.GreaterOrEqual(t, posts, 4.0, "the refused post, the post, the thread brief, the DMs")
	require.NotContains(t, body, "U0SDR", "no user ids in labels")
	require.NotContains(t, body, "C0HANDOFF", "no channel ids in labels")
	require.NotContains(t, body, "Acme", "no company names in labels")
}
