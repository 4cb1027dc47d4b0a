package routing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// opened is a live handoff of pool just stored at t0, with members' states
// as the rotation saw them, before its post is out.
func opened(t *testing.T, pool Pool, states []MemberState) Handoff {
	t.Helper()
	p := Policy{Pools: []Pool{pool}, SLA: DefaultSLA()}
	h, err := p.Open("V1", "U0", Lead{Company: "Acme"}, pool, Decide(pool, states, t0), t0).Row()
	require.NoError(t, err)
	h.ID = 7
	return h
}

// TestWindowStartsAtThePost: whatever the mode, a live handoff opens with no
// window running, and its post starts the claim window, the ladder's first
// rung and the up-next member's priority window and offer, all timed from
// the recorded time of the post.
func TestWindowStartsAtThePost(t *testing.T) {
	t.Parallel()
	away := []MemberState{{User: "U1", AwayUntil: t0.Add(time.Hour)}, {User: "U2", AwayUntil: t0.Add(time.Hour)}, {User: "U3", AwayUntil: t0.Add(time.Hour)}}
	for _, tc := range []struct {
		name   string
		mode   Mode
		states []MemberState
		delay  time.Duration // from submission to the post
		// Expected, from the post.
		firstStep time.Duration
		offerEnds time.Duration // 0: no personal offer
		priority  time.Duration // 0: no priority window
		offered   []string
	}{
		{name: "first to claim, posted at once", mode: ModeFirstToClaim, delay: 300 * time.Millisecond, firstStep: time.Minute},
		{name: "first to claim, posted late in a burst", mode: ModeFirstToClaim, delay: 45 * time.Second, firstStep: time.Minute},
		{name: "round robin", mode: ModeRoundRobin, delay: 40 * time.Second, firstStep: time.Minute,
			offerEnds: DefaultPriorityWindow, priority: DefaultPriorityWindow, offered: []string{"U1"}},
		{name: "strict round robin", mode: ModeStrictRoundRobin, delay: 50 * time.Second, firstStep: time.Minute,
			offerEnds: time.Minute, offered: []string{"U1"}},
		{name: "nobody available: the ladder starts at the post", mode: ModeFirstToClaim, states: away, delay: 30 * time.Second},
		{name: "a post after the window's length", mode: ModeRoundRobin, delay: 90 * time.Second, firstStep: time.Minute,
			offerEnds: DefaultPriorityWindow, priority: DefaultPriorityWindow, offered: []string{"U1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := closers
			pool.Mode = tc.mode
			h := opened(t, pool, tc.states)
			require.True(t, h.AwaitingPost())
			require.Equal(t, t0.Add(DefaultPostDelayNotice), h.PostCheckAt, "the one deadline before the post")
			require.True(t, h.OfferEndsAt.IsZero(), "no offer runs before the post")
			require.True(t, h.WindowAt.IsZero())
			require.NotContains(t, kinds(NoticesOnOpen(h)), NoticeOffered, "the up-next member is told when there is something to click")

			posted := t0.Add(tc.delay)
			c := Posted(h, "1700000000.000100", posted)
			require.Equal(t, EventPosted, c.Event.Kind)
			require.Equal(t, true, c.Event.Detail["window_started"])
			got := c.Handoff
			require.False(t, got.AwaitingPost())
			require.Equal(t, "1700000000.000100", got.MessageTS)
			require.True(t, got.PostCheckAt.IsZero())
			require.Equal(t, posted, got.WindowAt)
			require.Equal(t, posted.Add(time.Minute), got.ClaimDeadline, "the window runs from the post")
			require.Equal(t, time.Minute, got.ClaimWindow())
			require.Equal(t, posted.Add(tc.firstStep), got.NextStepAt, "the first rung")
			if tc.offerEnds == 0 {
				require.True(t, got.OfferEndsAt.IsZero())
			} else {
				require.Equal(t, posted.Add(tc.offerEnds), got.OfferEndsAt)
			}
			if tc.priority == 0 {
				require.True(t, got.Turn.PriorityUntil.IsZero())
			} else {
				require.Equal(t, posted.Add(tc.priority), got.Turn.PriorityUntil)
				require.True(t, got.Turn.Exclusive(posted.Add(tc.priority-time.Second)), "the up-next member's window runs from the post")
			}
			require.Equal(t, tc.offered, kinds(c.Notices)[NoticeOffered])

			again := Posted(got, "1700000000.000100", posted.Add(time.Second))
			require.Equal(t, got.ClaimDeadline, again.Handoff.ClaimDeadline, "a window starts once")
			require.Nil(t, again.Event.Detail["window_started"])
		})
	}
}

