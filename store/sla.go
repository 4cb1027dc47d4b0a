package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// SweepSLA hands check, one at a time, the owned handoffs whose SLA clocks
// are due for a look at now (sla_due_at; a zero now means the database's
// clock), with the time they were due at, up to limit, each in its own
// transaction, like SweepDue: rows are taken with FOR UPDATE SKIP LOCKED so
// replicas share the work, and a breach is written with its event and
// notices at once, so it is recorded and told exactly once. A check that
// only moves the next look (no event) writes just that. It returns the
// changes that had an event.
func (s *Store) SweepSLA(ctx context.Context, now time.Time, limit int, check func(h routing.Handoff, now time.Time) (routing.Change, error)) ([]routing.Change, error) {
	return s.sweep(ctx, "sweep SLA", `
		WITH clock AS (SELECT coalesce($1::timestamptz, now()) AS now)
		SELECT h.id, clock.now FROM handoffs h, clock
		WHERE h.sla_due_at <= clock.now AND NOT (h.id = ANY($2))
		ORDER BY h.sla_due_at
		LIMIT 1
		FOR UPDATE OF h SKIP LOCKED`, now, limit,
		func(tx pgx.Tx, h routing.Handoff, now time.Time) (routing.Change, bool, error) {
			change, err := check(h, now)
			if err != nil {
				return change, false, err
			}
			if change.Event.Kind != "" {
				change, err = s.writeChange(ctx, tx, h, change)
				return change, true, err
			}
			// Nothing ran out: only the next look moves. It must move past
			// now, or the row would come back in this same pass.
			due := change.Handoff.Work.SLADueAt
			if !due.IsZero() && !due.After(now) {
				return change, false, fmt.Errorf("SLA check left it due at %s", due)
			}
			_, err = tx.Exec(ctx, `UPDATE handoffs SET sla_due_at = $2 WHERE id = $1`, h.ID, nullTime(due))
			return change, false, err
		})
}

// Which leads are in which section of the digest is decided here and
// nowhere else: each section is one SQL condition, which the digest (and
// the tests that ask which section a lead is in) select with.
// A lead is in one section at most: each condition excludes the sections
// before it, in routing.DigestSections' order.
//
// Each condition has a partial index with the very same condition, so that
// PostgreSQL answers the section's count from the index alone, whatever the
// history (TestStuckLeadsCountsFromTheirIndexes checks it does). Changing a
// condition therefore takes a migration that replaces its index.
const (
	sqlWaiting   = `(state = 'open' OR (state = 'scheduled' AND accepted_at IS NULL AND closed_at IS NULL))`
	sqlOwnedOpen = `state IN ('claimed', 'scheduled') AND closed_at IS NULL AND NOT ` + sqlWaiting
)

// sectionSQL is one digest section: its condition and the partial index
// that holds exactly the leads it selects.
type sectionSQL struct {
	where string
	index string
}

// digestSections are the sections' conditions; routing documents what
// each section means.
var digestSections = map[routing.DigestSection]sectionSQL{
	routing.SectionUnclaimed: {index: "handoffs_stuck_unclaimed", where: sqlWaiting},
	routing.SectionUntouched: {index: "handoffs_stuck_untouched",
		where: `open_breaches <> '{}' AND 'first_touch' = ANY(open_breaches) AND ` + sqlOwnedOpen},
	routing.SectionNoOutcome: {index: "handoffs_stuck_no_outcome",
		where: `open_breaches <> '{}' AND 'outcome' = ANY(open_breaches) AND NOT 'first_touch' = ANY(open_breaches) AND ` + sqlOwnedOpen},
	routing.SectionNoShow: {index: "handoffs_stuck_no_show",
		where: `outcome = 'no_show' AND closed_at IS NULL AND (last_touch_at IS NULL OR last_touch_at <= outcome_at)
		AND NOT (open_breaches && '{first_touch,outcome}') AND ` + sqlOwnedOpen},
}

