package schedule

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

func TestPrev(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, ny)
		require.NoError(t, err)
		return tm
	}
	for _, tc := range []struct {
		spec, now, want string
	}{
		{"0 9 * * 1-5", "2026-11-23 10:30:00", "2026-11-23 09:00:00"}, // Monday
		{"0 9 * * 1-5", "2026-11-23 09:00:00", "2026-11-23 09:00:00"}, // the tick itself
		{"0 9 * * 1-5", "2026-11-23 08:59:59", "2026-11-20 09:00:00"}, // back to Friday
		{"0 9 * * 1-5", "2026-11-22 12:00:00", "2026-11-20 09:00:00"}, // Sunday
		{"*/15 * * * *", "2026-11-23 10:31:10", "2026-11-23 10:30:00"},
		{"@daily", "2026-11-23 10:31:10", "2026-11-23 00:00:00"},
		{"0 9 1 1 *", "2026-11-23 10:31:10", "2026-01-01 09:00:00"}, // yearly
		{"@every 1m", "2026-11-23 10:31:10", "2026-11-23 10:31:00"},
		{"@every 1h", "2026-11-23 10:31:10", "2026-11-23 10:00:00"},
	} {
		s, err := Parse(tc.spec)
		require.NoError(t, err)
		got := Prev(s, at(tc.now).In(ny))
		require.True(t, at(tc.want).Equal(got), "%s at %s: want %s, got %s", tc.spec, tc.now, tc.want, got.In(ny))
	}
	never, err := Parse("0 0 30 2 *")
	require.NoError(t, err)
	require.True(t, Prev(never, time.Now()).IsZero(), "February 30th never comes")
}

// TestEveryIsAlignedAcrossReplicas: two runners started at different times
// name the same ticks, so their run keys collide as they must.
func TestEveryIsAlignedAcrossReplicas(t *testing.T) {
	t.Parallel()
	s, err := Parse("@every 2s")
	require.NoError(t, err)
	a := time.Date(2026, 11, 21, 10, 0, 0, 300e6, time.UTC)
	b := a.Add(1400 * time.Millisecond)
	require.Equal(t, s.Next(a), s.Next(b))
	require.Equal(t, Prev(s, s.Next(a).Add(10*time.Millisecond)), s.Next(b))
	require.Zero(t, s.Next(a).UnixNano()%int64(2*time.Second))
}

func TestBadSpecIsRefused(t *testing.T) {
	t.Parallel()
	r := &Runner{}
	err := r.Add(Job{Name: "digest", Spec: "every morning"})
	require.ErrorContains(t, err, "schedule digest")
}

// recorder collects the ticks a job ran.
type recorder struct {
	mu    sync.Mutex
	ticks []time.Time
}

func (r *recorder) add(tick time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ticks = append(r.ticks, tick)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ticks)
}

