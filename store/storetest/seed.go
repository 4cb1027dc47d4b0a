package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

// History describes the past a benchmark runs against: handoffs spread over
// a span of time (a year by default), each in the state handoffs end up in,
// with the events that got it there. The zero values are defaults, so
// History{Handoffs: 1_000_000} is a year of a busy team.
//
// The rows are a pure function of the History (Seed included): the same
// History always loads the same rows, so two runs of a benchmark compare.
type History struct {
	// Handoffs is how many handoffs to load, open ones included.
	Handoffs int
	// Members are the receivers who own the handoffs, chosen uniformly.
	// Default: 1,000 members named by SeedMember(0…999).
	Members []string
	// Passers is how many passers (SeedPasser(i)) handed leads off. Default 200.
	Passers int
	// Pool and Channel are where the handoffs were routed. Default
	// "closers" in C0HANDOFF.
	Pool, Channel string
	// End is the end of the history, Span its length: handoffs are created
	// evenly between End-Span and End, ids in time order. Default: now,
	// rounded to the second, and 365 days.
	End  time.Time
	Span time.Duration
	// Open is how many of the newest handoffs are still open at End, their
	// first ladder step due within a minute after End: what a live team
	// has in flight. Default 0.
	Open int
	// Mix weighs how the other handoffs ended. Default: 70 % claimed (one
	// in ten of them late, after an escalation), 10 % missed and given an
	// owner by rotation, 10 % scheduled for later from the form, 10 %
	// cancelled.
	Mix Mix
	// Seed seeds the generator.
	Seed uint64
}

// Mix weighs the final states of historical handoffs. Only the ratios
// matter; the zero Mix is the default.
type Mix struct {
	Claimed, Missed, Later, Cancelled float64
}

// Seeded is what SeedHistory loaded.
type Seeded struct {
	Handoffs, Events int
	// ByState counts the handoffs by state (a missed one is scheduled).
	ByState map[routing.State]int
	// FirstID and LastID bound the ids of the loaded handoffs.
	FirstID, LastID int64
}

// SeedMember is the user ID of the i-th default member.
func SeedMember(i int) string { return fmt.Sprintf("UM%05d", i) }

// SeedPasser is the user ID of the i-th default passer.
func SeedPasser(i int) string { return fmt.Sprintf("UP%05d", i) }

// SeedMembers are the first n default members: a pool of n that owns its
// share of a seeded history.
func SeedMembers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = SeedMember(i)
	}
	return out
}

func (h History) withDefaults() History {
	if len(h.Members) == 0 {
		h.Members = SeedMembers(1000)
	}
	if h.Passers <= 0 {
		h.Passers = 200
	}
	if h.Pool == "" {
		h.Pool = "closers"
	}
	if h.Channel == "" {
		h.Channel = "C0HANDOFF"
	}
	if h.End.IsZero() {
		h.End = time.Now().UTC().Truncate(time.Second)
	}
	if h.Span <= 0 {
		h.Span = 365 * 24 * time.Hour
	}
	if h.Mix == (Mix{}) {
		h.Mix = Mix{Claimed: 0.70, Missed: 0.10, Later: 0.10, Cancelled: 0.10}
	}
	h.Open = min(max(h.Open, 0), h.Handoffs)
	return h
}

// key names h for the template cache: equal keys load equal rows.
func (h History) key() string {
	h = h.withDefaults()
	b, _ := json.Marshal(h)
	return string(b)
}

// seedChunk is how many handoffs one COPY loads: bounded, so that memory
// does not grow with the history (a million handoffs carry a few GB).
const seedChunk = 50_000

