-- The channels Baton must post into and found it could not (not invited),
-- one row per channel. denied_since is set while an episode runs and
-- cleared when Baton can post there again; the row, locked, decides across
-- replicas and restarts that an episode is recorded, and its managers told,
-- once.
CREATE TABLE channel_access (
    channel      text PRIMARY KEY,
    name         text        NOT NULL DEFAULT '',
    pools        text[]      NOT NULL DEFAULT '{}',
    error        text        NOT NULL DEFAULT '',
    denied_since timestamptz,
    updated_at   timestamptz NOT NULL
);