// TestPostOverdue: a post not out after the delay notice tells the passer
// once; at the end of the grace the window starts anyway, the ladder runs
// from then without re-pinging (there is nothing to reply under), and
// nobody is charged with an offer on a lead they never saw.
func TestPostOverdue(t *testing.T) {
	t.Parallel()
	sla := DefaultSLA()
	pool := closers
	pool.Mode = ModeRoundRobin
	h := opened(t, pool, nil)

	c, err := PostOverdue(h, sla, h.PostCheckAt)
	require.NoError(t, err)
	require.Equal(t, EventPostDelayed, c.Event.Kind)
	require.Equal(t, map[NoticeKind][]string{NoticePasserQueued: {"U0"}}, kinds(c.Notices))
	h = c.Handoff
	require.True(t, h.PostDelayTold)
	require.True(t, h.AwaitingPost(), "still waiting for the post")
	require.Equal(t, t0.Add(DefaultPostGrace), h.PostCheckAt, "next: the end of the grace")

	// The grace ends without the post.
	end := h.PostCheckAt
	c, err = PostOverdue(h, sla, end)
	require.NoError(t, err)
	require.Equal(t, EventWindowStarted, c.Event.Kind)
	require.Equal(t, false, c.Event.Detail["posted"])
	require.Empty(t, c.Notices, "the passer was told already")
	h = c.Handoff
	require.False(t, h.AwaitingPost())
	require.Equal(t, end, h.WindowAt)
	require.Equal(t, end.Add(time.Minute), h.ClaimDeadline)
	require.Equal(t, end.Add(time.Minute), h.NextStepAt)
	require.True(t, h.OfferEndsAt.IsZero(), "no lapse for an offer nobody could see")
	require.False(t, h.Turn.Exclusive(end), "no priority window for a lead nobody could see")

	c, err = Escalate(h, closers, nil, h.NextStepAt)
	require.NoError(t, err)
	require.Equal(t, map[NoticeKind][]string{NoticeMemberNudge: {"U1", "U2", "U3"}, NoticeChannelMessage: {"C1"}}, kinds(c.Notices),
		"no re-ping without a post")
	require.Equal(t, "skipped: not posted", c.Event.Detail["reping"])

	// A post that comes out after all records its ts and moves nothing.
	late := Posted(c.Handoff, "1700000000.000200", h.NextStepAt.Add(time.Second))
	require.Equal(t, c.Handoff.NextStepAt, late.Handoff.NextStepAt)
	require.Empty(t, late.Notices)

	_, err = PostOverdue(late.Handoff, sla, h.NextStepAt)
	require.Error(t, err, "only a handoff awaiting its post")
}

// TestPostOverdueLate: a sweep that comes after the grace (a restart) starts
// the window and still tells the passer; the sweep never fires the ladder
// of a handoff awaiting its post.
func TestPostOverdueLate(t *testing.T) {
	t.Parallel()
	h := opened(t, closers, nil)
	_, err := Escalate(h, closers, nil, h.NextStepAt)
	require.Error(t, err, "no rung before the window")

	now := t0.Add(5 * time.Minute)
	c, err := PostOverdue(h, DefaultSLA(), now)
	require.NoError(t, err)
	require.Equal(t, EventWindowStarted, c.Event.Kind)
	require.Equal(t, map[NoticeKind][]string{NoticePasserQueued: {"U0"}}, kinds(c.Notices))
	require.True(t, c.Handoff.PostDelayTold)
	require.Equal(t, now.Add(time.Minute), c.Handoff.NextStepAt)

	// A grace shorter than the notice: the first check is the grace's end.
	short := SLA{PostDelayNotice: time.Minute, PostGrace: 20 * time.Second}
	require.Equal(t, t0.Add(20*time.Second), short.FirstPostCheck(t0))
}

// TestQueuedNoticeWanted: the passer's notice that the post is queued is
// dropped once the lead is claimed or cancelled.
func TestQueuedNoticeWanted(t *testing.T) {
	t.Parallel()
	h := opened(t, closers, nil)
	n := Notice{Kind: NoticePasserQueued, HandoffID: h.ID, Recipient: h.PasserID}
	require.True(t, n.Wanted(h))
	c, err := Cancel(h, closers, "U0", "prospect dropped", t0.Add(time.Second))
	require.NoError(t, err)
	require.False(t, n.Wanted(c.Handoff))
	require.False(t, c.Handoff.AwaitingPost())
}
