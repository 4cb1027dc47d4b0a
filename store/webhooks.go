package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// WebhookRoute is one configured webhook endpoint as the store needs it
// to enqueue deliveries: its URL (the endpoint's identity in the
// deliveries table) and the public types it is subscribed to (none: all).
// The secret is not the store's: the webhook worker looks it up at
// delivery.
type WebhookRoute struct {
	URL   string
	Types []routing.WebhookType
}

// webhookRoutes is, for each event kind a webhook carries, the URLs of the
// endpoints subscribed to it, and every configured URL.
type webhookRoutes struct {
	byKind map[routing.EventKind][]string
	urls   []string
}

// SetWebhookRoutes replaces the endpoints that every event appended from
// now on is enqueued for (at start-up, and on a configuration reload). A
// delivery already enqueued keeps its endpoint.
func (s *Store) SetWebhookRoutes(routes []WebhookRoute) {
	m := webhookRoutes{byKind: map[routing.EventKind][]string{}, urls: []string{}}
	for _, r := range routes {
		m.urls = append(m.urls, r.URL)
		for _, kind := range routing.WebhookKinds(r.Types) {
			m.byKind[kind] = append(m.byKind[kind], r.URL)
		}
	}
	s.webhooks.Store(&m)
}

// webhookURLs returns the endpoints an event of kind about a handoff is
// enqueued for: none for an event about no handoff.
func (s *Store) webhookURLs(handoffID int64, kind routing.EventKind) []string {
	routes := s.webhooks.Load()
	if handoffID == 0 || routes == nil {
		return nil
	}
	return routes.byKind[kind]
}

// insertEventSQL appends an event ($1 handoff, $2 at, $3 actor, $4 kind,
// $5 detail). insertEventWithWebhooksSQL also enqueues it for the
// endpoints $6 as webhook type $7, with the handoff's row as the
// transaction has it now (the change is written before its event) as the
// snapshot the body is built from: one statement either way, so an event
// costs no round trip more when webhooks are configured.
const (
	insertEventSQL             = `INSERT INTO events (handoff_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)`
	insertEventWithWebhooksSQL = `
		WITH e AS (` + insertEventSQL + ` RETURNING id)
		INSERT INTO webhook_deliveries (event_id, handoff_id, endpoint, type, occurred_at, handoff, created_at, deliver_after)
		SELECT e.id, $1, u.url, $7, $2, (SELECT to_jsonb(h) FROM handoffs h WHERE h.id = $1), $2, $2
		FROM e, unnest($6::text[]) AS u(url)`
)

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	// ID is the row's; DeliveryID is the X-Baton-Delivery the receiver
	// sees, the same on every attempt and replay.
	ID         int64
	DeliveryID string
	EventID    int64
	Endpoint   string
	Type       routing.WebhookType
	OccurredAt time.Time
	// Attempts counts the leases so far, this one included.
	Attempts int
	// Lease fences the writes of this attempt's result.
	Lease int64
	// Actor and Detail are the event's, as the event log has them.
	Actor  string
	Detail map[string]any
	// Handoff is the handoff as it stood just after the event.
	Handoff routing.Handoff
	// The delivery's state, for listing.
	CreatedAt   time.Time
	DeliveredAt time.Time
	DeadAt      time.Time
	LastError   string
}

// webhookRow is a delivery with its event and its handoff's snapshot,
// read with the handoff's own row mapping.
type webhookRow struct {
	RowID       int64          `db:"w_id"`
	DeliveryID  string         `db:"w_delivery_id"`
	EventID     int64          `db:"w_event_id"`
	Endpoint    string         `db:"w_endpoint"`
	Type        string         `db:"w_type"`
	OccurredAt  time.Time      `db:"w_occurred_at"`
	Attempts    int            `db:"w_attempts"`
	Lease       *int64         `db:"w_lease_token"`
	CreatedAt   time.Time      `db:"w_created_at"`
	DeliveredAt *time.Time     `db:"w_delivered_at"`
	DeadAt      *time.Time     `db:"w_dead_at"`
	LastError   string         `db:"w_last_error"`
	Actor       string         `db:"e_actor"`
	Detail      map[string]any `db:"e_detail"`
	handoffRow
}

