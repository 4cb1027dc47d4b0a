package routing

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDecideEdges checks every signal's flag at its threshold exactly, one
// case either side of it, and under the minimum sample: at 70 % exactly,
// "below 70 %" is not flagged.
func TestDecideEdges(t *testing.T) {
	t.Parallel()
	th := DefaultSignalThresholds
	share := func(s Signal, part, whole int) Reading { return SignalCounts{}.readShare(s, part, whole) }
	for _, tc := range []struct {
		name string
		r    Reading
		want bool
	}{
		{"joined 7 of 10 is 70 %: not below", share(SignalJoined, 7, 10), false},
		{"joined 69 of 100: below", share(SignalJoined, 69, 100), true},
		{"joined 71 of 100: not below", share(SignalJoined, 71, 100), false},
		{"joined 0 of 4: under the sample", share(SignalJoined, 0, 4), false},
		{"joined 0 of 5: at the sample", share(SignalJoined, 0, 5), true},
		{"joined nothing offered", share(SignalJoined, 0, 0), false},
		{"declined 3 of 20 is 15 %: not above", share(SignalDeclined, 3, 20), false},
		{"declined 16 of 100: above", share(SignalDeclined, 16, 100), true},
		{"declined 4 of 4: under the sample", share(SignalDeclined, 4, 4), false},
		{"templated 3 of 10 is 30 %: not above", share(SignalTemplated, 3, 10), false},
		{"templated 31 of 100: above", share(SignalTemplated, 31, 100), true},
		{"reasons 5 of 10 is half: not over half", share(SignalReasonCluster, 5, 10), false},
		{"reasons 6 of 10: over half", share(SignalReasonCluster, 6, 10), true},
		{"first pass 6 of 10 is 60 %: not below", share(SignalFirstPass, 6, 10), false},
		{"first pass 59 of 100: below", share(SignalFirstPass, 59, 100), true},
		{"multi owner 1 of 10 is 10 %: not above", share(SignalMultiOwner, 1, 10), false},
		{"multi owner 11 of 100: above", share(SignalMultiOwner, 11, 100), true},
		{"unmanaged 0: not above 0", Reading{Signal: SignalUnmanaged, Part: 0, OK: true}, false},
		{"unmanaged 1: above 0", Reading{Signal: SignalUnmanaged, Part: 1, OK: true}, true},
		{"unreviewed 1 week: not above 1", Reading{Signal: SignalUnreviewed, Part: 1, OK: true}, false},
		{"unreviewed 2 weeks: above 1", Reading{Signal: SignalUnreviewed, Part: 2, OK: true}, true},
		// Acceptance: above 90 % while SAL→SQL is below 30 %.
		{"acceptance 91 %, conversion 29 %", acceptance(91, 100, 29, 100), true},
		{"acceptance 9 of 10 is 90 %: not above", acceptance(9, 10, 0, 10), false},
		{"conversion 3 of 10 is 30 %: not below", acceptance(10, 10, 3, 10), false},
		{"acceptance high, conversion fine", acceptance(10, 10, 5, 10), false},
		{"acceptance high, too few taken leads", acceptance(10, 10, 0, 4), false},
		{"acceptance under its sample", acceptance(4, 4, 0, 10), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := th.Decide(tc.r)
			require.Equal(t, tc.want, got)
		})
	}
}

// readShare is a reading of a share signal with part and whole.
func (SignalCounts) readShare(s Signal, part, whole int) Reading {
	v, ok := Rate(part, whole)
	return Reading{Signal: s, Part: part, Whole: whole, Value: v, OK: ok}
}

func acceptance(claimed, offered, sql, sal int) Reading {
	v, ok := Rate(sql, sal)
	return Reading{Signal: SignalAcceptance, Part: sql, Whole: sal, Value: v, OK: ok, Claimed: claimed, Offered: offered}
}

// TestReadCounts checks that each signal reads its own counts.
func TestReadCounts(t *testing.T) {
	t.Parallel()
	c := SignalCounts{Offered: 10, Joined: 6, Reached: 12, Declined: 3, FirstTouches: 8, Templated: 4,
		Claimed: 9, SAL: 9, SQL: 2, Submissions: 11, FirstPass: 5, Owned: 9, MultiOwner: 2, Reassigned: 3, Unmanaged: 1,
		Reasons: []ReasonCount{{Reason: "no_budget", Count: 1}, {Reason: "wrong_title", Count: 4}}}
	for _, tc := range []struct {
		s           Signal
		part, whole int
	}{
		{SignalJoined, 6, 10}, {SignalDeclined, 3, 12}, {SignalTemplated, 4, 8}, {SignalAcceptance, 2, 9},
		{SignalReasonCluster, 4, 5}, {SignalFirstPass, 5, 11}, {SignalMultiOwner, 2, 9}, {SignalUnmanaged, 1, 0},
		{SignalUnreviewed, 3, 0},
	} {
		r := c.Read(tc.s, 3)
		require.Equal(t, [2]int{tc.part, tc.whole}, [2]int{r.Part, r.Whole}, tc.s)
	}
	r := c.Read(SignalAcceptance, 0)
	require.Equal(t, [2]int{9, 10}, [2]int{r.Claimed, r.Offered})
	require.Equal(t, DisqualifyReason("wrong_title"), c.Read(SignalReasonCluster, 0).Reason)
}

