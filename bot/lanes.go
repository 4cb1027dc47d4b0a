package bot

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/batonhq/baton/bot/drain"
)

// A lane is where handlers wait their turn: at most its number of slots
// run at once, the others wait in order. The edge has two, so that what
// Slack gives 3 seconds never waits behind what waits on Slack:
//
//   - prompt: the work a person's screen waits for within 3 s of the
//     envelope: a form submission (its ack carries the answer, so it waits
//     for the database) and a modal opening (views.open with a trigger_id,
//     which Slack honours for 3 s: /handoff's form, the forms buttons
//     open). Each is bounded by its budget counted from the envelope's
//     arrival (see within), so a slot is never held past it, and nothing
//     in this lane waits on a private answer: a sentence it has to say
//     (the form could not open, the button is not theirs to press) is
//     handed to followUp.
//   - followUp: the work after the ack, with no trigger_id to spend: a
//     claim and its private answer, the other private answers
//     (availability, stats, Accept, the prompt lane's sentences), App Home
//     publishing, the views.update that shows an answer too large for a
//     form's ack. These call Slack with a 10 s bound, so when Slack is
//     slow this lane fills and waits; the prompt lane does not.
//
// The acks of commands and clicks need no lane: dispatch sends them before
// any work. Both lanes are bounded, each to handlerSlots, because unbounded
// handlers under a burst keep every core busy and the goroutines that read
// envelopes and write acks then wait for one (with no bound, 50
// simultaneous handoffs put the ack's p99 at 40-75 ms, over its 50 ms
// budget; with it, ~30 ms). The prompt lane's queue cannot grow stale: what
// waited past its budget finds its context ended and answers at once (the
// form with its error, the modal not opened and said so).
type lane struct {
	slots chan struct{}
}

func newLane(slots int) lane { return lane{slots: make(chan struct{}, slots)} }

// spawn runs f in lane l as tracked work, so shutdown waits for it. A
// panic in one handler is logged and contained: one bad payload must not
// take down the bot for everyone.
func (e *Edge) spawn(l lane, f func()) {
	e.work.Add(1)
	go func() {
		defer e.work.Done()
		l.slots <- struct{}{}
		defer func() { <-l.slots }()
		defer func() {
			if r := recover(); r != nil {
				e.log.Error().Interface("panic", r).Bytes("stack", debug.Stack()).Msg("handler panicked")
			}
		}()
		f()
	}()
}

// within gives work that Slack waits for at most budget from the
// envelope's arrival (received) a context that ends then, detached from a
// stop like any handler's (see drain.Detached). A budget spent while the
// work waited for its slot gives a context already ended.
func within(ctx context.Context, received time.Time, budget time.Duration) (context.Context, context.CancelFunc) {
	return drain.Detached(ctx, budget-time.Since(received))
}