// webhookSelect reads deliveries as webhookRows: the snapshot is turned
// back into a handoffs row by PostgreSQL, so it is read exactly as a live
// row is. A column added to handoffs after the snapshot was taken is not
// in it: it takes the handoff's current value (the base record), never a
// NULL its field may not hold.
var webhookSelect = `
	SELECT w.id AS w_id, w.delivery_id::text AS w_delivery_id, w.event_id AS w_event_id, w.endpoint AS w_endpoint,
		w.type AS w_type, w.occurred_at AS w_occurred_at, w.attempts AS w_attempts, w.lease_token AS w_lease_token,
		w.created_at AS w_created_at, w.delivered_at AS w_delivered_at, w.dead_at AS w_dead_at, w.last_error AS w_last_error,
		coalesce(e.actor, '') AS e_actor, coalesce(e.detail, '{}') AS e_detail, ` + joinColumns(func(column) bool { return true }, "p.%s") + `
	FROM webhook_deliveries w
	LEFT JOIN events e ON e.id = w.event_id
	CROSS JOIN LATERAL jsonb_populate_record((SELECT h FROM handoffs h WHERE h.id = w.handoff_id), w.handoff) p`

func readWebhook(row pgx.CollectableRow) (WebhookDelivery, error) {
	r, err := pgx.RowToAddrOfStructByName[webhookRow](row)
	if err != nil {
		return WebhookDelivery{}, err
	}
	h, err := r.handoff()
	if err != nil {
		return WebhookDelivery{}, err
	}
	d := WebhookDelivery{
		ID: r.RowID, DeliveryID: r.DeliveryID, EventID: r.EventID, Endpoint: r.Endpoint, Type: routing.WebhookType(r.Type),
		OccurredAt: r.OccurredAt, Attempts: r.Attempts, Actor: r.Actor, Detail: r.Detail, Handoff: h,
		CreatedAt: r.CreatedAt, LastError: r.LastError,
	}
	if r.Lease != nil {
		d.Lease = *r.Lease
	}
	if r.DeliveredAt != nil {
		d.DeliveredAt = *r.DeliveredAt
	}
	if r.DeadAt != nil {
		d.DeadAt = *r.DeadAt
	}
	return d, nil
}

func (s *Store) queryWebhooks(ctx context.Context, where string, args ...any) ([]WebhookDelivery, error) {
	rows, err := s.pool.Query(ctx, webhookSelect+` `+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, readWebhook)
}

// LeaseWebhooks takes up to limit deliveries that are due, to the
// endpoints given (the ones this process has a secret for), at most one
// per endpoint and handoff, the oldest undelivered one: a handoff's events
// reach an endpoint in the order they happened, one at a time. A
// dead-lettered delivery stops holding back the ones behind it. Each is
// leased until now+lease so no other worker or replica sends it
// meanwhile; a worker that dies loses its lease and the delivery is sent
// again (at least once). A zero now means the database's clock.
func (s *Store) LeaseWebhooks(ctx context.Context, now time.Time, endpoints []string, lease time.Duration, limit int) ([]WebhookDelivery, error) {
	if len(endpoints) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		WITH clock AS (SELECT coalesce($1::timestamptz, now()) AS now),
		head AS (
			SELECT DISTINCT ON (endpoint, handoff_id) id, deliver_after, leased_until
			FROM webhook_deliveries
			WHERE delivered_at IS NULL AND dead_at IS NULL AND endpoint = ANY($2::text[])
			ORDER BY endpoint, handoff_id, id
		), due AS (
			SELECT id FROM head, clock
			WHERE deliver_after <= clock.now AND (leased_until IS NULL OR leased_until <= clock.now)
			ORDER BY id
			LIMIT $4
		)
		-- Repeated on w: PostgreSQL re-checks them on the newest row
		-- version when another worker leased it meanwhile.
		UPDATE webhook_deliveries w SET leased_until = clock.now + $3::interval, attempts = w.attempts + 1,
			lease_token = nextval('webhook_lease_token')
		FROM due, clock
		WHERE w.id = due.id AND w.delivered_at IS NULL AND w.dead_at IS NULL
		  AND (w.leased_until IS NULL OR w.leased_until <= clock.now)
		RETURNING w.id`, clockArg(now), endpoints, lease, limit)
	if err != nil {
		return nil, fmt.Errorf("lease webhooks: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("lease webhooks: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := s.queryWebhooks(ctx, `WHERE w.id = ANY($1) ORDER BY w.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("lease webhooks: read: %w", err)
	}
	return out, nil
}

