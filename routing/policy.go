package routing

import (
	"slices"
	"time"
)

// Pool is a team of receivers that handoffs are routed to, with the Slack
// channel where its handoffs are announced.
type Pool struct {
	Name     string
	Channel  string
	Members  []string
	Managers []string
	// Rotation is how the pool shares leads among its members (mode,
	// fairness, caps, hours); the zero value is first to claim.
	Rotation
}

// IsMember reports whether user is one of the pool's receivers.
func (p Pool) IsMember(user string) bool { return slices.Contains(p.Members, user) }

// IsManager reports whether user manages the pool.
func (p Pool) IsManager(user string) bool { return slices.Contains(p.Managers, user) }

// SLA holds the clocks that run on a handoff.
type SLA struct {
	// ClaimWindow is the hold-time budget: most prospects won't hold longer
	// than a minute, so the default is 60 s.
	ClaimWindow time.Duration
	// FirstTouch is how long the owner has for a meaningful touch.
	FirstTouch time.Duration
	// OutcomeDue is how long after the meeting or claim the outcome is due.
	OutcomeDue time.Duration
}

// DefaultSLA returns the clocks the seeds argue for: a 60 s claim window, a
// touch within 48 h and an outcome within 24 h.
func DefaultSLA() SLA {
	return SLA{ClaimWindow: 60 * time.Second, FirstTouch: 48 * time.Hour, OutcomeDue: 24 * time.Hour}
}

// Digest says where and when the daily stuck-leads digest is posted.
type Digest struct {
	Channel string
	// Schedule is a cron spec (robfig/cron syntax, descriptors allowed).
	Schedule string
}

// Policy is everything the configuration decides about routing: the pools,
// the clocks and the digest. It is read-only once built.
type Policy struct {
	Location *time.Location
	Pools    []Pool
	SLA      SLA
	Digest   Digest
}

// Pool returns the pool called name.
func (p Policy) Pool(name string) (Pool, bool) {
	for _, pool := range p.Pools {
		if pool.Name == name {
			return pool, true
		}
	}
	return Pool{}, false
}

// Route picks the pool a lead goes to. Until routing rules exist, every lead
// goes to the first pool, which the configuration guarantees exists.
func (p Policy) Route(Lead) Pool { return p.Pools[0] }
