-- The central record: one lead passed from a passer to a receiver.
CREATE TABLE handoffs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Slack's view id of the submitted modal: a double submit or a redelivered
    -- envelope carries the same one, so it creates the handoff once.
    submission_key  text        NOT NULL UNIQUE,
    state           text        NOT NULL CHECK (state IN ('open', 'claimed', 'cancelled')),
    pool            text        NOT NULL,
    channel         text        NOT NULL,
    message_ts      text,
    passer_id       text        NOT NULL,
    company         text        NOT NULL,
    contact_name    text        NOT NULL DEFAULT '',
    contact_title   text        NOT NULL DEFAULT '',
    phone           text        NOT NULL DEFAULT '',
    email           text        NOT NULL DEFAULT '',
    notes           text        NOT NULL DEFAULT '',
    answers         jsonb       NOT NULL DEFAULT '{}',
    consent         boolean     NOT NULL,
    created_at      timestamptz NOT NULL,
    claim_deadline  timestamptz NOT NULL,
    owner_id        text,
    claimed_at      timestamptz,
    updated_at      timestamptz NOT NULL,
    CHECK ((state = 'claimed') = (owner_id IS NOT NULL AND claimed_at IS NOT NULL))
);

CREATE INDEX handoffs_open_deadline ON handoffs (claim_deadline) WHERE state = 'open';

-- The append-only event log: who did what, when and why.
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handoff_id  bigint      REFERENCES handoffs (id),
    at          timestamptz NOT NULL,
    actor       text        NOT NULL,
    kind        text        NOT NULL,
    detail      jsonb       NOT NULL DEFAULT '{}'
);

CREATE INDEX events_handoff ON events (handoff_id, id);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only: % refused', TG_OP;
END;
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- Slack side effects, written in the same transaction as the state change they
-- announce and delivered by a worker, so a crash between commit and post still posts.
CREATE TABLE outbox (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Rows with the same key are delivered one at a time, in id order.
    ordering_key   text        NOT NULL,
    kind           text        NOT NULL,
    handoff_id     bigint      REFERENCES handoffs (id),
    recipient      text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    deliver_after  timestamptz NOT NULL,
    leased_until   timestamptz,
    attempts       integer     NOT NULL DEFAULT 0,
    last_error     text        NOT NULL DEFAULT '',
    delivered_at   timestamptz,
    -- Set when a delivery failed for good (Slack refused it, or it kept
    -- failing): the notice stops blocking its ordering key, and an event
    -- records what was not delivered and why.
    abandoned_at   timestamptz
);

CREATE INDEX outbox_pending ON outbox (ordering_key, id) WHERE delivered_at IS NULL AND abandoned_at IS NULL;
