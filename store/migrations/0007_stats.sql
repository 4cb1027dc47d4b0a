-- Reports (/handoff stats, the weekly review) count the handoffs created
-- in a period, of some pools or of one passer, and the SLA breaches that
-- happened in it. Without these indexes each report read the whole
-- history: the handoffs by their creation, a passer's handoffs, and the
-- few events that record a breach.
CREATE INDEX handoffs_created ON handoffs (created_at);
CREATE INDEX handoffs_passer_created ON handoffs (passer_id, created_at);

-- A breach is recorded on the sweep's own event (sla.breached) or, when it
-- is found while someone logs work, on that person's event (sla_breached
-- in its detail). This partial index holds only those events, by time.
CREATE INDEX events_breaches ON events (at) WHERE kind = 'sla.breached' OR detail ? 'sla_breached';
