package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// Apply locks handoff id, lets decide compute the change from its current
// state, and writes the change, its event and its notices in one
// transaction. Because the row is locked while decide runs, two people (or a
// person and the sweeper) acting at once are serialised, and each decides
// from the truth. The change as written is returned (see writeChange), or
// decide's error (a *routing.Refusal for an action not allowed) unchanged
// inside the wrap.
func (s *Store) Apply(ctx context.Context, id int64, decide routing.DecideChange) (routing.Change, error) {
	var change routing.Change
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		h, err := queryHandoff(ctx, tx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		change, err = decide(h, txLoads(ctx, tx))
		if err != nil {
			return err
		}
		change, err = s.writeChange(ctx, tx, h, change)
		return err
	})
	if err != nil {
		return change, fmt.Errorf("handoff %d: %w", id, err)
	}
	return change, nil
}

// SweepDue hands decide, one at a time, the handoffs with a deadline due at
// now (the next rung of an open handoff's ladder, the end of an up-next
// member's personal offer, or the wait for a post that is not out), up to
// limit, each in its own transaction, with the time it was due at. A zero
// now means the database's clock: replicas whose clocks disagree still
// agree on what is due, and decide it with the same time. The ladder of a
// handoff awaiting its post is not due: its window has not started
// (routing.AwaitingPost). Rows are taken with FOR UPDATE SKIP LOCKED, so
// concurrent sweepers (other replicas) share the work and never fire one
// deadline twice, and a claim racing the sweeper is serialised with it on
// the row lock. decide must move the deadline it handled (or the row comes
// back in the same pass). A handoff whose decision fails is skipped for the
// rest of the pass and retried on the next. It returns the changes made, as
// written.
func (s *Store) SweepDue(ctx context.Context, now time.Time, limit int, decide routing.DecideDue) ([]routing.Change, error) {
	return s.sweep(ctx, "sweep due handoffs", `
		WITH clock AS (SELECT coalesce($1::timestamptz, now()) AS now)
		SELECT h.id, clock.now FROM handoffs h, clock
		WHERE ((h.state = 'open' AND h.next_step_at <= clock.now AND h.post_check_at IS NULL)
				OR h.offer_ends_at <= clock.now
				OR (h.state = 'open' AND h.post_check_at <= clock.now))
			AND NOT (h.id = ANY($2))
		ORDER BY least(CASE WHEN h.state = 'open' THEN coalesce(h.post_check_at, h.next_step_at) END, h.offer_ends_at)
		LIMIT 1
		FOR UPDATE OF h SKIP LOCKED`, now, limit,
		func(tx pgx.Tx, h routing.Handoff, now time.Time) (routing.Change, bool, error) {
			change, err := decide(h, now, txLoads(ctx, tx))
			if err != nil {
				return change, false, err
			}
			change, err = s.writeChange(ctx, tx, h, change)
			return change, true, err
		})
}

