package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
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

// clockArg is now as the argument of an SQL clock: the time itself, or
// nil for a zero now, which the statements read as the database's now().
// Production decides with the database's clock, so replicas whose clocks
// disagree still agree on what is due; tests that move time by hand pass
// theirs.
func clockArg(now time.Time) *time.Time {
	if now.IsZero() {
		return nil
	}
	return &now
}

// LeaseNotices takes up to limit notices that are due, at most one per
// ordering key (the oldest undelivered one), and leases them until
// now+lease so that no other worker or replica delivers them meanwhile. A
// worker that dies mid-delivery loses its lease and the notice is
// delivered again later: delivery is at least once, and the bot makes
// each delivery idempotent. A zero now means the database's clock.
//
// Slack takes about one post a second per channel, so what is leased for
// a channel follows the channel's order of need:
//   - a hot post (a lead's post into its pool's channel or the fallback
//     pool's) goes first, in submission order: nothing else that posts
//     into that channel (a thread reply, a digest, a review) is leased
//     while one waits, nor a later lead's hot post (by handoff number)
//     while an earlier one's waits, even one the pace put back (else a
//     later post leased just before the earlier one's turn came could take
//     that turn);
//   - a channel has at most one post in flight, across replicas, so the
//     oldest post takes the channel's next turn;
//   - a thread reply waits until the post it replies to is out;
//   - a message's update is no post (Slack does not pace chat.update): it
//     is taken at once, whatever the channel's queue.
//
// Across channels, what a channel sees goes before DMs, and DMs before
// App Home refreshes, oldest first within each: one escalation DMs a
// whole pool, and a claim's message update must not wait behind fifty of
// those; a Home is looked at, not waited for.
func (s *Store) LeaseNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]routing.PendingNotice, error) {
	rows, err := s.pool.Query(ctx, `
		WITH clock AS (SELECT coalesce($1::timestamptz, now()) AS now),
		pending AS (
			SELECT o.id, o.ordering_key, o.kind, o.recipient, o.handoff_id, o.deliver_after, o.leased_until,
				CASE
					WHEN o.kind = $5 THEN coalesce(h.message_ts, '') = ''
					WHEN o.kind = $6 THEN coalesce(h.fallback_ts, '') = ''
					ELSE false
				END AS hot,
				CASE
					WHEN o.kind = $5 THEN coalesce(h.message_ts, '') = ''
					WHEN o.kind = $6 THEN coalesce(h.fallback_ts, '') = ''
					ELSE o.kind = ANY($7::text[])
				END AS posts,
				o.ordering_key LIKE $8 AND coalesce(h.message_ts, '') = '' AS unthreaded
			FROM outbox o LEFT JOIN handoffs h ON h.id = o.handoff_id
			WHERE o.delivered_at IS NULL AND o.abandoned_at IS NULL
		), head AS (
			SELECT DISTINCT ON (ordering_key) * FROM pending ORDER BY ordering_key, id
		), ready AS (
			SELECT head.*,
				CASE
					WHEN kind IN ($5, $6) THEN 0
					WHEN posts THEN 1
					WHEN ordering_key LIKE 'dm:%' THEN 2
					WHEN ordering_key LIKE $4 THEN 3
					ELSE 1
				END AS rank
			FROM head, clock
			WHERE deliver_after <= clock.now AND (leased_until IS NULL OR leased_until <= clock.now)
			  AND NOT (posts AND EXISTS (SELECT 1 FROM pending p WHERE p.recipient = head.recipient AND p.posts
				AND p.leased_until > clock.now))
			  AND NOT (posts AND NOT hot AND EXISTS (SELECT 1 FROM pending p WHERE p.recipient = head.recipient AND p.hot))
			  AND NOT (hot AND EXISTS (SELECT 1 FROM pending p WHERE p.recipient = head.recipient AND p.hot AND p.handoff_id < head.handoff_id))
			  AND NOT (unthreaded AND EXISTS (SELECT 1 FROM pending p WHERE p.ordering_key = $9 || head.handoff_id))
		), due AS (
			SELECT id, rank FROM (
				SELECT DISTINCT ON (CASE WHEN posts THEN 'post:' || recipient ELSE ordering_key END) id, rank
				FROM ready
				ORDER BY CASE WHEN posts THEN 'post:' || recipient ELSE ordering_key END, rank, id
			) one
			ORDER BY rank, id
			LIMIT $3
		)
		-- The conditions are repeated on o because PostgreSQL re-checks them
		-- on the newest row version when another worker leased it meanwhile.
		UPDATE outbox o SET leased_until = clock.now + $2::interval, attempts = o.attempts + 1,
			lease_token = nextval('outbox_lease_token')
		FROM due, clock
		WHERE o.id = due.id
		  AND o.delivered_at IS NULL AND o.abandoned_at IS NULL
		  AND (o.leased_until IS NULL OR o.leased_until <= clock.now)
		RETURNING o.id, o.attempts, o.lease_token, o.kind, coalesce(o.handoff_id, 0), o.recipient, o.detail`,
		clockArg(now), lease, limit, routing.HomeKeyPrefix+"%",
		routing.NoticeChannelMessage, routing.NoticeFallbackMessage,
		routing.ChannelBoundKinds,
		routing.ThreadKeyPrefix+"%", routing.MessageKeyPrefix)
	if err != nil {
		return nil, fmt.Errorf("lease notices: %w", err)
	}
	notices, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.PendingNotice, error) {
		var n routing.PendingNotice
		err := row.Scan(&n.ID, &n.Attempts, &n.Lease, &n.Kind, &n.HandoffID, &n.Recipient, &n.Detail)
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

// ErrLeaseLost is returned when a notice's lease is no longer the
// caller's: it ran out, and another worker may hold the notice now. The
// caller's result is not recorded; the holder's will be.
var ErrLeaseLost = errors.New("the notice's lease ran out and may be another worker's now")

// fenced runs a write on a leased notice, fenced by its lease token, and
// says ErrLeaseLost when the lease is no longer n's.
func (s *Store) fenced(ctx context.Context, what string, n routing.PendingNotice, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, append([]any{n.ID, n.Lease}, args...)...)
	if err != nil {
		return fmt.Errorf("%s notice %d: %w", what, n.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s notice %d: %w", what, n.ID, ErrLeaseLost)
	}
	return nil
}

// MarkDelivered records that a notice reached Slack. A zero now means the
// database's clock.
func (s *Store) MarkDelivered(ctx context.Context, n routing.PendingNotice, now time.Time) error {
	return s.fenced(ctx, "mark delivered", n, `UPDATE outbox SET delivered_at = coalesce($3::timestamptz, now()), leased_until = NULL, last_error = ''
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND abandoned_at IS NULL`, clockArg(now))
}

// MarkFailed records a failed delivery and that the next try is retryIn
// from now (a zero now: the database's clock). The notice keeps its place
// at the head of its ordering key, so later notices wait for it.
func (s *Store) MarkFailed(ctx context.Context, n routing.PendingNotice, cause error, retryIn time.Duration, now time.Time) error {
	return s.fenced(ctx, "mark failed", n, `UPDATE outbox SET deliver_after = coalesce($3::timestamptz, now()) + $4::interval,
		leased_until = NULL, last_error = $5
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND abandoned_at IS NULL`, clockArg(now), retryIn, truncateError(cause))
}

// Postpone puts a leased notice back until wait from now (a zero now: the
// database's clock), or until the time until if it is set, as if it had
// not been leased: nothing was sent (the channel's pace held it back) or
// Slack asked to wait (a 429), so it is no attempt and no failure.
func (s *Store) Postpone(ctx context.Context, n routing.PendingNotice, wait time.Duration, until, now time.Time) error {
	var at *time.Time
	if !until.IsZero() {
		at = &until
	}
	return s.fenced(ctx, "postpone", n, `UPDATE outbox SET deliver_after = coalesce($5::timestamptz, coalesce($3::timestamptz, now()) + $4::interval),
		leased_until = NULL, attempts = greatest(attempts - 1, 0)
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND abandoned_at IS NULL`, clockArg(now), wait, at)
}

// MarkAbandoned gives up on a notice that cannot be delivered (Slack
// refused it for good, or it kept failing), so it stops holding back the
// notices behind it, and records in the event log what was not said and
// why. A zero now means the database's clock.
func (s *Store) MarkAbandoned(ctx context.Context, n routing.PendingNotice, cause error, now time.Time) error {
	msg := truncateError(cause)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var at time.Time
		err := tx.QueryRow(ctx, `UPDATE outbox SET abandoned_at = coalesce($3::timestamptz, now()), leased_until = NULL, last_error = $4
			WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND abandoned_at IS NULL
			RETURNING abandoned_at`, n.ID, n.Lease, clockArg(now), msg).Scan(&at)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrLeaseLost
		}
		if err != nil || n.HandoffID == 0 {
			return err
		}
		return s.appendEvent(ctx, tx, n.HandoffID, at, "baton", routing.EventNoticeAbandoned, map[string]any{
			"notice": string(n.Kind), "recipient": n.Recipient, "attempts": n.Attempts, "error": msg,
		})
	})
	if err != nil {
		return fmt.Errorf("abandon notice %d: %w", n.ID, err)
	}
	return nil
}

