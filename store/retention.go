package store

import (
	"context"
	"fmt"
	"time"
)

// PruneOutbox deletes up to limit notices that were delivered or abandoned
// more than olderThan ago, oldest first, and returns how many it deleted.
// A notice neither delivered nor abandoned is never deleted, however old:
// it is still to be said. The cutoff is read on the database's clock, the
// one every replica shares. One statement per call keeps its locks short;
// the retention job calls it until fewer than limit go. Rows another
// transaction holds are skipped for the next call.
func (s *Store) PruneOutbox(ctx context.Context, olderThan time.Duration, limit int) (int, error) {
	// The primary key is in the order notices are written, so the oldest
	// are found first on it without an index of their own.
	tag, err := s.pool.Exec(ctx, `
		DELETE FROM outbox WHERE id IN (
			SELECT id FROM outbox
			WHERE coalesce(delivered_at, abandoned_at) < now() - make_interval(secs => $1)
			ORDER BY id
			LIMIT $2
			FOR UPDATE SKIP LOCKED)`,
		olderThan.Seconds(), limit)
	if err != nil {
		return 0, fmt.Errorf("prune the outbox: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
