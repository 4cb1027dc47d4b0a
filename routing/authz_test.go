package routing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/routing"
)

// TestAuthorizationMatrix tries every action on a handoff by every role
// and checks who may and who is refused, with the decisions the store runs
// on the locked row. The roles: the passer, an eligible member, someone
// outside the pool, the pool's manager, a member who is away, the owner,
// and a previous owner (who handed the lead back). "yes" is allowed; every
// "no" must be a typed refusal, never a change.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)
	const (
		passer, member, outsider, manager, away, owner, previous = "UPASS", "UMEMBER", "UOUT", "UMGR", "UAWAY", "UOWNER", "UPREV"
	)
	roles := []string{passer, member, outsider, manager, away, owner, previous}
	pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: []string{member, away, owner, previous}, Managers: []string{manager}}
	sla := routing.DefaultSLA()
	state := func(user string) routing.MemberState {
		s := routing.MemberState{User: user}
		if user == away {
			s.AwayUntil = now.Add(time.Hour)
		}
		return s
	}
	states := []routing.MemberState{state(member), state(away), state(owner), state(previous)}

	base := routing.Handoff{ID: 7, Pool: pool.Name, Channel: pool.Channel, PasserID: passer, CreatedAt: now.Add(-time.Minute),
		ClaimDeadline: now.Add(time.Minute), Live: true}
	open := base
	open.State = routing.StateOpen
	// A round-robin lead whose up-next member is inside their window.
	offered := open
	offered.Turn = routing.Turn{Mode: routing.ModeRoundRobin, UpNext: member, PriorityUntil: now.Add(10 * time.Second)}
	claimed := base
	claimed.State, claimed.OwnerID, claimed.ClaimedAt = routing.StateClaimed, owner, now.Add(-time.Hour)
	claimed.Work.OwnerSince, claimed.Work.PreviousOwner = now.Add(-time.Hour), previous
	scheduled := base
	scheduled.State, scheduled.OwnerID, scheduled.ClaimedAt, scheduled.Live = routing.StateScheduled, owner, now.Add(-time.Hour), false
	scheduled.ScheduledFor, scheduled.DeclinedBy, scheduled.Work.OwnerSince = now.Add(time.Hour), []string{previous}, now.Add(-time.Hour)

	// Each action returns nil when allowed, or its refusal.
	actions := []struct {
		name    string
		act     func(user string) error
		allowed []string
	}{
		{"claim an open lead", func(u string) error {
			return asError(routing.CheckEligibility(open, pool, open.Turn, state(u), now))
		}, []string{member, owner, previous}},
		{"claim inside someone's priority window", func(u string) error {
			return asError(routing.CheckEligibility(offered, pool, offered.Turn, state(u), now))
		}, []string{member}},
		{"claim an owned lead", func(u string) error {
			return asError(routing.CheckEligibility(claimed, pool, claimed.Turn, state(u), now))
		}, nil},
		{"pass", func(u string) error {
			_, err := routing.Pass(offered, pool, states, u, "busy", now)
			return err
		}, []string{member}},
		{"cancel", func(u string) error {
			_, err := routing.Cancel(open, pool, u, "dropped", now)
			return err
		}, []string{passer, manager}},
		{"pick a callback time", func(u string) error {
			_, err := routing.ScheduleCallback(scheduled, pool, u, now.Add(2*time.Hour), now)
			return err
		}, []string{passer, manager}},
		{"accept", func(u string) error {
			_, _, err := routing.Accept(scheduled, u, now)
			return err
		}, []string{owner}},
		{"hand back", func(u string) error {
			_, err := routing.HandBack(scheduled, pool, states, u, "busy", now)
			return err
		}, []string{owner}},
		{"log a touch", func(u string) error {
			_, err := routing.LogTouch(claimed, pool, sla, u, routing.TouchInput{Kind: routing.TouchCallAttempted}, now)
			return err
		}, []string{owner, manager}},
		{"log an outcome", func(u string) error {
			_, err := routing.LogOutcome(claimed, pool, sla, u, routing.OutcomeInput{Kind: routing.OutcomeConnected}, now)
			return err
		}, []string{owner, manager}},
		{"reassign during the freeze", func(u string) error {
			_, err := routing.Reassign(claimed, pool, states, sla, u, routing.ReassignInput{Reason: routing.ReassignCapacity}, now)
			return err
		}, []string{owner, manager}},
		{"take over after the freeze", func(u string) error {
			later := now.Add(sla.OwnershipFreeze + time.Hour)
			_, err := routing.Reassign(claimed, pool, states, sla, u, routing.ReassignInput{Reason: routing.ReassignCapacity}, later)
			return err
		}, []string{member, away, owner, previous, manager}},
	}

	var matrix strings.Builder
	for _, a := range actions {
		fmt.Fprintf(&matrix, "%-40s", a.name)
		for _, role := range roles {
			err := a.act(role)
			want := false
			for _, ok := range a.allowed {
				want = want || ok == role
			}
			if want {
				require.NoError(t, err, "%s by %s", a.name, role)
				fmt.Fprintf(&matrix, " %s:yes", role)
				continue
			}
			require.Error(t, err, "%s by %s must be refused", a.name, role)
			var refusal *routing.Refusal
			var claimRefusal *routing.ClaimRefusal
			require.True(t, errorsAs(err, &refusal) || errorsAs(err, &claimRefusal), "%s by %s: a typed refusal, got %v", a.name, role, err)
			fmt.Fprintf(&matrix, " %s:no", role)
		}
		matrix.WriteString("\n")
	}
	t.Logf("who may do what:\n%s", matrix.String())
}

func asError(r *routing.ClaimRefusal) error {
	if r == nil {
		return nil
	}
	return r
}

func errorsAs[T error](err error, target *T) bool {
	t, ok := err.(T)
	if ok {
		*target = t
	}
	return ok
}
