package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path"
	"strconv"
	"time"
)

// SlackTransport wraps the Web API client's HTTP transport to time every
// call and count its 429s and failures, by method. Instrumenting here
// rather than around each slack-go call sees every call, the outbox's, the
// handlers' and the directory's alike, with Slack's own status code before
// slack-go turns it into an error. The method is the URL path's last
// element (".../api/chat.postMessage"). A nil Metrics returns next.
func (m *Metrics) SlackTransport(next http.RoundTripper) http.RoundTripper {
	if m == nil {
		return next
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return slackTransport{m: m, next: next}
}

type slackTransport struct {
	m    *Metrics
	next http.RoundTripper
}

func (t slackTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := slackMethod(req.URL.Path)
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.m.slackLatency.WithLabelValues(method).Observe(time.Since(start).Seconds())
	switch {
	case err != nil:
		t.m.slackErrors.WithLabelValues(method, transportError(req.Context(), err)).Inc()
	case resp.StatusCode == http.StatusTooManyRequests:
		t.m.slackRateLimited.WithLabelValues(method).Inc()
	case resp.StatusCode >= 300:
		t.m.slackErrors.WithLabelValues(method, strconv.Itoa(resp.StatusCode)).Inc()
	}
	return resp, err
}

// slackMethod is the Web API method a request calls. The label's values
// must stay few: anything that does not look like a method name (which
// Baton never calls, but a misconfigured SLACK_API_URL could produce) is
// "other".
func slackMethod(p string) string {
	m := path.Base(p)
	if len(m) == 0 || len(m) > 64 {
		return "other"
	}
	for _, r := range m {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_') {
			return "other"
		}
	}
	return m
}

// transportError names a call that got no answer: a timeout (the client's
// or the caller's deadline), a cancellation (shutdown), or any other
// network failure.
func transportError(ctx context.Context, err error) string {
	var netErr net.Error
	// http.Client.Timeout gives the request a deadline and also cancels it
	// from a timer of its own at that instant: whichever comes first, a
	// call cut off at its deadline is a timeout, not a shutdown.
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return "timeout"
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(ctx.Err(), context.Canceled), errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "network"
}
