package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// ActionReviewed is the weekly review's Reviewed button; its value is the
// review's tick (RFC 3339).
const ActionReviewed = "review_done"

// maxFlagLines is how many flags a report lists before "and N more": each
// takes two lines, and a section holds 3,000 characters.
const maxFlagLines = 10

// QuietWeek is what a report with no flag says.
const QuietWeek = "✅ No early-warning signal this week."

// signalLabels name the signals in reports.
var signalLabels = map[routing.Signal]string{
	routing.SignalJoined:        "Closer joined the live call",
	routing.SignalDeclined:      "Leads declined by a closer",
	routing.SignalTemplated:     "First touches that were templated emails",
	routing.SignalAcceptance:    "Acceptance without conversion",
	routing.SignalReasonCluster: "Disqualification reasons clustering",
	routing.SignalFirstPass:     "Forms through the gates the first time",
	routing.SignalUnreviewed:    "Weekly reviews nobody marked reviewed, in a row",
	routing.SignalMultiOwner:    "Leads with more than one owner within a week",
	routing.SignalUnmanaged:     "Reassignments without a manager",
}

// signalFixes are what to do about each signal, in one line.
var signalFixes = map[routing.Signal]string{
	routing.SignalJoined:        "hold closers to handoff attendance as to forecast calls, and put attendance in their quarterly scorecard",
	routing.SignalDeclined:      "hold closers to handoff attendance as to forecast calls, and put attendance in their quarterly scorecard",
	routing.SignalTemplated:     "count only meaningful touches: a call, a reply or a booked meeting",
	routing.SignalAcceptance:    "pay SDRs on AE-accepted leads with a 7-day clawback",
	routing.SignalReasonCluster: "pay SDRs on AE-accepted leads with a 7-day clawback",
	routing.SignalFirstPass:     "turn the playbook into required, gated questions so the form blocks the bad path",
	routing.SignalUnreviewed:    "put the review on the weekly sales-leadership agenda, with one owner to walk through the misses",
	routing.SignalMultiOwner:    "route once at handoff and freeze ownership for 30 days unless a reassignment is logged with a reason",
	routing.SignalUnmanaged:     "route once at handoff and freeze ownership for 30 days unless a reassignment is logged with a reason",
}

// SignalLabel names a signal in reports.
func SignalLabel(s routing.Signal) string { return signalLabels[s] }

// SignalFix is the one-line fix for a signal.
func SignalFix(s routing.Signal) string { return signalFixes[s] }

// share formats a threshold share without trailing zeros: "70 %", "12.5 %".
func share(v float64) string {
	return strconv.FormatFloat(v*100, 'f', -1, 64) + " %"
}

// reading formats a signal's value: "60 % (6 of 10)", "2", or a dash.
func reading(r routing.Reading) string {
	switch {
	case r.Signal.Counted():
		return strconv.Itoa(r.Part)
	case r.Signal == routing.SignalAcceptance:
		acc, ok := routing.Rate(r.Claimed, r.Offered)
		return fmt.Sprintf("acceptance %s (%d of %d) · SAL→SQL %s (%d of %d)", percent(acc, ok), r.Claimed, r.Offered,
			percent(r.Value, r.OK), r.Part, r.Whole)
	case r.Signal == routing.SignalReasonCluster && r.OK:
		return fmt.Sprintf("%s (%d of %d, %s)", percent(r.Value, r.OK), r.Part, r.Whole, r.Reason.Label())
	}
	if !r.OK {
		return "—"
	}
	return fmt.Sprintf("%s (%d of %d)", percent(r.Value, r.OK), r.Part, r.Whole)
}

// briefReading is a reading as "was …" shows it: the value alone.
func briefReading(r routing.Reading) string {
	switch {
	case r.Signal.Counted():
		return strconv.Itoa(r.Part)
	case r.Signal == routing.SignalAcceptance:
		acc, ok := routing.Rate(r.Claimed, r.Offered)
		return percent(acc, ok) + " · " + percent(r.Value, r.OK)
	}
	return percent(r.Value, r.OK)
}

// rule says where a signal flags: "below 70 %", "above 1".
func rule(s routing.Signal, t routing.SignalThresholds) string {
	switch s {
	case routing.SignalJoined:
		return "flags below " + share(t.JoinedMin)
	case routing.SignalDeclined:
		return "flags above " + share(t.DeclinedMax)
	case routing.SignalTemplated:
		return "flags above " + share(t.TemplatedMax)
	case routing.SignalAcceptance:
		return "flags with acceptance above " + share(t.AcceptanceMax) + " and SAL→SQL below " + share(t.SALToSQLMin)
	case routing.SignalReasonCluster:
		return "flags when one reason is over " + share(t.ReasonClusterMax)
	case routing.SignalFirstPass:
		return "flags below " + share(t.FirstPassMin)
	case routing.SignalUnreviewed:
		return "flags above " + strconv.Itoa(t.UnreviewedWeeksMax)
	case routing.SignalMultiOwner:
		return "flags above " + share(t.MultiOwnerMax)
	case routing.SignalUnmanaged:
		return "flags above " + strconv.Itoa(t.UnmanagedMax)
	}
	return ""
}

