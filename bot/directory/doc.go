// Package directory is what Baton knows of the people in Slack beyond the
// IDs a handoff carries: who a pool's members are, and whether Slack says
// they are away.
//
// It exists because baton.yaml names members the way people think of them —
// a Slack user ID (U0123ABCD), an email (dana@acme.com) or a user group
// (@closers) — while routing, claims and fairness need user IDs, and because
// a user group changes in Slack without anyone touching the config. A
// Directory resolves emails once (an email's owner does not change) and
// groups periodically, keeping the last good membership when Slack fails,
// so a hiccup never empties a pool. Zones holds each member's time zone from
// their Slack profile, read in the background, for working hours read where
// the member is. A Presence reads Slack presence and Do
// Not Disturb for the optional `presence: true` availability check, cached
// and rate-limit aware; it answers "available" whenever it does not know,
// so these calls can never stop a claim or a handoff.
//
// The bot token needs these OAuth scopes (the app manifest must list them):
//   - users:read — users.info (profile time zones), users.getPresence;
//     users.lookupByEmail needs it too;
//   - users:read.email — users.lookupByEmail, on top of users:read;
//   - usergroups:read — usergroups.list and usergroups.users.list;
//   - dnd:read — dnd.info.
//
// Without one of them Slack answers missing_scope, which shows up as a
// member that does not resolve, as presence that counts as available, or as
// working hours read in the pool's zone.
package directory
