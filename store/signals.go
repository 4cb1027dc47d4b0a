package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// signalsCohort is the period's handoffs (created in [$1, $2), of the
// pools $3, empty for all) with what the event log says about each, for
// the early-warning signals: the claim, whether a scheduled call was
// accepted, "connected live" ever logged, a pass or hand-back, the first
// touch, the owner changes within a week of the handoff, and the
// reassignments, by a manager of the pool or not ($4 and $5: the managers
// as pairs of pool and user). A form the gates refused ($6: refused, the
// views of the form.gates_refused events of the period and the day
// before it, so a form refused late on the eve and stored in the period is
// still known) did not pass the first time. events_handoff (0001) finds a
// handoff's few events; events_gates_refused (0017) the refusals.
//
// Offered is statsCohort's definition.
const signalsCohort = `
	WITH refused AS (
		SELECT DISTINCT detail->>'view' AS view
		FROM events
		WHERE kind = 'form.gates_refused' AND at >= $1::timestamptz - interval '1 day' AND at < $2
	),
	cohort AS (
		SELECT h.id, h.pool, h.owner_id, h.outcome, h.outcome_reason, h.claim_deadline,
			h.live AND h.message_ts IS NOT NULL
				AND NOT (h.state = 'cancelled' AND h.cancelled_at <= h.claim_deadline) AS offered,
			e.claimed_at, coalesce(e.accepted, false) AS accepted, coalesce(e.warm, false) AS warm,
			coalesce(e.declined, false) AS declined, e.first_touch,
			coalesce(e.owner_changes, 0) AS owner_changes, coalesce(e.reassigns, 0) AS reassigns,
			coalesce(e.unmanaged, 0) AS unmanaged,
			EXISTS (SELECT 1 FROM refused r WHERE r.view = h.submission_key) AS refused
		FROM handoffs h
		LEFT JOIN LATERAL (
			SELECT min(e.at) FILTER (WHERE e.kind = 'handoff.claimed') AS claimed_at,
				bool_or(e.kind = 'handoff.accepted') AS accepted,
				bool_or(e.kind = 'lead.outcome_logged' AND e.detail->>'outcome' = 'connected_live') AS warm,
				bool_or(e.kind IN ('handoff.passed', 'handoff.handed_back')) AS declined,
				(array_agg(e.detail->>'touch' ORDER BY e.id) FILTER (WHERE e.kind = 'lead.touch_logged'))[1] AS first_touch,
				count(*) FILTER (WHERE e.kind IN ('lead.reassigned', 'handoff.handed_back')
					AND e.at < h.created_at + interval '7 days') AS owner_changes,
				count(*) FILTER (WHERE e.kind = 'lead.reassigned') AS reassigns,
				count(*) FILTER (WHERE e.kind = 'lead.reassigned' AND NOT EXISTS (
					SELECT 1 FROM unnest($4::text[], $5::text[]) AS m(pool, manager)
					WHERE m.pool = h.pool AND m.manager = e.actor)) AS unmanaged
			FROM events e
			WHERE e.handoff_id = h.id
		) e ON true
		WHERE h.created_at >= $1 AND h.created_at < $2
			AND (cardinality($3::text[]) = 0 OR h.pool = ANY($3::text[]))
	)`