// ErrWebhookLeaseLost says a delivery's lease ran out before its result
// was recorded: another worker may hold it now, and its result counts.
var ErrWebhookLeaseLost = errors.New("the webhook delivery's lease ran out and may be another worker's now")

func (s *Store) fencedWebhook(ctx context.Context, what string, d WebhookDelivery, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, append([]any{d.ID, d.Lease}, args...)...)
	if err != nil {
		return fmt.Errorf("%s webhook delivery %s: %w", what, d.DeliveryID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s webhook delivery %s: %w", what, d.DeliveryID, ErrWebhookLeaseLost)
	}
	return nil
}

// MarkWebhookDelivered records that the endpoint answered 2xx.
func (s *Store) MarkWebhookDelivered(ctx context.Context, d WebhookDelivery, now time.Time) error {
	return s.fencedWebhook(ctx, "mark delivered", d, `UPDATE webhook_deliveries
		SET delivered_at = coalesce($3::timestamptz, now()), leased_until = NULL, last_error = ''
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND dead_at IS NULL`, clockArg(now))
}

// RetryWebhook puts a failed delivery back, due retryIn from now, with why.
func (s *Store) RetryWebhook(ctx context.Context, d WebhookDelivery, cause string, retryIn time.Duration, now time.Time) error {
	return s.fencedWebhook(ctx, "retry", d, `UPDATE webhook_deliveries
		SET deliver_after = coalesce($3::timestamptz, now()) + $4::interval, leased_until = NULL, last_error = $5
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND dead_at IS NULL`,
		clockArg(now), retryIn, truncateError(errors.New(cause)))
}

// PutBackWebhook returns a leased delivery unsent and due at once, as if
// it had not been leased: no attempt was made (a stop cut it off, or a
// reload removed its endpoint), so none is counted.
func (s *Store) PutBackWebhook(ctx context.Context, d WebhookDelivery, cause string, now time.Time) error {
	return s.fencedWebhook(ctx, "put back", d, `UPDATE webhook_deliveries
		SET deliver_after = coalesce($3::timestamptz, now()), leased_until = NULL, attempts = greatest(attempts - 1, 0), last_error = $4
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND dead_at IS NULL`,
		clockArg(now), truncateError(errors.New(cause)))
}

// DeadLetterWebhook gives up on a delivery after its last attempt: it
// stops holding back its handoff's later events to the endpoint, and
// stays listed (WebhookDeadLetters) until replayed.
func (s *Store) DeadLetterWebhook(ctx context.Context, d WebhookDelivery, cause string, now time.Time) error {
	return s.fencedWebhook(ctx, "dead-letter", d, `UPDATE webhook_deliveries
		SET dead_at = coalesce($3::timestamptz, now()), leased_until = NULL, last_error = $4
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND dead_at IS NULL`,
		clockArg(now), truncateError(errors.New(cause)))
}

// WebhookDeadLetters lists the dead-lettered deliveries, oldest first.
func (s *Store) WebhookDeadLetters(ctx context.Context) ([]WebhookDelivery, error) {
	out, err := s.queryWebhooks(ctx, `WHERE w.dead_at IS NOT NULL ORDER BY w.id`)
	if err != nil {
		return nil, fmt.Errorf("dead-lettered webhooks: %w", err)
	}
	return out, nil
}

