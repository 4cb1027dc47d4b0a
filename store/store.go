// Package store keeps Baton's state in PostgreSQL through pgx: the handoffs,
// the append-only event log and the outbox of Slack side effects.
//
// Every state change is one transaction that also appends an event row and
// writes the notices it causes into the outbox, so that the database alone
// says what happened and what Slack still has to be told.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batonhq/baton/routing"
)

// Store is Baton's PostgreSQL store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// New wraps a pgx pool. The schema must be migrated (see Migrate).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Connect opens a pool on connString and checks that the server answers.
func Connect(ctx context.Context, connString string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx's parse errors can quote the connection string, password included.
		return nil, errors.New("connect: DATABASE_URL is not a valid PostgreSQL connection string")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	return pool, nil
}

// Ping reports whether the database answers; it backs the readiness probe.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

const handoffColumns = `id, state, pool, channel, coalesce(message_ts, ''), passer_id,
	company, contact_name, contact_title, phone, email, notes, consent,
	created_at, claim_deadline, coalesce(owner_id, ''), claimed_at,
	live, scheduled_for, checklist_name, checklist, answers, context`

func scanHandoff(row pgx.Row) (routing.Handoff, error) {
	var h routing.Handoff
	var claimedAt, scheduledFor *time.Time
	var checklistName string
	var lead leadJSON
	err := row.Scan(&h.ID, &h.State, &h.Pool, &h.Channel, &h.MessageTS, &h.PasserID,
		&h.Lead.Company, &h.Lead.ContactName, &h.Lead.ContactTitle, &h.Lead.Phone, &h.Lead.Email, &h.Lead.Notes, &h.Lead.Consent,
		&h.CreatedAt, &h.ClaimDeadline, &h.OwnerID, &claimedAt,
		&h.Live, &scheduledFor, &checklistName, &lead.checklist, &lead.answers, &lead.context)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, routing.ErrNotFound
	}
	if err != nil {
		return h, err
	}
	if claimedAt != nil {
		h.ClaimedAt = *claimedAt
	}
	if scheduledFor != nil {
		h.ScheduledFor = *scheduledFor
	}
	if err := lead.decode(checklistName, &h.Lead); err != nil {
		return h, fmt.Errorf("handoff %d: %w", h.ID, err)
	}
	return h, nil
}

