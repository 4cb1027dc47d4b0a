-- lease_token fences the writes of the worker holding a notice: one whose
-- lease ran out (a stalled process) can no longer mark delivered, failed
-- or postponed a notice another worker now holds. A new column without a
-- default rewrites nothing.
ALTER TABLE outbox ADD COLUMN lease_token bigint;

-- Each conversation's posting pace, shared by every replica: Slack allows
-- an app about one post a second per channel, whichever process sends it.
-- full_at is when the conversation's bucket is full again (the generic
-- cell rate algorithm); a 429's Retry-After pushes it forward.
CREATE TABLE channel_pace (
    channel  text        PRIMARY KEY,
    full_at  timestamptz NOT NULL
);

-- The pending notices bound for one channel, which the lease reads to keep
-- that channel's posts one at a time and its hot posts first. The outbox's
-- pending rows are few; the index keeps the look-up off the delivered ones.
CREATE INDEX outbox_pending_recipient ON outbox (recipient) WHERE delivered_at IS NULL AND abandoned_at IS NULL;

CREATE SEQUENCE outbox_lease_token;
