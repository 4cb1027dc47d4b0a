package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

// sla is a policy with managers and short clocks.
func (b bundle) sla() (routing.Pool, routing.SLA) {
	pool := b.pool
	pool.Managers = []string{"UMGR"}
	s := routing.DefaultSLA()
	s.FirstTouch, s.OutcomeDue, s.ManagerGrace = time.Hour, 24*time.Hour, time.Hour
	return pool, s
}

// claimedAt creates a handoff and lets user claim it at at.
func (b bundle) claimedAt(t *testing.T, key, user string, at time.Time) routing.Handoff {
	t.Helper()
	h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff(key))
	require.NoError(t, err)
	h, won, err := b.store.Claim(b.ctx, h.ID, user, at)
	require.NoError(t, err)
	require.True(t, won)
	return h
}

// TestSLASweepRecordsEachBreachOnce: concurrent sweepers past the deadline
// record one breach, one event, one DM; the next look is set to the end of
// the grace, where the manager is alerted once.
func TestSLASweepRecordsEachBreachOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pool, s := b.sla()
	h := b.claimedAt(t, "V1", "U1", b.now)
	require.True(t, h.Work.OwnerSince.Equal(b.now), "the owner's clocks start at the claim")
	require.True(t, h.Work.SLADueAt.Equal(b.now), "and the sweep looks at it at once")

	check := func(at time.Time) func(routing.Handoff, time.Time) (routing.Change, error) {
		return func(h routing.Handoff, _ time.Time) (routing.Change, error) {
			return routing.CheckSLA(h, pool, s, at), nil
		}
	}
	// The first look only sets the deadline.
	changes, err := b.store.SweepSLA(b.ctx, b.now, 10, check(b.now))
	require.NoError(t, err)
	require.Empty(t, changes)
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.True(t, h.Work.SLADueAt.Equal(b.now.Add(time.Hour)), "due with the first touch")

	sweepAll := func(at time.Time) int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		n := 0
		for range 10 {
			wg.Go(func() {
				changes, err := b.store.SweepSLA(b.ctx, at, 10, check(at))
				assert.NoError(t, err)
				mu.Lock()
				n += len(changes)
				mu.Unlock()
			})
		}
		wg.Wait()
		return n
	}
	breach := b.now.Add(61 * time.Minute)
	require.Equal(t, 1, sweepAll(breach))
	require.Equal(t, 0, sweepAll(breach.Add(time.Minute)), "nothing new before the grace ends")
	require.Equal(t, 1, sweepAll(breach.Add(2*time.Hour)), "the manager alert")
	require.Equal(t, 0, sweepAll(breach.Add(3*time.Hour)))

	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Len(t, h.Work.Breaches, 1)
	require.Equal(t, routing.ClockFirstTouch, h.Work.Breaches[0].Clock)
	require.False(t, h.Work.Breaches[0].ManagerAlertedAt.IsZero())
	kinds := b.kinds(t, h.ID)
	require.Equal(t, 1, countKind(kinds, routing.EventSLABreached))
	require.Equal(t, 1, countKind(kinds, routing.EventSLAEscalate))
	var dms, alerts int
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT count(*) FILTER (WHERE kind = 'sla_breach'), count(*) FILTER (WHERE kind = 'sla_manager_alert') FROM outbox WHERE handoff_id = $1`, h.ID).Scan(&dms, &alerts))
	require.Equal(t, 1, dms)
	require.Equal(t, 1, alerts)
	var open []string
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT open_breaches FROM handoffs WHERE id = $1`, h.ID).Scan(&open))
	require.Equal(t, []string{"first_touch"}, open)

	// The work clears both; the row keeps the history.
	at := breach.Add(4 * time.Hour)
	_, err = b.store.Apply(b.ctx, h.ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
		return routing.LogOutcome(h, pool, s, "U1", routing.OutcomeInput{Kind: routing.OutcomeQualifiedSQL}, at)
	})
	require.NoError(t, err)
	require.NoError(t, b.db.QueryRow(b.ctx, `SELECT open_breaches FROM handoffs WHERE id = $1`, h.ID).Scan(&open))
	require.Empty(t, open)
	h, err = b.store.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Len(t, h.Work.Breaches, 1)
	require.False(t, h.Work.Breaches[0].Open())
	require.True(t, h.Work.SLADueAt.IsZero())
	require.Equal(t, routing.OutcomeQualifiedSQL, h.Work.Outcome.Kind)
	require.True(t, h.Work.ClosedAt.Equal(at))
}

