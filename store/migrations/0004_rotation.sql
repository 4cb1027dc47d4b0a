-- Fair, availability-aware routing: the turn frozen onto each handoff when
-- it opens (mode, who was up next, their priority window), the deadline of
-- that personal offer, and each member's availability.
ALTER TABLE handoffs
    ADD COLUMN turn           jsonb       NOT NULL DEFAULT '{}',
    -- When the up-next member's personal offer ends; the sweeper then
    -- records a lapse (at most once: it clears the column) and opens the
    -- lead to the pool.
    ADD COLUMN offer_ends_at  timestamptz;

CREATE INDEX handoffs_offer_ends ON handoffs (offer_ends_at) WHERE offer_ends_at IS NOT NULL;

-- One row per member who ever set an availability or let an offer lapse;
-- everyone else is available with nothing lapsed.
CREATE TABLE members (
    user_id        text        PRIMARY KEY,
    -- Set by /handoff away; NULL or past means not away.
    away_until     timestamptz,
    -- Priority offers let lapse in a row; the pool's lapse_limit of them
    -- makes the member away until /handoff back.
    lapsed_offers  integer     NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL
);