// Signals computes the counts of the early-warning signals (see
// routing.SignalCounts) per pool, in one read-only snapshot, and how many
// weekly reviews before q.To in a row nobody marked reviewed.
func (s *Store) Signals(ctx context.Context, q routing.SignalsQuery) (routing.Signals, error) {
	out := routing.Signals{From: q.From, To: q.To}
	pools := nonNil(q.Pools)
	args := []any{q.From, q.To, pools, nonNil(q.ManagerPools), nonNil(q.Managers)}
	byPool := map[string]*routing.SignalCounts{}
	get := func(pool string) *routing.SignalCounts {
		c, ok := byPool[pool]
		if !ok {
			c = &routing.SignalCounts{}
			byPool[pool] = c
		}
		return c
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, signalsCohort+`
			SELECT pool,
				count(*) FILTER (WHERE offered),
				count(*) FILTER (WHERE offered AND (warm OR claimed_at <= claim_deadline)),
				count(*) FILTER (WHERE offered OR owner_id IS NOT NULL OR declined),
				count(*) FILTER (WHERE declined),
				count(*) FILTER (WHERE first_touch IS NOT NULL),
				count(*) FILTER (WHERE first_touch = 'templated_email'),
				count(*) FILTER (WHERE offered AND claimed_at IS NOT NULL),
				count(*) FILTER (WHERE claimed_at IS NOT NULL OR accepted),
				count(*) FILTER (WHERE (claimed_at IS NOT NULL OR accepted) AND outcome = 'qualified_sql'),
				count(*),
				count(*) FILTER (WHERE NOT refused),
				count(*) FILTER (WHERE owner_id IS NOT NULL),
				count(*) FILTER (WHERE owner_changes > 0),
				coalesce(sum(reassigns), 0),
				coalesce(sum(unmanaged), 0)
			FROM cohort GROUP BY pool`, args...)
		if err != nil {
			return fmt.Errorf("counts: %w", err)
		}
		var pool string
		var c routing.SignalCounts
		_, err = pgx.ForEachRow(rows, []any{&pool, &c.Offered, &c.Joined, &c.Reached, &c.Declined, &c.FirstTouches, &c.Templated,
			&c.Claimed, &c.SAL, &c.SQL, &c.Submissions, &c.FirstPass, &c.Owned, &c.MultiOwner, &c.Reassigned, &c.Unmanaged}, func() error {
			*get(pool) = c
			return nil
		})
		if err != nil {
			return fmt.Errorf("counts: %w", err)
		}

		// A form refused in the period and never stored did not pass
		// either; it counts in the pool the lead would have gone to.
		rows, err = tx.Query(ctx, `
			SELECT detail->>'pool', count(DISTINCT detail->>'view')
			FROM events r
			WHERE kind = 'form.gates_refused' AND at >= $1 AND at < $2
				AND (cardinality($3::text[]) = 0 OR detail->>'pool' = ANY($3::text[]))
				AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.submission_key = r.detail->>'view')
			GROUP BY 1`, q.From, q.To, pools)
		if err != nil {
			return fmt.Errorf("refused forms: %w", err)
		}
		var n int
		_, err = pgx.ForEachRow(rows, []any{&pool, &n}, func() error {
			get(pool).Submissions += n
			return nil
		})
		if err != nil {
			return fmt.Errorf("refused forms: %w", err)
		}

		rows, err = tx.Query(ctx, signalsCohort+`
			SELECT pool, outcome_reason, count(*) FROM cohort
			WHERE outcome = 'disqualified'
			GROUP BY pool, outcome_reason`, args...)
		if err != nil {
			return fmt.Errorf("disqualified: %w", err)
		}
		var reason *string
		_, err = pgx.ForEachRow(rows, []any{&pool, &reason, &n}, func() error {
			r := routing.ReasonCount{Count: n}
			if reason != nil {
				r.Reason = routing.DisqualifyReason(*reason)
			}
			c := get(pool)
			c.Reasons = append(c.Reasons, r)
			return nil
		})
		if err != nil {
			return fmt.Errorf("disqualified: %w", err)
		}

		out.UnreviewedWeeks, err = unreviewedWeeks(ctx, tx, q.Before)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("signals %s–%s: %w", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339), err)
	}
	for pool, c := range byPool {
		slices.SortFunc(c.Reasons, func(a, b routing.ReasonCount) int {
			return cmp.Compare(reasonOrder(a.Reason), reasonOrder(b.Reason))
		})
		out.Pools = append(out.Pools, routing.PoolSignals{Pool: pool, SignalCounts: *c})
	}
	slices.SortFunc(out.Pools, func(a, b routing.PoolSignals) int { return cmp.Compare(a.Pool, b.Pool) })
	return out, nil
}

// unreviewedWeeks counts the weekly reviews posted before before, back to
// the latest one somebody marked reviewed: the weeks in a row nobody ran
// the review. A zero before counts none.
func unreviewedWeeks(ctx context.Context, tx pgx.Tx, before time.Time) (int, error) {
	if before.IsZero() {
		return 0, nil
	}
	var n int
	err := tx.QueryRow(ctx, `
		SELECT count(*) FROM reviews
		WHERE tick < $1 AND reviewed_at IS NULL
			AND tick > coalesce((SELECT max(tick) FROM reviews WHERE tick < $1 AND reviewed_at IS NOT NULL), '-infinity')`,
		before).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unreviewed weeks: %w", err)
	}
	return n, nil
}

