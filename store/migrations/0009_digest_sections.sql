-- The digest counts every lead of each section and lists the oldest few.
-- With 0005's indexes the count read every matching row from the table
-- (a handoff row is about 2 kB) to check the rest of the section's
-- condition: a year in which a few percent of leads were left stuck meant
-- a second per digest at 1 M handoffs. Each index below holds exactly one
-- section, with the condition written as store/sla.go writes it (a store
-- test checks that every section's count is answered from its index), so
-- the count is an index-only scan and the list reads five rows.
CREATE INDEX handoffs_stuck_untouched ON handoffs (created_at, id)
    WHERE open_breaches <> '{}' AND 'first_touch' = ANY(open_breaches)
      AND state IN ('claimed', 'scheduled') AND closed_at IS NULL
      AND NOT (state = 'open' OR (state = 'scheduled' AND accepted_at IS NULL AND closed_at IS NULL));
CREATE INDEX handoffs_stuck_no_outcome ON handoffs (created_at, id)
    WHERE open_breaches <> '{}' AND 'outcome' = ANY(open_breaches) AND NOT 'first_touch' = ANY(open_breaches)
      AND state IN ('claimed', 'scheduled') AND closed_at IS NULL
      AND NOT (state = 'open' OR (state = 'scheduled' AND accepted_at IS NULL AND closed_at IS NULL));
CREATE INDEX handoffs_stuck_no_show ON handoffs (created_at, id)
    WHERE outcome = 'no_show' AND closed_at IS NULL AND (last_touch_at IS NULL OR last_touch_at <= outcome_at)
      AND NOT (open_breaches && '{first_touch,outcome}')
      AND state IN ('claimed', 'scheduled') AND closed_at IS NULL
      AND NOT (state = 'open' OR (state = 'scheduled' AND accepted_at IS NULL AND closed_at IS NULL));
CREATE INDEX handoffs_stuck_unclaimed ON handoffs (created_at, id)
    WHERE (state = 'open' OR (state = 'scheduled' AND accepted_at IS NULL AND closed_at IS NULL));
-- Replaced by the sections' own.
DROP INDEX handoffs_no_show;
DROP INDEX handoffs_waiting;
