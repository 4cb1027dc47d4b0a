package store

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/batonhq/baton/routing"
)

// DigestSectionSQL exposes each digest section's condition to the tests
// that check PostgreSQL answers it from the section's own index.
var DigestSectionSQL = digestSectionSQL

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
