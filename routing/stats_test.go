package routing

import (
	"errors"
	"testing"
	"time"
)

func TestParseStats(t *testing.T) {
	t.Parallel()
	pools := []string{"closers", "enterprise"}
	for _, tc := range []struct {
		text    string
		ok      bool
		want    StatsRequest
		wantErr bool
	}{
		{text: "Stats Perform Ltd", ok: true, wantErr: true},
		{text: "stats", ok: true, want: StatsRequest{Days: 7}},
		{text: "STATS 30d", ok: true, want: StatsRequest{Days: 30}},
		{text: "stats 90D <@U0AE1|dana>", ok: true, want: StatsRequest{Days: 90, User: "U0AE1"}},
		{text: "stats <@U0AE1>", ok: true, want: StatsRequest{Days: 7, User: "U0AE1"}},
		{text: "stats U0AE1 7d", ok: true, want: StatsRequest{Days: 7, User: "U0AE1"}},
		{text: "stats Enterprise", ok: true, want: StatsRequest{Days: 7, Pool: "enterprise"}},
		{text: "stats 14d", ok: true, wantErr: true},
		{text: "stats 7d 30d", ok: true, wantErr: true},
		{text: "stats @dana", ok: true, wantErr: true},
		{text: "stats closers <@U0AE1>", ok: true, wantErr: true},
		{text: "stats enterprize", ok: true, wantErr: true},
		{text: "Acme stats", ok: false},
		{text: "", ok: false},
	} {
		got, ok, err := ParseStats(tc.text, pools)
		if ok != tc.ok || (err != nil) != tc.wantErr || (err == nil && got != tc.want) {
			t.Errorf("ParseStats(%q) = %+v, %v, %v; want %+v, %v, error %v", tc.text, got, ok, err, tc.want, tc.ok, tc.wantErr)
		}
	}
}

func TestScopeStats(t *testing.T) {
	t.Parallel()
	closers := Pool{Name: "closers", Members: []string{"U1", "U2"}, Managers: []string{"UMGR"}}
	ent := Pool{Name: "enterprise", Members: []string{"U9"}, Managers: []string{"UBOSS"}}
	p := Policy{Pools: []Pool{closers, ent}}
	for _, tc := range []struct {
		name, asker string
		req         StatsRequest
		role        StatsRole
		user        string
		pools       []string
		refused     bool
	}{
		{name: "receiver", asker: "U1", role: RoleReceiver, user: "U1", pools: []string{"closers"}},
		{name: "receiver asking for themselves", asker: "U1", req: StatsRequest{User: "U1"}, role: RoleReceiver, user: "U1", pools: []string{"closers"}},
		{name: "passer", asker: "P1", role: RolePasser, user: "P1"},
		{name: "manager", asker: "UMGR", role: RoleTeam, pools: []string{"closers"}},
		{name: "manager asks a pool", asker: "UMGR", req: StatsRequest{Pool: "closers"}, role: RoleTeam, pools: []string{"closers"}},
		{name: "manager asks a member", asker: "UMGR", req: StatsRequest{User: "U2"}, role: RoleReceiver, user: "U2", pools: []string{"closers"}},
		{name: "manager asks a passer", asker: "UMGR", req: StatsRequest{User: "P1"}, role: RolePasser, user: "P1", pools: []string{"closers"}},
		{name: "manager asks another's pool", asker: "UMGR", req: StatsRequest{Pool: "enterprise"}, refused: true},
		{name: "receiver asks someone", asker: "U1", req: StatsRequest{User: "U2"}, refused: true},
		{name: "passer asks a pool", asker: "P1", req: StatsRequest{Pool: "closers"}, refused: true},
	} {
		got, err := p.ScopeStats(tc.asker, tc.req)
		var r *Refusal
		if tc.refused {
			if !errors.As(err, &r) || r.Code != RefusedStats {
				t.Errorf("%s: got %+v, %v; want a refusal", tc.name, got, err)
			}
			continue
		}
		var names []string
		for _, pl := range got.Pools {
			names = append(names, pl.Name)
		}
		if err != nil || got.Role != tc.role || got.User != tc.user || len(names) != len(tc.pools) || (len(names) > 0 && names[0] != tc.pools[0]) {
			t.Errorf("%s: got %+v (pools %v), %v; want %s %q %v", tc.name, got, names, err, tc.role, tc.user, tc.pools)
		}
	}
}

func TestStatsPeriodIsWholeLocalDays(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		days     int
		now      time.Time
		loc      *time.Location
		wantFrom time.Time
	}{
		// 01:30 UTC on the 10th is still the 9th in New York.
		{7, time.Date(2026, 11, 10, 1, 30, 0, 0, time.UTC), ny, time.Date(2026, 11, 3, 5, 0, 0, 0, time.UTC)},
		{7, time.Date(2026, 11, 10, 1, 30, 0, 0, time.UTC), time.UTC, time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)},
		{7, time.Date(2026, 11, 10, 1, 30, 0, 0, time.UTC), nil, time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)},
		// Across the end of daylight saving: the start is midnight EDT.
		{30, time.Date(2026, 11, 10, 15, 0, 0, 0, time.UTC), ny, time.Date(2026, 10, 12, 4, 0, 0, 0, time.UTC)},
	} {
		from, to := StatsPeriod(tc.days, tc.now, tc.loc)
		if !from.Equal(tc.wantFrom) || !to.Equal(tc.now) {
			t.Errorf("StatsPeriod(%d, %s, %v) = %s, %s; want from %s", tc.days, tc.now, tc.loc, from.UTC(), to, tc.wantFrom)
		}
	}
}

func TestWeighReceivers(t *testing.T) {
	t.Parallel()
	counts := []PoolOwners{
		{Pool: "a", Owner: "U1", Leads: 4}, {Pool: "a", Owner: "U2", Leads: 2},
		{Pool: "b", Owner: "U2", Leads: 3}, {Pool: "a", Owner: "UMGR", Leads: 1},
	}
	weights := map[string]map[string]float64{"a": {"U1": 1, "U2": 1, "U3": 0.5}, "b": {"U2": 1}}
	got := WeighReceivers(counts, weights, "")
	// a has 7 leads over weight 2.5; b has 3 over 1.
	want := []ReceiverStats{{"U2", 5, 2.8 + 3}, {"U1", 4, 2.8}, {"UMGR", 1, 0}, {"U3", 0, 1.4}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].User != want[i].User || got[i].Leads != want[i].Leads || abs(got[i].Expected-want[i].Expected) > 1e-9 {
			t.Errorf("receiver %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	only := WeighReceivers(counts, weights, "U3")
	if len(only) != 1 || only[0].User != "U3" || abs(only[0].Expected-1.4) > 1e-9 {
		t.Errorf("only U3: %+v", only)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
