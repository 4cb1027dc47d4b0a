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
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batonhq/baton/routing"
)

// Store is Baton's PostgreSQL store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// webhooks are the endpoints each event is enqueued for; see
	// SetWebhookRoutes.
	webhooks atomic.Pointer[webhookRoutes]
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

// CreateHandoff stores a new handoff, its creation event and the notices that
// announce it, in one transaction. A second call with the same submission key
// (a double submit, a redelivered envelope) returns the first handoff with
// created false and changes nothing.
func (s *Store) CreateHandoff(ctx context.Context, in routing.NewHandoff) (h routing.Handoff, created bool, err error) {
	h, err = in.Row()
	if err != nil {
		return routing.Handoff{}, false, fmt.Errorf("create handoff %s: %w", in.SubmissionKey, err)
	}
	row, err := rowOf(h)
	if err != nil {
		return routing.Handoff{}, false, fmt.Errorf("create handoff %s: %w", in.SubmissionKey, err)
	}
	row.SubmissionKey, row.UpdatedAt = in.SubmissionKey, in.CreatedAt
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		h, err = queryHandoff(ctx, tx, insertHandoffSQL+`
			ON CONFLICT (submission_key) DO NOTHING
			RETURNING `+handoffColumns, row.args())
		if errors.Is(err, routing.ErrNotFound) {
			h, err = queryHandoff(ctx, tx, `SELECT `+handoffColumns+` FROM handoffs WHERE submission_key = $1`, in.SubmissionKey)
			return err
		}
		if err != nil {
			return err
		}
		created = true
		opened := in.Opened(h)
		if err := s.appendEvent(ctx, tx, h.ID, opened.Event.At, opened.Event.Actor, opened.Event.Kind, opened.Event.Detail); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, in.CreatedAt, opened.Notices); err != nil {
			return err
		}
		return refreshBoards(ctx, tx, in.CreatedAt, h.Pool)
	})
	if err != nil {
		return h, false, fmt.Errorf("create handoff %s: %w", in.SubmissionKey, err)
	}
	return h, created, nil
}

// Handoff returns the handoff with id, or routing.ErrNotFound.
func (s *Store) Handoff(ctx context.Context, id int64) (routing.Handoff, error) {
	h, err := queryHandoff(ctx, s.pool, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1`, id)
	if err != nil {
		return h, fmt.Errorf("handoff %d: %w", id, err)
	}
	return h, nil
}

// Claim makes user the owner of handoff id if it is still open, with no
// further check; see ClaimIf.
func (s *Store) Claim(ctx context.Context, id int64, user string, now time.Time) (h routing.Handoff, won bool, err error) {
	return s.ClaimIf(ctx, id, user, now, nil)
}

// ClaimIf makes user the owner of handoff id if it is still open and check
// allows it. The race between simultaneous clickers is decided by one
// conditional UPDATE: exactly one of them gets a row back. The winner's
// transaction also records the claim event and the notices; a loser gets
// won false and the handoff as it now stands, so it can be told who has it.
//
// check runs inside the transaction, with the handoff's row locked and,
// first, a lock on the claimer: caps count a person's leads in every pool,
// so two claims by one member on two leads at once are serialised here and
// the second reads the first's result. The loads it is given lock the
// pool's rotation too (see txLoads), so a claim and a rotation assigning a
// lead in the same pool cannot both count the same free slot. A refusal
// from check is returned as the error (a *routing.ClaimRefusal inside the
// wrap), with won false and nothing changed.
//
// Locks are taken in one order, claimer, then row, then pool, and no other
// transaction takes a claimer's lock, so claims cannot deadlock with the
// ladder or the other changes (row, then pool).
func (s *Store) ClaimIf(ctx context.Context, id int64, user string, now time.Time, check routing.ClaimCheck) (h routing.Handoff, won bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('baton.member:' || $1))`, user); err != nil {
			return fmt.Errorf("lock claimer: %w", err)
		}
		h, err = queryHandoff(ctx, tx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1 FOR UPDATE`, id)
		if err != nil || h.State != routing.StateOpen {
			return err // not open: the loser is told from h who has it
		}
		if check != nil {
			if err := check(h, txLoads(ctx, tx)); err != nil {
				return err
			}
		}
		h, err = queryHandoff(ctx, tx, `
			-- The owner's SLA clocks start now; the next SLA sweep sets their deadline.
			UPDATE handoffs SET state = 'claimed', owner_id = $2, claimed_at = $3, updated_at = $3, next_step_at = NULL,
				owner_since = $3, sla_due_at = $3,
				-- Claimed before the personal offer ended: nobody let it lapse.
				offer_ends_at = CASE WHEN offer_ends_at > $3 THEN NULL ELSE offer_ends_at END
			WHERE id = $1 AND state = 'open'
			RETURNING `+handoffColumns, id, user, now)
		if err != nil {
			return err // the row is locked and open: no row is a real error
		}
		won = true
		// Every claim records its time to claim; one after the window is
		// an SLA breach, flagged so reports can count it.
		detail := map[string]any{
			"seconds_to_claim": h.TimeToClaim().Seconds(),
			"late":             h.ClaimedLate(),
			"rung":             h.Rung,
		}
		if h.FallbackOpen {
			detail["fallback_open"] = true
		}
		if err := s.appendEvent(ctx, tx, h.ID, now, user, routing.EventClaimed, detail); err != nil {
			return err
		}
		// Showing up ends a run of lapsed offers.
		if _, err := tx.Exec(ctx, `UPDATE members SET lapsed_offers = 0, updated_at = $2 WHERE user_id = $1 AND lapsed_offers > 0`, user, now); err != nil {
			return fmt.Errorf("reset lapses: %w", err)
		}
		if err := enqueue(ctx, tx, now, append(routing.NoticesOnClaim(h), routing.HomeRefreshes(h, routing.Change{Handoff: h})...)); err != nil {
			return err
		}
		return refreshBoards(ctx, tx, now, h.Pool)
	})
	if err != nil {
		return h, false, fmt.Errorf("claim %d: %w", id, err)
	}
	return h, won, nil
}

// SetMessageTS records where the handoff's channel message lives, once it is
// posted, so later updates edit that message instead of posting another.
// now is the time of the post: an open live transfer's claim window starts
// then (routing.Posted), its deadlines moved and its up-next member's DM
// queued, in the same transaction as the ts and its event. A second call
// (a retried record) changes nothing.
func (s *Store) SetMessageTS(ctx context.Context, id int64, ts string, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		h, err := queryHandoff(ctx, tx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1 FOR UPDATE`, id)
		if err != nil || h.MessageTS != "" {
			return err
		}
		c := routing.Posted(h, ts, now)
		if _, err := tx.Exec(ctx, `UPDATE handoffs SET message_ts = $2 WHERE id = $1`, id, ts); err != nil {
			return err
		}
		if err := updateHandoff(ctx, tx, c.Handoff, now); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, id, c.Event.At, c.Event.Actor, c.Event.Kind, c.Event.Detail); err != nil {
			return err
		}
		return enqueue(ctx, tx, now, c.Notices)
	})
	if err != nil {
		return fmt.Errorf("set message_ts of handoff %d: %w", id, err)
	}
	return nil
}