// TestFlagsTeamAndPools checks that the team is judged on the pools'
// sums, each pool on its own, and a single pool only once.
func TestFlagsTeamAndPools(t *testing.T) {
	t.Parallel()
	th := DefaultSignalThresholds
	good := SignalCounts{Offered: 10, Joined: 10, Claimed: 8, SAL: 8, SQL: 4, Submissions: 10, FirstPass: 10}
	bad := SignalCounts{Offered: 10, Joined: 2, Claimed: 8, SAL: 8, SQL: 4, Submissions: 10, FirstPass: 10}
	s := Signals{Pools: []PoolSignals{{Pool: "closers", SignalCounts: good}, {Pool: "enterprise", SignalCounts: bad}}}
	flags := th.Flags(s)
	// The team joined 12 of 20 (60 %): flagged; closers is not, enterprise is.
	require.Len(t, flags, 2)
	require.Equal(t, "", flags[0].Pool)
	require.Equal(t, SignalJoined, flags[0].Reading.Signal)
	require.Equal(t, [2]int{12, 20}, [2]int{flags[0].Reading.Part, flags[0].Reading.Whole})
	require.Equal(t, "enterprise", flags[1].Pool)
	require.InDelta(t, 0.70, flags[1].Threshold, 1e-9)

	one := Signals{Pools: s.Pools[1:], UnreviewedWeeks: 2}
	flags = th.Flags(one)
	require.Len(t, flags, 2, "a single pool is the team: judged once")
	require.Equal(t, SignalUnreviewed, flags[1].Reading.Signal)

	require.Empty(t, th.Flags(Signals{}), "a quiet week raises nothing")
}

func TestAddMergesReasons(t *testing.T) {
	t.Parallel()
	a := SignalCounts{Offered: 1, Reasons: []ReasonCount{{Reason: "no_budget", Count: 2}}}
	b := SignalCounts{Offered: 2, Reasons: []ReasonCount{{Reason: "no_budget", Count: 1}, {Reason: "wrong_title", Count: 3}}}
	sum := a.Add(b)
	require.Equal(t, 3, sum.Offered)
	require.Equal(t, []ReasonCount{{Reason: "no_budget", Count: 3}, {Reason: "wrong_title", Count: 3}}, sum.Reasons)
	require.Equal(t, ReasonCount{Reason: "no_budget", Count: 3}, sum.TopReason(), "a tie goes to the first")
	require.Len(t, a.Reasons, 1, "Add leaves its operands alone")
}

func TestReasonShare(t *testing.T) {
	t.Parallel()
	c := SignalCounts{Reasons: []ReasonCount{{Reason: DisqualifyWrongTitle, Count: 3}, {Reason: DisqualifyNoBudget, Count: 1}}}
	got := c.ReasonShare(DisqualifyNoBudget)
	require.Equal(t, [2]int{1, 4}, [2]int{got.Part, got.Whole}, "the reason asked for, not the one that leads")
	require.InDelta(t, 0.25, got.Value, 1e-9)
	require.Equal(t, DisqualifyNoBudget, got.Reason)
	require.Equal(t, SignalReasonCluster, got.Signal)
	require.False(t, SignalCounts{}.ReasonShare(DisqualifyNoBudget).OK, "nothing disqualified: no share")
}

func TestMayMarkReviewed(t *testing.T) {
	t.Parallel()
	p := Policy{Pools: []Pool{{Name: "a", Managers: []string{"U0MGR"}, Members: []string{"U0AE"}}, {Name: "b", Managers: []string{"U0BOSS"}}}}
	require.Nil(t, p.MayMarkReviewed("U0MGR"))
	require.Nil(t, p.MayMarkReviewed("U0BOSS"))
	r := p.MayMarkReviewed("U0AE")
	require.NotNil(t, r)
	require.Equal(t, RefusedNotReviewer, r.Code)
	pools, managers := p.ManagerPairs()
	require.Equal(t, []string{"a", "b"}, pools)
	require.Equal(t, []string{"U0MGR", "U0BOSS"}, managers)
}

func TestThresholdsDefault(t *testing.T) {
	t.Parallel()
	require.Equal(t, DefaultSignalThresholds, Reports{}.Thresholds())
	custom := DefaultSignalThresholds
	custom.JoinedMin = 0.5
	require.Equal(t, custom, Reports{Signals: custom}.Thresholds())
}

// TestReviewUpdateWaitsForNoLaterReview: a press is recorded only on a
// review whose post is recorded, so a review's update follows its post
// without sharing its ordering key, and waits behind no later review's
// post nor another review's update; it is no post itself (Slack does not
// pace chat.update).
func TestReviewUpdateWaitsForNoLaterReview(t *testing.T) {
	t.Parallel()
	post := Notice{Kind: NoticeWeeklyReview, Recipient: "C0DIGEST"}
	update := Notice{Kind: NoticeReviewUpdate, Recipient: "C0DIGEST", Detail: map[string]string{"ts": "1.000100"}}
	other := Notice{Kind: NoticeReviewUpdate, Recipient: "C0DIGEST", Detail: map[string]string{"ts": "1.000200"}}
	require.NotEqual(t, post.OrderingKey(), update.OrderingKey())
	require.NotEqual(t, update.OrderingKey(), other.OrderingKey())
	require.True(t, post.ChannelBound())
	require.False(t, update.ChannelBound(), "an update is not paced like a post")
}
