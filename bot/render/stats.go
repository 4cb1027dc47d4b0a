package render

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// statsRows is how many passers or receivers a report lists before "and N
// more": enough for a team, and well inside a section's 3,000 characters.
const statsRows = 12

// barWidth is how many characters a full bar takes.
const barWidth = 10

// Bar draws value out of max as a text bar of barWidth characters, in
// eighths of a character, on a light track: "█████▌░░░░". It reads at a
// glance in Slack, on every client, without an image.
func Bar(value, max float64) string {
	if max <= 0 || value < 0 {
		value, max = 0, 1
	}
	eighths := int(math.Round(math.Min(value/max, 1) * barWidth * 8))
	full, part := eighths/8, eighths%8
	var b strings.Builder
	b.WriteString(strings.Repeat("█", full))
	if part > 0 {
		b.WriteRune([]rune("▏▎▍▌▋▊▉")[part-1])
		full++
	}
	b.WriteString(strings.Repeat("░", barWidth-full))
	return "`" + b.String() + "`"
}

// percent formats a rate, or a dash when there is none.
func percent(rate float64, ok bool) string {
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.0f %%", rate*100)
}

// rateBar is a rate's bar and figure: "`██████▋░░░` 67 % (4 of 6)".
func rateBar(part, whole int) string {
	rate, ok := routing.Rate(part, whole)
	return fmt.Sprintf("%s %s (%d of %d)", Bar(rate, 1), percent(rate, ok), part, whole)
}

// claimTime formats a time to claim, or a dash when nothing was claimed.
func claimTime(d time.Duration, claimed int) string {
	if claimed == 0 {
		return "—"
	}
	return Wait(d)
}

// StatsReport is the answer to /handoff stats: who and which days, then
// the claims (acceptance, time to claim, the window, warm transfers), the
// SLA breaches by clock, the outcomes, the AE-accepted leads per passer
// and the distribution across receivers against their weights.
func (c Clock) StatsReport(scope routing.StatsScope, days int, s routing.Stats) Message {
	who := scope.Title
	if scope.Role == routing.RoleTeam {
		who = "team " + Escape(who)
	}
	head := fmt.Sprintf("📊 *Handoff stats — %s, last %d days*", who, days)
	blocks := []slack.Block{
		section(head),
		contextLine(fmt.Sprintf("%s to %s · handoffs created in the period, with what happened to them since", c.date(s.From, "{date_short_pretty} {time}"), c.date(s.To, "{date_short_pretty} {time}"))),
		section(c.claimsText(scope, s)),
		section(breachesText(s)),
		section(outcomesText(s)),
	}
	if len(s.Passers) > 0 && scope.Role != routing.RolePasser {
		blocks = append(blocks, section(passersText(s.Passers)))
	}
	blocks = append(blocks, section(receiversText(scope, s.Receivers)))
	rate, ok := s.AcceptanceRate()
	text := fmt.Sprintf("Handoff stats, last %d days: %d handoffs, acceptance %s", days, s.Handoffs, percent(rate, ok))
	return Message{Text: text, Blocks: blocks}
}

func (c Clock) claimsText(scope routing.StatsScope, s routing.Stats) string {
	var b strings.Builder
	b.WriteString("*Claims*\n")
	if scope.Role == routing.RoleReceiver {
		fmt.Fprintf(&b, "Handoffs in your pools: *%d* · offered live: *%d*\n", s.Handoffs, s.Offered)
		fmt.Fprintf(&b, "You claimed %s\n", rateBar(s.Claimed, s.Offered))
		fmt.Fprintf(&b, "Within the claim window %s\n", rateBar(s.ClaimedInWindow, s.Offered))
	} else {
		fmt.Fprintf(&b, "Handoffs: *%d* · offered live: *%d*\n", s.Handoffs, s.Offered)
		fmt.Fprintf(&b, "Acceptance %s\n", rateBar(s.Claimed, s.Offered))
		fmt.Fprintf(&b, "Within the claim window %s\n", rateBar(s.ClaimedInWindow, s.Offered))
	}
	fmt.Fprintf(&b, "Time to claim: median *%s* · p90 *%s*\n", claimTime(s.MedianToClaim, s.Claimed), claimTime(s.P90ToClaim, s.Claimed))
	fmt.Fprintf(&b, "Warm transfers (connected live) %s", rateBar(s.WarmTransfers, s.Offered))
	return b.String()
}

