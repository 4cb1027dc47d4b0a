package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// HomeOpened records that user opened their App Home, and the pools whose
// team boards it shows (those they manage), so that changes to their leads
// and to those pools' leads republish it from now on (see the homes table).
func (s *Store) HomeOpened(ctx context.Context, user string, boards []string, now time.Time) error {
	if boards == nil {
		boards = []string{}
	}
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO homes (user_id, opened_at, boards) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET opened_at = $2, boards = $3`, user, now, boards); err != nil {
		return fmt.Errorf("home opened by %s: %w", user, err)
	}
	return nil
}

// BoardRefreshDelay is how late a team board is republished after a change
// to one of its pool's leads: the changes of a busy pool within it share
// one refresh, instead of republishing every manager's Home each time.
const BoardRefreshDelay = 5 * time.Second

// refreshBoards queues a Home refresh, BoardRefreshDelay from now, for
// every person whose Home shows the team board of pool, unless one is
// already waiting for them (the same coalescing as enqueue's).
func refreshBoards(ctx context.Context, tx pgx.Tx, now time.Time, pool string) error {
	if pool == "" {
		return nil
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO outbox (ordering_key, kind, recipient, created_at, deliver_after, detail)
		SELECT $3 || user_id, $4, user_id, $1, $2, '{}'
		FROM homes h
		WHERE $5 = ANY(h.boards)
			AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ordering_key = $3 || h.user_id
				AND o.delivered_at IS NULL AND o.abandoned_at IS NULL AND o.leased_until IS NULL)
		ORDER BY user_id`,
		now, now.Add(BoardRefreshDelay), routing.HomeKeyPrefix, routing.NoticeHomeRefresh, pool); err != nil {
		return fmt.Errorf("refresh the boards of %s: %w", pool, err)
	}
	return nil
}

// OpenLeads returns the leads user owns and nobody closed, those whose
// SLA sweep falls due first first (then the oldest), up to limit, and how
// many there are in all. They are read from the owner index (0006).
func (s *Store) OpenLeads(ctx context.Context, user string, limit int) ([]routing.Handoff, int, error) {
	leads, total, err := s.counted(ctx, `SELECT count(*) OVER () AS total, `+handoffColumns+` FROM handoffs
		WHERE owner_id = $1 AND state IN ('claimed', 'scheduled') AND closed_at IS NULL
		ORDER BY sla_due_at NULLS LAST, owner_since, id LIMIT $2`, user, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("open leads of %s: %w", user, err)
	}
	return leads, total, nil
}