func countKind(kinds []routing.EventKind, k routing.EventKind) int {
	n := 0
	for _, x := range kinds {
		if x == k {
			n++
		}
	}
	return n
}

// TestStuckLeads seeds leads in every situation through the store's own
// transitions and checks that the digest lists each in its section, with
// the totals and the oldest first.
func TestStuckLeads(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pool, s := b.sla()
	apply := func(id int64, at time.Time, decide func(h routing.Handoff) (routing.Change, error)) {
		t.Helper()
		_, err := b.store.Apply(b.ctx, id, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) { return decide(h) })
		require.NoError(t, err)
	}
	sweep := func(at time.Time) {
		t.Helper()
		_, err := b.store.SweepSLA(b.ctx, at, 100, func(h routing.Handoff, _ time.Time) (routing.Change, error) {
			return routing.CheckSLA(h, pool, s, at), nil
		})
		require.NoError(t, err)
	}
	var ids []int64
	key := 0
	next := func() string { key++; return fmt.Sprintf("V%d", key) }
	// Open, waiting for a claim.
	for range 3 {
		h, _, err := b.store.CreateHandoff(b.ctx, b.newHandoff(next()))
		require.NoError(t, err)
		ids = append(ids, h.ID)
	}
	// Missed, owner not accepted; and one accepted (then untouched).
	var accepted int64
	for i := range 2 {
		h := b.createPosted(t, b.newHandoff(next()))
		h.Escalation.Rungs = h.Escalation.Rungs[len(h.Escalation.Rungs)-1:]
		h.Rung = 0
		apply(h.ID, b.now, func(cur routing.Handoff) (routing.Change, error) {
			cur.Escalation, cur.Rung = h.Escalation, 0
			return routing.Escalate(cur, pool, nil, b.now.Add(3*time.Minute))
		})
		if i == 1 {
			apply(h.ID, b.now, func(cur routing.Handoff) (routing.Change, error) {
				c, _, err := routing.Accept(cur, cur.OwnerID, b.now.Add(4*time.Minute))
				return c, err
			})
			accepted = h.ID
		}
		ids = append(ids, h.ID)
	}
	// Claimed: untouched (will breach), touched (outcome breach later), no-show, closed.
	untouched := b.claimedAt(t, next(), "U1", b.now)
	touched := b.claimedAt(t, next(), "U2", b.now)
	noShow := b.claimedAt(t, next(), "U1", b.now)
	closed := b.claimedAt(t, next(), "U2", b.now)
	ids = append(ids, untouched.ID, touched.ID, noShow.ID, closed.ID)
	apply(touched.ID, b.now, func(h routing.Handoff) (routing.Change, error) {
		return routing.LogTouch(h, pool, s, "U2", routing.TouchInput{Kind: routing.TouchCallAttempted}, b.now.Add(10*time.Minute))
	})
	apply(noShow.ID, b.now, func(h routing.Handoff) (routing.Change, error) {
		return routing.LogOutcome(h, pool, s, "U1", routing.OutcomeInput{Kind: routing.OutcomeNoShow}, b.now.Add(10*time.Minute))
	})
	apply(closed.ID, b.now, func(h routing.Handoff) (routing.Change, error) {
		return routing.LogOutcome(h, pool, s, "U2", routing.OutcomeInput{Kind: routing.OutcomeDisqualified, Reason: routing.DisqualifyNoBudget}, b.now.Add(10*time.Minute))
	})
	at := b.now.Add(25 * time.Hour)
	sweep(b.now)
	sweep(at)

	want := map[routing.DigestSection][]int64{
		routing.SectionUnclaimed: ids[:4], // three open, one missed not accepted
		routing.SectionUntouched: {accepted, untouched.ID},
		routing.SectionNoOutcome: {touched.ID},
		routing.SectionNoShow:    {noShow.ID},
	}
	for _, id := range ids {
		var in []routing.DigestSection
		for sec, of := range want {
			if slices.Contains(of, id) {
				in = append(in, sec)
			}
		}
		got, err := b.store.SectionsOf(b.ctx, id)
		require.NoError(t, err)
		require.Equal(t, in, got, "handoff %d", id)
	}

	stuck, err := b.store.StuckLeads(b.ctx, at, 2)
	require.NoError(t, err)
	require.Len(t, stuck.Sections, len(routing.DigestSections))
	for _, sec := range stuck.Sections {
		require.Equal(t, len(want[sec.Section]), sec.Total, "%s total", sec.Section)
		var got []int64
		for _, h := range sec.Leads {
			got = append(got, h.ID)
		}
		require.Equal(t, want[sec.Section][:min(2, len(want[sec.Section]))], got, "%s: the oldest first, at most 2", sec.Section)
	}
	require.Equal(t, 8, stuck.Total())
}

