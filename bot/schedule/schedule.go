// Package schedule runs Baton's periodic jobs (the SLA sweep, the digest)
// with robfig/cron in the configured time zone, and gives every run the
// scheduled tick it belongs to, so that the job can record a run key for
// that tick and run it once across replicas and restarts.
//
// Ticks are the same in every replica: a cron spec's ticks are wall-clock
// instants anyway, and an "@every" interval is aligned to a fixed origin
// (Go's zero time, not when the process started), so two replicas started a second apart
// agree on which tick they are both about to run.
package schedule

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
)

// Job is one periodic job.
type Job struct {
	// Name is the job's run key prefix and its name in logs.
	Name string
	// Spec is a robfig/cron spec (five fields, or a descriptor such as
	// "@daily" or "@every 1m"), read in the runner's Location.
	Spec string
	// Run does one tick's work. It should record tick as run (a run key)
	// so that a tick runs once across replicas; an error is logged and the
	// job is tried again at the next tick.
	Run func(ctx context.Context, tick time.Time) error
	// CatchUp runs, once on start, the latest tick that is no older than
	// this (zero: none), if the job ran before it (see Runner.LastRun) —
	// a tick missed while Baton was down, not one from before it was ever
	// deployed. Run's run key makes it a no-op when that tick did run.
	CatchUp time.Duration
}

// Runner runs jobs on their schedules.
type Runner struct {
	Location *time.Location
	Log      zerolog.Logger
	// Now is the clock used to name ticks; default time.Now.
	Now func() time.Time
	// LastRun is the latest tick a job ran (ok false if it never did),
	// which tells a tick missed while down from a first start. Nil: every
	// job counts as having run before.
	LastRun func(ctx context.Context, job string) (tick time.Time, ok bool, err error)
	// Ran, when set, is told of every tick run, with its error (a panic
	// is an error too): it feeds the job metrics. It must be quick.
	Ran func(job string, err error)
	// Skipped, when set, says that Now jumped forward (the sandbox demo
	// moves its clock ahead): cron keeps to the machine's clock, so each
	// job whose schedule had a tick between its last look and the new Now
	// runs that tick at once, the latest one only, as after a restart.
	Skipped <-chan struct{}

	cron *cron.Cron
	// named holds, by job, the latest tick the runner named for it (run,
	// caught up, or passed at Start), so that a skip runs only what it
	// passed over.
	mu    sync.Mutex
	named map[string]time.Time
	// stopSkips ends followSkips.
	stopSkips context.CancelFunc
	jobs      []Job
	wg        sync.WaitGroup
}

// Parse reads spec like the runner does, for configuration checks.
func Parse(spec string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, err
	}
	if every, ok := s.(cron.ConstantDelaySchedule); ok {
		return aligned{every.Delay}, nil
	}
	return s, nil
}

// aligned is an "@every" schedule whose ticks are multiples of the
// interval since a fixed origin (Go's zero time), the same in every replica.
type aligned struct{ every time.Duration }

// Next implements cron.Schedule.
func (a aligned) Next(t time.Time) time.Time {
	return t.Truncate(a.every).Add(a.every)
}

// Prev is the latest tick of s at or before t; zero when there is none
// within a year (a schedule that never fires, such as February 30th).
func Prev(s cron.Schedule, t time.Time) time.Time {
	if a, ok := s.(aligned); ok {
		return t.Truncate(a.every)
	}
	// Look back further and further until a tick falls in the window,
	// then walk forward to the last one before t: cheap for every sane
	// spec (a minute-level job finds it in the first window).
	for _, back := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		next := s.Next(t.Add(-back - time.Second))
		if next.IsZero() || next.After(t) {
			continue
		}
		for {
			after := s.Next(next)
			if after.IsZero() || after.After(t) {
				return next
			}
			next = after
		}
	}
	return time.Time{}
}

// Add registers a job; it must come before Start. A bad spec is an error
// naming the job.
func (r *Runner) Add(j Job) error {
	if _, err := Parse(j.Spec); err != nil {
		return fmt.Errorf("schedule %s: %q: %w", j.Name, j.Spec, err)
	}
	r.jobs = append(r.jobs, j)
	return nil
}

