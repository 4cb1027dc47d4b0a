package handoffs

import (
	"sync"
	"time"

	"github.com/batonhq/baton/routing"
)

// claimMemory is how long this process answers clicks on a handoff it saw
// claimed from memory: long enough for the burst of clicks that follows a
// post (everyone who was there clicks within seconds), short enough that a
// later click reads the truth from the database.
const claimMemory = 10 * time.Second

// claimGates decides the clicks on one handoff one at a time in this
// process. When fifty people click Claim at once, the first runs the claim
// in the database and the others wait for it; once it has won, they are
// told who has the lead from memory instead of each reading the handoff,
// their rotation state and trying an update that cannot win. Without this,
// a burst of fifty clicks queued some two hundred queries in front of the
// winner's message update. Other replicas still race through the database,
// whose conditional update alone decides who wins.
type claimGates struct {
	mu    sync.Mutex
	gates map[int64]*claimGate
}

// claimGate is one handoff's gate.
type claimGate struct {
	sync.Mutex
	// won is the handoff as this process's winning claim returned it;
	// guarded by the gate's own lock.
	won *routing.Handoff
	// users counts the handlers holding or waiting for the gate, and
	// expired says claimMemory has passed since the win; both guarded by
	// claimGates.mu. The gate is forgotten when neither keeps it.
	users   int
	expired bool
}

// acquire locks handoff id's gate, waiting for the clicks before.
func (g *claimGates) acquire(id int64) *claimGate {
	g.mu.Lock()
	if g.gates == nil {
		g.gates = map[int64]*claimGate{}
	}
	gate, ok := g.gates[id]
	if !ok {
		gate = &claimGate{}
		g.gates[id] = gate
	}
	gate.users++
	g.mu.Unlock()
	gate.Lock()
	return gate
}

// remember records the winning claim (the caller holds the gate) and
// forgets it after claimMemory.
func (g *claimGates) remember(id int64, gate *claimGate, h routing.Handoff) {
	gate.won = &h
	g.mu.Lock()
	gate.expired = false // a click refused before the win may have marked it
	g.mu.Unlock()
	time.AfterFunc(claimMemory, func() { g.expire(id, gate) })
}

// expire ends the memory of a win.
func (g *claimGates) expire(id int64, gate *claimGate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	gate.expired = true
	g.forgetLocked(id, gate)
}

// release unlocks the gate, and forgets it when nobody waits for it and
// it holds no recent win.
func (g *claimGates) release(id int64, gate *claimGate) {
	won := gate.won != nil
	gate.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	gate.users--
	if !won {
		gate.expired = true
	}
	g.forgetLocked(id, gate)
}

func (g *claimGates) forgetLocked(id int64, gate *claimGate) {
	if gate.users == 0 && gate.expired && g.gates[id] == gate {
		delete(g.gates, id)
	}
}

// size is how many handoffs have a gate; tests check that gates are forgotten.
func (g *claimGates) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.gates)
}
