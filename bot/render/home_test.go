package render_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/routing"
)

// validHome checks an App Home view as Slack would, and returns its strings.
func validHome(t *testing.T, v slack.HomeTabViewRequest) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, slackfake.ValidateBlocks(slackfake.KindHome, raw))
	require.LessOrEqual(t, len(v.Blocks.BlockSet), render.MaxHomeBlocks)
	allVerbatim(t, raw)
	// Every string in it, decoded, to compare with what people read.
	var tree any
	require.NoError(t, json.Unmarshal(raw, &tree))
	var out []string
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case string:
			out = append(out, n)
		case []any:
			for _, c := range n {
				walk(c)
			}
		case map[string]any:
			for k, c := range n {
				out = append(out, k)
				walk(c)
			}
		}
	}
	walk(tree)
	return strings.Join(out, "\n")
}

// homeNow is when the Homes below are read: a Saturday afternoon.
var homeNow = created.Add(3 * time.Hour)

// receiverHome has an available receiver with two open leads (one
// overdue, one scheduled and not accepted), one more unshown, and a week.
func receiverHome() *render.ReceiverHome {
	touched := claimed(14 * time.Second)
	touched.ID, touched.Lead.Company = 43, "Globex <Ltd>"
	later := scheduled()
	later.ID = 44
	return &render.ReceiverHome{
		Leads: []render.OpenLead{
			{Handoff: touched, Next: routing.Running{Clock: routing.ClockFirstTouch, DueAt: homeNow.Add(-time.Hour)}, NextOK: true},
			{Handoff: later, Next: routing.Running{Clock: routing.ClockFirstTouch, DueAt: later.ScheduledFor.Add(48 * time.Hour)}, NextOK: true},
		},
		MoreLeads: 1,
		Week: routing.ReceiverNumbers{
			Since: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), Until: homeNow,
			Claimed: 3, MedianToClaim: 22 * time.Second, Breaches: 1,
			Outcomes: map[routing.OutcomeKind]int{routing.OutcomeNoShow: 1, routing.OutcomeQualifiedSQL: 2},
		},
	}
}

// passed are a passer's recent handoffs, one in each state.
func passed() []routing.Handoff {
	open := openHandoff()
	open.ID, open.CreatedAt = 50, homeNow.Add(-2*time.Minute)
	won := claimed(14 * time.Second)
	won.Work.Outcome = routing.Outcome{Kind: routing.OutcomeDisqualified, Reason: routing.DisqualifyNoBudget, At: homeNow}
	won.Work.ClosedAt = homeNow
	touched := claimed(40 * time.Second)
	touched.Work.LastTouchAt = created.Add(time.Hour)
	cancelled := openHandoff()
	cancelled.State, cancelled.CancelledBy, cancelled.CancelReason = routing.StateCancelled, "U0SDR", "The prospect dropped off the call"
	return []routing.Handoff{open, won, touched, scheduled(), cancelled}
}

// team is the board of a pool with an available member, an away one, one
// capped, a waiting lead and a breached one.
func team() render.TeamBoard {
	waiting := openHandoff()
	breached := claimed(14 * time.Second)
	breached.Lead.Company = "Initech"
	breached.Work.Breaches = []routing.Breach{{Clock: routing.ClockFirstTouch, Owner: "U0AE1", BreachedAt: homeNow}}
	return render.TeamBoard{
		PoolBoard: routing.PoolBoard{Pool: "closers", Unclaimed: 1, Owned: 4, Breached: 1,
			OldestUnclaimed: []routing.Handoff{waiting}, OldestBreached: []routing.Handoff{breached}},
		Ranked: []routing.Candidate{
			{User: "U0AE1"},
			{User: "U0AE2", Availability: routing.Availability{Reason: routing.ReasonAway, Until: homeNow.Add(time.Hour)}},
			{User: "U0AE3", Availability: routing.Availability{Reason: routing.ReasonOpenCap}},
		},
	}
}