// TestFailingAndPanickingJobsKeepRunning: a job that panics or fails is
// logged and runs again at the next tick; the runner (and the bot) goes on.
func TestFailingAndPanickingJobsKeepRunning(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	ok := &recorder{}
	var log syncLog
	var ranMu sync.Mutex
	var ran []error // what Ran was told, tick by tick
	r := &Runner{Log: zerolog.New(&log), Ran: func(job string, err error) {
		ranMu.Lock()
		defer ranMu.Unlock()
		require.Equal(t, "flaky", job)
		ran = append(ran, err)
	}}
	require.NoError(t, r.Add(Job{Name: "flaky", Spec: "@every 1s", Run: func(ctx context.Context, tick time.Time) error {
		switch calls.Add(1) {
		case 1:
			panic("boom")
		case 2:
			return errors.New("database down")
		}
		ok.add(tick)
		return nil
	}}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Start(ctx)
	require.Eventually(t, func() bool { return ok.len() >= 1 }, 10*time.Second, 20*time.Millisecond)
	r.Stop()
	require.Contains(t, log.String(), "job panicked")
	require.Contains(t, log.String(), "database down")
	// The metrics hear of every tick, the panic as a failure too.
	ranMu.Lock()
	require.GreaterOrEqual(t, len(ran), 3)
	require.ErrorContains(t, ran[0], "panicked: boom")
	require.ErrorContains(t, ran[1], "database down")
	require.NoError(t, ran[2])
	ranMu.Unlock()
	ok.mu.Lock()
	defer ok.mu.Unlock()
	require.Zero(t, ok.ticks[0].UnixNano()%int64(time.Second), "ticks are whole seconds")
}

// TestCatchUp runs the latest tick on start only when the job ran before
// it (Baton was down for it) and it is recent enough.
func TestCatchUp(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC) // a Monday
	nine := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	friday := nine.Add(-72 * time.Hour)
	for _, tc := range []struct {
		name    string
		catchUp time.Duration
		last    *time.Time
		want    bool
	}{
		{"missed while down", 6 * time.Hour, &friday, true},
		{"already ran", 6 * time.Hour, &nine, false},
		{"never ran: a first start", 6 * time.Hour, nil, false},
		{"too old", time.Hour, &friday, false},
		{"off", 0, &friday, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Runner{Now: func() time.Time { return now }, LastRun: func(context.Context, string) (time.Time, bool, error) {
				if tc.last == nil {
					return time.Time{}, false, nil
				}
				return *tc.last, true, nil
			}}
			s, err := Parse("0 9 * * 1-5")
			require.NoError(t, err)
			tick, ok := r.missed(context.Background(), Job{Name: "digest", CatchUp: tc.catchUp}, s, time.UTC)
			require.Equal(t, tc.want, ok)
			if ok {
				require.Equal(t, nine, tick)
			}
		})
	}
}

// TestCatchUpRunsOnStart: the caught-up tick runs at once, with its own tick.
func TestCatchUpRunsOnStart(t *testing.T) {
	t.Parallel()
	got := &recorder{}
	now := time.Now()
	r := &Runner{LastRun: func(context.Context, string) (time.Time, bool, error) { return now.Add(-48 * time.Hour), true, nil }}
	require.NoError(t, r.Add(Job{Name: "digest", Spec: "@daily", CatchUp: 25 * time.Hour, Run: func(_ context.Context, tick time.Time) error {
		got.add(tick)
		return nil
	}}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Start(ctx)
	require.Eventually(t, func() bool { return got.len() == 1 }, 5*time.Second, 10*time.Millisecond)
	r.Stop()
	got.mu.Lock()
	defer got.mu.Unlock()
	y, m, d := now.In(time.UTC).Date()
	require.Equal(t, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), got.ticks[0].UTC())
}

type syncLog struct {
	mu  sync.Mutex
	buf []byte
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	return len(p), nil
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}

// TestSkipRunsTheTickPassedOver moves the runner's clock a day ahead: the
// daily job runs the tick it passed over at once, once, though cron (on
// the machine's clock) would not fire for hours; a second skip that
// passes no tick runs nothing.
func TestSkipRunsTheTickPassedOver(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	skipped := make(chan struct{})
	ran := &recorder{}
	r := &Runner{Log: zerolog.Nop(), Now: clock, Skipped: skipped}
	require.NoError(t, r.Add(Job{Name: "digest", Spec: "0 9 * * *", Run: func(_ context.Context, tick time.Time) error {
		ran.add(tick)
		return nil
	}}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Start(ctx)
	defer r.Stop()

	mu.Lock()
	now = now.Add(24 * time.Hour)
	mu.Unlock()
	skipped <- struct{}{}
	require.Eventually(t, func() bool { return ran.len() == 1 }, 10*time.Second, 5*time.Millisecond)
	ran.mu.Lock()
	require.Equal(t, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), ran.ticks[0])
	ran.mu.Unlock()

	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	skipped <- struct{}{}
	skipped <- struct{}{} // taken once the first skip's pass is done
	require.Equal(t, 1, ran.len(), "no tick between 10:00 and 11:00")
}
