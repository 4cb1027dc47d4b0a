package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

// value reads one sample of the registry: the metric name's series whose
// labels are all of labels (name=value pairs), 0 when there is none.
func value(t *testing.T, m *metrics.Metrics, name string, labels ...string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range s.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue series
				}
			}
			switch {
			case s.GetCounter() != nil:
				return s.GetCounter().GetValue()
			case s.GetGauge() != nil:
				return s.GetGauge().GetValue()
			case s.GetHistogram() != nil:
				return float64(s.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

// TestSlackTransportLabelsMethodAndCounts429: calls through the
// instrumented transport to the fake Slack are timed by method, a 429 is
// counted as rate limited, a 500 as an error with its status, and a call
// that gets no answer before its deadline as a timeout.
func TestSlackTransportLabelsMethodAndCounts429(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	fake := slackfaketest.New(t)
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()),
		slack.OptionHTTPClient(&http.Client{Transport: m.SlackTransport(nil)}))
	ctx := context.Background()

	fake.RateLimit("chat.postMessage", 1, time.Second)
	_, _, err := api.PostMessageContext(ctx, "C0HANDOFF", slack.MsgOptionText("hi", false))
	var limited *slack.RateLimitedError
	require.ErrorAs(t, err, &limited)
	_, _, err = api.PostMessageContext(ctx, "C0HANDOFF", slack.MsgOptionText("hi", false))
	require.NoError(t, err)

	fake.FailNext("chat.update", 1, http.StatusInternalServerError)
	_, _, _, err = api.UpdateMessageContext(ctx, "C0HANDOFF", "1.2", slack.MsgOptionText("x", false))
	var status slack.StatusCodeError
	require.ErrorAs(t, err, &status)

	require.Equal(t, 1.0, value(t, m, "baton_slack_api_rate_limited_total", "method", "chat.postMessage"))
	require.Equal(t, 0.0, value(t, m, "baton_slack_api_rate_limited_total", "method", "chat.update"))
	require.Equal(t, 2.0, value(t, m, "baton_slack_api_request_duration_seconds", "method", "chat.postMessage"), "both calls timed")
	require.Equal(t, 1.0, value(t, m, "baton_slack_api_request_duration_seconds", "method", "chat.update"))
	require.Equal(t, 1.0, value(t, m, "baton_slack_api_errors_total", "method", "chat.update", "error", "500"))
	require.Equal(t, 0.0, value(t, m, "baton_slack_api_errors_total", "method", "chat.postMessage"), "a 429 is not an error")

	// A Slack that does not answer: the caller's deadline cuts the call off.
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body: only then does the server notice the client leave.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer func() { close(hang); slow.Close() }()
	slowAPI := slack.New("xoxb-test", slack.OptionAPIURL(slow.URL+"/api/"),
		slack.OptionHTTPClient(&http.Client{Transport: m.SlackTransport(nil)}))
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, _, err = slowAPI.PostMessageContext(tctx, "C0HANDOFF", slack.MsgOptionText("hi", false))
	require.Error(t, err)
	require.Equal(t, 1.0, value(t, m, "baton_slack_api_errors_total", "method", "chat.postMessage", "error", "timeout"))
}

// TestOddPathsShareOneLabel: the method label keeps to method names.
func TestOddPathsShareOneLabel(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	client := &http.Client{Transport: m.SlackTransport(nil)}
	for _, p := range []string{"/api/x%20y", "/api/" + strings.Repeat("a", 100), "/api/chat.update"} {
		res, err := client.Get(srv.URL + p)
		require.NoError(t, err)
		res.Body.Close()
	}
	require.Equal(t, 2.0, value(t, m, "baton_slack_api_request_duration_seconds", "method", "other"))
	require.Equal(t, 1.0, value(t, m, "baton_slack_api_request_duration_seconds", "method", "chat.update"))
}

// TestOutboxDepthAtScrapeTime: the depth is read at each scrape; a failed
// read leaves it out of that scrape and says why, and the rest is served.
func TestOutboxDepthAtScrapeTime(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	depth, fail := 3, false
	m.WatchOutbox(func(context.Context) (int, error) {
		if fail {
			return 0, errors.New("database unreachable")
		}
		return depth, nil
	})
	m.Handoff("created")
	var logged []error
	h := m.Handler(func(err error) { logged = append(logged, err) })
	scrape := func() (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return rec.Code, rec.Body.String()
	}
	code, body := scrape()
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "baton_outbox_depth 3\n")
	require.Contains(t, body, `baton_handoffs_total{outcome="created"} 1`)
	require.Contains(t, body, "go_goroutines", "the Go runtime collector")
	require.Contains(t, body, "process_resident_memory_bytes", "the process collector")
	depth = 7
	_, body = scrape()
	require.Contains(t, body, "baton_outbox_depth 7\n", "read again at each scrape")

	fail = true
	code, body = scrape()
	require.Equal(t, http.StatusOK, code)
	require.NotContains(t, body, "baton_outbox_depth ")
	require.Contains(t, body, `baton_handoffs_total{outcome="created"} 1`)
	require.Len(t, logged, 1)
	require.ErrorContains(t, logged[0], "database unreachable")
}

// TestNilMetricsRecordNothing: a bot built without metrics calls the same
// methods on a nil *Metrics.
func TestNilMetricsRecordNothing(t *testing.T) {
	t.Parallel()
	var m *metrics.Metrics
	require.NotPanics(t, func() {
		m.Handoff("created")
		m.Claimed(time.Second, false)
		m.Outcome("no_show", "")
		m.Touch("call_attempted")
		m.Escalated(1)
		m.SLABreached("first_touch")
		m.ManagersAlerted("escalation")
		m.Delivered("channel_message")
		m.DeliveryFailed("channel_message")
		m.Abandoned("channel_message")
		m.JobRan("digest", errors.New("x"))
		m.WatchOutbox(nil)
	})
	next := http.DefaultTransport
	require.Equal(t, next, m.SlackTransport(next))
}

// TestClaimLatencyBuckets: the histogram separates claims inside the
// default 60 s window from late ones.
func TestClaimLatencyBuckets(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.Claimed(14*time.Second, false)
	m.Claimed(3*time.Minute, true)
	require.Equal(t, 2.0, value(t, m, "baton_claim_latency_seconds"))
	require.Equal(t, 2.0, value(t, m, "baton_handoffs_total", "outcome", "claimed"))
	require.Equal(t, 1.0, value(t, m, "baton_handoffs_total", "outcome", "claimed_late"))
	require.Contains(t, metrics.ClaimBuckets, 60.0, "a bucket ends at the default claim window")
	rec := httptest.NewRecorder()
	m.Handler(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Contains(t, rec.Body.String(), `baton_claim_latency_seconds_bucket{le="60"} 1`)
	require.Contains(t, rec.Body.String(), `baton_claim_latency_seconds_bucket{le="180"} 2`)
}
