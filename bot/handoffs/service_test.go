package handoffs_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/handoffs/handoffstest"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestCreate(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)

	bad := handoffstest.Form("Acme Corp")
	bad.Lead.Company = ""
	c, err := b.Service.Create(b.Ctx, handoffs.Submission{ViewID: "V0", User: "U0SDR", Form: bad})
	require.NoError(t, err)
	require.Contains(t, c.Problems, routing.FieldCompany, "a missing company is a field to fix")
	require.Zero(t, c.Handoff.ID, "nothing stored")
	require.Empty(t, b.Committed.C(), "nothing committed, nothing for the outbox")

	h := b.Create(t, "V1", "Acme Corp")
	require.Len(t, b.Committed.C(), 1, "the outbox is told")
	require.Len(t, b.Deadlines.C(), 1, "the sweeper is told of the new deadline")
	require.Equal(t, routing.StateOpen, h.State)
	require.Equal(t, "closers", h.Pool)
	require.Equal(t, []routing.EventKind{routing.EventCreated}, b.Events(t, h.ID))

	again, err := b.Service.Create(b.Ctx, handoffs.Submission{ViewID: "V1", User: "U0SDR", Form: handoffstest.Form("Acme Corp")})
	require.NoError(t, err)
	require.False(t, again.New, "a double submit stores nothing twice")
	require.Equal(t, h.ID, again.Handoff.ID)

	_, err = b.Service.Create(b.Ctx, handoffs.Submission{ViewID: "V2", User: "U0SDR", Checklist: "gone", Form: handoffstest.Form("Acme Corp")})
	require.ErrorIs(t, err, handoffs.ErrChecklistGone)
}

func TestCreateOffersLaterWhenAGateIsUnmet(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	f := handoffstest.Form("Small Co")
	f.Answers["employees"] = routing.RawAnswer{Text: "3"}
	c, err := b.Service.Create(b.Ctx, handoffs.Submission{ViewID: "V1", User: "U0SDR", Form: f})
	require.NoError(t, err)
	require.NotNil(t, c.Later, "a live transfer the gates refuse is offered for later")
	require.NotEmpty(t, c.Later.Unmet)
	require.Zero(t, c.Handoff.ID)
}

func TestClaimOneWinner(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	h := b.Create(t, "V1", "Acme Corp")

	click := func(user string) (routing.Handoff, error) {
		return b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: user, Channel: h.Channel})
	}
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i, user := range b.Pool.Members {
		wg.Go(func() { _, results[i] = click(user) })
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		if err == nil {
			won++
			continue
		}
		var refused *handoffs.ClaimRefused
		require.ErrorAs(t, err, &refused)
		require.Equal(t, routing.RefusedAlreadyClaimed, refused.Code)
	}
	require.Equal(t, 1, won, "exactly one of two simultaneous clicks wins")
	require.Contains(t, b.Events(t, h.ID), routing.EventClaimed)

	_, err := click("U0STRANGER")
	var refused *handoffs.ClaimRefused
	require.ErrorAs(t, err, &refused, "a stranger is told, not allowed")

	_, err = b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: "C0ELSEWHERE"})
	require.ErrorIs(t, err, routing.ErrNotFound, "a button on another channel's message names no handoff there")
	_, err = b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID + 1000, User: "U0AE1", Channel: h.Channel})
	require.ErrorIs(t, err, routing.ErrNotFound)
}

func TestMayIsAPredicate(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	h := b.Create(t, "V1", "Acme Corp")

	_, err := b.Service.May(b.Ctx, h.ID, "U0SDR", handoffs.ActionCancel)
	require.NoError(t, err, "the passer may cancel an open handoff")
	_, err = b.Service.May(b.Ctx, h.ID, "U0AE1", handoffs.ActionCancel)
	var refusal *routing.Refusal
	require.ErrorAs(t, err, &refusal)
	require.Equal(t, routing.RefusedNotPasser, refusal.Code)
	_, err = b.Service.May(b.Ctx, h.ID, "U0AE1", handoffs.ActionLogTouch)
	require.ErrorAs(t, err, &refusal, "nobody owns it yet")
	require.Equal(t, []routing.EventKind{routing.EventCreated}, b.Events(t, h.ID), "asking changes nothing")

	_, err = b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: h.Channel})
	require.NoError(t, err)
	_, err = b.Service.May(b.Ctx, h.ID, "U0AE1", handoffs.ActionLogTouch)
	require.NoError(t, err, "the owner may log work")
	_, err = b.Service.May(b.Ctx, h.ID, "U0AE2", handoffs.ActionReassign)
	require.ErrorAs(t, err, &refusal)
	require.Equal(t, routing.RefusedFrozen, refusal.Code, "another member may take it over only after the freeze")
	_, err = b.Service.May(b.Ctx, h.ID, "U0BOSS", handoffs.ActionReassign)
	require.NoError(t, err, "a manager may reassign at any time")
}

