package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/routing"
)

// handoffRow is one row of the handoffs table, field for column. It is the
// only place the columns are listed: the SELECT list, the INSERT that
// creates a handoff and the UPDATE that stores a change are all built from
// its tags, so a new column is one field here (and its line in rowOf and
// handoff, which move it to and from routing.Handoff).
//
// A field's db tag names its column; an option says who writes it:
//
//	generated  nobody: PostgreSQL does (the identity)
//	insert     the INSERT only: it never changes afterwards, or something
//	           else writes it once (message_ts and fallback_ts, see
//	           SetMessageTS and setTS)
//	(none)     the INSERT and every UPDATE
//
// Every column is read. Nullable columns are pointers: NULL means "not
// yet" or "nobody", and reads back as the zero value.
type handoffRow struct {
	ID            int64         `db:"id,generated"`
	SubmissionKey string        `db:"submission_key,insert"`
	State         routing.State `db:"state"`
	Pool          string        `db:"pool,insert"`
	Channel       string        `db:"channel,insert"`
	MessageTS     *string       `db:"message_ts,insert"`
	PasserID      string        `db:"passer_id,insert"`
	Company       string        `db:"company,insert"`
	ContactName   string        `db:"contact_name,insert"`
	ContactTitle  string        `db:"contact_title,insert"`
	Phone         string        `db:"phone,insert"`
	Email         string        `db:"email,insert"`
	Notes         string        `db:"notes,insert"`
	Consent       bool          `db:"consent,insert"`
	CreatedAt     time.Time     `db:"created_at,insert"`
	ClaimDeadline time.Time     `db:"claim_deadline"`
	WindowAt      *time.Time    `db:"window_at"`
	PostCheckAt   *time.Time    `db:"post_check_at"`
	PostDelayTold bool          `db:"post_delay_told"`
	OwnerID       *string       `db:"owner_id"`
	ClaimedAt     *time.Time    `db:"claimed_at"`
	UpdatedAt     time.Time     `db:"updated_at"`

	Live          bool   `db:"live,insert"`
	ChecklistName string `db:"checklist_name,insert"`
	// The lead's jsonb columns, as encodeLead writes them.
	Checklist []byte `db:"checklist,insert"`
	Answers   []byte `db:"answers,insert"`
	Context   []byte `db:"context,insert"`

	Escalation   routing.Escalation `db:"escalation,insert"`
	Rung         int                `db:"rung"`
	NextStepAt   *time.Time         `db:"next_step_at"`
	FallbackOpen bool               `db:"fallback_open"`
	FallbackTS   *string            `db:"fallback_ts,insert"`
	MissedAt     *time.Time         `db:"missed_at"`
	ScheduledFor *time.Time         `db:"scheduled_for"`
	AcceptedAt   *time.Time         `db:"accepted_at"`
	DeclinedBy   []string           `db:"declined_by"`
	CancelledBy  *string            `db:"cancelled_by"`
	CancelReason *string            `db:"cancel_reason"`
	CancelledAt  *time.Time         `db:"cancelled_at"`

	Turn        routing.Turn `db:"turn"`
	OfferEndsAt *time.Time   `db:"offer_ends_at"`

	OwnerSince      *time.Time       `db:"owner_since"`
	LastTouchAt     *time.Time       `db:"last_touch_at"`
	LastTouchKind   *string          `db:"last_touch_kind"`
	MeetingAt       *time.Time       `db:"meeting_at"`
	MeetingBookedAt *time.Time       `db:"meeting_booked_at"`
	Outcome         *string          `db:"outcome"`
	OutcomeReason   *string          `db:"outcome_reason"`
	OutcomeNote     *string          `db:"outcome_note"`
	OutcomeAt       *time.Time       `db:"outcome_at"`
	OutcomeBy       *string          `db:"outcome_by"`
	ClosedAt        *time.Time       `db:"closed_at"`
	ReassignedAt    *time.Time       `db:"reassigned_at"`
	ReassignedBy    *string          `db:"reassigned_by"`
	PreviousOwner   *string          `db:"previous_owner"`
	ReassignReason  *string          `db:"reassign_reason"`
	ReassignNote    *string          `db:"reassign_note"`
	Breaches        []routing.Breach `db:"breaches"`
	// OpenBreaches are the clocks of the breaches not cleared, kept beside
	// them for the digest's partial indexes.
	OpenBreaches []string   `db:"open_breaches"`
	SLADueAt     *time.Time `db:"sla_due_at"`
}

