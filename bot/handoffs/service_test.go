package handoffs_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/wakeup"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// bundle is what a test of the service works with: the service on a
// database of its own, its store, its clock and the signals it sends.
type bundle struct {
	ctx       context.Context
	svc       *handoffs.Service
	store     *store.Store
	clock     *testClock
	pool      routing.Pool
	committed *wakeup.Signal
	deadlines *wakeup.Signal
}

func setup(t *testing.T) bundle {
	t.Helper()
	_, db := storetest.NewDatabase(t)
	checklist, ok := routing.Template(routing.DefaultTemplate)
	require.True(t, ok)
	pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: []string{"U0AE1", "U0AE2"}, Managers: []string{"U0BOSS"}}
	policy := routing.Policy{Pools: []routing.Pool{pool}, SLA: routing.DefaultSLA(), Checklist: checklist, Location: time.UTC,
		Digest: routing.Digest{Channel: "C0DIGEST"}}
	b := bundle{
		ctx:       context.Background(),
		store:     store.New(db),
		clock:     &testClock{now: time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)},
		pool:      pool,
		committed: wakeup.New(),
		deadlines: wakeup.New(),
	}
	b.svc = handoffs.New(handoffs.Config{Store: b.store, Policy: policy, Log: zerolog.Nop(), Now: b.clock.Now,
		Committed: b.committed, DeadlineSet: b.deadlines, Replica: "test"})
	return b
}

// form is a form that passes the default checklist's live-transfer gates.
func form(company string) routing.Form {
	return routing.Form{
		Lead: routing.Lead{Company: company, ContactName: "Dana Reyes", Phone: "+1 415 555 0100", Email: "dana@acme.example",
			Notes: "600 seats", Consent: true},
		Answers: map[string]routing.RawAnswer{
			"crm": {Text: "Salesforce"}, "employees": {Text: "600"}, "industry": {Text: "E-commerce"}, "decision_maker_level": {Text: "VP"},
		},
		Live: true,
	}
}

// create stores a live handoff and drains the signals it sent.
func (b bundle) create(t *testing.T, view, company string) routing.Handoff {
	t.Helper()
	c, err := b.svc.Create(b.ctx, handoffs.Submission{ViewID: view, User: "U0SDR", Form: form(company)})
	require.NoError(t, err)
	require.Empty(t, c.Problems)
	require.Nil(t, c.Later)
	require.True(t, c.New)
	<-b.committed.C()
	<-b.deadlines.C()
	return c.Handoff
}

func (b bundle) events(t *testing.T, id int64) []routing.EventKind {
	t.Helper()
	events, err := b.store.Events(b.ctx, id)
	require.NoError(t, err)
	var kinds []routing.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

func TestCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)

	bad := form("Acme Corp")
	bad.Lead.Company = ""
	c, err := b.svc.Create(b.ctx, handoffs.Submission{ViewID: "V0", User: "U0SDR", Form: bad})
	require.NoError(t, err)
	require.Contains(t, c.Problems, routing.FieldCompany, "a missing company is a field to fix")
	require.Zero(t, c.Handoff.ID, "nothing stored")
	require.Empty(t, b.committed.C(), "nothing committed, nothing for the outbox")

	h := b.create(t, "V1", "Acme Corp")
	require.Equal(t, routing.StateOpen, h.State)
	require.Equal(t, "closers", h.Pool)
	require.Equal(t, []routing.EventKind{routing.EventCreated}, b.events(t, h.ID))

	again, err := b.svc.Create(b.ctx, handoffs.Submission{ViewID: "V1", User: "U0SDR", Form: form("Acme Corp")})
	require.NoError(t, err)
	require.False(t, again.New, "a double submit stores nothing twice")
	require.Equal(t, h.ID, again.Handoff.ID)

	_, err = b.svc.Create(b.ctx, handoffs.Submission{ViewID: "V2", User: "U0SDR", Checklist: "gone", Form: form("Acme Corp")})
	require.ErrorIs(t, err, handoffs.ErrChecklistGone)
}

func TestCreateOffersLaterWhenAGateIsUnmet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := form("Small Co")
	f.Answers["employees"] = routing.RawAnswer{Text: "3"}
	c, err := b.svc.Create(b.ctx, handoffs.Submission{ViewID: "V1", User: "U0SDR", Form: f})
	require.NoError(t, err)
	require.NotNil(t, c.Later, "a live transfer the gates refuse is offered for later")
	require.NotEmpty(t, c.Later.Unmet)
	require.Zero(t, c.Handoff.ID)
}

func TestClaimOneWinner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.create(t, "V1", "Acme Corp")

	click := func(user string) (routing.Handoff, error) {
		return b.svc.Claim(b.ctx, handoffs.Click{HandoffID: h.ID, User: user, Channel: h.Channel})
	}
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i, user := range b.pool.Members {
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
	require.Contains(t, b.events(t, h.ID), routing.EventClaimed)

	_, err := click("U0STRANGER")
	var refused *handoffs.ClaimRefused
	require.ErrorAs(t, err, &refused, "a stranger is told, not allowed")

	_, err = b.svc.Claim(b.ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: "C0ELSEWHERE"})
	require.ErrorIs(t, err, routing.ErrNotFound, "a button on another channel's message names no handoff there")
	_, err = b.svc.Claim(b.ctx, handoffs.Click{HandoffID: h.ID + 1000, User: "U0AE1", Channel: h.Channel})
	require.ErrorIs(t, err, routing.ErrNotFound)
}

