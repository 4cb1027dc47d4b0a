-- baton:no-transaction
-- The weekly reviews Baton posted, one row per tick: where the post is,
-- and who pressed its Reviewed button, when. The review counts the weeks
-- in a row nobody did.
CREATE TABLE IF NOT EXISTS reviews (
    tick        timestamptz PRIMARY KEY,
    channel     text        NOT NULL,
    message_ts  text        NOT NULL,
    posted_at   timestamptz NOT NULL,
    reviewed_by text,
    reviewed_at timestamptz
);
-- The forms whose live transfer the gates refused (form.gates_refused
-- events, about no handoff yet), by when: the first-pass signal reads a
-- week of them. Built concurrently: events is written by every change.
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_gates_refused ON events (at) WHERE kind = 'form.gates_refused';
