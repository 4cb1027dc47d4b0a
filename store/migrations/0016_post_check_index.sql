-- baton:no-transaction
-- The open live transfers awaiting their post, by when the sweep looks at
-- them next (the passer told the post is queued, then the window started
-- anyway). Built concurrently: handoffs is written by every change.
CREATE INDEX CONCURRENTLY IF NOT EXISTS handoffs_post_check ON handoffs (post_check_at) WHERE state = 'open' AND post_check_at IS NOT NULL;
