-- The escalation ladder and what follows it: the ladder frozen onto each
-- handoff, the rung reached and when the next one is due, the fallback pool,
-- and the scheduled state of a lead nobody took live.
ALTER TABLE handoffs
    ADD COLUMN escalation     jsonb       NOT NULL DEFAULT '{"rungs": []}',
    ADD COLUMN rung           integer     NOT NULL DEFAULT 0,
    -- The deadline of the next rung. The sweeper fires what is due from this
    -- column, so a restart or a second replica never loses or doubles a step.
    ADD COLUMN next_step_at   timestamptz,
    ADD COLUMN fallback_open  boolean     NOT NULL DEFAULT false,
    ADD COLUMN fallback_ts    text,
    ADD COLUMN missed_at      timestamptz,
    ADD COLUMN scheduled_for  timestamptz,
    ADD COLUMN accepted_at    timestamptz,
    ADD COLUMN declined_by    text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN cancelled_by   text,
    ADD COLUMN cancel_reason  text,
    ADD COLUMN cancelled_at   timestamptz;

ALTER TABLE handoffs DROP CONSTRAINT handoffs_state_check;
ALTER TABLE handoffs ADD CONSTRAINT handoffs_state_check
    CHECK (state IN ('open', 'claimed', 'scheduled', 'cancelled'));

-- A claimed or scheduled lead always has an owner; no other state has one
-- (a cancelled scheduled lead keeps the owner it had, for the record).
ALTER TABLE handoffs DROP CONSTRAINT handoffs_check;
ALTER TABLE handoffs ADD CONSTRAINT handoffs_owner_check
    CHECK (state NOT IN ('claimed', 'scheduled') OR (owner_id IS NOT NULL AND claimed_at IS NOT NULL));
ALTER TABLE handoffs ADD CONSTRAINT handoffs_open_unowned_check
    CHECK (state <> 'open' OR owner_id IS NULL);

-- Handoffs open when this migration runs get the default ladder, due from
-- their claim deadline, so none is left without a next step (or an owner).
UPDATE handoffs SET
    escalation = '{"rungs": [
        {"step": 1, "steps": 3, "repeat": 0, "after": 0, "do": ["reping", "dm_members"]},
        {"step": 2, "steps": 3, "repeat": 0, "after": 60000000000, "do": ["dm_managers", "fallback"]},
        {"step": 3, "steps": 3, "repeat": 0, "after": 120000000000, "do": ["missed"]}]}',
    next_step_at = claim_deadline
WHERE state = 'open';

-- Only open handoffs escalate: the sweeper's query reads this index alone.
DROP INDEX handoffs_open_deadline;
CREATE INDEX handoffs_next_step ON handoffs (next_step_at) WHERE state = 'open' AND next_step_at IS NOT NULL;

-- Fair rotation counts each member's leads since the start of the period.
CREATE INDEX handoffs_owner ON handoffs (owner_id, claimed_at) WHERE owner_id IS NOT NULL;
