package config

// Minimal is the smallest configuration worth running: one pool, closers,
// posting in C0HANDOFF, with three members and a manager, the SLA's
// clocks, and the digest in the pool's channel. The end-to-end tests run
// Baton with it; it must always load.
const Minimal = `timezone: UTC
pools:
  - name: closers
    channel: C0HANDOFF
    members: [U0AE1, U0AE2, U0AE3]
    managers: [U0MGR]
sla:
  claim_window: 60s
  first_touch: 48h
  outcome_due: 24h
digest:
  channel: C0HANDOFF
  schedule: "0 9 * * 1-5"
`
