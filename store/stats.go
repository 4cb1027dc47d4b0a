package store

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// statsCohort is the period's handoffs (created in [$1, $2), of the pools
// $3, empty for all, of the passer $4, "" for anyone) with what the event
// log says happened to each: who claimed it and when (the handoff.claimed
// event, whoever owns it now), and which outcomes were ever logged on it
// (the latest outcome is on the row; a no-show followed by a rebooked
// meeting is only in the log). handoffs_created and handoffs_passer_created
// (0007) find the rows; events_handoff (0001) their few events.
//
// Offered is defined here once: a live transfer posted in its pool's
// channel (it has a message ts), not cancelled before its claim window
// closed. A call scheduled for later from the form was never offered for
// claiming, and a lead the passer withdrew within the window never had the
// whole window.
const statsCohort = `
	WITH cohort AS (
		SELECT h.id, h.pool, h.passer_id, h.owner_id, h.state, h.outcome, h.outcome_reason,
			h.created_at, h.claim_deadline,
			h.live AND h.message_ts IS NOT NULL
				AND NOT (h.state = 'cancelled' AND h.cancelled_at <= h.claim_deadline) AS offered,
			c.actor AS claimer, c.at AS claimed_at,
			coalesce(o.warm, false) AS warm, coalesce(o.no_show, false) AS no_show, coalesce(o.held, false) AS held
		FROM handoffs h
		LEFT JOIN LATERAL (
			SELECT e.actor, e.at FROM events e
			WHERE e.handoff_id = h.id AND e.kind = 'handoff.claimed'
			ORDER BY e.id LIMIT 1
		) c ON true
		LEFT JOIN LATERAL (
			SELECT bool_or(e.detail->>'outcome' = 'connected_live') AS warm,
				bool_or(e.detail->>'outcome' = 'no_show') AS no_show,
				bool_or(e.detail->>'outcome' = 'meeting_held') AS held
			FROM events e
			WHERE e.handoff_id = h.id AND e.kind = 'lead.outcome_logged'
		) o ON true
		WHERE h.created_at >= $1 AND h.created_at < $2
			AND (cardinality($3::text[]) = 0 OR h.pool = ANY($3::text[]))
			AND ($4::text = '' OR h.passer_id = $4::text)
	)`

