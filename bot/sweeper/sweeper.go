// Package sweeper fires the deadlines that live in the database as they
// fall due: the ends of personal offers and the ladder's rungs. The
// deadlines are columns, not goroutines; the Sweeper only decides when to
// look, and the use cases decide what is due and what it does.
package sweeper

import (
	"cmp"
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/batonhq/baton/bot/wakeup"
)

// minWait is the shortest sleep between sweeps.
const minWait = 50 * time.Millisecond

// passTimeout bounds one pass over what is due.
const passTimeout = 10 * time.Second

// Deadlines is what the sweeper drives: firing what is due, and the
// earliest deadline still ahead.
type Deadlines interface {
	// FireDue fires every deadline due now and says how many fired.
	FireDue(ctx context.Context) (int, error)
	// NextDeadline is the earliest deadline any handoff has; ok is false
	// when none has one.
	NextDeadline(ctx context.Context) (at time.Time, ok bool, err error)
}

// Config holds what a Sweeper is built with.
type Config struct {
	Deadlines Deadlines
	Log       zerolog.Logger
	// Now is the clock the next deadline is compared with. Default time.Now.
	Now func() time.Time
	// Interval is the longest the sweeper sleeps: it wakes earlier for the
	// next deadline it knows of (its fast path), and this bounds how late
	// a deadline fires when it did not know (after a restart, or a handoff
	// created by another replica). Default 5 s.
	Interval time.Duration
	// Rewind tells the sweeper a new deadline may be earlier than the one
	// it sleeps until (a handoff created or passed in this process).
	Rewind *wakeup.Signal
}

// Sweeper fires due deadlines; see the package doc.
type Sweeper struct{ cfg Config }

// New builds a Sweeper; Run starts it.
func New(cfg Config) *Sweeper {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Interval = cmp.Or(cfg.Interval, 5*time.Second)
	return &Sweeper{cfg: cfg}
}

// Run sweeps until ctx ends. It sleeps until the earliest deadline it
// knows of (so a step fires within milliseconds of it), Interval at most,
// or until rewound. A pass in progress when ctx ends finishes: each
// deadline fires in a transaction of its own, so stopping between two
// loses nothing.
func (s *Sweeper) Run(ctx context.Context) error {
	for {
		s.pass(ctx)
		wait := s.cfg.Interval
		if next, ok, err := s.cfg.Deadlines.NextDeadline(ctx); err == nil && ok {
			// A deadline already past is one this pass could not fire (a
			// failed decision, a row another replica holds): look again
			// soon, not in a busy loop.
			wait = min(wait, max(next.Sub(s.cfg.Now()), minWait))
		} else if err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn().Err(err).Msg("could not read the next deadline")
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-s.cfg.Rewind.C():
		case <-timer.C:
		}
		timer.Stop()
	}
}

// pass fires what is due, on a context of its own: a pass that has begun
// is not cut off half-way by a stop.
func (s *Sweeper) pass(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), passTimeout)
	defer cancel()
	if _, err := s.cfg.Deadlines.FireDue(ctx); err != nil {
		s.cfg.Log.Error().Err(err).Msg("deadline sweep failed; retrying")
	}
}