// against says a flag's number against its threshold.
func against(f routing.Flag) string {
	r := f.Reading
	switch r.Signal {
	case routing.SignalJoined, routing.SignalFirstPass:
		return fmt.Sprintf("*%s* (%d of %d), below the %s minimum", percent(r.Value, r.OK), r.Part, r.Whole, share(f.Threshold))
	case routing.SignalAcceptance:
		acc, ok := routing.Rate(r.Claimed, r.Offered)
		return fmt.Sprintf("acceptance *%s* (%d of %d), above %s, while SAL→SQL is *%s* (%d of %d), below %s",
			percent(acc, ok), r.Claimed, r.Offered, share(f.AcceptanceMax), percent(r.Value, r.OK), r.Part, r.Whole, share(f.Threshold))
	case routing.SignalReasonCluster:
		return fmt.Sprintf("*%s*: *%s* of the disqualified (%d of %d), over %s", r.Reason.Label(), percent(r.Value, r.OK), r.Part, r.Whole, share(f.Threshold))
	case routing.SignalUnreviewed:
		return fmt.Sprintf("*%d* weeks in a row, more than %.0f", r.Part, f.Threshold)
	case routing.SignalUnmanaged:
		return fmt.Sprintf("*%d*, more than %.0f", r.Part, f.Threshold)
	}
	return fmt.Sprintf("*%s* (%d of %d), above the %s maximum", percent(r.Value, r.OK), r.Part, r.Whole, share(f.Threshold))
}

// flagsText lists the flags, each with its number against its threshold,
// its value in the period before (named before), and its fix, or says the
// period was quiet.
func flagsText(r routing.SignalsReport, quiet, before string) string {
	flags := r.Flags
	var b strings.Builder
	b.WriteString("*Early warning*")
	if len(flags) == 0 {
		return b.String() + "\n" + quiet
	}
	for i, f := range flags {
		if i == maxFlagLines {
			fmt.Fprintf(&b, "\nand %d more", len(flags)-maxFlagLines)
			break
		}
		where := "team"
		if f.Pool != "" {
			where = "pool " + Escape(f.Pool)
		}
		fmt.Fprintf(&b, "\n⚠️ *%s* (%s): %s; %s: %s\n      → %s", SignalLabel(f.Reading.Signal), where, against(f),
			before, briefReading(previousReading(r, f)), SignalFix(f.Reading.Signal))
	}
	return b.String()
}

// previousReading is f's signal for f's pool (or the team) in the period
// before: a dash where the pool had nothing then. A cluster of reasons is
// read for the reason flagged now, not the one that led then.
func previousReading(r routing.SignalsReport, f routing.Flag) routing.Reading {
	counts := r.Previous.Team()
	if f.Pool != "" {
		counts = routing.SignalCounts{}
		for _, p := range r.Previous.Pools {
			if p.Pool == f.Pool {
				counts = p.SignalCounts
			}
		}
	}
	if f.Reading.Signal == routing.SignalReasonCluster {
		return counts.ReasonShare(f.Reading.Reason)
	}
	return counts.Read(f.Reading.Signal, r.Previous.UnreviewedWeeks)
}

// signalsText lists every signal of the team (who: "all pools", "your
// pools") with the period before's value and where it flags.
func signalsText(r routing.SignalsReport, who, before string) string {
	team, prev := r.Signals.Team(), r.Previous.Team()
	var b strings.Builder
	b.WriteString("*Signals* (" + who + "; " + before + " in brackets)")
	for _, s := range routing.SignalOrder {
		cur := team.Read(s, r.Signals.UnreviewedWeeks)
		was := prev.Read(s, r.Previous.UnreviewedWeeks)
		fmt.Fprintf(&b, "\n%s: *%s* (%s) · %s", SignalLabel(s), reading(cur), briefReading(was), rule(s, r.Thresholds))
	}
	return b.String()
}

// WithSignals adds a manager's early-warning signals to their stats
// report, after its figures.
func WithSignals(m Message, r routing.SignalsReport, days int) Message {
	quiet := fmt.Sprintf("✅ No early-warning signal in the last %d days.", days)
	m.Blocks = append(m.Blocks, slack.NewDividerBlock())
	m.Blocks = append(m.Blocks, section(flagsText(r, quiet, fmt.Sprintf("the %d days before", days))), section(signalsText(r, "your pools", fmt.Sprintf("the %d days before", days))))
	return m
}

// reviewedBlock is the end of the weekly review: the Reviewed button, or,
// once a manager pressed it, who did and when.
func (c Clock) reviewedBlock(r routing.WeeklyReview) slack.Block {
	if r.ReviewedBy != "" {
		return contextLine(fmt.Sprintf("✅ Reviewed by <@%s> on %s", r.ReviewedBy, c.date(r.ReviewedAt, "{date_short_pretty} {time}")))
	}
	button := slack.NewButtonBlockElement(ActionReviewed, r.Tick.UTC().Format(time.RFC3339), plain("Reviewed"))
	button.Style = slack.StylePrimary
	return slack.NewActionBlock("weekly_review_actions", button)
}

// ReviewRefused answers someone who manages no pool pressing Reviewed.
const ReviewRefused = "Only a pool's manager can mark the weekly review reviewed."

// ReviewGone answers a Reviewed button that is not on a posted review.
const ReviewGone = "This weekly review can't be marked reviewed: Baton has no record of posting it here."

// ReviewFailed answers a press Baton could not record.
const ReviewFailed = "Baton couldn't record that just now (its database is not answering). Please try again in a moment."

// AlreadyReviewed answers a press on a review someone marked first.
func (c Clock) AlreadyReviewed(r routing.PostedReview) string {
	return fmt.Sprintf("<@%s> already marked this review reviewed, on %s.", r.ReviewedBy, c.date(r.ReviewedAt, "{date_short_pretty} {time}"))
}