// WebhookDeliveries lists every delivery of handoff id, oldest first
// (tests and support look at them).
func (s *Store) WebhookDeliveries(ctx context.Context, handoffID int64) ([]WebhookDelivery, error) {
	out, err := s.queryWebhooks(ctx, `WHERE w.handoff_id = $1 ORDER BY w.id`, handoffID)
	if err != nil {
		return nil, fmt.Errorf("webhooks of handoff %d: %w", handoffID, err)
	}
	return out, nil
}

// CountDeadWebhooks is how many deliveries are dead-lettered now: the
// metric's value, read from the database, so every replica reports the
// same and a replay lowers it.
func (s *Store) CountDeadWebhooks(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE dead_at IS NOT NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count dead webhooks: %w", err)
	}
	return n, nil
}

// ReplayWebhooks sends dead-lettered deliveries again, due at once, with
// their attempts counted from zero and their delivery ids kept: the one
// whose delivery id (or row id) is given, or every one when id is empty.
// It returns how many it put back; a delivery that is not dead-lettered
// (delivered, or still being tried) is left alone.
func (s *Store) ReplayWebhooks(ctx context.Context, id string, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries
		SET dead_at = NULL, attempts = 0, leased_until = NULL, deliver_after = coalesce($2::timestamptz, now())
		WHERE dead_at IS NOT NULL AND ($1 = '' OR delivery_id::text = lower($1) OR id::text = $1)`, id, clockArg(now))
	if err != nil {
		return 0, fmt.Errorf("replay webhooks: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// PruneWebhooks deletes up to limit deliveries older than olderThan,
// oldest first, and returns how many it deleted: those delivered, and
// those still waiting for an endpoint the configuration no longer lists
// (see SetWebhookRoutes), which no replica sends. A dead letter is kept
// until it is replayed and delivered. Before SetWebhookRoutes, no
// endpoint counts as removed.
//
// A delivery to a configured endpoint is dead-lettered within hours, so
// one still waiting past the retention (at least an hour, in practice
// days) is not one a replica with a newer configuration is about to send.
func (s *Store) PruneWebhooks(ctx context.Context, olderThan time.Duration, limit int) (int, error) {
	var configured []string
	if routes := s.webhooks.Load(); routes != nil {
		configured = routes.urls
	}
	tag, err := s.pool.Exec(ctx, `
		DELETE FROM webhook_deliveries WHERE id IN (
			SELECT id FROM webhook_deliveries
			WHERE delivered_at < now() - make_interval(secs => $1)
				OR ($3::text[] IS NOT NULL AND delivered_at IS NULL AND dead_at IS NULL
					AND created_at < now() - make_interval(secs => $1) AND endpoint <> ALL($3::text[]))
			ORDER BY id LIMIT $2
			FOR UPDATE SKIP LOCKED)`, olderThan.Seconds(), limit, configured)
	if err != nil {
		return 0, fmt.Errorf("prune webhooks: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// WebhookBacklog is the deliveries waiting for one endpoint.
type WebhookBacklog struct {
	Endpoint string
	Count    int
	// Oldest is when the oldest of them was queued.
	Oldest time.Time
}

// UnconfiguredWebhooks lists, by endpoint, the deliveries still waiting
// (neither delivered nor dead-lettered) for an endpoint that is not in
// configured: queued before the endpoint was removed, they are sent only
// if it is configured again, and deleted by PruneWebhooks otherwise.
func (s *Store) UnconfiguredWebhooks(ctx context.Context, configured []string) ([]WebhookBacklog, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT endpoint, count(*), min(created_at) FROM webhook_deliveries
		WHERE delivered_at IS NULL AND dead_at IS NULL AND endpoint <> ALL($1::text[])
		GROUP BY endpoint ORDER BY endpoint`, nonNil(configured))
	if err != nil {
		return nil, fmt.Errorf("webhooks waiting for removed endpoints: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[WebhookBacklog])
	if err != nil {
		return nil, fmt.Errorf("webhooks waiting for removed endpoints: %w", err)
	}
	return out, nil
}