// StuckLeads reads the digest: for each section, how many leads are in it
// and the oldest perSection of them. The eight queries (a count and a page
// per section) go in one round trip; each count is an index-only scan of
// the section's partial index and each page reads perSection rows, so the
// cost follows how many leads are stuck, in index entries, and not the
// history.
func (s *Store) StuckLeads(ctx context.Context, now time.Time, perSection int) (routing.StuckLeads, error) {
	out := routing.StuckLeads{At: now}
	batch := &pgx.Batch{}
	for _, section := range routing.DigestSections {
		where := digestSections[section].where
		batch.Queue(`SELECT count(*) FROM handoffs WHERE ` + where)
		batch.Queue(`SELECT `+handoffColumns+` FROM handoffs WHERE `+where+` ORDER BY created_at, id LIMIT $1`, perSection)
	}
	results := s.pool.SendBatch(ctx, batch)
	defer results.Close()
	for _, section := range routing.DigestSections {
		sec := routing.StuckSectionLeads{Section: section}
		if err := results.QueryRow().Scan(&sec.Total); err != nil {
			return out, fmt.Errorf("stuck leads (%s): count: %w", section, err)
		}
		rows, err := results.Query()
		if err != nil {
			return out, fmt.Errorf("stuck leads (%s): %w", section, err)
		}
		if sec.Leads, err = pgx.AppendRows(sec.Leads, rows, readHandoff); err != nil {
			return out, fmt.Errorf("stuck leads (%s): %w", section, err)
		}
		out.Sections = append(out.Sections, sec)
	}
	if err := results.Close(); err != nil {
		return out, fmt.Errorf("stuck leads: %w", err)
	}
	return out, nil
}

// StartRun records that replica runs job's tick, and reports whether it was
// first: every other replica, and this one after a restart, gets false and
// skips the tick.
func (s *Store) StartRun(ctx context.Context, job string, tick, now time.Time, replica string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO job_runs (job, tick, started_at, replica) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		job, tick, now, replica)
	if err != nil {
		return false, fmt.Errorf("start run %s@%s: %w", job, tick.Format(time.RFC3339), err)
	}
	return tag.RowsAffected() == 1, nil
}

// EnqueueDigest records the digest job's tick and puts the digest for
// channel in the outbox in one transaction: the digest of a tick is posted
// once across replicas and restarts, and a crash can never record the tick
// without the post (or the post without the tick). It reports whether this
// call was the one that did it.
func (s *Store) EnqueueDigest(ctx context.Context, job string, tick, now time.Time, replica, channel string) (bool, error) {
	return s.enqueueRun(ctx, "digest", routing.NoticeDigest, job, tick, now, replica, channel)
}

// EnqueueWeeklyReview is EnqueueDigest for the weekly review: the tick's
// run key and the review's post in one transaction, so it is posted once.
func (s *Store) EnqueueWeeklyReview(ctx context.Context, job string, tick, now time.Time, replica, channel string) (bool, error) {
	return s.enqueueRun(ctx, "weekly review", routing.NoticeWeeklyReview, job, tick, now, replica, channel)
}

// enqueueRun records job's tick and enqueues a notice of kind for channel,
// carrying the tick, in one transaction; first reports whether this call
// inserted the run key.
func (s *Store) enqueueRun(ctx context.Context, what string, kind routing.NoticeKind, job string, tick, now time.Time, replica, channel string) (bool, error) {
	first := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO job_runs (job, tick, started_at, replica) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			job, tick, now, replica)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		first = true
		return enqueue(ctx, tx, now, []routing.Notice{{
			Kind: kind, Recipient: channel,
			Detail: map[string]string{"tick": tick.UTC().Format(time.RFC3339)},
		}})
	})
	if err != nil {
		return false, fmt.Errorf("enqueue %s %s: %w", what, tick.Format(time.RFC3339), err)
	}
	return first, nil
}

// PruneRuns forgets job runs older than before; a run key only has to
// outlive the catch-up window.
func (s *Store) PruneRuns(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM job_runs WHERE tick < $1`, before); err != nil {
		return fmt.Errorf("prune job runs: %w", err)
	}
	return nil
}

// LastRun is the latest tick job ran; ok is false when it never ran.
func (s *Store) LastRun(ctx context.Context, job string) (tick time.Time, ok bool, err error) {
	var last *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT max(tick) FROM job_runs WHERE job = $1`, job).Scan(&last); err != nil {
		return time.Time{}, false, fmt.Errorf("last run of %s: %w", job, err)
	}
	if last == nil {
		return time.Time{}, false, nil
	}
	return *last, true, nil
}

// JobRuns counts the recorded runs of job, for tests and diagnostics.
func (s *Store) JobRuns(ctx context.Context, job string) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM job_runs WHERE job = $1`, job).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs of %s: %w", job, err)
	}
	return n, nil
}