// SeedHistory loads h into the migrated database behind db with COPY: the
// handoffs and their events, in about ten seconds per hundred thousand
// handoffs on two cores. The lead's columns (checklist, answers, context)
// and the ladder and turn snapshots are encoded by the store itself: the
// first handoff is created with store.CreateHandoff and the others copy
// its encoding, so a change of the store's JSON shapes cannot make the
// seeded rows unreadable.
//
// Benchmarks of work that reads history (the escalation sweep, member
// states, the SLA sweep and the digest once they exist) load it with
// NewSeededDatabase, which seeds once per process and clones.
func SeedHistory(ctx context.Context, db *pgxpool.Pool, h History) (Seeded, error) {
	h = h.withDefaults()
	out := Seeded{ByState: map[routing.State]int{}}
	if h.Handoffs <= 0 {
		return out, nil
	}
	proto, err := seedPrototype(ctx, db, h)
	if err != nil {
		return out, fmt.Errorf("seed history: %w", err)
	}
	out.Handoffs, out.Events, out.FirstID, out.LastID = 1, 1, proto.id, proto.id
	out.ByState[routing.StateScheduled]++

	for from := 1; from < h.Handoffs; from += seedChunk {
		to := min(from+seedChunk, h.Handoffs)
		n, events, err := seedChunkRows(ctx, db, h, proto, from, to, out.ByState)
		if err != nil {
			return out, fmt.Errorf("seed history: handoffs %d to %d: %w", from, to, err)
		}
		out.Handoffs += n
		out.Events += events
	}
	if err := db.QueryRow(ctx, `SELECT max(id) FROM handoffs`).Scan(&out.LastID); err != nil {
		return out, fmt.Errorf("seed history: %w", err)
	}
	// Fresh statistics, as autovacuum would have after a year: without
	// them the planner guesses, and a benchmark would measure the guess.
	if _, err := db.Exec(ctx, `VACUUM ANALYZE handoffs, events`); err != nil {
		return out, fmt.Errorf("seed history: analyze: %w", err)
	}
	return out, nil
}

// prototype is the encoding of a handoff that every seeded row copies.
type prototype struct {
	id                                      int64
	checklistName                           string
	checklist, answers, context, escalation []byte
	answerMap                               map[string]any
}

// seedPrototype creates the oldest handoff through the store, as a call
// scheduled for later (so nothing runs on it), marks its notices delivered
// and closes it as qualified (it is history), and reads back how the store
// encoded it.
func seedPrototype(ctx context.Context, db *pgxpool.Pool, h History) (prototype, error) {
	checklist, _ := routing.Template(routing.DefaultTemplate)
	pool := routing.Pool{Name: h.Pool, Channel: h.Channel, Members: h.Members}
	policy := routing.Policy{Pools: []routing.Pool{pool}, SLA: routing.DefaultSLA()}
	created := h.End.Add(-h.Span)
	lead := seedLead(checklist, 0)
	in := policy.Open("seed-0", SeedPasser(0), lead, pool, routing.Offer{}, created).
		Later(created.Add(24*time.Hour), h.Members[0])
	st := store.New(db)
	stored, _, err := st.CreateHandoff(ctx, in)
	if err != nil {
		return prototype{}, fmt.Errorf("prototype: %w", err)
	}
	if _, err := db.Exec(ctx, `UPDATE outbox SET delivered_at = created_at WHERE handoff_id = $1`, stored.ID); err != nil {
		return prototype{}, fmt.Errorf("prototype: deliver its notices: %w", err)
	}
	if _, err := db.Exec(ctx, `
		UPDATE handoffs SET message_ts = $2, sla_due_at = NULL, accepted_at = $3, last_touch_at = $3, last_touch_kind = 'call_attempted',
			outcome = 'qualified_sal', outcome_at = $3, outcome_by = owner_id, closed_at = $3
		WHERE id = $1`, stored.ID, seedTS(created, 0), created.Add(25*time.Hour)); err != nil {
		return prototype{}, fmt.Errorf("prototype: message ts: %w", err)
	}
	p := prototype{id: stored.ID, checklistName: checklist.Name}
	if err := db.QueryRow(ctx, `SELECT checklist::text, answers::text, context::text, escalation::text FROM handoffs WHERE id = $1`, stored.ID).
		Scan(&p.checklist, &p.answers, &p.context, &p.escalation); err != nil {
		return prototype{}, fmt.Errorf("prototype: read back: %w", err)
	}
	if err := json.Unmarshal(p.answers, &p.answerMap); err != nil {
		return prototype{}, fmt.Errorf("prototype: answers: %w", err)
	}
	return p, nil
}

