-- A manager's App Home shows a board per pool they manage. The pools are
-- recorded when they open it, so that a change to a lead of one of those
-- pools republishes their board too (coalesced, and a few seconds late so
-- that a busy pool's changes share one refresh).
ALTER TABLE homes ADD COLUMN boards text[] NOT NULL DEFAULT '{}';
