-- The App Home tab (issue #7).

-- Who has opened their App Home at least once. A change to a lead
-- republishes the Homes of the people it concerns only if they have one
-- open to see: views.publish for someone who never looked would spend
-- Slack's rate limit (and the outbox's work) on a view nobody reads, and
-- the first open publishes it anyway. Not a fact about a lead or a
-- member's availability, so it has no event: a delivery preference, like
-- the outbox's own columns.
CREATE TABLE homes (
    user_id    text        PRIMARY KEY,
    opened_at  timestamptz NOT NULL
);

-- A receiver's numbers of the week read the claims, breaches and outcomes
-- of the week from the event log; without this they would read the whole
-- log (millions of rows after a year).
CREATE INDEX events_kind_at ON events (kind, at);

-- A passer's recent handoffs, newest first, are read with 0007's
-- handoffs_passer_created.

-- A pool's owned, not closed leads of the last 30 days, for the team board.
CREATE INDEX handoffs_pool_owned_open ON handoffs (pool, owner_since)
    WHERE state IN ('claimed', 'scheduled') AND closed_at IS NULL;