// seedLead is a plausible lead of the default checklist.
func seedLead(c routing.Checklist, i int) routing.Lead {
	return routing.Lead{
		Company: "Seed Co " + strconv.Itoa(i), ContactName: "Dana Reyes", ContactTitle: "VP Sales",
		Phone: "+14155550100", Email: "dana@seed.example", Notes: "Uses Salesforce, wants routing for 600 seats.",
		Context: routing.Context{Pain: "Inbound leads wait a day for a callback.", Interest: "Round-robin routing",
			CurrentTools: "Salesforce, Outreach", BestTime: "Weekdays after 3 pm ET", BestChannel: "Phone call"},
		Checklist: c,
		Answers: []routing.Answer{
			{QuestionID: "crm", Text: "Salesforce"},
			{QuestionID: "employees", Number: 600},
			{QuestionID: "industry", Text: "E-commerce"},
			{QuestionID: "decision_maker_level", Text: "VP"},
		},
	}
}

// seedTS is a message ts, unique per handoff, near its creation.
func seedTS(created time.Time, i int) string {
	return fmt.Sprintf("%d.%06d", created.Unix(), i%1_000_000)
}

// seedRow is one generated handoff and what happened to it.
type seedRow struct {
	i                                                  int
	state                                              routing.State
	passer, owner, company                             string
	live, consent                                      bool
	created, deadline, claimed, missed, scheduled      time.Time
	accepted, cancelled, callbackAt, nextStep, updated time.Time
	rung                                               int
	answers                                            []byte
	turn                                               []byte
	events                                             []seedEvent
	// work is what the owner did after getting the lead, and the SLA
	// clocks' record of it, as routing kept it.
	work routing.Work
}

type seedEvent struct {
	at     time.Time
	actor  string
	kind   routing.EventKind
	detail []byte
}

func detail(kv ...any) []byte {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return b
}

// row generates handoff i of h (i ≥ 1; 0 is the prototype).
func (h History) row(p prototype, i int) seedRow {
	rng := rand.New(rand.NewPCG(h.Seed, uint64(i)))
	step := h.Span / time.Duration(h.Handoffs)
	r := seedRow{
		i:       i,
		passer:  SeedPasser(rng.IntN(h.Passers)),
		owner:   h.Members[rng.IntN(len(h.Members))],
		company: "Seed Co " + strconv.Itoa(i),
		live:    true, consent: true,
		created: h.End.Add(-h.Span).Add(time.Duration(i)*step + time.Duration(rng.Int64N(int64(max(step, 1))))).Truncate(time.Microsecond),
	}
	// A little variety in the answers, as reports on them would see.
	answers := make(map[string]any, len(p.answerMap))
	for k, v := range p.answerMap {
		answers[k] = v
	}
	answers["employees"] = 50 + rng.IntN(5000)
	r.answers, _ = json.Marshal(answers)
	upNext := h.Members[rng.IntN(len(h.Members))]
	r.turn, _ = json.Marshal(routing.Turn{Mode: routing.ModeFirstToClaim, UpNext: upNext, Available: len(h.Members), Members: len(h.Members)})

	open := i >= h.Handoffs-h.Open
	if open {
		// In flight at End: created in the last minute, the window still running.
		r.created = h.End.Add(-time.Duration(rng.Int64N(int64(50 * time.Second)))).Truncate(time.Microsecond)
	}
	r.deadline = r.created.Add(time.Minute)
	r.events = append(r.events,
		seedEvent{r.created, r.passer, routing.EventCreated, detail("pool", h.Pool, "live", true, "checklist", p.checklistName)},
		seedEvent{r.created.Add(time.Second), "baton", routing.EventPosted, detail("ts", seedTS(r.created, i), "column", "message_ts")})
	escalate := func(n int) {
		for k := range n {
			at := r.deadline.Add(time.Duration(k) * time.Minute)
			r.events = append(r.events, seedEvent{at, "baton", routing.EventEscalated,
				detail("step", k+1, "steps", 3, "repeat", 0, "waited_seconds", at.Sub(r.created).Seconds())})
		}
		r.rung = n
	}

	m := h.Mix
	total := m.Claimed + m.Missed + m.Later + m.Cancelled
	x := rng.Float64() * total
	switch {
	case open:
		r.state = routing.StateOpen
		r.owner = ""
		r.nextStep = r.deadline
	case x < m.Claimed:
		r.state = routing.StateClaimed
		r.claimed = r.created.Add(time.Duration(3+rng.IntN(55)) * time.Second)
		if rng.IntN(10) == 0 { // late: after one or two rungs
			escalate(1 + rng.IntN(2))
			r.claimed = r.deadline.Add(time.Duration(r.rung-1)*time.Minute + time.Duration(1+rng.IntN(55))*time.Second)
		}
		r.events = append(r.events, seedEvent{r.claimed, r.owner, routing.EventClaimed,
			detail("seconds_to_claim", r.claimed.Sub(r.created).Seconds(), "late", r.claimed.After(r.deadline), "rung", r.rung)})
	case x < m.Claimed+m.Missed:
		r.state = routing.StateScheduled
		escalate(2)
		r.rung = 3
		r.missed = r.deadline.Add(2 * time.Minute)
		r.claimed = r.missed
		r.events = append(r.events, seedEvent{r.missed, "baton", routing.EventMissed,
			detail("step", 3, "steps", 3, "repeat", 0, "owner", r.owner, "waited_seconds", r.missed.Sub(r.created).Seconds())})
		if rng.IntN(10) < 7 {
			r.callbackAt = r.missed.Add(time.Duration(1+rng.IntN(10)) * time.Minute)
			r.scheduled = r.missed.Add(time.Duration(2+rng.IntN(46)) * time.Hour)
			r.events = append(r.events, seedEvent{r.callbackAt, r.passer, routing.EventScheduled, detail("at", r.scheduled.Format(time.RFC3339))})
		}
	case x < m.Claimed+m.Missed+m.Later:
		r.state = routing.StateScheduled
		r.live, r.consent = false, false
		r.claimed = r.created
		r.scheduled = r.created.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
		r.events[0].detail = detail("pool", h.Pool, "live", false, "checklist", p.checklistName)
	default:
		r.state = routing.StateCancelled
		r.owner = ""
		r.cancelled = r.created.Add(time.Duration(10+rng.IntN(40)) * time.Second)
		r.events = append(r.events, seedEvent{r.cancelled, r.passer, routing.EventCancelled, detail("reason", "Prospect dropped off the call")})
	}
	if r.state == routing.StateScheduled && rng.IntN(10) < 6 {
		r.accepted = r.claimed.Add(time.Duration(1+rng.IntN(30)) * time.Minute)
		r.events = append(r.events, seedEvent{r.accepted, r.owner, routing.EventAccepted, detail()})
	}
	if r.owner != "" {
		h.ownerWork(rng, &r)
	}
	slices.SortStableFunc(r.events, func(a, b seedEvent) int { return a.at.Compare(b.at) })
	r.updated = r.events[len(r.events)-1].at
	return r
}

