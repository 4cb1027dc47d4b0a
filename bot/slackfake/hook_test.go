package slackfake_test

import (
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/slackfake"
)

// TestCallHook: a fake started outside a test hands every answered call to
// its hook, stamped when it arrived, and the recorded calls stay the fake's.
func TestCallHook(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []slackfake.Call
	fake, err := slackfake.New(slackfake.WithCallHook(func(c slackfake.Call) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, c)
	}))
	require.NoError(t, err)
	defer fake.Close()

	before := time.Now()
	_, ts, err := newAPI(fake).PostMessage("C0HANDOFF", slack.MsgOptionText("hello", false))
	require.NoError(t, err)
	answered := time.Now()

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 1, "the hook has run by the time the bot has its answer")
	c := seen[0]
	require.Equal(t, "chat.postMessage", c.Method)
	require.Equal(t, "C0HANDOFF", c.Params["channel"])
	require.Contains(t, string(c.Response), ts)
	require.False(t, c.At.Before(before) || c.At.After(answered), "stamped between the request and its answer")

	c.Params["channel"] = "changed by the hook's owner"
	require.Equal(t, "C0HANDOFF", fake.Calls("chat.postMessage")[0].Params["channel"])
}
