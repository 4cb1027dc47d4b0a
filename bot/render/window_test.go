package render_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// awaitingPost is a round-robin lead just stored, its post not out: its
// deadlines are stored as if its window started at created.
func awaitingPost() routing.Handoff {
	h := openHandoff()
	h.Turn = routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U0AE2", Available: 2, Members: 3, PriorityUntil: created.Add(15 * time.Second)}
	h.PostCheckAt = created.Add(routing.DefaultPostDelayNotice)
	return h
}

// queued is awaitingPost after the passer was told its post is queued.
func queued() routing.Handoff {
	h := awaitingPost()
	h.PostDelayTold, h.PostCheckAt = true, created.Add(routing.DefaultPostGrace)
	return h
}

// queuedThenPosted is queued, posted 40 s after its submission.
func queuedThenPosted() routing.Handoff {
	return routing.Posted(queued(), "1700000000.000100", created.Add(40*time.Second)).Handoff
}

// neverPosted is queued after its post grace ended without the post.
func neverPosted() routing.Handoff {
	c, _ := routing.PostOverdue(queued(), routing.DefaultSLA(), created.Add(routing.DefaultPostGrace))
	return c.Handoff
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// TestGoldenPostWindow: the passer's DM about a queued post, as delivered
// before the post, after it, and after the grace without it; and the
// channel message of a lead posted late, which shows the deadlines it has
// from its post.
func TestGoldenPostWindow(t *testing.T) {
	t.Parallel()
	golden(t, "passer_queued", clock.PasserQueued(queued()))
	golden(t, "passer_queued_posted", clock.PasserQueued(queuedThenPosted()))
	golden(t, "passer_queued_unposted", clock.PasserQueued(neverPosted()))

	posting := clock
	posting.Now = created.Add(40 * time.Second)
	golden(t, "channel_posted_late", posting.ChannelMessage(awaitingPost()))
}

// TestLatePostShowsItsOwnWindow: a lead posted 40 s after its submission
// shows a claim deadline and a priority window from the post, and the Pass
// button of a running offer; the passer is told the window's length, the
// same before and after the post.
func TestLatePostShowsItsOwnWindow(t *testing.T) {
	t.Parallel()
	posting := clock
	posting.Now = created.Add(40 * time.Second)
	shown := blocksJSON(t, posting.ChannelMessage(awaitingPost()).Blocks)
	require.Contains(t, shown, "Claim by <!date^"+unix(created.Add(100*time.Second))+"^")
	require.Contains(t, shown, "may claim alone until <!date^"+unix(created.Add(55*time.Second))+"^")
	require.Contains(t, shown, `"action_id":"pass"`)

	sent := blocksJSON(t, clock.PasserSent(awaitingPost()).Blocks)
	require.Contains(t, sent, "Closers have 60 s to claim it from when it shows there")
	require.Equal(t, sent, blocksJSON(t, clock.PasserSent(routing.Posted(awaitingPost(), "1700000000.000100", created.Add(40*time.Second)).Handoff).Blocks))
	require.Contains(t, blocksJSON(t, clock.PasserQueued(queued()).Blocks), "closers still get their full 60 s")
	require.Contains(t, blocksJSON(t, clock.PasserQueued(queuedThenPosted()).Blocks), "closers have until <!date^"+unix(created.Add(100*time.Second))+"^")
}
