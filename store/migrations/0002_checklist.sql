-- The qualification checklist and the transfer choice.
ALTER TABLE handoffs
    -- true for a live transfer now; false for a call scheduled for later
    -- (the passer's choice, or the gates' when a live transfer's criteria
    -- are not met).
    ADD COLUMN live            boolean     NOT NULL DEFAULT true,
    -- (When the scheduled call is to happen is scheduled_for, from 0003.)
    -- The checklist the passer answered, as it stood then (name and the
    -- questions with their gates), so the brief and reports read the
    -- answers as they were asked even after the configuration changes.
    ADD COLUMN checklist_name  text        NOT NULL DEFAULT '',
    ADD COLUMN checklist       jsonb       NOT NULL DEFAULT '[]',
    -- What the closer needs so the prospect never repeats themselves:
    -- pain, interest, current tools, recording link, best time and channel,
    -- personality notes. Free text, kept whole.
    ADD COLUMN context         jsonb       NOT NULL DEFAULT '{}';

-- answers (from 0001) holds the typed answers by question id: numbers as
-- JSON numbers, yes_no as booleans, multi_select as arrays, dates as
-- "YYYY-MM-DD", so that rules and reports can query them, e.g.
--   SELECT … WHERE (answers->>'employees')::numeric >= 500
--   SELECT … WHERE answers @> '{"uses_salesforce": true}'
COMMENT ON COLUMN handoffs.answers IS 'typed checklist answers by question id; see 0002_checklist.sql';
