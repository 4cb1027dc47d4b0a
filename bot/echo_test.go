package bot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

// TestTrimEchoes: through the trimming transport slack-go still gets the
// ts of a post, and every error, warning and rate limit as Slack sent it;
// only the echoed message or view is gone.
func TestTrimEchoes(t *testing.T) {
	t.Parallel()
	answers := map[string]struct {
		status int
		body   string
	}{
		"/api/chat.postMessage": {200, `{"ok":true,"channel":"C1","ts":"1700000000.000100","message":{"text":"hi","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"hi"}}]},"warning":"missing_charset","response_metadata":{"warnings":["missing_charset"]}}`},
		"/api/chat.update":      {200, `{"ok":false,"error":"invalid_blocks","errors":["no more than 50 items allowed [json-pointer:/blocks]"],"response_metadata":{"messages":["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]}}`},
		"/api/views.open":       {429, `{"ok":false,"error":"ratelimited"}`},
		"/api/views.publish":    {200, `{"ok":true,"view":{"id":"V1","type":"home","blocks":[]}}`},
		"/api/users.info":       {200, `{"ok":true,"user":{"id":"U1","name":"dana"}}`},
	}
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[r.URL.Path]
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if a.status == 429 {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	defer srv.Close()
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"),
		slack.OptionHTTPClient(&http.Client{Transport: TrimEchoes(nil)}))
	ctx := context.Background()

	channel, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
	require.NoError(t, err)
	require.Equal(t, "C1", channel)
	require.Equal(t, "1700000000.000100", ts)

	_, _, _, err = api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("hi", false))
	var apiErr slack.SlackErrorResponse
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "invalid_blocks", apiErr.Err)
	require.Equal(t, []string{"[ERROR] no more than 50 items allowed [json-pointer:/blocks]"}, apiErr.ResponseMetadata.Messages, "a refusal passes whole")

	_, err = api.OpenViewContext(ctx, "T1", slack.ModalViewRequest{Type: slack.VTModal})
	var limited *slack.RateLimitedError
	require.ErrorAs(t, err, &limited)
	require.Equal(t, 7.0, limited.RetryAfter.Seconds())

	home, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: slack.HomeTabViewRequest{Type: slack.VTHomeTab}})
	require.NoError(t, err)
	require.Empty(t, home.ID, "the echoed view is not decoded")

	user, err := api.GetUserInfoContext(ctx, "U1")
	require.NoError(t, err)
	require.Equal(t, "dana", user.Name, "other methods are untouched")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 5)
}

func TestTrimEcho(t *testing.T) {
	t.Parallel()
	require.JSONEq(t, `{"ok":true,"ts":"1.2"}`, string(trimEcho([]byte(`{"ok":true,"ts":"1.2","message":{"blocks":[]}}`))))
	for _, body := range []string{`{"ok":false,"error":"x","message":{}}`, `not json`, `{"ok":true,"ts":"1.2"}`} {
		require.Equal(t, body, string(trimEcho([]byte(body))), "left as it is: %s", body)
	}
	require.False(t, echoes("/api/users.info"))
	require.True(t, echoes("/api/views.open"))
}
