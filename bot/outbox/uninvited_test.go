package outbox_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/membership"
	"github.com/batonhq/baton/bot/outbox"
	"github.com/batonhq/baton/bot/slackfake"
)

// syncBuffer is a log sink safe for the worker's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// lines are the log lines at level with msg containing what.
func (s *syncBuffer) lines(level, what string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for line := range strings.SplitSeq(s.buf.String(), "\n") {
		var entry struct{ Level, Message string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Level == level && strings.Contains(entry.Message, what) {
			n++
		}
	}
	return n
}

// refusals counts the posts into channel Slack refused with code.
func refusals(fake *slackfake.Server, channel, code string) int {
	n := 0
	for _, c := range fake.Calls("chat.postMessage") {
		if c.Params["channel"] == channel && strings.Contains(string(c.Response), code) {
			n++
		}
	}
	return n
}

// TestUninvitedPrivateChannel: the pool's private channel Baton was not
// invited to answers channel_not_found; the hot post is kept and retried,
// not abandoned; the error is logged once however many retries; the
// manager is asked, once, to invite @Baton; once invited, the post goes
// out and the episode ends.
func TestUninvitedPrivateChannel(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	var watch *membership.Watch
	b := setupWith(t, func(b bundle, api *slack.Client, cfg *outbox.Config) {
		log := zerolog.New(&logs)
		watch = membership.New(membership.Config{Store: b.Store, API: api, Policy: b.Service.Policy, Log: log, Now: b.Clock.Now, Committed: b.wake})
		cfg.Channels, cfg.Log = watch, log
	})
	b.slack.AddChannel(slackfake.Channel{ID: "C0HANDOFF", Name: "closers", Private: true})

	b.Create(t, "V1", "Acme Corp")
	b.wake.Notify()
	require.Eventually(t, func() bool { return refusals(b.slack, "C0HANDOFF", "channel_not_found") == 1 }, 10*time.Second, 10*time.Millisecond, "the post refused")
	require.Eventually(t, func() bool {
		for _, m := range b.slack.Messages("DU0BOSS") {
			if strings.Contains(m.Text, "<#C0HANDOFF>") && strings.Contains(m.Text, "invite @Baton") {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "the manager is asked to invite Baton")
	// Before the clock moves past their leases: only the post and its
	// thread brief are left.
	require.Eventually(t, func() bool { n, err := b.Store.PendingCount(b.Ctx); return err == nil && n == 2 }, 10*time.Second, 10*time.Millisecond, "the DMs delivered")

	// Retries: each refused, none abandoning the post.
	for i := 2; i <= 4; i++ {
		b.settled(t)
		b.Clock.Add(10 * time.Minute)
		b.wake.Notify()
		require.Eventually(t, func() bool { return refusals(b.slack, "C0HANDOFF", "channel_not_found") == i }, 10*time.Second, 10*time.Millisecond, "retry %d", i)
	}
	require.Equal(t, 1, logs.lines("error", "not a member of this channel"), "one error line, not one per retry")
	require.Len(t, b.slack.Messages("DU0BOSS"), 1, "the manager told once")
	details, err := watch.Details(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"not in channel C0HANDOFF of pool closers: invite @Baton"}, details)
	pools, channels, err := watch.Access(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"closers": true}, pools)
	require.Equal(t, 1, channels)

	b.slack.InviteBot("C0HANDOFF")
	b.settled(t)
	b.Clock.Add(10 * time.Minute)
	b.wake.Notify()
	b.post(t, "Acme Corp")
	b.delivered(t)
	require.Eventually(t, func() bool {
		details, err := watch.Details(b.Ctx)
		return err == nil && len(details) == 0
	}, 10*time.Second, 10*time.Millisecond, "the detail cleared")
	pools, channels, err = watch.Access(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"closers": false}, pools)
	require.Zero(t, channels)
	require.Len(t, b.slack.Messages("DU0BOSS"), 1, "nobody told again")
	require.Equal(t, 0, logs.lines("error", "abandoned"))
}

// TestUninvitedPublicChannel: a public channel answers not_in_channel, and
// is handled the same way.
func TestUninvitedPublicChannel(t *testing.T) {
	t.Parallel()
	var watch *membership.Watch
	b := setupWith(t, func(b bundle, api *slack.Client, cfg *outbox.Config) {
		watch = membership.New(membership.Config{Store: b.Store, API: api, Policy: b.Service.Policy, Log: zerolog.Nop(), Now: b.Clock.Now, Committed: b.wake})
		cfg.Channels = watch
	})
	b.slack.AddChannel(slackfake.Channel{ID: "C0HANDOFF", Name: "closers"})
	b.Create(t, "V1", "Acme Corp")
	b.wake.Notify()
	require.Eventually(t, func() bool { return refusals(b.slack, "C0HANDOFF", "not_in_channel") == 1 }, 10*time.Second, 10*time.Millisecond, "the post refused")
	require.Eventually(t, func() bool { return len(b.slack.Messages("DU0BOSS")) == 1 }, 10*time.Second, 10*time.Millisecond, "the manager told")
	require.Eventually(t, func() bool { n, err := b.Store.PendingCount(b.Ctx); return err == nil && n == 2 }, 10*time.Second, 10*time.Millisecond, "the DMs delivered")

	b.slack.InviteBot("C0HANDOFF")
	b.settled(t)
	b.Clock.Add(10 * time.Minute)
	b.wake.Notify()
	b.post(t, "Acme Corp")
	b.delivered(t)
}
