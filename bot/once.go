package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
)

// onceWindow is how long an envelope id or a closed form is remembered.
// Slack redelivers an envelope it saw no ack for right away, then after a
// minute and after five; a double click on a form's Submit comes within
// the second.
const onceWindow = 10 * time.Minute

// onceLimit bounds what is remembered, whatever the traffic.
const onceLimit = 100_000

// recent remembers keys seen within onceWindow, and the answer of the work
// done for each. It makes a redelivered envelope or a double submit have
// one effect in this process. (What must hold across replicas is held by
// the database: a handoff's submission key, the claim's conditional update.)
type recent struct {
	mu    sync.Mutex
	byKey map[string]*onceEntry
	order []keyedAt // insertion order, for expiry
}

type onceEntry struct {
	done   chan struct{}
	answer any
	keep   bool // the answer stands for later calls; else the key is forgotten when done
}

type keyedAt struct {
	key string
	at  time.Time
}

// first records key and reports whether it is new, without waiting for anything.
func (r *recent) first(key string) bool {
	_, first := r.do(key, func() (any, bool) { return nil, true })
	return first
}

// do runs f for key unless a call for key is running (it waits for that
// one and returns its answer) or one ran within onceWindow whose answer f
// said to keep (it returns that answer). first reports whether f ran.
func (r *recent) do(key string, f func() (answer any, keep bool)) (answer any, first bool) {
	now := time.Now()
	r.mu.Lock()
	r.expireLocked(now)
	if e, ok := r.byKey[key]; ok {
		r.mu.Unlock()
		<-e.done
		return e.answer, false
	}
	e := &onceEntry{done: make(chan struct{})}
	if r.byKey == nil {
		r.byKey = map[string]*onceEntry{}
	}
	r.byKey[key] = e
	r.order = append(r.order, keyedAt{key, now})
	r.mu.Unlock()

	e.answer, e.keep = f()
	close(e.done)
	if !e.keep {
		r.mu.Lock()
		if r.byKey[key] == e {
			delete(r.byKey, key)
		}
		r.mu.Unlock()
	}
	return e.answer, true
}

// expireLocked forgets what is older than onceWindow, or beyond onceLimit.
func (r *recent) expireLocked(now time.Time) {
	n := 0
	for n < len(r.order) && (now.Sub(r.order[n].at) > onceWindow || len(r.order)-n > onceLimit) {
		k := r.order[n].key
		if e, ok := r.byKey[k]; ok {
			select {
			case <-e.done:
				delete(r.byKey, k)
			default: // still running: its caller forgets it
			}
		}
		n++
	}
	if n > 0 {
		r.order = append(r.order[:0:0], r.order[n:]...)
	}
}

// triggerLife is how long Slack honours a trigger_id, with a margin for
// the envelope's way to Baton and the call's way back.
const triggerLife = 2500 * time.Millisecond

// openView opens a modal with the trigger_id of an interaction that arrived
// at received. A trigger_id lives 3 s, so a form can't wait in the outbox
// like a message: when Slack answers 429 with a Retry-After that still
// fits in the trigger's life, the call is made once more after it; when it
// does not fit, the error says how long Slack asked to wait (see busyFor).
func (e *Edge) openView(ctx context.Context, received time.Time, triggerID string, view slack.ModalViewRequest) error {
	_, err := e.cfg.API.OpenViewContext(ctx, triggerID, view)
	var limited *slack.RateLimitedError
	if !errors.As(err, &limited) || time.Since(received)+limited.RetryAfter > triggerLife {
		return err
	}
	e.log.Info().Dur("retry_after", limited.RetryAfter).Msg("views.open rate limited; trying once more within the trigger's life")
	timer := time.NewTimer(limited.RetryAfter)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return err
	case <-timer.C:
	}
	_, err = e.cfg.API.OpenViewContext(ctx, triggerID, view)
	return err
}

// openModal opens view on triggerID (see openView) and, when it cannot,
// logs why and tells the person in a sentence: when to try again if Slack
// is busy, else failed.
func (e *Edge) openModal(ctx context.Context, log zerolog.Logger, received time.Time, triggerID string, view slack.ModalViewRequest,
	tell func(string), failed string) {
	err := e.openView(ctx, received, triggerID, view)
	if err == nil {
		return
	}
	log.Error().Err(err).Msg("views.open failed")
	if wait, busy := busyFor(err); busy {
		tell(render.SlackBusy(wait))
		return
	}
	tell(failed)
}

// busyFor is how long Slack asked to wait when err is a 429.
func busyFor(err error) (time.Duration, bool) {
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		return limited.RetryAfter, true
	}
	return 0, false
}
