-- lease_token fences the writes of the worker holding a notice: one whose
-- lease ran out (a stalled process) can no longer mark delivered, failed
-- or postponed a notice another worker now holds. A new column without a
-- default rewrites nothing.
ALTER TABLE outbox ADD COLUMN lease_token bigint;

CREATE SEQUENCE outbox_lease_token;

-- Each conversation's posting pace, shared by every replica: Slack allows
-- an app about one post a second per channel, whichever process sends it.
-- full_at is when the conversation's bucket is full again (the generic
-- cell rate algorithm); a 429's Retry-After pushes it forward.
CREATE TABLE channel_pace (
    channel  text        PRIMARY KEY,
    full_at  timestamptz NOT NULL
);