// Start runs each job's catch-up tick, then the jobs on their schedules
// until ctx ends or Stop.
func (r *Runner) Start(ctx context.Context) {
	if r.Now == nil {
		r.Now = time.Now
	}
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	r.cron = cron.New(cron.WithLocation(loc))
	r.named = map[string]time.Time{}
	for _, j := range r.jobs {
		sched, _ := Parse(j.Spec) // checked by Add
		r.name(j.Name, Prev(sched, r.Now().In(loc)))
		if tick, ok := r.missed(ctx, j, sched, loc); ok {
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				r.run(ctx, j, tick, true)
			}()
		}
		r.cron.Schedule(sched, cron.FuncJob(func() {
			// cron fires at (or just after) the tick; the tick is the
			// latest one at or before now, whatever the delay.
			r.wg.Add(1)
			defer r.wg.Done()
			if ctx.Err() != nil {
				return
			}
			tick := Prev(sched, r.Now().In(loc))
			r.name(j.Name, tick)
			r.run(ctx, j, tick, false)
		}))
	}
	r.cron.Start()
	if r.Skipped != nil {
		skipCtx, stop := context.WithCancel(ctx)
		r.stopSkips = stop
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.followSkips(skipCtx, loc)
		}()
	}
	go func() {
		<-ctx.Done()
		r.Stop()
	}()
}

// name records tick as the latest named for job, and says whether it is
// later than the one before.
func (r *Runner) name(job string, tick time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !tick.After(r.named[job]) {
		return false
	}
	r.named[job] = tick
	return true
}

// followSkips runs, after each jump of Now, the latest tick each job's
// schedule passed over, one job after another, until ctx ends.
func (r *Runner) followSkips(ctx context.Context, loc *time.Location) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.Skipped:
		}
		for _, j := range r.jobs {
			sched, _ := Parse(j.Spec)
			if tick := Prev(sched, r.Now().In(loc)); !tick.IsZero() && r.name(j.Name, tick) && ctx.Err() == nil {
				r.run(ctx, j, tick, true)
			}
		}
	}
}

// missed is the tick of j to catch up on start, if any: the latest one,
// no older than j.CatchUp, later than the last tick j ran.
func (r *Runner) missed(ctx context.Context, j Job, sched cron.Schedule, loc *time.Location) (time.Time, bool) {
	if j.CatchUp <= 0 {
		return time.Time{}, false
	}
	now := r.Now().In(loc)
	tick := Prev(sched, now)
	if tick.IsZero() || now.Sub(tick) > j.CatchUp {
		return time.Time{}, false
	}
	if r.LastRun != nil {
		last, ok, err := r.LastRun(ctx, j.Name)
		if err != nil {
			r.Log.Warn().Err(err).Str("job", j.Name).Msg("cannot tell whether a tick was missed; not catching up")
			return time.Time{}, false
		}
		if !ok || !last.Before(tick) {
			return time.Time{}, false
		}
	}
	return tick, true
}

// Stop stops scheduling and waits for running jobs to finish.
func (r *Runner) Stop() {
	if r.cron != nil {
		<-r.cron.Stop().Done()
	}
	if r.stopSkips != nil {
		r.stopSkips()
	}
	r.wg.Wait()
}

// run runs one tick of j. A failure or a panic is logged with the job and
// the tick and goes no further: the bot keeps running, and the next tick
// tries again.
func (r *Runner) run(ctx context.Context, j Job, tick time.Time, catchUp bool) {
	log := r.Log.With().Str("job", j.Name).Time("tick", tick).Bool("catch_up", catchUp).Logger()
	var err error
	defer func() {
		if p := recover(); p != nil {
			log.Error().Interface("panic", p).Bytes("stack", debug.Stack()).Msg("job panicked; it runs again at the next tick")
			err = fmt.Errorf("job %s panicked: %v", j.Name, p)
		}
		if r.Ran != nil {
			r.Ran(j.Name, err)
		}
	}()
	start := time.Now()
	if err = j.Run(ctx, tick); err != nil {
		log.Error().Err(err).Msg("job failed; it runs again at the next tick")
		return
	}
	log.Debug().Dur("took", time.Since(start)).Msg("job ran")
}