// PassedRecently returns the last limit handoffs user passed, newest first.
func (s *Store) PassedRecently(ctx context.Context, user string, limit int) ([]routing.Handoff, error) {
	leads, _, err := s.counted(ctx, `SELECT 0 AS total, `+handoffColumns+` FROM handoffs
		WHERE passer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, user, limit)
	if err != nil {
		return nil, fmt.Errorf("handoffs passed by %s: %w", user, err)
	}
	return leads, nil
}

// counted runs a query of a count named total and then handoffColumns,
// and returns the handoffs and the count.
func (s *Store) counted(ctx context.Context, sql string, args ...any) ([]routing.Handoff, int, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []routing.Handoff
	total := 0
	for rows.Next() {
		var h routing.Handoff
		var err error
		if total, h, err = readCounted(rows); err != nil {
			return nil, 0, err
		}
		out = append(out, h)
	}
	return out, total, rows.Err()
}

// HomeNumbers computes user's own figures over [since, until) from the
// event log (read through its kind and time index, so the cost follows
// the period, not the history): the handoffs they claimed and the median
// time to claim them, the SLA clocks that ran out on leads they owned, and
// the outcomes they logged. A breach found at the moment someone logged
// work (rather than by the sweep) is in that work's event, and counts for
// whoever logged it: the owner, nearly always.
//
// It is deliberately small and self-contained: the App Home's "this week"
// line. /handoff stats computes the full team report.
func (s *Store) HomeNumbers(ctx context.Context, user string, since, until time.Time) (routing.ReceiverNumbers, error) {
	n := routing.ReceiverNumbers{Since: since, Until: until, Outcomes: map[routing.OutcomeKind]int{}}
	kinds := []routing.EventKind{routing.EventClaimed, routing.EventSLABreached, routing.EventTouchLogged, routing.EventOutcomeLogged}
	var median float64
	err := s.pool.QueryRow(ctx, `
		SELECT
			count(*) FILTER (WHERE kind = $5 AND actor = $1),
			coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY (detail->>'seconds_to_claim')::float8)
				FILTER (WHERE kind = $5 AND actor = $1), 0),
			coalesce(sum(jsonb_array_length(detail->'breached'))
				FILTER (WHERE kind = $6 AND detail->>'owner' = $1 AND jsonb_typeof(detail->'breached') = 'array'), 0)
			+ coalesce(sum(jsonb_array_length(detail->'sla_breached'))
				FILTER (WHERE kind <> $6 AND actor = $1 AND jsonb_typeof(detail->'sla_breached') = 'array'), 0)
		FROM events
		WHERE kind = ANY($4) AND at >= $2 AND at < $3`,
		user, since, until, kinds, routing.EventClaimed, routing.EventSLABreached).Scan(&n.Claimed, &median, &n.Breaches)
	if err != nil {
		return n, fmt.Errorf("home numbers of %s: %w", user, err)
	}
	n.MedianToClaim = time.Duration(median * float64(time.Second)).Round(time.Second)
	rows, err := s.pool.Query(ctx, `
		SELECT detail->>'outcome', count(*) FROM events
		WHERE kind = $4 AND at >= $2 AND at < $3 AND actor = $1 AND detail ? 'outcome'
		GROUP BY 1`, user, since, until, routing.EventOutcomeLogged)
	if err != nil {
		return n, fmt.Errorf("home numbers of %s: outcomes: %w", user, err)
	}
	var kind string
	var count int
	if _, err := pgx.ForEachRow(rows, []any{&kind, &count}, func() error {
		n.Outcomes[routing.OutcomeKind(kind)] = count
		return nil
	}); err != nil {
		return n, fmt.Errorf("home numbers of %s: outcomes: %w", user, err)
	}
	return n, nil
}

// TeamBoard reads the open work of pools at now for their managers' App
// Home: per pool, the leads waiting for a claim and those with an open SLA
// breach (counts, and the oldest few of each), and the owned leads not
// closed that their owner got within routing.BoardOpenFor (a count). The
// waiting and breached leads come from the digest's partial indexes (0005),
// the owned ones from 0008's; three queries whatever the number of pools.
// The boards come back in the order of pools.
func (s *Store) TeamBoard(ctx context.Context, pools []string, now time.Time, few int) ([]routing.PoolBoard, error) {
	few = max(few, 1)
	boards := make([]routing.PoolBoard, len(pools))
	at := make(map[string]*routing.PoolBoard, len(pools))
	for i, p := range pools {
		boards[i].Pool = p
		at[p] = &boards[i]
	}
	oldest := func(where string, set func(b *routing.PoolBoard, total int, h routing.Handoff)) error {
		// The columns are read from x: the subquery's own, named as the table's.
		rows, err := s.pool.Query(ctx, `SELECT total, `+handoffColumns+` FROM (
				SELECT count(*) OVER (PARTITION BY pool) AS total,
					row_number() OVER (PARTITION BY pool ORDER BY created_at, id) AS rn, handoffs.*
				FROM handoffs WHERE pool = ANY($1) AND `+where+`
			) x WHERE rn <= $2 ORDER BY pool, rn`, pools, few)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			total, h, err := readCounted(rows)
			if err != nil {
				return err
			}
			if b := at[h.Pool]; b != nil {
				set(b, total, h)
			}
		}
		return rows.Err()
	}
	if err := oldest(sqlWaiting, func(b *routing.PoolBoard, total int, h routing.Handoff) {
		b.Unclaimed, b.OldestUnclaimed = total, append(b.OldestUnclaimed, h)
	}); err != nil {
		return nil, fmt.Errorf("team board: unclaimed: %w", err)
	}
	if err := oldest(digestSectionSQLBreached, func(b *routing.PoolBoard, total int, h routing.Handoff) {
		b.Breached, b.OldestBreached = total, append(b.OldestBreached, h)
	}); err != nil {
		return nil, fmt.Errorf("team board: breached: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT pool, count(*) FROM handoffs
		WHERE pool = ANY($1) AND owner_since >= $2 AND `+sqlOwnedOpen+` GROUP BY pool`, pools, now.Add(-routing.BoardOpenFor))
	if err != nil {
		return nil, fmt.Errorf("team board: owned: %w", err)
	}
	var pool string
	var count int
	if _, err := pgx.ForEachRow(rows, []any{&pool, &count}, func() error {
		if b := at[pool]; b != nil {
			b.Owned = count
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("team board: owned: %w", err)
	}
	return boards, nil
}

// digestSectionSQLBreached is an owned lead with an open SLA breach, of any
// clock, written for the breached-leads partial index.
const digestSectionSQLBreached = `open_breaches <> '{}' AND ` + sqlOwnedOpen

// HomeHash is the hash of the App Home last published for user, "" if
// none is known.
func (s *Store) HomeHash(ctx context.Context, user string) (string, error) {
	var hash string
	err := s.pool.QueryRow(ctx, `SELECT view_hash FROM homes WHERE user_id = $1`, user).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("home hash of %s: %w", user, err)
	}
	return hash, nil
}

// SetHomeHash records the hash Slack gave user's App Home when Baton
// published it. It records nothing for a person who never opened Baton's
// Home: their Home is published without a hash.
func (s *Store) SetHomeHash(ctx context.Context, user, hash string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE homes SET view_hash = $2 WHERE user_id = $1`, user, hash); err != nil {
		return fmt.Errorf("home hash of %s: %w", user, err)
	}
	return nil
}
