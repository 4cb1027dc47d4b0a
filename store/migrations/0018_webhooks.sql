-- Webhook deliveries: one row per event of a handoff and endpoint
-- subscribed to its type, written in the transaction that appends the
-- event. The row keeps the endpoint's URL (the endpoint's identity: the
-- secret is looked up in the configuration at delivery) and the handoff as
-- it stood after the change, so a late delivery or a replay says what
-- happened then, not what the lead became since.
--
-- No foreign keys to events or handoffs: creating them would lock those
-- tables against writes, and neither is ever deleted from.
CREATE TABLE webhook_deliveries (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The X-Baton-Delivery header and the body's id: the same on every
    -- attempt and replay, so a receiver can drop a repeat.
    delivery_id   uuid        NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    event_id      bigint      NOT NULL,
    handoff_id    bigint      NOT NULL,
    endpoint      text        NOT NULL,
    type          text        NOT NULL,
    occurred_at   timestamptz NOT NULL,
    handoff       jsonb       NOT NULL,
    created_at    timestamptz NOT NULL,
    deliver_after timestamptz NOT NULL,
    attempts      integer     NOT NULL DEFAULT 0,
    leased_until  timestamptz,
    lease_token   bigint,
    delivered_at  timestamptz,
    -- Set when the last attempt failed: the delivery is dead-lettered,
    -- listed by `baton webhooks list` until replayed.
    dead_at       timestamptz,
    last_error    text        NOT NULL DEFAULT ''
);

-- What is still to be sent, by endpoint and handoff in order: the head of
-- each (endpoint, handoff) queue is its lowest id.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint, handoff_id, id)
    WHERE delivered_at IS NULL AND dead_at IS NULL;

CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (id) WHERE dead_at IS NOT NULL;

-- Fences every write of a delivery's result, as outbox_lease_token does.
CREATE SEQUENCE webhook_lease_token;
