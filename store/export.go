package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// ExportHandoffs hands each the handoffs created in [since, until), oldest
// first, one at a time as PostgreSQL sends them: pgx reads rows off the
// connection as they are asked for, so an export of a million handoffs
// holds one in memory, not a million. An error from each stops it.
func (s *Store) ExportHandoffs(ctx context.Context, since, until time.Time, each func(routing.Handoff) error) error {
	rows, err := s.pool.Query(ctx, `SELECT `+handoffColumns+` FROM handoffs
		WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id`, since, until)
	if err != nil {
		return fmt.Errorf("export handoffs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		h, err := readHandoff(rows)
		if err != nil {
			return fmt.Errorf("export handoffs: %w", err)
		}
		if err := each(h); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export handoffs: %w", err)
	}
	return nil
}

// AnsweredQuestions lists, once each and sorted, the ids of the checklist
// questions answered by handoffs created in [since, until): the answer
// columns of a CSV export must be known before its first row, and a
// question dropped from the configuration since still has answers.
func (s *Store) AnsweredQuestions(ctx context.Context, since, until time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT k FROM handoffs, jsonb_object_keys(answers) AS k
		WHERE created_at >= $1 AND created_at < $2 ORDER BY k`, since, until)
	if err != nil {
		return nil, fmt.Errorf("answered questions: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("answered questions: %w", err)
	}
	return ids, nil
}