// RecordGatesRefused records that the gates refused the live transfer of
// the form view (submitted by user, bound for pool, with the gated
// questions it did not pass): a form.gates_refused event about no
// handoff, so the first-pass signal counts the form even if it is never
// stored.
func (s *Store) RecordGatesRefused(ctx context.Context, view, user, pool string, unmet []string, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return s.appendEvent(ctx, tx, 0, now, user, routing.EventGatesRefused,
			map[string]any{"view": view, "pool": pool, "unmet": nonNil(unmet)})
	})
	if err != nil {
		return fmt.Errorf("record gates refused for form %s: %w", view, err)
	}
	return nil
}

// ReviewPosted records where the weekly review of tick was posted, with a
// review.posted event, in one transaction; a second record (a retried
// post) keeps the first.
func (s *Store) ReviewPosted(ctx context.Context, tick time.Time, channel, ts string, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO reviews (tick, channel, message_ts, posted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			tick, channel, ts, now)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return s.appendEvent(ctx, tx, 0, now, "baton", routing.EventReviewPosted,
			map[string]any{"tick": tick.UTC().Format(time.RFC3339), "channel": channel, "ts": ts})
	})
	if err != nil {
		return fmt.Errorf("record weekly review %s posted: %w", tick.Format(time.RFC3339), err)
	}
	return nil
}

// Review reads the weekly review of tick, or routing.ErrNotFound when it
// was never posted.
func (s *Store) Review(ctx context.Context, tick time.Time) (routing.PostedReview, error) {
	r, err := queryReview(ctx, s.pool, `SELECT `+reviewColumns+` FROM reviews WHERE tick = $1`, tick)
	if err != nil {
		return r, fmt.Errorf("weekly review %s: %w", tick.Format(time.RFC3339), err)
	}
	return r, nil
}

const reviewColumns = `tick, channel, message_ts, coalesce(reviewed_by, ''), reviewed_at`

func queryReview(ctx context.Context, db interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, sql string, args ...any) (routing.PostedReview, error) {
	var r routing.PostedReview
	var at *time.Time
	err := db.QueryRow(ctx, sql, args...).Scan(&r.Tick, &r.Channel, &r.MessageTS, &r.ReviewedBy, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, routing.ErrNotFound
	}
	if at != nil {
		r.ReviewedAt = *at
	}
	return r, err
}

// MarkReviewed records that user reviewed the weekly review of tick, whose
// message the click came from (channel and ts: a button copied into
// another message is refused as routing.ErrNotFound), with a
// review.reviewed event and the message's update, in one transaction. The
// first press counts: a later one changes nothing and returns the review
// as the first left it, with first false.
func (s *Store) MarkReviewed(ctx context.Context, tick time.Time, channel, ts, user string, now time.Time) (r routing.PostedReview, first bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		r, err = queryReview(ctx, tx, `SELECT `+reviewColumns+` FROM reviews WHERE tick = $1 FOR UPDATE`, tick)
		if err != nil {
			return err
		}
		if r.Channel != channel || r.MessageTS != ts {
			return routing.ErrNotFound
		}
		if r.ReviewedBy != "" {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE reviews SET reviewed_by = $2, reviewed_at = $3 WHERE tick = $1`, tick, user, now); err != nil {
			return err
		}
		stamp := tick.UTC().Format(time.RFC3339)
		if err := s.appendEvent(ctx, tx, 0, now, user, routing.EventReviewed, map[string]any{"tick": stamp}); err != nil {
			return err
		}
		r.ReviewedBy, r.ReviewedAt, first = user, now, true
		return enqueue(ctx, tx, now, []routing.Notice{{Kind: routing.NoticeReviewUpdate, Recipient: channel,
			Detail: map[string]string{"tick": stamp, "ts": ts}}})
	})
	if err != nil {
		return r, false, fmt.Errorf("mark weekly review %s reviewed: %w", tick.Format(time.RFC3339), err)
	}
	return r, first, nil
}

// nonNil is list, or an empty one for nil: pgx sends nil as NULL, which
// cardinality and unnest do not take as an empty list.
func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