// workFact is something the owner logged, at a time.
type workFact struct {
	at    time.Time
	apply func(*routing.Handoff)
	event seedEvent
}

// ownerWork generates what r's owner did with the lead (touches, a meeting,
// an outcome), then runs routing's SLA clocks over it as the SLA sweep
// would have, tick by tick up to End, so the breaches, the open clocks and
// the next look (sla_due_at) are exactly what the product would have
// stored. Most leads are worked and closed within days; a few percent are
// left untouched or without an outcome, which is what the digest lists.
func (h History) ownerWork(rng *rand.Rand, r *seedRow) {
	since := r.claimed
	start := since
	if r.scheduled.After(start) {
		start = r.scheduled // the touch clock of a callback starts at its time
	}
	var facts []workFact
	if rng.Float64() < 0.96 {
		touchAt := start.Add(5*time.Minute + time.Duration(rng.Int64N(int64(60*time.Hour)))).Truncate(time.Microsecond)
		kind := routing.TouchCallAttempted
		switch x := rng.IntN(20); {
		case x < 5:
			kind = routing.TouchReplyReceived
		case x < 9:
			kind = routing.TouchMeetingBooked
		}
		var meetingAt time.Time
		touchDetail := detail("touch", string(kind), "meaningful", true)
		if kind == routing.TouchMeetingBooked {
			meetingAt = touchAt.Add(time.Duration(1+rng.IntN(6)) * 24 * time.Hour).Truncate(time.Hour)
			touchDetail = detail("touch", string(kind), "meaningful", true, "meeting_at", meetingAt.Format(time.RFC3339))
		}
		facts = append(facts, workFact{touchAt, func(x *routing.Handoff) {
			x.Work.LastTouchAt, x.Work.LastTouch = touchAt, kind
			if kind == routing.TouchMeetingBooked {
				x.Work.MeetingAt, x.Work.MeetingBookedAt = meetingAt, touchAt
			}
			if x.State == routing.StateScheduled && x.AcceptedAt.IsZero() {
				x.AcceptedAt = touchAt // working the lead is accepting it
			}
		}, seedEvent{touchAt, r.owner, routing.EventTouchLogged, touchDetail}})

		base := touchAt
		if !meetingAt.IsZero() {
			base = meetingAt
		}
		outAt := base.Add(time.Hour + time.Duration(rng.Int64N(int64(20*time.Hour)))).Truncate(time.Microsecond)
		var out routing.Outcome
		switch x := rng.Float64(); {
		case x < 0.90:
			out = routing.Outcome{Kind: routing.OutcomeDisqualified, At: outAt, By: r.owner}
			switch y := rng.IntN(20); {
			case y < 4:
				out.Kind = routing.OutcomeQualifiedSAL
			case y < 7:
				out.Kind = routing.OutcomeQualifiedSQL
			default:
				out.Reason = routing.DisqualifyReasons[rng.IntN(len(routing.DisqualifyReasons))]
				if out.Reason == routing.DisqualifyOther {
					out.Note = "Went with a competitor"
				}
			}
		case x < 0.94 && !meetingAt.IsZero():
			out = routing.Outcome{Kind: routing.OutcomeNoShow, At: outAt, By: r.owner}
		case x < 0.94:
			out = routing.Outcome{Kind: routing.OutcomeConnected, At: outAt, By: r.owner}
		}
		if out.Kind != "" {
			d := detail("outcome", string(out.Kind), "final", out.Kind.Final())
			if out.Reason != "" {
				d = detail("outcome", string(out.Kind), "final", true, "reason", string(out.Reason), "credited_back", out.Reason.CreditsBack())
			}
			facts = append(facts, workFact{outAt, func(x *routing.Handoff) {
				x.Work.Outcome = out
				if out.Kind.Final() {
					x.Work.ClosedAt = out.At
				}
			}, seedEvent{outAt, r.owner, routing.EventOutcomeLogged, d}})
		}
	}

	// The clocks, as the sweep ran them: at each deadline and after each
	// logged fact, up to the end of the history.
	pool := routing.Pool{Name: h.Pool, Channel: h.Channel, Members: h.Members}
	sla := routing.DefaultSLA()
	x := routing.Handoff{
		ID: int64(r.i), State: r.state, Pool: h.Pool, PasserID: r.passer, OwnerID: r.owner,
		CreatedAt: r.created, ClaimDeadline: r.deadline, ClaimedAt: r.claimed, MissedAt: r.missed,
		Live: r.live, ScheduledFor: r.scheduled, AcceptedAt: r.accepted,
		Work: routing.Work{OwnerSince: since},
	}
	at := since
	for range 64 {
		for len(facts) > 0 && !facts[0].at.After(at) {
			facts[0].apply(&x)
			r.events = append(r.events, facts[0].event)
			facts = facts[1:]
		}
		c := routing.CheckSLA(x, pool, sla, at)
		x = c.Handoff
		if c.Event.Kind != "" {
			d, _ := json.Marshal(c.Event.Detail)
			r.events = append(r.events, seedEvent{c.Event.At, c.Event.Actor, c.Event.Kind, d})
		}
		next := x.Work.SLADueAt
		if len(facts) > 0 && (next.IsZero() || facts[0].at.Before(next)) {
			next = facts[0].at
		}
		if next.IsZero() || next.After(h.End) {
			break
		}
		at = next
	}
	r.accepted = x.AcceptedAt
	r.work = x.Work
}

