-- The rotation reads each member's leads of the last 30 days (this
-- period's count, today's, the open ones) before every /handoff form, on
-- every submit and at every click. handoffs_owner (0005) found those rows,
-- but the query then read each row's heap page for its pool, state, outcome
-- and closing: a handoff row is about 2 kB (the checklist snapshot), so with
-- a year of history a pool of 1,000 members meant 20,000 pages and 300 ms
-- at 1 M handoffs. This index holds every column the query reads, and only
-- the rows it can count, so PostgreSQL answers from the index alone (an
-- index-only scan): tens of milliseconds for that pool, and well under a
-- millisecond for one member (the click). It replaces handoffs_owner.
--
-- (CREATE INDEX holds writes to handoffs for its few seconds, once, at
-- start-up.)
CREATE INDEX handoffs_owned ON handoffs (owner_id, owner_since)
    INCLUDE (pool, outcome_reason, closed_at)
    WHERE state IN ('claimed', 'scheduled');
DROP INDEX handoffs_owner;