func TestActionsStoreOneChangeEach(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	h := b.Create(t, "V1", "Acme Corp")
	_, err := b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: h.Channel})
	require.NoError(t, err)

	require.NoError(t, b.Service.LogTouch(b.Ctx, h.ID, "U0AE1", routing.TouchInput{Kind: routing.TouchCallAttempted}))
	require.NoError(t, b.Service.LogOutcome(b.Ctx, h.ID, "U0AE1", routing.OutcomeInput{Kind: routing.OutcomeConnected}))
	err = b.Service.LogOutcome(b.Ctx, h.ID, "U0AE2", routing.OutcomeInput{Kind: routing.OutcomeConnected})
	var refusal *routing.Refusal
	require.ErrorAs(t, err, &refusal, "only the owner or a manager logs work")
	require.NoError(t, b.Service.Reassign(b.Ctx, h.ID, "U0BOSS", routing.ReassignInput{Reason: routing.ReassignOther, Note: "cover", To: "U0AE2"}))

	got, err := b.Service.Handoff(b.Ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, "U0AE2", got.OwnerID)
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventClaimed, routing.EventTouchLogged,
		routing.EventOutcomeLogged, routing.EventReassigned}, b.Events(t, h.ID))

	other := b.Create(t, "V2", "Other Co")
	require.NoError(t, b.Service.Cancel(b.Ctx, other.ID, "U0SDR", "prospect dropped off"))
	got, err = b.Service.Handoff(b.Ctx, other.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateCancelled, got.State)
}

func TestFireDueRunsTheLadder(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	h := b.Create(t, "V1", "Acme Corp")
	h = b.Post(t, h.ID)

	fired, err := b.Service.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Zero(t, fired, "nothing is due inside the claim window")
	next, ok, err := b.Service.NextDeadline(b.Ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, next.Equal(h.NextStepAt), "the next deadline is the first rung")

	b.Clock.Add(h.NextStepAt.Sub(b.Clock.Now()))
	fired, err = b.Service.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, 1, fired, "the first rung fires at its deadline")
	fired, err = b.Service.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Zero(t, fired, "and once")
	require.Contains(t, b.Events(t, h.ID), routing.EventEscalated)
}

// TestFireDueWaitsForThePost: before its post is out a lead's ladder is not
// due; the passer is told once that the post is queued; the window then
// runs from the post. A lead never posted has its window started at the
// end of the post grace, and its ladder runs without re-pings.
func TestFireDueWaitsForThePost(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	created := b.Clock.Now()
	late := b.Create(t, "V1", "Late Co")
	never := b.Create(t, "V2", "Never Co")
	next, _, err := b.Service.NextDeadline(b.Ctx)
	require.NoError(t, err)
	require.True(t, next.Equal(created.Add(routing.DefaultPostDelayNotice)), "the wait for the posts, not the ladder")

	b.Clock.Add(routing.DefaultPostDelayNotice)
	fired, err := b.Service.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, 2, fired, "both passers are told")
	b.Clock.Add(time.Minute)
	fired, err = b.Service.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Zero(t, fired, "no window runs before the post, so no ladder")

	posted := b.Clock.Now()
	h := b.Post(t, late.ID)
	require.True(t, h.ClaimDeadline.Equal(posted.Add(time.Minute)), "the window runs from the post")
	b.Clock.Add(time.Minute)
	fired, err = b.Service.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, 2, fired, "the late lead's first rung; the other's grace ends")
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPostDelayed, routing.EventPosted, routing.EventEscalated}, b.Events(t, late.ID))
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventPostDelayed, routing.EventWindowStarted}, b.Events(t, never.ID))

	for range 4 {
		b.Clock.Add(time.Minute)
		_, err = b.Service.FireDue(b.Ctx)
		require.NoError(t, err)
	}
	h, err = b.Service.Handoff(b.Ctx, never.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateScheduled, h.State, "a lead never posted still gets an owner")
	count := func(id int64, kind routing.NoticeKind) (n int) {
		require.NoError(t, b.DB.QueryRow(b.Ctx, `SELECT count(*) FROM outbox WHERE handoff_id = $1 AND kind = $2`, id, kind).Scan(&n))
		return n
	}
	require.Equal(t, 1, count(never.ID, routing.NoticePasserQueued))
	require.Zero(t, count(never.ID, routing.NoticeReping), "no re-ping without a post")
	require.Equal(t, 1, count(late.ID, routing.NoticeReping))
}