// sweep runs step, one handoff per transaction, on the handoffs pick
// selects, up to limit, and returns the changes step kept. pick's $1 is
// now (nil for the database's clock), $2 the ids that failed in this pass;
// it returns the id and the time it was due at, and must lock the row
// FOR UPDATE SKIP LOCKED. The id is selected first, then the row: a row
// that cannot be read is then skipped by id like any failure, instead of
// coming back first in every pass and holding up every handoff behind it.
// A handoff whose step fails is skipped for the rest of the pass and
// retried on the next; step must move the deadline it handled, or the row
// comes back in the same pass.
func (s *Store) sweep(ctx context.Context, what, pick string, now time.Time, limit int,
	step func(tx pgx.Tx, h routing.Handoff, now time.Time) (routing.Change, bool, error)) ([]routing.Change, error) {
	var changes []routing.Change
	failed := []int64{} // not nil: id = ANY(NULL) would match nothing
	var errs []error
	for seen := 0; seen < limit; seen++ {
		var change routing.Change
		var id int64
		done, keep := false, false
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var at time.Time
			err := tx.QueryRow(ctx, pick, clockArg(now), failed).Scan(&id, &at)
			if errors.Is(err, pgx.ErrNoRows) {
				done = true
				return nil
			}
			if err != nil {
				return err
			}
			h, err := queryHandoff(ctx, tx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1`, id)
			if err != nil {
				return err
			}
			change, keep, err = step(tx, h, at)
			return err
		})
		switch {
		case err != nil && id == 0:
			return changes, fmt.Errorf("%s: %w", what, errors.Join(append(errs, err)...))
		case err != nil:
			failed = append(failed, id)
			errs = append(errs, fmt.Errorf("%s: handoff %d: %w", what, id, err))
		case done:
			return changes, errors.Join(errs...)
		case keep:
			changes = append(changes, change)
		}
	}
	return changes, errors.Join(errs...)
}

// NextDeadline is when the earliest deadline SweepDue handles falls due; ok
// is false when none is pending. The bot sleeps until then, so a step fires
// on time without polling the table every few milliseconds.
func (s *Store) NextDeadline(ctx context.Context) (at time.Time, ok bool, err error) {
	var next *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT least(
			(SELECT min(next_step_at) FROM handoffs WHERE state = 'open' AND next_step_at IS NOT NULL AND post_check_at IS NULL),
			(SELECT min(offer_ends_at) FROM handoffs WHERE offer_ends_at IS NOT NULL),
			(SELECT min(post_check_at) FROM handoffs WHERE state = 'open' AND post_check_at IS NOT NULL))`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next deadline: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return *next, true, nil
}

// openFor is how long at most a lead without a final outcome counts
// against its owner's open-lead cap: the 30-day ownership freeze.
// Without the bound, years of leads nobody closed would cap everyone.
const openFor = 30 * 24 * time.Hour

// querier is what reading member states needs: a transaction or the pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// txLoads reads members' rotation states inside tx.
// The pool's rotation is locked for the rest of the transaction first:
// two replicas assigning leads of one pool at the same moment (a ladder's
// missed step, a hand-back) would otherwise both read the same counts and
// give both leads to the same member. The second waits for the first to
// commit and then reads its assignment.
func txLoads(ctx context.Context, tx pgx.Tx) routing.Loads {
	return func(pool string, members []string, period, today time.Time) ([]routing.MemberState, error) {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('baton.rotation:' || $1))`, pool); err != nil {
			return nil, fmt.Errorf("lock rotation of %s: %w", pool, err)
		}
		return memberStates(ctx, tx, pool, members, period, today)
	}
}

// MemberStates reads members' rotation states now, for a decision that
// locks nothing (who is offered a new handoff, whether a click may claim).
func (s *Store) MemberStates(ctx context.Context, pool string, members []string, period, today time.Time) ([]routing.MemberState, error) {
	return memberStates(ctx, s.pool, pool, members, period, today)
}

// memberStates derives each member's rotation state. Fairness counts the
// leads a member owns in this pool (for their current owner only, so one
// handed back or reassigned is credited back to whoever had it, and not
// counting one disqualified as a bad fit or a duplicate); caps count the
// person's leads in every pool. A lead counts as open until its final
// outcome, or for openFor after its owner got it at most. Only
// rows since the earliest of these windows are read, so the cost follows
// the period, not the history; a member with no lead in it counts as never
// assigned for ties.
func memberStates(ctx context.Context, q querier, pool string, members []string, period, today time.Time) ([]routing.MemberState, error) {
	openSince := today.Add(-openFor)
	rows, err := q.Query(ctx, `
		WITH owned AS (
			SELECT owner_id,
				count(*) FILTER (WHERE pool = $4 AND owner_since >= $2 AND NOT coalesce(outcome_reason = ANY($6), false)) AS assigned,
				max(owner_since) FILTER (WHERE pool = $4) AS last,
				count(*) FILTER (WHERE owner_since >= $3) AS today,
				count(*) FILTER (WHERE owner_since >= $5 AND closed_at IS NULL) AS open
			FROM handoffs
			WHERE owner_id = ANY($1) AND state IN ('claimed', 'scheduled') AND owner_since >= least($2, $5)
			GROUP BY owner_id
		)
		SELECT coalesce(o.owner_id, m.user_id), coalesce(o.assigned, 0), o.last, coalesce(o.today, 0), coalesce(o.open, 0),
			m.away_until, coalesce(m.lapsed_offers, 0)
		FROM owned o FULL JOIN (SELECT * FROM members WHERE user_id = ANY($1)) m ON m.user_id = o.owner_id`,
		members, period, today, pool, openSince, routing.CreditBackReasons())
	if err != nil {
		return nil, fmt.Errorf("member states: %w", err)
	}
	states, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.MemberState, error) {
		var m routing.MemberState
		var last, away *time.Time
		err := row.Scan(&m.User, &m.Assigned, &last, &m.Today, &m.Open, &away, &m.LapsedOffers)
		if last != nil {
			m.LastAssigned = *last
		}
		if away != nil {
			m.AwayUntil = *away
		}
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("member states: %w", err)
	}
	return states, nil
}

// SetAvailability records a member's /handoff away (until a time) or back
// (until zero), with an event. Coming back also forgets lapsed offers.
func (s *Store) SetAvailability(ctx context.Context, user string, awayUntil, now time.Time) error {
	kind, detail := routing.EventMemberBack, map[string]any{}
	if !awayUntil.IsZero() {
		kind, detail = routing.EventMemberAway, map[string]any{"until": awayUntil.UTC().Format(time.RFC3339)}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO members (user_id, away_until, lapsed_offers, updated_at) VALUES ($1, $2, 0, $3)
			ON CONFLICT (user_id) DO UPDATE SET away_until = $2, lapsed_offers = 0, updated_at = $3`,
			user, nullTime(awayUntil), now); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, 0, now, user, kind, detail); err != nil {
			return err
		}
		// The toggle on their App Home shows it, however it was changed.
		return enqueue(ctx, tx, now, []routing.Notice{routing.HomeRefresh(user)})
	})
	if err != nil {
		return fmt.Errorf("set availability of %s: %w", user, err)
	}
	return nil
}