func TestMayIsAPredicate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.create(t, "V1", "Acme Corp")

	_, err := b.svc.May(b.ctx, h.ID, "U0SDR", handoffs.ActionCancel)
	require.NoError(t, err, "the passer may cancel an open handoff")
	_, err = b.svc.May(b.ctx, h.ID, "U0AE1", handoffs.ActionCancel)
	var refusal *routing.Refusal
	require.ErrorAs(t, err, &refusal)
	require.Equal(t, routing.RefusedNotPasser, refusal.Code)
	_, err = b.svc.May(b.ctx, h.ID, "U0AE1", handoffs.ActionLogTouch)
	require.ErrorAs(t, err, &refusal, "nobody owns it yet")
	require.Equal(t, []routing.EventKind{routing.EventCreated}, b.events(t, h.ID), "asking changes nothing")

	_, err = b.svc.Claim(b.ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: h.Channel})
	require.NoError(t, err)
	_, err = b.svc.May(b.ctx, h.ID, "U0AE1", handoffs.ActionLogTouch)
	require.NoError(t, err, "the owner may log work")
	_, err = b.svc.May(b.ctx, h.ID, "U0AE2", handoffs.ActionReassign)
	require.ErrorAs(t, err, &refusal)
	require.Equal(t, routing.RefusedFrozen, refusal.Code, "another member may take it over only after the freeze")
	_, err = b.svc.May(b.ctx, h.ID, "U0BOSS", handoffs.ActionReassign)
	require.NoError(t, err, "a manager may reassign at any time")
}

func TestActionsStoreOneChangeEach(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.create(t, "V1", "Acme Corp")
	_, err := b.svc.Claim(b.ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: h.Channel})
	require.NoError(t, err)

	require.NoError(t, b.svc.LogTouch(b.ctx, h.ID, "U0AE1", routing.TouchInput{Kind: routing.TouchCallAttempted}))
	require.NoError(t, b.svc.LogOutcome(b.ctx, h.ID, "U0AE1", routing.OutcomeInput{Kind: routing.OutcomeConnected}))
	err = b.svc.LogOutcome(b.ctx, h.ID, "U0AE2", routing.OutcomeInput{Kind: routing.OutcomeConnected})
	var refusal *routing.Refusal
	require.ErrorAs(t, err, &refusal, "only the owner or a manager logs work")
	require.NoError(t, b.svc.Reassign(b.ctx, h.ID, "U0BOSS", routing.ReassignInput{Reason: routing.ReassignOther, Note: "cover", To: "U0AE2"}))

	got, err := b.svc.Handoff(b.ctx, h.ID)
	require.NoError(t, err)
	require.Equal(t, "U0AE2", got.OwnerID)
	require.Equal(t, []routing.EventKind{routing.EventCreated, routing.EventClaimed, routing.EventTouchLogged,
		routing.EventOutcomeLogged, routing.EventReassigned}, b.events(t, h.ID))

	other := b.create(t, "V2", "Other Co")
	require.NoError(t, b.svc.Cancel(b.ctx, other.ID, "U0SDR", "prospect dropped off"))
	got, err = b.svc.Handoff(b.ctx, other.ID)
	require.NoError(t, err)
	require.Equal(t, routing.StateCancelled, got.State)
}

func TestFireDueRunsTheLadder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.create(t, "V1", "Acme Corp")

	fired, err := b.svc.FireDue(b.ctx)
	require.NoError(t, err)
	require.Zero(t, fired, "nothing is due inside the claim window")
	next, ok, err := b.svc.NextDeadline(b.ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, next.Equal(h.NextStepAt), "the next deadline is the first rung")

	b.clock.Add(h.NextStepAt.Sub(b.clock.Now()))
	fired, err = b.svc.FireDue(b.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, fired, "the first rung fires at its deadline")
	fired, err = b.svc.FireDue(b.ctx)
	require.NoError(t, err)
	require.Zero(t, fired, "and once")
	require.Contains(t, b.events(t, h.ID), routing.EventEscalated)
}

func TestJobsRunOncePerTick(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tick := b.clock.Now().Truncate(time.Hour)
	for range 2 {
		require.NoError(t, b.svc.QueueDigest(b.ctx, tick))
		require.NoError(t, b.svc.SweepSLA(b.ctx, tick))
	}
	runs, err := b.store.JobRuns(b.ctx, handoffs.JobDigest)
	require.NoError(t, err)
	require.Equal(t, 1, runs, "a tick's digest is queued once")
	runs, err = b.store.JobRuns(b.ctx, handoffs.JobSLASweep)
	require.NoError(t, err)
	require.Equal(t, 1, runs)
}

func TestSetAvailability(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.svc.SetAvailability(b.ctx, "U0AE1", b.clock.Now().Add(time.Hour)))
	state, err := b.svc.MemberState(b.ctx, b.pool, "U0AE1")
	require.NoError(t, err)
	require.Equal(t, routing.ReasonAway, b.pool.Availability(state, b.clock.Now()).Reason)
	require.NoError(t, b.svc.SetAvailability(b.ctx, "U0AE1", time.Time{}))
	state, err = b.svc.MemberState(b.ctx, b.pool, "U0AE1")
	require.NoError(t, err)
	require.True(t, b.pool.Availability(state, b.clock.Now()).Available())
}
