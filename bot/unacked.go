package bot

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/slack-go/slack/socketmode"
)

// unacked counts the envelopes taken and not yet acked. A stop closes the
// socket once it is zero: Slack resends only Events API envelopes, so a
// command, click or form submission left unacked would show its person an
// error, while one that arrives after the close goes to another
// connection.
type unacked struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n is zero
}

func newUnacked() *unacked {
	u := &unacked{idle: make(chan struct{})}
	close(u.idle)
	return u
}

// take counts an envelope that is to be acked.
func (u *unacked) take() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.n == 0 {
		u.idle = make(chan struct{})
	}
	u.n++
}

// acked counts an envelope's ack as sent (or failed: it will never be).
func (u *unacked) acked() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.n == 0 {
		return
	}
	u.n--
	if u.n == 0 {
		close(u.idle)
	}
}

// wait returns once no envelope waits for its ack, or ctx ends.
func (u *unacked) wait(ctx context.Context) {
	for {
		u.mu.Lock()
		idle, n := u.idle, u.n
		u.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return
		}
	}
}

// lastWrite is how long the last ack taken off slack-go's queue is given
// to be written: a few hundred bytes on an open socket.
const lastWrite = 50 * time.Millisecond

// flushed returns once slack-go has written the acks handed to it, or ctx
// ends. AckCtx only queues an ack; slack-go's sender writes it, and a
// socket closed before then drops it. slack-go says nothing when a write
// is done, so this reads the length of its queue (an unexported channel,
// read without changing it) and then leaves the last write a moment. If a
// slack-go release renames the queue, it falls back to that moment alone.
func flushed(ctx context.Context, smc *socketmode.Client) {
	queue := reflect.ValueOf(smc).Elem().FieldByName("socketModeResponses")
	if queue.IsValid() && queue.Kind() == reflect.Chan {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for queue.Len() > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}
	select {
	case <-time.After(lastWrite):
	case <-ctx.Done():
	}
}