func TestGoldenHome(t *testing.T) {
	t.Parallel()
	for name, home := range map[string]render.Home{
		"home_empty":    {Now: homeNow},
		"home_receiver": {Now: homeNow, Receiver: receiverHome()},
		"home_receiver_idle": {Now: homeNow, Receiver: &render.ReceiverHome{
			AwayUntil: homeNow.Add(time.Hour), Week: routing.ReceiverNumbers{Since: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)}}},
		"home_passer":     {Now: homeNow, Passed: passed()},
		"home_manager":    {Now: homeNow, Teams: []render.TeamBoard{team()}},
		"home_all_roles":  {Now: homeNow, Receiver: receiverHome(), Passed: passed(), Teams: []render.TeamBoard{team(), {PoolBoard: routing.PoolBoard{Pool: "enterprise"}}}},
		"home_problem":    {Now: homeNow, Problem: true},
		"home_more_teams": {Now: homeNow, Teams: []render.TeamBoard{{PoolBoard: routing.PoolBoard{Pool: "enterprise"}, Ranked: []routing.Candidate{}}}, MoreTeams: 2},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := clock.HomeView(home)
			validHome(t, v)
			golden(t, name, v)
		})
	}
}

// TestHomeShowsEachRole: each role's section is there when the role is,
// and the availability button follows the state.
func TestHomeShowsEachRole(t *testing.T) {
	t.Parallel()
	all := validHome(t, clock.HomeView(render.Home{Now: homeNow, Receiver: receiverHome(), Passed: passed(), Teams: []render.TeamBoard{team()}}))
	for _, want := range []string{
		"home_away", "Your open leads (3)", "Overdue: first meaningful touch", "and 1 more", "claimed *3*", "*22 s*",
		"Your recent handoffs", "waiting for a claim", "claimed by <@U0AE1> in 14 s", "Disqualified — No budget", "cancelled: The prospect dropped off",
		"Team board — closers", "*Available now*: 1 of 3 — <@U0AE1>", "Open-lead cap reached: <@U0AE3>", "open SLA breaches *1*",
		"Globex &lt;Ltd&gt;",
	} {
		require.Contains(t, all, want)
	}
	require.NotContains(t, all, "Globex <Ltd>", "user text is escaped")
	none := validHome(t, clock.HomeView(render.Home{Now: homeNow}))
	for _, absent := range []string{"home_away", "Your open leads", "Your recent handoffs", "Team board"} {
		require.NotContains(t, none, absent)
	}
	require.Contains(t, none, "Nothing here yet")
	lapsed := validHome(t, clock.HomeView(render.Home{Now: homeNow, Receiver: &render.ReceiverHome{LapsedAway: true}}))
	require.Contains(t, lapsed, "home_back")
}

// TestHomeWithinLimits: the most a Home can be asked to show (ten leads,
// ten handoffs, more pools than it shows, long names, a thousand members)
// still fits Slack's 100 blocks and 3,000 characters a section.
func TestHomeWithinLimits(t *testing.T) {
	t.Parallel()
	r := receiverHome()
	long := strings.Repeat("<&>", 200)
	for len(r.Leads) < 10 {
		l := r.Leads[0]
		l.Handoff.Lead.Company, l.Handoff.Lead.ContactName = long, long
		r.Leads = append(r.Leads, l)
	}
	var handoffs []routing.Handoff
	for range 10 {
		h := passed()[4]
		h.Lead.Company, h.CancelReason = long, long
		handoffs = append(handoffs, h)
	}
	var teams []render.TeamBoard
	for i := range 20 {
		tb := team()
		tb.Pool = fmt.Sprintf("%s%d", strings.Repeat("p", 300), i)
		for j := range 1000 {
			tb.Ranked = append(tb.Ranked, routing.Candidate{User: fmt.Sprintf("U%05d", j)})
		}
		for range 5 {
			tb.OldestUnclaimed = append(tb.OldestUnclaimed, handoffs[0])
			tb.OldestBreached = append(tb.OldestBreached, handoffs[0])
		}
		teams = append(teams, tb)
	}
	v := clock.HomeView(render.Home{Now: homeNow, Receiver: r, Passed: handoffs, Teams: teams})
	all := validHome(t, v)
	require.Contains(t, all, fmt.Sprintf("and %d more pools you manage", 20-render.MaxHomeTeams))
	for _, b := range v.Blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			require.LessOrEqual(t, len([]rune(s.Text.Text)), render.MaxSectionText)
		}
	}
}
