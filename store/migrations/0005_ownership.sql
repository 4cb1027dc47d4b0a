-- Ownership after the claim: what the owner did (touches, the meeting, the
-- outcome), reassignments, and the SLA clocks that watch it.
ALTER TABLE handoffs
    -- When the current owner got the lead: the claim, an assignment by
    -- rotation, or a reassignment. Fairness counts from it; clocks start at it.
    ADD COLUMN owner_since       timestamptz,
    -- The latest meaningful touch (a templated email is only an event).
    ADD COLUMN last_touch_at     timestamptz,
    ADD COLUMN last_touch_kind   text,
    ADD COLUMN meeting_at        timestamptz,
    ADD COLUMN meeting_booked_at timestamptz,
    -- The latest outcome; closed_at is set by a final one.
    ADD COLUMN outcome           text,
    ADD COLUMN outcome_reason    text,
    ADD COLUMN outcome_note      text,
    ADD COLUMN outcome_at        timestamptz,
    ADD COLUMN outcome_by        text,
    ADD COLUMN closed_at         timestamptz,
    ADD COLUMN reassigned_at     timestamptz,
    ADD COLUMN reassigned_by     text,
    ADD COLUMN previous_owner    text,
    ADD COLUMN reassign_reason   text,
    ADD COLUMN reassign_note     text,
    -- Every SLA breach of the lead, open or cleared (routing.Breach as JSON),
    -- and the clocks of the open ones, kept beside it for the digest's index.
    ADD COLUMN breaches          jsonb       NOT NULL DEFAULT '[]',
    ADD COLUMN open_breaches     text[]      NOT NULL DEFAULT '{}',
    -- When the SLA sweep must look at the lead next: a deadline in a column,
    -- so a restart or a second replica never loses or doubles a breach.
    ADD COLUMN sla_due_at        timestamptz;

-- Owned leads of the last 30 days (the ownership freeze) get their clocks:
-- the next sweep computes them. Older ones are history.
UPDATE handoffs SET owner_since = claimed_at WHERE owner_id IS NOT NULL;
UPDATE handoffs SET sla_due_at = now()
WHERE state IN ('claimed', 'scheduled') AND claimed_at > now() - interval '30 days';

CREATE INDEX handoffs_sla_due ON handoffs (sla_due_at) WHERE sla_due_at IS NOT NULL;

-- Fairness and caps count by when the current owner got the lead.
DROP INDEX handoffs_owner;
CREATE INDEX handoffs_owner ON handoffs (owner_id, owner_since) WHERE owner_id IS NOT NULL;

-- The digest's sections each read a small partial index, whatever the history.
CREATE INDEX handoffs_waiting ON handoffs (created_at)
    WHERE state = 'open' OR (state = 'scheduled' AND accepted_at IS NULL AND closed_at IS NULL);
CREATE INDEX handoffs_breached ON handoffs (created_at) WHERE open_breaches <> '{}';
CREATE INDEX handoffs_no_show ON handoffs (created_at) WHERE outcome = 'no_show' AND closed_at IS NULL;

-- Outbox entries may carry what a message needs beyond the handoff's state.
ALTER TABLE outbox ADD COLUMN detail jsonb NOT NULL DEFAULT '{}';

-- One row per job and scheduled tick: the first replica to insert it runs
-- the tick, every other replica (and a restart) skips it.
CREATE TABLE job_runs (
    job          text        NOT NULL,
    tick         timestamptz NOT NULL,
    started_at   timestamptz NOT NULL,
    replica      text        NOT NULL DEFAULT '',
    PRIMARY KEY (job, tick)
);
