-- baton:no-transaction
-- The pending notices bound for one channel, which the lease reads to keep
-- that channel's posts one at a time and its hot posts first. The outbox's
-- pending rows are few; the index keeps the look-up off the delivered ones.
-- Built concurrently: the outbox is written by every change.
CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_pending_recipient ON outbox (recipient) WHERE delivered_at IS NULL AND abandoned_at IS NULL;