// rowOf is h as a row of handoffs. The columns handoffRow has and
// routing.Handoff does not (submission_key, updated_at) are left for the
// caller.
func rowOf(h routing.Handoff) (handoffRow, error) {
	lead, err := encodeLead(h.Lead)
	if err != nil {
		return handoffRow{}, err
	}
	w := h.Work
	r := handoffRow{
		ID: h.ID, State: h.State, Pool: h.Pool, Channel: h.Channel, MessageTS: nullText(h.MessageTS), PasserID: h.PasserID,
		Company: h.Lead.Company, ContactName: h.Lead.ContactName, ContactTitle: h.Lead.ContactTitle,
		Phone: h.Lead.Phone, Email: h.Lead.Email, Notes: h.Lead.Notes, Consent: h.Lead.Consent,
		CreatedAt: h.CreatedAt, ClaimDeadline: h.ClaimDeadline, OwnerID: nullText(h.OwnerID), ClaimedAt: nullTime(h.ClaimedAt),
		WindowAt: nullTime(h.WindowAt), PostCheckAt: nullTime(h.PostCheckAt), PostDelayTold: h.PostDelayTold,
		Live: h.Live, ChecklistName: h.Lead.Checklist.Name, Checklist: lead.checklist, Answers: lead.answers, Context: lead.context,
		Escalation: h.Escalation, Rung: h.Rung, NextStepAt: nullTime(h.NextStepAt),
		FallbackOpen: h.FallbackOpen, FallbackTS: nullText(h.FallbackTS), MissedAt: nullTime(h.MissedAt),
		ScheduledFor: nullTime(h.ScheduledFor), AcceptedAt: nullTime(h.AcceptedAt), DeclinedBy: h.DeclinedBy,
		CancelledBy: nullText(h.CancelledBy), CancelReason: nullText(h.CancelReason), CancelledAt: nullTime(h.CancelledAt),
		Turn: h.Turn, OfferEndsAt: nullTime(h.OfferEndsAt),
		OwnerSince: nullTime(w.OwnerSince), LastTouchAt: nullTime(w.LastTouchAt), LastTouchKind: nullText(string(w.LastTouch)),
		MeetingAt: nullTime(w.MeetingAt), MeetingBookedAt: nullTime(w.MeetingBookedAt),
		Outcome: nullText(string(w.Outcome.Kind)), OutcomeReason: nullText(string(w.Outcome.Reason)), OutcomeNote: nullText(w.Outcome.Note),
		OutcomeAt: nullTime(w.Outcome.At), OutcomeBy: nullText(w.Outcome.By), ClosedAt: nullTime(w.ClosedAt),
		ReassignedAt: nullTime(w.ReassignedAt), ReassignedBy: nullText(w.ReassignedBy), PreviousOwner: nullText(w.PreviousOwner),
		ReassignReason: nullText(string(w.ReassignReason)), ReassignNote: nullText(w.ReassignNote),
		Breaches: w.Breaches, OpenBreaches: []string{}, SLADueAt: nullTime(w.SLADueAt),
	}
	// The array and JSON columns are NOT NULL: empty, never NULL or null.
	if r.DeclinedBy == nil {
		r.DeclinedBy = []string{}
	}
	if r.Breaches == nil {
		r.Breaches = []routing.Breach{}
	}
	for _, b := range h.OpenBreaches() {
		r.OpenBreaches = append(r.OpenBreaches, string(b.Clock))
	}
	return r, nil
}

// handoff is the row as a routing.Handoff.
func (r *handoffRow) handoff() (routing.Handoff, error) {
	h := routing.Handoff{
		ID: r.ID, State: r.State, Pool: r.Pool, Channel: r.Channel, MessageTS: textOf(r.MessageTS), PasserID: r.PasserID,
		Lead: routing.Lead{Company: r.Company, ContactName: r.ContactName, ContactTitle: r.ContactTitle,
			Phone: r.Phone, Email: r.Email, Notes: r.Notes, Consent: r.Consent},
		CreatedAt: r.CreatedAt, ClaimDeadline: r.ClaimDeadline, OwnerID: textOf(r.OwnerID), ClaimedAt: timeOf(r.ClaimedAt),
		WindowAt: timeOf(r.WindowAt), PostCheckAt: timeOf(r.PostCheckAt), PostDelayTold: r.PostDelayTold,
		Escalation: r.Escalation, Rung: r.Rung, NextStepAt: timeOf(r.NextStepAt),
		FallbackOpen: r.FallbackOpen, FallbackTS: textOf(r.FallbackTS), MissedAt: timeOf(r.MissedAt),
		Live: r.Live, ScheduledFor: timeOf(r.ScheduledFor), AcceptedAt: timeOf(r.AcceptedAt), DeclinedBy: r.DeclinedBy,
		Turn: r.Turn, OfferEndsAt: timeOf(r.OfferEndsAt),
		CancelledBy: textOf(r.CancelledBy), CancelReason: textOf(r.CancelReason), CancelledAt: timeOf(r.CancelledAt),
		Work: routing.Work{
			OwnerSince: timeOf(r.OwnerSince), LastTouchAt: timeOf(r.LastTouchAt), LastTouch: routing.TouchKind(textOf(r.LastTouchKind)),
			MeetingAt: timeOf(r.MeetingAt), MeetingBookedAt: timeOf(r.MeetingBookedAt),
			Outcome: routing.Outcome{Kind: routing.OutcomeKind(textOf(r.Outcome)), Reason: routing.DisqualifyReason(textOf(r.OutcomeReason)),
				Note: textOf(r.OutcomeNote), At: timeOf(r.OutcomeAt), By: textOf(r.OutcomeBy)},
			ClosedAt:     timeOf(r.ClosedAt),
			ReassignedAt: timeOf(r.ReassignedAt), ReassignedBy: textOf(r.ReassignedBy), PreviousOwner: textOf(r.PreviousOwner),
			ReassignReason: routing.ReassignReason(textOf(r.ReassignReason)), ReassignNote: textOf(r.ReassignNote),
			Breaches: r.Breaches, SLADueAt: timeOf(r.SLADueAt),
		},
	}
	lead := leadJSON{checklist: r.Checklist, answers: r.Answers, context: r.Context}
	if err := lead.decode(r.ChecklistName, &h.Lead); err != nil {
		return h, fmt.Errorf("handoff %d: %w", h.ID, err)
	}
	return h, nil
}