// TestDigestRunKey: one digest per tick however many replicas enqueue it.
func TestDigestRunKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tick := b.now.Truncate(time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for i := range 10 {
		wg.Go(func() {
			first, err := b.store.EnqueueDigest(b.ctx, "digest", tick, b.now, fmt.Sprintf("replica-%d", i), "C0DIGEST")
			assert.NoError(t, err)
			if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, firsts)
	notices, err := b.store.LeaseNotices(b.ctx, b.now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, notices, 1)
	require.Equal(t, routing.NoticeDigest, notices[0].Kind)
	require.Equal(t, "C0DIGEST", notices[0].Recipient)
	require.Equal(t, tick.UTC().Format(time.RFC3339), notices[0].Detail["tick"])

	last, ok, err := b.store.LastRun(b.ctx, "digest")
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, last.Equal(tick))
	_, ok, err = b.store.LastRun(b.ctx, "sla_sweep")
	require.NoError(t, err)
	require.False(t, ok)

	first, err := b.store.StartRun(b.ctx, "sla_sweep", tick, b.now, "r")
	require.NoError(t, err)
	require.True(t, first)
	first, err = b.store.StartRun(b.ctx, "sla_sweep", tick, b.now, "r2")
	require.NoError(t, err)
	require.False(t, first)
	require.NoError(t, b.store.PruneRuns(b.ctx, tick.Add(time.Second)))
	n, err := b.store.JobRuns(b.ctx, "digest")
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestBadFitIsCreditedBack: a lead disqualified as a bad fit stops counting
// for its owner's fairness; a final outcome stops counting against the
// open-lead cap; bad timing keeps counting.
func TestBadFitIsCreditedBack(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pool, s := b.sla()
	leads := []routing.Handoff{b.claimedAt(t, "V1", "U1", b.now), b.claimedAt(t, "V2", "U1", b.now), b.claimedAt(t, "V3", "U1", b.now)}
	states := func() routing.MemberState {
		t.Helper()
		got, err := b.store.MemberStates(b.ctx, pool.Name, pool.Members, b.now.Add(-time.Hour), b.now.Add(-time.Hour))
		require.NoError(t, err)
		for _, m := range got {
			if m.User == "U1" {
				return m
			}
		}
		t.Fatal("U1 has no state")
		return routing.MemberState{}
	}
	require.Equal(t, 3, states().Assigned)
	require.Equal(t, 3, states().Open)
	for i, reason := range []routing.DisqualifyReason{routing.DisqualifyWrongTitle, routing.DisqualifyBadTiming} {
		_, err := b.store.Apply(b.ctx, leads[i].ID, func(h routing.Handoff, _ routing.Loads) (routing.Change, error) {
			return routing.LogOutcome(h, pool, s, "U1", routing.OutcomeInput{Kind: routing.OutcomeDisqualified, Reason: reason}, b.now.Add(time.Minute))
		})
		require.NoError(t, err)
	}
	got := states()
	require.Equal(t, 2, got.Assigned, "the wrong title is credited back; bad timing is not")
	require.Equal(t, 1, got.Open, "closed leads are not open")
}

// TestStuckLeadsCountsFromTheirIndexes holds store/sla.go's section
// conditions and their partial indexes (migration 0009) together: if one is
// edited without the other, PostgreSQL can no longer prove the index holds
// the section, and the digest's count reads the whole table again (a
// second at 1 M handoffs). Sequential scans are disabled so that the plan
// shows what the planner may use, not what is cheapest on an empty table.
func TestStuckLeadsCountsFromTheirIndexes(t *testing.T) {
	t.Parallel()
	_, db := storetest.NewDatabase(t)
	ctx := context.Background()
	conn, err := db.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `SET enable_seqscan = off`)
	require.NoError(t, err)
	require.Len(t, store.DigestSectionSQL, len(routing.DigestSections))
	for _, section := range routing.DigestSections {
		require.NotEmpty(t, store.DigestSectionIndex[section], "section %s has its index", section)
		rows, err := conn.Query(ctx, `EXPLAIN SELECT count(*) FROM handoffs WHERE `+store.DigestSectionSQL[section])
		require.NoError(t, err)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		plan := strings.Join(lines, "\n")
		require.Contains(t, plan, "Index Only Scan using "+store.DigestSectionIndex[section], "section %s:\n%s", section, plan)
		require.NotContains(t, plan, "Filter", "section %s: the index holds the whole condition:\n%s", section, plan)
	}
}