// Pace is how fast Baton posts into one conversation: Burst posts at
// once, then one per Interval.
type Pace struct {
	Burst    int
	Interval time.Duration
}

// TakeChannelTurn takes a post into channel at its pace, shared by every
// replica: it returns the zero time when the post may go now (and counts
// it), or when the channel's next turn comes (counting nothing), by the
// clock that decides (a zero now: the database's). A post held back is put
// back until that very time, not for a wait from when it is put back:
// posts held back together are then due together, and the oldest takes
// the turn. A zero Burst keeps no pace.
func (s *Store) TakeChannelTurn(ctx context.Context, channel string, p Pace, now time.Time) (time.Time, error) {
	if p.Burst <= 0 || p.Interval <= 0 {
		return time.Time{}, nil
	}
	// The generic cell rate algorithm: full_at is when the bucket holds
	// Burst turns again; a turn may be taken while it is less than
	// Burst-1 intervals ahead. The upsert locks the channel's row, so
	// replicas taking turns at once take them one after the other.
	var next *time.Time
	err := s.pool.QueryRow(ctx, `
		WITH clock AS (SELECT coalesce($4::timestamptz, now()) AS now),
		took AS (
			INSERT INTO channel_pace AS p (channel, full_at)
			SELECT $1, clock.now + $3::interval FROM clock
			ON CONFLICT (channel) DO UPDATE SET full_at = greatest(p.full_at, (SELECT now FROM clock)) + $3::interval
			WHERE greatest(p.full_at, (SELECT now FROM clock)) - ($2 - 1) * $3::interval <= (SELECT now FROM clock)
			RETURNING NULL::timestamptz AS next
		)
		SELECT next FROM took
		UNION ALL
		SELECT greatest(p.full_at, clock.now) - ($2 - 1) * $3::interval
		FROM channel_pace p, clock
		WHERE p.channel = $1 AND NOT EXISTS (SELECT 1 FROM took)`,
		channel, p.Burst, p.Interval, clockArg(now)).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("take a turn to post in %s: %w", channel, err)
	}
	if next == nil {
		return time.Time{}, nil
	}
	return *next, nil
}

// HoldChannel keeps every replica from posting into channel for wait from
// now (a zero now: the database's clock): Slack answered a post there
// with a 429 and its Retry-After. After the hold the channel gets its
// turns back one per interval, not a burst.
func (s *Store) HoldChannel(ctx context.Context, channel string, wait time.Duration, p Pace, now time.Time) error {
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO channel_pace AS c (channel, full_at)
		VALUES ($1, coalesce($4::timestamptz, now()) + $2::interval + greatest($3 - 1, 0) * $5::interval)
		ON CONFLICT (channel) DO UPDATE SET full_at = greatest(c.full_at, EXCLUDED.full_at)`,
		channel, wait, p.Burst, clockArg(now), p.Interval); err != nil {
		return fmt.Errorf("hold posts into %s: %w", channel, err)
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