func TestJobsRunOncePerTick(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	tick := b.Clock.Now().Truncate(time.Hour)
	for range 2 {
		require.NoError(t, b.Service.QueueDigest(b.Ctx, tick))
		require.NoError(t, b.Service.SweepSLA(b.Ctx, tick))
	}
	runs, err := b.Store.JobRuns(b.Ctx, handoffs.JobDigest)
	require.NoError(t, err)
	require.Equal(t, 1, runs, "a tick's digest is queued once")
	runs, err = b.Store.JobRuns(b.Ctx, handoffs.JobSLASweep)
	require.NoError(t, err)
	require.Equal(t, 1, runs)
}

func TestSetAvailability(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	require.NoError(t, b.Service.SetAvailability(b.Ctx, "U0AE1", b.Clock.Now().Add(time.Hour)))
	state, err := b.Service.MemberState(b.Ctx, b.Pool, "U0AE1")
	require.NoError(t, err)
	require.Equal(t, routing.ReasonAway, b.Pool.Availability(state, b.Clock.Now()).Reason)
	require.NoError(t, b.Service.SetAvailability(b.Ctx, "U0AE1", time.Time{}))
	state, err = b.Service.MemberState(b.Ctx, b.Pool, "U0AE1")
	require.NoError(t, err)
	require.True(t, b.Pool.Availability(state, b.Clock.Now()).Available())
}

// TestSkewedReplicaFiresNothingEarly: a replica whose clock runs 35 s
// ahead, deciding due deadlines by the database's clock, fires no rung
// before the database says it is due, and stamps the rung it fires with
// the database's time, not its own.
func TestSkewedReplicaFiresNothingEarly(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	h := b.Create(t, "V1", "Acme Corp")
	b.Post(t, h.ID)
	const skew = 35 * time.Second
	skewed := handoffs.New(handoffs.Config{Store: b.Store, Policy: b.Service.Policy(), Log: zerolog.Nop(),
		Now: func() time.Time { return time.Now().Add(skew) }, DueByDatabase: true})

	_, err := b.DB.Exec(b.Ctx, `UPDATE handoffs SET claim_deadline = now() + interval '30 seconds', next_step_at = now() + interval '30 seconds' WHERE id = $1`, h.ID)
	require.NoError(t, err)
	fired, err := skewed.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Zero(t, fired, "due in 30 s by the database: the replica 35 s ahead waits")

	_, err = b.DB.Exec(b.Ctx, `UPDATE handoffs SET claim_deadline = now(), next_step_at = now() WHERE id = $1`, h.ID)
	require.NoError(t, err)
	fired, err = skewed.FireDue(b.Ctx)
	require.NoError(t, err)
	require.Equal(t, 1, fired, "the first rung fires once due by the database")
	var dbNow time.Time
	require.NoError(t, b.DB.QueryRow(b.Ctx, `SELECT clock_timestamp()`).Scan(&dbNow))
	events, err := b.Store.Events(b.Ctx, h.ID)
	require.NoError(t, err)
	last := events[len(events)-1]
	require.Equal(t, routing.EventEscalated, last.Kind)
	require.False(t, last.At.After(dbNow), "stamped with the database's time (%s), not the replica's (%s)", last.At, dbNow.Add(skew))
}