// writeChange stores a decided change: the handoff's mutable columns, the
// event and the notices, with the App Home refreshes of the people it
// concerns (before is the handoff as it stood: its owner may be the one
// who lost it). A change without an event is a decision to do nothing
// (accepting twice). It returns the change as written: a lapse it carries
// is counted here and completes it (see countLapse).
func (s *Store) writeChange(ctx context.Context, tx pgx.Tx, before routing.Handoff, c routing.Change) (routing.Change, error) {
	if c.Event.Kind == "" {
		return c, nil
	}
	h := c.Handoff
	if err := updateHandoff(ctx, tx, h, c.Event.At); err != nil {
		return c, err
	}
	if c.Member != nil {
		lapsed, err := countLapse(ctx, tx, c.Member.User, c.Event.At)
		if err != nil {
			return c, err
		}
		c = c.Lapsed(lapsed)
	}
	if err := s.appendEvent(ctx, tx, h.ID, c.Event.At, c.Event.Actor, c.Event.Kind, c.Event.Detail); err != nil {
		return c, err
	}
	if err := enqueue(ctx, tx, c.Event.At, append(c.Notices, routing.HomeRefreshes(before, c)...)); err != nil {
		return c, err
	}
	return c, refreshBoards(ctx, tx, c.Event.At, h.Pool)
}

// countLapse adds one lapsed offer to user's count and returns the count,
// in one statement: the claim that resets the count (ClaimIf) holds other
// locks than the sweep of a lapse (another handoff, another pool), so a
// count read earlier and written back could undo a reset committed in
// between and set away a member who has just claimed. The row lock the
// statement takes orders it with the reset, and the count it returns is
// the one the decision to set away is taken from.
func countLapse(ctx context.Context, tx pgx.Tx, user string, now time.Time) (int, error) {
	var lapsed int
	if err := tx.QueryRow(ctx, `
		INSERT INTO members (user_id, lapsed_offers, updated_at) VALUES ($1, 1, $2)
		ON CONFLICT (user_id) DO UPDATE SET lapsed_offers = members.lapsed_offers + 1, updated_at = $2
		RETURNING lapsed_offers`,
		user, now).Scan(&lapsed); err != nil {
		return 0, fmt.Errorf("count a lapse of %s: %w", user, err)
	}
	return lapsed, nil
}

// updateHandoff writes h's columns that change after its creation (those
// handoffRow does not mark insert), and now as its updated_at.
func updateHandoff(ctx context.Context, tx pgx.Tx, h routing.Handoff, now time.Time) error {
	row, err := rowOf(h)
	if err != nil {
		return fmt.Errorf("update handoff %d: %w", h.ID, err)
	}
	row.UpdatedAt = now
	if _, err := tx.Exec(ctx, updateHandoffSQL, row.args()); err != nil {
		return fmt.Errorf("update handoff %d: %w", h.ID, err)
	}
	return nil
}
