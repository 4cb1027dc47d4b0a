// Package bot is Baton's Slack edge: the Socket Mode loop that acks every
// envelope before slow work, turns payloads into the use cases' plain
// inputs (see package handoffs), calls them, and renders their answers:
// the ack of a form, a private sentence, a modal. It decides nothing about
// handoffs itself, and its only Slack side effects are the ones a person
// waits for (a modal opening, a private answer); everything else goes
// through the outbox.
package bot

import (
	"cmp"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/home"
	"github.com/batonhq/baton/bot/render"
)

// Config holds what the edge is built with.
type Config struct {
	// Service runs the use cases the envelopes ask for.
	Service *handoffs.Service
	// Homes publishes App Homes when they are opened.
	Homes *home.Homes
	// API is the Slack Web API client, built with the bot token: modals
	// and private answers.
	API *slack.Client
	Log zerolog.Logger
	// SubmitTimeout bounds the work done before a view_submission is acked,
	// counted from the envelope's arrival: Slack waits 3 s from sending it,
	// and the passer must see an error rather than nothing. Default 2 s.
	SubmitTimeout time.Duration
	// ShutdownTimeout bounds the drain when Run's context ends: the
	// handlers in flight get this long to finish, then they are cut off.
	// Default 10 s.
	ShutdownTimeout time.Duration
}

// Edge handles Slack's envelopes; see the package doc.
type Edge struct {
	cfg Config
	svc *handoffs.Service
	log zerolog.Logger
	// envelopes are the envelope ids taken lately, so a redelivery does
	// nothing twice; forms are the form submissions by view id, so a
	// double submit does nothing twice (see recent).
	envelopes, forms recent
	// unacked counts the envelopes taken and not yet acked: a stop closes
	// the socket once there are none.
	unacked *unacked
	// prompt and followUp are the lanes handlers run in (see lane).
	prompt, followUp lane
	online           atomic.Bool
	work             sync.WaitGroup // handlers in flight, waited for on shutdown
}

// handlerSlots is how many handlers of one lane run at once: a handler
// mostly waits on the database and Slack, so several per core keep the
// cores busy, and measured on two cores, 8 per core kept the forms as fast
// as no bound (4 per core slowed them) while the acks met their budget.
func handlerSlots() int { return 8 * runtime.GOMAXPROCS(0) }

// New builds an edge; Run starts it.
func New(cfg Config) *Edge {
	cfg.SubmitTimeout = cmp.Or(cfg.SubmitTimeout, 2*time.Second)
	cfg.ShutdownTimeout = cmp.Or(cfg.ShutdownTimeout, 10*time.Second)
	return &Edge{cfg: cfg, svc: cfg.Service, log: cfg.Log, unacked: newUnacked(),
		prompt: newLane(handlerSlots()), followUp: newLane(handlerSlots())}
}

// Connected reports whether the Socket Mode connection is up; it backs the
// readiness probe.
func (e *Edge) Connected() bool { return e.online.Load() }

func (e *Edge) clock() render.Clock {
	return render.Clock{Location: e.svc.Policy().Location}
}