// Stats computes the figures of a report (see routing.Stats for each
// definition) in SQL, in one read-only snapshot, so the figures agree with
// each other even while handoffs are being claimed.
func (s *Store) Stats(ctx context.Context, q routing.StatsQuery) (routing.Stats, error) {
	out := routing.Stats{From: q.From, To: q.To}
	pools := q.Pools
	if pools == nil {
		pools = []string{}
	}
	// $1..$4 select the cohort; $5 is the receiver ("" for everyone's
	// numbers); $6 is when the report is made, which decides whether a
	// still-open lead's claim window has closed.
	args := []any{q.From, q.To, pools, q.Passer, q.Receiver, cmp.Or(q.At, q.To)}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// A receiver's claims are the ones they made; their outcomes
		// those of the leads they own now.
		var median, p90 *float64
		var windowBreaches int
		err := tx.QueryRow(ctx, statsCohort+`,
			mine AS (
				SELECT *,
					offered AND claimer IS NOT NULL AND ($5::text = '' OR claimer = $5::text) AS claimed_mine,
					($5::text = '' OR owner_id = $5::text) AS owned_mine
				FROM cohort
			)
			SELECT
				count(*),
				count(*) FILTER (WHERE offered),
				count(*) FILTER (WHERE claimed_mine),
				count(*) FILTER (WHERE claimed_mine AND claimed_at <= claim_deadline),
				percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM claimed_at - created_at)) FILTER (WHERE claimed_mine),
				percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM claimed_at - created_at)) FILTER (WHERE claimed_mine),
				count(*) FILTER (WHERE claimed_mine AND warm),
				count(*) FILTER (WHERE $5::text = '' AND offered AND claim_deadline <= $6
					AND (claimer IS NULL OR claimed_at > claim_deadline)),
				count(*) FILTER (WHERE owned_mine AND outcome IN ('qualified_sal', 'qualified_sql')),
				count(*) FILTER (WHERE owned_mine AND (held OR no_show)),
				count(*) FILTER (WHERE owned_mine AND no_show)
			FROM mine`, args...).Scan(&out.Handoffs, &out.Offered, &out.Claimed, &out.ClaimedInWindow, &median, &p90,
			&out.WarmTransfers, &windowBreaches, &out.Qualified, &out.Meetings, &out.NoShows)
		if err != nil {
			return fmt.Errorf("figures: %w", err)
		}
		out.MedianToClaim, out.P90ToClaim = seconds(median), seconds(p90)

		breaches, err := breachCounts(ctx, tx, q)
		if err != nil {
			return err
		}
		breaches[routing.ClockClaimWindow] = windowBreaches
		for _, c := range routing.ReportClocks {
			out.Breaches = append(out.Breaches, routing.ClockCount{Clock: c, Count: breaches[c]})
		}

		rows, err := tx.Query(ctx, statsCohort+`
			SELECT outcome_reason, count(*) FROM cohort
			WHERE ($5::text = '' OR owner_id = $5::text) AND outcome = 'disqualified'
			GROUP BY outcome_reason`, args[:5]...)
		if err != nil {
			return fmt.Errorf("disqualified: %w", err)
		}
		reasons, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.ReasonCount, error) {
			var r routing.ReasonCount
			var reason *string
			err := row.Scan(&reason, &r.Count)
			if reason != nil {
				r.Reason = routing.DisqualifyReason(*reason)
			}
			return r, err
		})
		if err != nil {
			return fmt.Errorf("disqualified: %w", err)
		}
		// The form's order, so reports read the same every week.
		slices.SortFunc(reasons, func(a, b routing.ReasonCount) int {
			return cmp.Compare(reasonOrder(a.Reason), reasonOrder(b.Reason))
		})
		out.Disqualified = reasons

		rows, err = tx.Query(ctx, statsCohort+`
			SELECT passer_id, count(*), count(*) FILTER (WHERE outcome IN ('qualified_sal', 'qualified_sql'))
			FROM cohort
			WHERE ($5::text = '' OR owner_id = $5::text)
			GROUP BY passer_id
			ORDER BY count(*) DESC, passer_id`, args[:5]...)
		if err != nil {
			return fmt.Errorf("passers: %w", err)
		}
		out.Passers, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.PasserStats, error) {
			var p routing.PasserStats
			return p, row.Scan(&p.User, &p.Handoffs, &p.Accepted)
		})
		if err != nil {
			return fmt.Errorf("passers: %w", err)
		}

		// Who owns the period's leads, per pool: the distribution.
		rows, err = tx.Query(ctx, statsCohort+`
			SELECT pool, owner_id, count(*) FROM cohort
			WHERE state IN ('claimed', 'scheduled')
			GROUP BY pool, owner_id`, args[:4]...)
		if err != nil {
			return fmt.Errorf("receivers: %w", err)
		}
		owners, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.PoolOwners, error) {
			var o routing.PoolOwners
			return o, row.Scan(&o.Pool, &o.Owner, &o.Leads)
		})
		if err != nil {
			return fmt.Errorf("receivers: %w", err)
		}
		out.Receivers = routing.WeighReceivers(owners, q.Weights, q.Receiver)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("stats %s–%s: %w", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339), err)
	}
	return out, nil
}

// breachCounts counts the breaches of the clocks after the claim that ran
// out in [From, To), by clock, on handoffs of the query's pools and passer
// (whenever they were created), and for a receiver only their own (the
// owner the breach was recorded against). The events that record a breach
// find the handoffs (events_breaches, 0007); the handoff's breaches say
// which clocks ran out when, and whose.
func breachCounts(ctx context.Context, tx pgx.Tx, q routing.StatsQuery) (map[routing.Clock]int, error) {
	pools := q.Pools
	if pools == nil {
		pools = []string{}
	}
	rows, err := tx.Query(ctx, `
		WITH breached AS (
			SELECT DISTINCT handoff_id FROM events
			WHERE (kind = 'sla.breached' OR detail ? 'sla_breached') AND at >= $1 AND at < $2
		)
		SELECT b->>'clock', count(*)
		FROM breached JOIN handoffs h ON h.id = breached.handoff_id
		CROSS JOIN LATERAL jsonb_array_elements(h.breaches) b
		WHERE (b->>'breached_at')::timestamptz >= $1 AND (b->>'breached_at')::timestamptz < $2
			AND (cardinality($3::text[]) = 0 OR h.pool = ANY($3::text[]))
			AND ($4::text = '' OR h.passer_id = $4::text)
			AND ($5::text = '' OR b->>'owner' = $5::text)
		GROUP BY 1`, q.From, q.To, pools, q.Passer, q.Receiver)
	if err != nil {
		return nil, fmt.Errorf("breaches: %w", err)
	}
	out := map[routing.Clock]int{}
	var clock string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&clock, &n}, func() error {
		out[routing.Clock(clock)] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("breaches: %w", err)
	}
	return out, nil
}

// seconds turns a percentile in seconds into a duration, to the millisecond.
func seconds(v *float64) time.Duration {
	if v == nil {
		return 0
	}
	return time.Duration(math.Round(*v*1000)) * time.Millisecond
}

// reasonOrder is a reason code's place in the form; unknown codes last.
func reasonOrder(r routing.DisqualifyReason) int {
	if i := slices.Index(routing.DisqualifyReasons, r); i >= 0 {
		return i
	}
	return len(routing.DisqualifyReasons)
}
