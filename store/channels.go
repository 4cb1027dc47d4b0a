package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// ChannelUninvited records that Baton cannot post into c.Channel. The call
// that opens an episode (the channel was not recorded as uninvited)
// appends the channel.uninvited event and enqueues notices, in one
// transaction, and reports true; a later one, from a retry or another
// replica, refreshes the name, pools and error, and reports false. The
// channel's row is locked for the decision, so of any number of replicas
// finding it at once exactly one opens the episode.
func (s *Store) ChannelUninvited(ctx context.Context, c routing.UninvitedChannel, notices []routing.Notice, now time.Time) (bool, error) {
	opened := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO channel_access (channel, updated_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, c.Channel, now); err != nil {
			return err
		}
		var since *time.Time
		if err := tx.QueryRow(ctx, `SELECT denied_since FROM channel_access WHERE channel = $1 FOR UPDATE`, c.Channel).Scan(&since); err != nil {
			return err
		}
		pools := c.Pools
		if pools == nil {
			pools = []string{}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE channel_access SET name = CASE WHEN $2 <> '' THEN $2 ELSE name END, pools = $3, error = $4,
				denied_since = coalesce(denied_since, $5), updated_at = $5
			WHERE channel = $1`, c.Channel, c.Name, pools, c.Error, now); err != nil {
			return err
		}
		if since != nil {
			return nil
		}
		opened = true
		if err := s.appendEvent(ctx, tx, 0, now, "baton", routing.EventChannelUninvited, map[string]any{
			"channel": c.Channel, "name": c.Name, "pools": pools, "error": c.Error,
		}); err != nil {
			return err
		}
		return enqueue(ctx, tx, now, notices)
	})
	if err != nil {
		return false, fmt.Errorf("record channel %s uninvited: %w", c.Channel, err)
	}
	return opened, nil
}

// ChannelInvited ends the channel's episode, if one runs: Baton can post
// there again. It appends the channel.invited event and reports true when
// it ended one.
func (s *Store) ChannelInvited(ctx context.Context, channel string, now time.Time) (bool, error) {
	closed := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var since time.Time
		err := tx.QueryRow(ctx, `
			WITH old AS (SELECT channel, denied_since FROM channel_access WHERE channel = $1 AND denied_since IS NOT NULL FOR UPDATE)
			UPDATE channel_access a SET denied_since = NULL, error = '', updated_at = $2
			FROM old WHERE a.channel = old.channel
			RETURNING old.denied_since`, channel, now).Scan(&since)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		closed = true
		return s.appendEvent(ctx, tx, 0, now, "baton", routing.EventChannelInvited, map[string]any{
			"channel": channel, "uninvited_since": since,
		})
	})
	if err != nil {
		return false, fmt.Errorf("record channel %s invited: %w", channel, err)
	}
	return closed, nil
}

// UninvitedChannels are the channels whose episode runs, by ID.
func (s *Store) UninvitedChannels(ctx context.Context) ([]routing.UninvitedChannel, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT channel, name, pools, error, denied_since FROM channel_access
		WHERE denied_since IS NOT NULL ORDER BY channel`)
	if err != nil {
		return nil, fmt.Errorf("uninvited channels: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.UninvitedChannel, error) {
		var c routing.UninvitedChannel
		err := row.Scan(&c.Channel, &c.Name, &c.Pools, &c.Error, &c.Since)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("uninvited channels: %w", err)
	}
	return out, nil
}
