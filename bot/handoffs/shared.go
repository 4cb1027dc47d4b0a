package handoffs

import (
	"context"
	"sync"

	"github.com/batonhq/baton/routing"
)

// sharedReads lets the callers that want the same pool's member states at
// the same moment share one read. When fifty passers type /handoff at
// once, each form shows how many closers are available; the reads that
// start while one is running wait for it instead of queueing fifty
// identical queries on the database pool in front of the forms. Nothing is
// kept once a read is done: the next form reads afresh, so what it shows
// is never older than its own /handoff.
type sharedReads struct {
	mu       sync.Mutex
	inFlight map[string]*sharedRead
}

type sharedRead struct {
	done   chan struct{}
	states []routing.MemberState
	err    error
	joined int // callers waiting for it; guarded by sharedReads.mu
}

// states returns read's result for key, from the read in flight if one
// is, else from a new one. The states are shared: callers only read them.
func (s *sharedReads) states(ctx context.Context, key string, read func(context.Context) ([]routing.MemberState, error)) ([]routing.MemberState, error) {
	s.mu.Lock()
	if s.inFlight == nil {
		s.inFlight = map[string]*sharedRead{}
	}
	r, running := s.inFlight[key]
	if running {
		r.joined++
	} else {
		r = &sharedRead{done: make(chan struct{})}
		s.inFlight[key] = r
	}
	s.mu.Unlock()

	if !running {
		r.states, r.err = read(ctx)
		s.mu.Lock()
		delete(s.inFlight, key)
		s.mu.Unlock()
		close(r.done)
		return r.states, r.err
	}
	select {
	case <-r.done:
		return r.states, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