func breachesText(s routing.Stats) string {
	top := 0
	for _, br := range s.Breaches {
		top = max(top, br.Count)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*SLA breaches*: %d", s.TotalBreaches())
	for _, br := range s.Breaches {
		fmt.Fprintf(&b, "\n%s %d · %s", Bar(float64(br.Count), float64(top)), br.Count, clockLabel(br.Clock))
	}
	return b.String()
}

// clockLabel names a clock in reports.
func clockLabel(c routing.Clock) string {
	if c == routing.ClockClaimWindow {
		return "claim window ran out"
	}
	return c.Label()
}

func outcomesText(s routing.Stats) string {
	var b strings.Builder
	b.WriteString("*Outcomes*\n")
	fmt.Fprintf(&b, "Qualified (AE-accepted): *%d* · disqualified: *%d*\n", s.Qualified, s.DisqualifiedTotal())
	if len(s.Disqualified) > 0 {
		b.WriteString(strings.TrimPrefix(reasonsText(s.Disqualified), "\n") + "\n")
	}
	rate, ok := s.NoShowRate()
	fmt.Fprintf(&b, "No-show rate: *%s* (%d of %d meetings)", percent(rate, ok), s.NoShows, s.Meetings)
	return b.String()
}

// reasonsText lists the disqualification reasons with their bars, each
// on a line of its own after a newline: where they cluster ("no budget",
// "wrong title") is the pattern worth watching: criteria written down but not enforced.
func reasonsText(reasons []routing.ReasonCount) string {
	top := 0
	for _, r := range reasons {
		top = max(top, r.Count)
	}
	var b strings.Builder
	for _, r := range reasons {
		fmt.Fprintf(&b, "\n%s %d · %s", Bar(float64(r.Count), float64(top)), r.Count, r.Reason.Label())
	}
	return b.String()
}

func passersText(passers []routing.PasserStats) string {
	var b strings.Builder
	b.WriteString("*AE-accepted leads per passer*")
	for i, p := range passers {
		if i == statsRows {
			fmt.Fprintf(&b, "\nand %d more", len(passers)-statsRows)
			break
		}
		rate, _ := routing.Rate(p.Accepted, p.Handoffs)
		fmt.Fprintf(&b, "\n%s <@%s>: %d of %d accepted", Bar(rate, 1), p.User, p.Accepted, p.Handoffs)
	}
	return b.String()
}

func receiversText(scope routing.StatsScope, receivers []routing.ReceiverStats) string {
	var b strings.Builder
	switch scope.Role {
	case routing.RoleReceiver:
		b.WriteString("*Your share*")
	case routing.RolePasser:
		b.WriteString("*Who took these leads*")
	default:
		b.WriteString("*Distribution* (leads owned · fair share by weight)")
	}
	if len(receivers) == 0 {
		b.WriteString("\nNo lead has an owner yet.")
		return b.String()
	}
	top := 0.0
	for _, r := range receivers {
		top = math.Max(top, math.Max(float64(r.Leads), r.Expected))
	}
	for i, r := range receivers {
		if i == statsRows {
			fmt.Fprintf(&b, "\nand %d more", len(receivers)-statsRows)
			break
		}
		fmt.Fprintf(&b, "\n%s <@%s>: %d", Bar(float64(r.Leads), top), r.User, r.Leads)
		if scope.Role != routing.RolePasser {
			fmt.Fprintf(&b, " · fair share %.1f%s", r.Expected, fairness(r))
		}
	}
	return b.String()
}

// fairness flags a receiver far from their share: more than one lead and
// a quarter off, so that small numbers do not cry wolf.
func fairness(r routing.ReceiverStats) string {
	diff := float64(r.Leads) - r.Expected
	if math.Abs(diff) <= 1 || math.Abs(diff) <= r.Expected/4 {
		return ""
	}
	if diff > 0 {
		return " ⚠️ over"
	}
	return " ⚠️ under"
}

// WeeklyReview is the weekly post in the digest channel: the team's
// numbers of the last week against the week before, each with its movement
// (▲ up, ▼ down, = unchanged): the early-warning flags first (or the
// quiet line), then the three leading signals of a failing handoff process
// (acceptance rate, time to claim, warm transfers), the team's week, every
// early-warning signal against the week before, the AE-accepted leads per
// passer and the distribution of the last week; it ends with the Reviewed
// button, or who pressed it.
func (c Clock) WeeklyReview(r routing.WeeklyReview) Message {
	last, previous := r.Last, r.Previous
	week := fmt.Sprintf("%s – %s", c.date(last.From, "{date_short_pretty}"), c.date(last.To.Add(-time.Second), "{date_short_pretty}"))
	points := func(f func(routing.Stats) (float64, bool)) string {
		cur, okC := f(last)
		prev, okP := f(previous)
		return percent(cur, okC) + movement(cur*100, prev*100, okC && okP, "%.0f pts") + was(percent(prev, okP))
	}
	count := func(f func(routing.Stats) int) string {
		cur, prev := f(last), f(previous)
		return fmt.Sprintf("%d%s%s", cur, movement(float64(cur), float64(prev), true, "%.0f"), was(fmt.Sprint(prev)))
	}
	duration := func(f func(routing.Stats) time.Duration) string {
		cur, prev := f(last), f(previous)
		ok := last.Claimed > 0 && previous.Claimed > 0
		move := movement(cur.Seconds(), prev.Seconds(), ok, "%.0f s")
		return claimTime(cur, last.Claimed) + move + was(claimTime(prev, previous.Claimed))
	}
	signals := "*Leading signals*\n" +
		"Acceptance rate (claimed / offered): *" + points(routing.Stats.AcceptanceRate) + "*\n" +
		"Time to claim, median: *" + duration(func(s routing.Stats) time.Duration { return s.MedianToClaim }) + "*\n" +
		"Warm transfers (connected live): *" + count(func(s routing.Stats) int { return s.WarmTransfers }) + "* · " +
		points(routing.Stats.WarmTransferRate) + " of offered"

	var team strings.Builder
	team.WriteString("*The team's week*\n")
	fmt.Fprintf(&team, "Handoffs: %s · offered live: %s\n", count(func(s routing.Stats) int { return s.Handoffs }), count(func(s routing.Stats) int { return s.Offered }))
	fmt.Fprintf(&team, "Claimed within the window: %s\n", points(routing.Stats.InWindowRate))
	fmt.Fprintf(&team, "Time to claim, p90: %s\n", duration(func(s routing.Stats) time.Duration { return s.P90ToClaim }))
	fmt.Fprintf(&team, "SLA breaches: %s", count(routing.Stats.TotalBreaches))
	for i, br := range last.Breaches {
		prev := 0
		if i < len(previous.Breaches) {
			prev = previous.Breaches[i].Count
		}
		fmt.Fprintf(&team, "\n   %s: %d%s", clockLabel(br.Clock), br.Count, movement(float64(br.Count), float64(prev), true, "%.0f"))
	}
	fmt.Fprintf(&team, "\nQualified (AE-accepted): %s · disqualified: %s\n", count(func(s routing.Stats) int { return s.Qualified }), count(routing.Stats.DisqualifiedTotal))
	fmt.Fprintf(&team, "No-show rate: %s", points(routing.Stats.NoShowRate))

	blocks := []slack.Block{
		section("📈 *Weekly handoff review — " + week + "*"),
		contextLine("Handoffs created in the week, against the week before: ▲ up, ▼ down, = unchanged. For time to claim, down is better."),
		section(flagsText(r.Signals, QuietWeek, "the week before")),
		section(signals),
		slack.NewDividerBlock(),
		section(team.String()),
		section(signalsText(r.Signals, "all pools", "the week before")),
	}
	if len(last.Disqualified) > 0 {
		blocks = append(blocks, section("*Why leads were disqualified*"+reasonsText(last.Disqualified)))
	}
	if len(last.Passers) > 0 {
		blocks = append(blocks, section(passersText(last.Passers)))
	}
	blocks = append(blocks, section(receiversText(routing.StatsScope{Role: routing.RoleTeam}, last.Receivers)), c.reviewedBlock(r))
	cur, ok := last.AcceptanceRate()
	text := fmt.Sprintf("Weekly handoff review, %s: %d handoffs, acceptance %s, %d early-warning flags", week, last.Handoffs, percent(cur, ok), len(r.Signals.Flags))
	return Message{Text: text, Blocks: blocks}
}

// movement marks how cur moved from prev: " ▲ 12 pts", " ▼ 5 s", " =",
// or nothing when there is nothing to compare.
func movement(cur, prev float64, ok bool, format string) string {
	if !ok {
		return ""
	}
	delta := cur - prev
	shown := fmt.Sprintf(format, math.Abs(delta))
	switch {
	case shown == fmt.Sprintf(format, 0.0):
		return " ="
	case delta > 0:
		return " ▲ " + shown
	}
	return " ▼ " + shown
}

// was says what the week before had.
func was(prev string) string { return " (was " + prev + ")" }

// StatsRefused answers someone asking for another person's or a pool's
// numbers without managing them.
const StatsRefused = "Only a pool's managers can see someone else's numbers or a pool's. `/handoff stats` shows yours."

// StatsFailed is the answer when the report could not be computed.
const StatsFailed = "Baton couldn't work out the stats just now (its database is not answering). Please try again in a moment."
