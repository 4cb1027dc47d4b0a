package store

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/batonhq/baton/routing"
)

// DigestSectionSQL exposes each digest section's condition and
// DigestSectionIndex its partial index, to the tests that check PostgreSQL
// answers the one from the other.
var (
	DigestSectionSQL   = map[routing.DigestSection]string{}
	DigestSectionIndex = map[routing.DigestSection]string{}
)

func init() {
	for section, sql := range digestSections {
		DigestSectionSQL[section], DigestSectionIndex[section] = sql.where, sql.index
	}
}

// puts numbers the submission keys of PutHandoff's rows.
var puts atomic.Int64

// PutHandoff stores h as a new row, exactly as it stands (its ID aside),
// with no event and no notice, and returns the row's id: a test sets up a
// lead in any state with it.
func (s *Store) PutHandoff(ctx context.Context, h routing.Handoff) (int64, error) {
	row, err := rowOf(h)
	if err != nil {
		return 0, fmt.Errorf("put handoff: %w", err)
	}
	row.SubmissionKey, row.UpdatedAt = fmt.Sprintf("put-%d", puts.Add(1)), h.CreatedAt
	var id int64
	if err := s.pool.QueryRow(ctx, insertHandoffSQL+` RETURNING id`, row.args()).Scan(&id); err != nil {
		return 0, fmt.Errorf("put handoff: %w", err)
	}
	return id, nil
}

// SectionsOf lists the digest sections whose condition handoff id meets,
// in routing.DigestSections' order: one at most, if the conditions are
// right.
func (s *Store) SectionsOf(ctx context.Context, id int64) ([]routing.DigestSection, error) {
	var in []routing.DigestSection
	for _, section := range routing.DigestSections {
		var ok bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM handoffs WHERE id = $1 AND (`+digestSections[section].where+`))`, id).Scan(&ok); err != nil {
			return nil, fmt.Errorf("sections of %d: %w", id, err)
		}
		if ok {
			in = append(in, section)
		}
	}
	return in, nil
}
