// Package routing is Baton's domain: handoffs, pools, leads and the decisions
// made about them (where a lead goes, who may claim it, what must be announced).
//
// It is pure on purpose. It imports only the standard library, takes the time
// as an argument instead of reading a clock, and knows nothing of Slack or
// PostgreSQL, so that every decision can be tested in a table without either,
// and so that the store and the bot can change without touching the rules.
package routing