// SetFallbackTS records where the handoff's message in the fallback pool's
// channel lives, like SetMessageTS.
func (s *Store) SetFallbackTS(ctx context.Context, id int64, ts string, now time.Time) error {
	return s.setTS(ctx, id, "fallback_ts", ts, now)
}

// setTS sets column (a constant from this package, never input) once, and
// records the post in the event log, in one statement: every post waits on
// it before the notices behind it (the thread reply, a claim's update).
// The channel message's ts is SetMessageTS's: it starts the claim window.
func (s *Store) setTS(ctx context.Context, id int64, column, ts string, now time.Time) error {
	sql := `
		WITH set AS (
			UPDATE handoffs SET ` + column + ` = $2, updated_at = $3 WHERE id = $1 AND ` + column + ` IS NULL RETURNING id
		)
		INSERT INTO events (handoff_id, at, actor, kind, detail)
		SELECT id, $3, 'baton', $4, $5 FROM set`
	args := []any{id, ts, now, routing.EventPosted, map[string]any{"ts": ts, "column": column}}
	if urls := s.webhookURLs(id, routing.EventPosted); len(urls) > 0 {
		// The webhooks' deliveries too, still in one statement (see
		// insertEventWithWebhooksSQL), with the row as it is after the post.
		typ, _ := routing.WebhookTypeOf(routing.EventPosted)
		sql = `
		WITH moved AS (
			UPDATE handoffs SET ` + column + ` = $2, updated_at = $3 WHERE id = $1 AND ` + column + ` IS NULL RETURNING *
		), e AS (
			INSERT INTO events (handoff_id, at, actor, kind, detail)
			SELECT id, $3, 'baton', $4, $5 FROM moved RETURNING id
		)
		INSERT INTO webhook_deliveries (event_id, handoff_id, endpoint, type, occurred_at, handoff, created_at, deliver_after)
		SELECT e.id, $1, u.url, $7, $3, (SELECT to_jsonb(m) FROM moved m), $3, $3
		FROM e, unnest($6::text[]) AS u(url)`
		args = append(args, urls, typ)
	}
	if _, err := s.pool.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("set %s of handoff %d: %w", column, id, err)
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

func (s *Store) appendEvent(ctx context.Context, tx pgx.Tx, handoffID int64, at time.Time, actor string, kind routing.EventKind, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	var handoff *int64 // events about a member, not a handoff, have none
	if handoffID != 0 {
		handoff = &handoffID
	}
	sql, args := insertEventSQL, []any{handoff, at, actor, kind, detail}
	// Every event of a handoff is enqueued for the webhook endpoints
	// subscribed to its type, in its own transaction: a change is stored
	// with all its deliveries, or not at all.
	if urls := s.webhookURLs(handoffID, kind); len(urls) > 0 {
		typ, _ := routing.WebhookTypeOf(kind)
		sql, args = insertEventWithWebhooksSQL, append(args, urls, typ)
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("append event %s: %w", kind, err)
	}
	return nil
}