// args are the row's fields as named arguments, one per column, for the
// statements below.
func (r *handoffRow) args() pgx.NamedArgs {
	v := reflect.ValueOf(r).Elem()
	args := make(pgx.NamedArgs, len(handoffTable))
	for _, c := range handoffTable {
		args[c.name] = v.Field(c.field).Interface()
	}
	return args
}

// column is one column of handoffs as handoffRow maps it.
type column struct {
	name   string
	field  int  // index of its field in handoffRow
	insert bool // written by insertHandoff
	update bool // written by updateHandoffSQL
}

// handoffTable is handoffRow's columns, in field order.
var handoffTable = columnsOf(reflect.TypeFor[handoffRow]())

func columnsOf(t reflect.Type) []column {
	var cols []column
	for i := range t.NumField() {
		tag, ok := t.Field(i).Tag.Lookup("db")
		if !ok {
			panic(fmt.Sprintf("store: %s.%s has no db tag", t.Name(), t.Field(i).Name))
		}
		name, option, _ := strings.Cut(tag, ",")
		c := column{name: name, field: i}
		switch option {
		case "generated":
		case "insert":
			c.insert = true
		case "":
			c.insert, c.update = true, true
		default:
			panic(fmt.Sprintf("store: %s.%s: unknown db tag option %q", t.Name(), t.Field(i).Name, option))
		}
		cols = append(cols, c)
	}
	return cols
}

// The statements built from handoffTable. handoffColumns is the SELECT
// list every read of a handoff uses (as a handoffRow, the names matter:
// RowToStructByName matches columns to fields by name).
var (
	handoffColumns   = joinColumns(func(column) bool { return true }, "%s")
	insertHandoffSQL = `INSERT INTO handoffs (` + joinColumns(func(c column) bool { return c.insert }, "%s") + `)
		VALUES (` + joinColumns(func(c column) bool { return c.insert }, "@%s") + `)`
	updateHandoffSQL = `UPDATE handoffs SET ` + joinColumns(func(c column) bool { return c.update }, "%[1]s = @%[1]s") + `
		WHERE id = @id`
)

// joinColumns writes each column that keep accepts with format (given its
// name), separated by commas.
func joinColumns(keep func(column) bool, format string) string {
	var parts []string
	for _, c := range handoffTable {
		if keep(c) {
			parts = append(parts, fmt.Sprintf(format, c.name))
		}
	}
	return strings.Join(parts, ", ")
}

// readHandoff reads a row of handoffColumns.
func readHandoff(row pgx.CollectableRow) (routing.Handoff, error) {
	r, err := pgx.RowToAddrOfStructByName[handoffRow](row)
	if err != nil {
		return routing.Handoff{}, err
	}
	return r.handoff()
}

// queryHandoff runs sql, which returns handoffColumns, and reads its first
// row, or routing.ErrNotFound when there is none.
func queryHandoff(ctx context.Context, q querier, sql string, args ...any) (routing.Handoff, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return routing.Handoff{}, err
	}
	h, err := pgx.CollectOneRow(rows, readHandoff)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, routing.ErrNotFound
	}
	return h, err
}

// countedRow is a row of a count (named total) and then handoffColumns.
type countedRow struct {
	Total int `db:"total"`
	handoffRow
}

// readCounted reads a countedRow.
func readCounted(row pgx.CollectableRow) (int, routing.Handoff, error) {
	r, err := pgx.RowToAddrOfStructByName[countedRow](row)
	if err != nil {
		return 0, routing.Handoff{}, err
	}
	h, err := r.handoff()
	return r.Total, h, err
}

// nullTime stores the zero time as NULL: "not yet" rather than year 1.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// nullText stores "" as NULL, for columns where NULL means "nobody".
func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// timeOf reads a nullable timestamp: NULL is the zero time.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// textOf reads a nullable text column: NULL is "".
func textOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