var seedHandoffColumns = []string{
	"submission_key", "state", "pool", "channel", "message_ts", "passer_id", "company", "contact_name", "contact_title",
	"phone", "email", "notes", "answers", "consent", "created_at", "claim_deadline", "owner_id", "claimed_at", "updated_at",
	"live", "checklist_name", "checklist", "context", "escalation", "rung", "next_step_at", "missed_at", "scheduled_for",
	"accepted_at", "declined_by", "cancelled_by", "cancel_reason", "cancelled_at", "turn",
	"owner_since", "last_touch_at", "last_touch_kind", "meeting_at", "meeting_booked_at",
	"outcome", "outcome_reason", "outcome_note", "outcome_at", "outcome_by", "closed_at",
	"breaches", "open_breaches", "sla_due_at",
}

// seedChunkRows loads handoffs [from, to) and their events, in one
// transaction, and counts them by state.
func seedChunkRows(ctx context.Context, db *pgxpool.Pool, h History, p prototype, from, to int, byState map[routing.State]int) (handoffs, events int, err error) {
	rows := make([]seedRow, 0, to-from)
	for i := from; i < to; i++ {
		rows = append(rows, h.row(p, i))
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var before int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM handoffs`).Scan(&before); err != nil {
			return fmt.Errorf("last id: %w", err)
		}
		next := 0
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"handoffs"}, seedHandoffColumns, pgx.CopyFromFunc(func() ([]any, error) {
			if next == len(rows) {
				return nil, nil
			}
			r := &rows[next]
			next++
			w := r.work
			breaches, open := []byte("[]"), []string{}
			if len(w.Breaches) > 0 {
				breaches, _ = json.Marshal(w.Breaches)
			}
			for _, b := range w.Breaches {
				if b.Open() {
					open = append(open, string(b.Clock))
				}
			}
			var cancelledBy, cancelReason *string
			if r.state == routing.StateCancelled {
				cancelledBy, cancelReason = &r.passer, ptr("Prospect dropped off the call")
			}
			return []any{
				"seed-" + strconv.Itoa(r.i), string(r.state), h.Pool, h.Channel, seedTS(r.created, r.i), r.passer, r.company,
				"Dana Reyes", "VP Sales", "+14155550100", "dana@seed.example", "Uses Salesforce, wants routing for 600 seats.",
				r.answers, r.consent, r.created, r.deadline, nullString(r.owner), nullTime(r.claimed), r.updated,
				r.live, p.checklistName, p.checklist, p.context, p.escalation, r.rung, nullTime(r.nextStep), nullTime(r.missed), nullTime(r.scheduled),
				nullTime(r.accepted), []string{}, cancelledBy, cancelReason, nullTime(r.cancelled), r.turn,
				nullTime(w.OwnerSince), nullTime(w.LastTouchAt), nullString(string(w.LastTouch)), nullTime(w.MeetingAt), nullTime(w.MeetingBookedAt),
				nullString(string(w.Outcome.Kind)), nullString(string(w.Outcome.Reason)), nullString(w.Outcome.Note), nullTime(w.Outcome.At), nullString(w.Outcome.By), nullTime(w.ClosedAt),
				breaches, open, nullTime(w.SLADueAt),
			}, nil
		}))
		if err != nil {
			return fmt.Errorf("copy handoffs: %w", err)
		}
		handoffs = int(n)

		// The identity column numbered the rows; read the numbers back by
		// submission key rather than assume they are consecutive.
		ids := make(map[string]int64, len(rows))
		idRows, err := tx.Query(ctx, `SELECT id, submission_key FROM handoffs WHERE id > $1`, before)
		if err != nil {
			return fmt.Errorf("read ids: %w", err)
		}
		for idRows.Next() {
			var id int64
			var key string
			if err := idRows.Scan(&id, &key); err != nil {
				return fmt.Errorf("read ids: %w", err)
			}
			ids[key] = id
		}
		if err := idRows.Err(); err != nil {
			return fmt.Errorf("read ids: %w", err)
		}

		ri, ei := 0, 0
		n, err = tx.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"handoff_id", "at", "actor", "kind", "detail"}, pgx.CopyFromFunc(func() ([]any, error) {
			for ri < len(rows) && ei == len(rows[ri].events) {
				ri, ei = ri+1, 0
			}
			if ri == len(rows) {
				return nil, nil
			}
			r := &rows[ri]
			id, ok := ids["seed-"+strconv.Itoa(r.i)]
			if !ok {
				return nil, fmt.Errorf("handoff seed-%d was not stored", r.i)
			}
			e := r.events[ei]
			ei++
			return []any{id, e.at, e.actor, string(e.kind), e.detail}, nil
		}))
		if err != nil {
			return fmt.Errorf("copy events: %w", err)
		}
		events = int(n)
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for _, r := range rows {
		byState[r.state]++
	}
	return handoffs, events, nil
}

func ptr[T any](v T) *T { return &v }

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
