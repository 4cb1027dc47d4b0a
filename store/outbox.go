package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// enqueue writes notices into the outbox in one statement, in their order
// (ids follow it, and delivery follows ids within an ordering key): an
// escalation step DMs a whole pool, and one insert per notice held the
// handoff's row lock for fifty round trips.
//
// App Home refreshes are written only for people who have opened their
// Home (see the homes table), and only when none of theirs is already
// waiting unleased: a refresh renders the Home from the state at delivery,
// so one that has not started yet covers every change before it. One
// already leased may have read the state before this change, so another
// is queued behind it. Two changes committing at once may both queue one:
// a Home published twice, which is harmless.
func enqueue(ctx context.Context, tx pgx.Tx, now time.Time, notices []routing.Notice) error {
	if len(notices) == 0 {
		return nil
	}
	keys := make([]string, len(notices))
	kinds := make([]string, len(notices))
	handoffs := make([]*int64, len(notices))
	recipients := make([]string, len(notices))
	details := make([]string, len(notices))
	for i, n := range notices {
		detail := n.Detail
		if detail == nil {
			detail = map[string]string{}
		}
		raw, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("enqueue %s: detail: %w", n.Kind, err)
		}
		details[i] = string(raw)
		keys[i], kinds[i], recipients[i] = n.OrderingKey(), string(n.Kind), n.Recipient
		if n.HandoffID != 0 {
			handoffs[i] = &n.HandoffID
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO outbox (ordering_key, kind, handoff_id, recipient, created_at, deliver_after, detail)
		SELECT k, kind, h, r, $5, $5, d::jsonb
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $6::text[]) WITH ORDINALITY AS n(k, kind, h, r, d, i)
		WHERE kind <> $7 OR (
			EXISTS (SELECT 1 FROM homes WHERE user_id = r)
			AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ordering_key = k
				AND o.delivered_at IS NULL AND o.abandoned_at IS NULL AND o.leased_until IS NULL))
		ORDER BY i`,
		keys, kinds, handoffs, recipients, now, details, routing.NoticeHomeRefresh); err != nil {
		return fmt.Errorf("enqueue %d notices (%s…): %w", len(notices), notices[0].Kind, err)
	}
	return nil
}

// LeaseNotices takes up to limit notices that are due, at most one per
// ordering key (the oldest undelivered one), and leases them until now+lease
// so that no other worker or replica delivers them meanwhile. A worker that
// dies mid-delivery loses its lease and the notice is delivered again later:
// delivery is at least once, and the bot makes each delivery idempotent.
// What a channel sees (a post, its update, a re-ping) is taken before DMs,
// and DMs before App Home refreshes, oldest first within each: one
// escalation DMs a whole pool, and a claim's message update must not wait
// behind fifty of those; a Home is looked at, not waited for.
func (s *Store) LeaseNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]routing.PendingNotice, error) {
	rows, err := s.pool.Query(ctx, `
		WITH head AS (
			SELECT DISTINCT ON (ordering_key) id, ordering_key, deliver_after, leased_until
			FROM outbox
			WHERE delivered_at IS NULL AND abandoned_at IS NULL
			ORDER BY ordering_key, id
		), due AS (
			SELECT id FROM head
			WHERE deliver_after <= $1 AND (leased_until IS NULL OR leased_until <= $1)
			ORDER BY CASE WHEN ordering_key LIKE 'dm:%' THEN 1 WHEN ordering_key LIKE $4 THEN 2 ELSE 0 END, id
			LIMIT $3
		)
		-- The conditions are repeated on o because PostgreSQL re-checks them
		-- on the newest row version when another worker leased it meanwhile.
		UPDATE outbox o SET leased_until = $2, attempts = o.attempts + 1
		FROM due
		WHERE o.id = due.id
		  AND o.delivered_at IS NULL AND o.abandoned_at IS NULL
		  AND (o.leased_until IS NULL OR o.leased_until <= $1)
		RETURNING o.id, o.attempts, o.kind, coalesce(o.handoff_id, 0), o.recipient, o.detail`,
		now, now.Add(lease), limit, routing.HomeKeyPrefix+"%")
	if err != nil {
		return nil, fmt.Errorf("lease notices: %w", err)
	}
	notices, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.PendingNotice, error) {
		var n routing.PendingNotice
		err := row.Scan(&n.ID, &n.Attempts, &n.Kind, &n.HandoffID, &n.Recipient, &n.Detail)
		if len(n.Detail) == 0 {
			n.Detail = nil
		}
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("lease notices: %w", err)
	}
	// UPDATE … RETURNING has no order; oldest first is the fair one.
	slices.SortFunc(notices, func(a, b routing.PendingNotice) int { return cmp.Compare(a.ID, b.ID) })
	return notices, nil
}

// MarkDelivered records that a notice reached Slack.
func (s *Store) MarkDelivered(ctx context.Context, id int64, now time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE outbox SET delivered_at = $2, leased_until = NULL, last_error = '' WHERE id = $1`, id, now); err != nil {
		return fmt.Errorf("mark notice %d delivered: %w", id, err)
	}
	return nil
}

// MarkFailed records a failed delivery and when to try again. The notice keeps
// its place at the head of its ordering key, so later notices wait for it.
func (s *Store) MarkFailed(ctx context.Context, id int64, cause error, retryAt time.Time) error {
	msg := truncateError(cause)
	if _, err := s.pool.Exec(ctx, `UPDATE outbox SET deliver_after = $2, leased_until = NULL, last_error = $3 WHERE id = $1`, id, retryAt, msg); err != nil {
		return fmt.Errorf("mark notice %d failed: %w", id, err)
	}
	return nil
}

// Postpone puts a leased notice back until at, as if it had not been
// leased: nothing was sent (the channel's pace held it back), so it is no
// attempt and no failure.
func (s *Store) Postpone(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE outbox SET deliver_after = $2, leased_until = NULL, attempts = greatest(attempts - 1, 0) WHERE id = $1`, id, at); err != nil {
		return fmt.Errorf("postpone notice %d: %w", id, err)
	}
	return nil
}

// MarkAbandoned gives up on a notice that cannot be delivered (Slack
// refused it for good, or it kept failing), so it stops holding back the
// notices behind it, and records in the event log what was not said and why.
func (s *Store) MarkAbandoned(ctx context.Context, n routing.PendingNotice, cause error, now time.Time) error {
	msg := truncateError(cause)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE outbox SET abandoned_at = $2, leased_until = NULL, last_error = $3 WHERE id = $1`, n.ID, now, msg); err != nil {
			return err
		}
		if n.HandoffID == 0 {
			return nil
		}
		return appendEvent(ctx, tx, n.HandoffID, now, "baton", routing.EventNoticeAbandoned, map[string]any{
			"notice": string(n.Kind), "recipient": n.Recipient, "attempts": n.Attempts, "error": msg,
		})
	})
	if err != nil {
		return fmt.Errorf("abandon notice %d: %w", n.ID, err)
	}
	return nil
}

// PendingCount is how many notices wait for delivery; it backs readiness
// diagnostics and tests that wait for the outbox to drain.
func (s *Store) PendingCount(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND abandoned_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending notices: %w", err)
	}
	return n, nil
}