// CreateHandoff stores a new handoff, its creation event and the notices that
// announce it, in one transaction. A second call with the same submission key
// (a double submit, a redelivered envelope) returns the first handoff with
// created false and changes nothing.
func (s *Store) CreateHandoff(ctx context.Context, in routing.NewHandoff) (h routing.Handoff, created bool, err error) {
	lead, err := encodeLead(in.Lead)
	if err != nil {
		return h, false, fmt.Errorf("create handoff %s: %w", in.SubmissionKey, err)
	}
	var scheduledFor *time.Time
	if !in.Live {
		scheduledFor = &in.ScheduledFor
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		h, err = scanHandoff(tx.QueryRow(ctx, `
			INSERT INTO handoffs (submission_key, state, pool, channel, passer_id,
				company, contact_name, contact_title, phone, email, notes, consent,
				created_at, claim_deadline, updated_at,
				live, scheduled_for, checklist_name, checklist, answers, context)
			VALUES ($1, 'open', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12,
				$14, $15, $16, $17, $18, $19)
			ON CONFLICT (submission_key) DO NOTHING
			RETURNING `+handoffColumns,
			in.SubmissionKey, in.Pool.Name, in.Pool.Channel, in.PasserID,
			in.Lead.Company, in.Lead.ContactName, in.Lead.ContactTitle, in.Lead.Phone, in.Lead.Email, in.Lead.Notes, in.Lead.Consent,
			in.CreatedAt, in.ClaimDeadline,
			in.Live, scheduledFor, in.Lead.Checklist.Name, lead.checklist, lead.answers, lead.context))
		if errors.Is(err, routing.ErrNotFound) {
			h, err = scanHandoff(tx.QueryRow(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE submission_key = $1`, in.SubmissionKey))
			return err
		}
		if err != nil {
			return err
		}
		created = true
		detail := map[string]any{"pool": in.Pool.Name, "live": in.Live, "checklist": in.Lead.Checklist.Name}
		if unmet := in.Lead.Unmet(); len(unmet) > 0 {
			// Why the lead was not live-qualified, as it was judged then.
			detail["unmet_gates"] = routing.QuestionIDs(unmet)
		}
		if err := appendEvent(ctx, tx, h.ID, in.CreatedAt, in.PasserID, routing.EventCreated, detail); err != nil {
			return err
		}
		return enqueue(ctx, tx, in.CreatedAt, routing.NoticesOnOpen(h))
	})
	if err != nil {
		return h, false, fmt.Errorf("create handoff %s: %w", in.SubmissionKey, err)
	}
	return h, created, nil
}

// Handoff returns the handoff with id, or routing.ErrNotFound.
func (s *Store) Handoff(ctx context.Context, id int64) (routing.Handoff, error) {
	h, err := scanHandoff(s.pool.QueryRow(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1`, id))
	if err != nil {
		return h, fmt.Errorf("handoff %d: %w", id, err)
	}
	return h, nil
}

// Claim makes user the owner of handoff id if it is still open. The race
// between simultaneous clickers is decided by one conditional UPDATE: exactly
// one of them gets a row back. The winner's transaction also records the
// claim event and the notices; a loser gets won false and the handoff as it
// now stands, so it can be told who has it.
func (s *Store) Claim(ctx context.Context, id int64, user string, now time.Time) (h routing.Handoff, won bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		h, err = scanHandoff(tx.QueryRow(ctx, `
			UPDATE handoffs SET state = 'claimed', owner_id = $2, claimed_at = $3, updated_at = $3
			WHERE id = $1 AND state = 'open'
			RETURNING `+handoffColumns, id, user, now))
		if errors.Is(err, routing.ErrNotFound) {
			h, err = scanHandoff(tx.QueryRow(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1`, id))
			return err
		}
		if err != nil {
			return err
		}
		won = true
		detail := map[string]any{
			"seconds_to_claim": h.TimeToClaim().Seconds(),
			"late":             h.ClaimedLate(),
		}
		if err := appendEvent(ctx, tx, h.ID, now, user, routing.EventClaimed, detail); err != nil {
			return err
		}
		return enqueue(ctx, tx, now, routing.NoticesOnClaim(h))
	})
	if err != nil {
		return h, false, fmt.Errorf("claim %d: %w", id, err)
	}
	return h, won, nil
}

// SetMessageTS records where the handoff's channel message lives, once it is
// posted, so later updates edit that message instead of posting another.
func (s *Store) SetMessageTS(ctx context.Context, id int64, ts string, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE handoffs SET message_ts = $2, updated_at = $3 WHERE id = $1 AND message_ts IS NULL`, id, ts, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return appendEvent(ctx, tx, id, now, "baton", routing.EventPosted, map[string]any{"ts": ts})
	})
	if err != nil {
		return fmt.Errorf("set message ts of handoff %d: %w", id, err)
	}
	return nil
}

// Events returns the event log of handoff id, oldest first.
func (s *Store) Events(ctx context.Context, id int64) ([]routing.Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, coalesce(handoff_id, 0), at, actor, kind, detail FROM events WHERE handoff_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("events of handoff %d: %w", id, err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.Event, error) {
		var e routing.Event
		err := row.Scan(&e.ID, &e.HandoffID, &e.At, &e.Actor, &e.Kind, &e.Detail)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("events of handoff %d: %w", id, err)
	}
	return events, nil
}

func appendEvent(ctx context.Context, tx pgx.Tx, handoffID int64, at time.Time, actor string, kind routing.EventKind, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events (handoff_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)`,
		handoffID, at, actor, kind, detail); err != nil {
		return fmt.Errorf("append event %s: %w", kind, err)
	}
	return nil
}
