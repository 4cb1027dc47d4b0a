package render

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// Identifiers of the App Home's availability buttons.
const (
	// ActionAwayHour sets the member away for an hour; ActionBack brings
	// them back. Both act on the clicker only, so their values carry nothing.
	ActionAwayHour = "home_away"
	ActionBack     = "home_back"
)

// MaxHomeBlocks is Slack's limit of blocks in an App Home view.
const MaxHomeBlocks = 100

// MaxHomeTeams bounds the team boards one Home shows: each takes up to
// eight blocks, and the Home holds 100 with the person's own sections.
const MaxHomeTeams = 6

// Home is what the App Home tab shows one person: a section for each of
// their roles, or how to use Baton when they have none yet.
type Home struct {
	// Now is when it was read: ages and overdue clocks are told from it.
	Now time.Time
	// Receiver is set when the person receives leads in at least one pool.
	Receiver *ReceiverHome
	// Passed are the person's most recent handoffs as a passer, newest
	// first; empty when they never passed one.
	Passed []routing.Handoff
	// Teams are the boards of the pools they manage (at most
	// MaxHomeTeams are shown); MoreTeams counts the managed pools left out
	// before reading.
	Teams     []TeamBoard
	MoreTeams int
	// Problem is set when part of it could not be read: the Home says so
	// instead of showing a wrong picture.
	Problem bool
}

// ReceiverHome is a receiver's part of their Home.
type ReceiverHome struct {
	// AwayUntil is when their /handoff away ends; zero when not away.
	AwayUntil time.Time
	// LapsedAway is set when Baton set them away after lapsed offers.
	LapsedAway bool
	// Leads are their open leads with the clock each must beat next;
	// MoreLeads how many more there are.
	Leads     []OpenLead
	MoreLeads int
	// Week is their numbers since Monday.
	Week routing.ReceiverNumbers
}

// OpenLead is one of a receiver's open leads.
type OpenLead struct {
	Handoff routing.Handoff
	// Next is the SLA clock that falls due first; ok false when none runs.
	Next   routing.Running
	NextOK bool
}

// TeamBoard is a managed pool's board: its open work and who is available.
type TeamBoard struct {
	routing.PoolBoard
	// Ranked is every member with their availability now, fairest first;
	// nil when it could not be read.
	Ranked []routing.Candidate
}

// HomeView is the App Home tab: a section for each of the person's roles
// (receiver, passer, manager), then how to use Baton. It stays within
// Slack's 100 blocks whatever the numbers: lists are capped by whoever
// builds Home, and a last guard cuts what would still not fit.
func (c Clock) HomeView(h Home) slack.HomeTabViewRequest {
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Baton: hot handoffs"))}
	if h.Problem {
		blocks = append(blocks, section("⚠️ Baton could not read everything for this page just now. Open the tab again in a moment."))
	}
	if r := h.Receiver; r != nil {
		blocks = append(blocks, c.receiverBlocks(*r, h.Now)...)
	}
	if len(h.Passed) > 0 {
		blocks = append(blocks, slack.NewDividerBlock(), slack.NewHeaderBlock(plain("Your recent handoffs")))
		for _, p := range h.Passed {
			blocks = append(blocks, section(c.passedLine(p, h.Now)))
		}
	}
	for _, t := range h.Teams[:min(len(h.Teams), MaxHomeTeams)] {
		blocks = append(blocks, c.teamBlocks(t, h.Now)...)
	}
	if more := h.MoreTeams + max(len(h.Teams)-MaxHomeTeams, 0); more > 0 {
		blocks = append(blocks, contextLine(fmt.Sprintf("and %d more pools you manage", more)))
	}
	if h.Receiver == nil && len(h.Passed) == 0 && len(h.Teams) == 0 && !h.Problem {
		blocks = append(blocks, section("👋 Nothing here yet. Pass your first lead with `/handoff`; once you do, this page shows where each of your handoffs stands."))
	}
	blocks = append(blocks, slack.NewDividerBlock(),
		section("*Passing a lead?* While the prospect is on the phone, type `/handoff` (or `/handoff Acme Corp`), answer the qualification checklist, add the context, and press *Hand off*. If the lead meets the live-transfer criteria, closers are pinged at once; if not, Baton says which criteria are unmet and you schedule a call for later instead, with an owner picked by rotation."),
		section("*Closing?* Click *Claim* on a hot lead in your pool's channel. The first eligible click wins, and the full brief lands in your DMs."),
	)
	if len(blocks) > MaxHomeBlocks {
		blocks = append(blocks[:MaxHomeBlocks-1], contextLine("…more than this page can hold."))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// receiverBlocks are a receiver's availability toggle, open leads and week.
func (c Clock) receiverBlocks(r ReceiverHome, now time.Time) []slack.Block {
	var status string
	var button *slack.ButtonBlockElement
	switch {
	case r.LapsedAway:
		status = "💤 *You're away*: you let several offers in a row go by, so Baton stopped offering you leads."
		button = slack.NewButtonBlockElement(ActionBack, "back", plain("I'm back"))
	case !r.AwayUntil.IsZero():
		status = fmt.Sprintf("💤 *You're away* until %s: no leads are offered to you.", c.when(r.AwayUntil))
		button = slack.NewButtonBlockElement(ActionBack, "back", plain("I'm back"))
	default:
		status = "✅ *You're available*: leads are offered to you."
		button = slack.NewButtonBlockElement(ActionAwayHour, "1h", plain("Away for an hour"))
	}
	blocks := []slack.Block{section(status), slack.NewActionBlock("home_availability", button),
		contextLine("Or type `/handoff away 30m`, `/handoff away until 17:00`, `/handoff back`."),
		slack.NewDividerBlock(),
		slack.NewHeaderBlock(plain(fmt.Sprintf("Your open leads (%d)", len(r.Leads)+r.MoreLeads))),
	}
	if len(r.Leads) == 0 {
		blocks = append(blocks, contextLine("No open leads: nothing is waiting on you."))
	}
	for _, l := range r.Leads {
		blocks = append(blocks, section(c.openLeadLine(l, now)))
	}
	if r.MoreLeads > 0 {
		blocks = append(blocks, contextLine(fmt.Sprintf("and %d more", r.MoreLeads)))
	}
	return append(blocks, section(c.weekLine(r.Week)))
}

// openLeadLine is an open lead with the clock its owner must beat next.
func (c Clock) openLeadLine(l OpenLead, now time.Time) string {
	h := l.Handoff
	line := fmt.Sprintf("*%s*", company(h))
	if contact := contactLine(h.Lead); contact != "" {
		line += " · " + contact
	}
	if h.State == routing.StateScheduled && !h.ScheduledFor.IsZero() {
		line += " · 📅 call " + c.when(h.ScheduledFor)
	}
	if h.State == routing.StateScheduled && h.AcceptedAt.IsZero() {
		line += " · not accepted yet"
	}
	if !l.NextOK {
		return line + "\nNo SLA clock is running."
	}
	next := fmt.Sprintf("⏱ Next: %s due %s", clockDue(l.Next.Clock), c.when(l.Next.DueAt))
	if !now.Before(l.Next.DueAt) {
		next = fmt.Sprintf("🚨 Overdue: %s was due %s (%s ago)", clockDue(l.Next.Clock), c.when(l.Next.DueAt), Age(now.Sub(l.Next.DueAt)))
	}
	return line + "\n" + next
}

// weekLine is a receiver's numbers since Monday.
func (c Clock) weekLine(n routing.ReceiverNumbers) string {
	median := "—"
	if n.Claimed > 0 {
		median = Wait(n.MedianToClaim)
	}
	line := fmt.Sprintf("*This week* (since %s): claimed *%d* · median time to claim *%s* · SLA breaches *%d* · outcomes *%d*",
		c.date(n.Since, "{date_short_pretty}"), n.Claimed, median, n.Breaches, n.OutcomeTotal())
	var outcomes []string
	for _, k := range routing.OutcomeKinds {
		if count := n.Outcomes[k]; count > 0 {
			outcomes = append(outcomes, fmt.Sprintf("%s %d", k.Label(), count))
		}
	}
	if len(outcomes) > 0 {
		line += " (" + strings.Join(outcomes, ", ") + ")"
	}
	return line
}

// passedLine is where one of the passer's handoffs stands.
func (c Clock) passedLine(h routing.Handoff, now time.Time) string {
	line := fmt.Sprintf("*%s* · passed %s · ", company(h), c.when(h.CreatedAt))
	switch h.State {
	case routing.StateOpen:
		line += fmt.Sprintf("⏳ waiting for a claim (%s)", Wait(now.Sub(h.CreatedAt)))
	case routing.StateCancelled:
		line += "✖️ cancelled"
		if h.CancelReason != "" {
			line += ": " + userText(h.CancelReason, 300)
		}
	case routing.StateScheduled:
		line += fmt.Sprintf("📅 scheduled with <@%s>", h.OwnerID)
		if !h.ScheduledFor.IsZero() {
			line += " for " + c.when(h.ScheduledFor)
		}
	case routing.StateClaimed:
		line += fmt.Sprintf("✅ claimed by <@%s> in %s", h.OwnerID, Wait(h.TimeToClaim()))
	}
	if o := h.Work.Outcome; o.Kind != "" {
		line += " · outcome: *" + outcomeText(o) + "*"
	} else if h.Owned() && !h.Work.LastTouchAt.IsZero() {
		line += " · last touch " + c.when(h.Work.LastTouchAt)
	}
	return line
}

// teamBlocks are one managed pool's board.
func (c Clock) teamBlocks(t TeamBoard, now time.Time) []slack.Block {
	blocks := []slack.Block{slack.NewDividerBlock(),
		slack.NewHeaderBlock(plain(Truncate("Team board — "+Sanitize(t.Pool), MaxHeaderText)))}
	if t.Ranked == nil {
		blocks = append(blocks, section("*Available now*: unknown (Baton could not read the pool's members)."))
	} else {
		var available []string
		unavailable := map[routing.Reason][]string{}
		for _, m := range t.Ranked {
			if m.Available() {
				available = append(available, fmt.Sprintf("<@%s>", m.User))
				continue
			}
			who := fmt.Sprintf("<@%s>", m.User)
			if m.Reason == routing.ReasonAway && !m.Until.IsZero() {
				who += " until " + c.date(m.Until, "{time}")
			}
			unavailable[m.Reason] = append(unavailable[m.Reason], who)
		}
		text := fmt.Sprintf("*Available now*: %d of %d", len(available), len(t.Ranked))
		if len(available) > 0 {
			text += " — " + strings.Join(available, ", ")
		}
		blocks = append(blocks, section(text))
		var why []string
		for _, r := range []routing.Reason{routing.ReasonAway, routing.ReasonLapsedOffers, routing.ReasonOutsideHours, routing.ReasonDailyCap, routing.ReasonOpenCap} {
			if who := unavailable[r]; len(who) > 0 {
				why = append(why, reasonLabel(r)+": "+strings.Join(who, ", "))
			}
		}
		if len(why) > 0 {
			blocks = append(blocks, contextLine(strings.Join(why, " · ")))
		}
	}
	blocks = append(blocks, section(fmt.Sprintf("*Open handoffs*: unclaimed *%d* · owned, not closed *%d* · open SLA breaches *%d*",
		t.Unclaimed, t.Owned, t.Breached)))
	if len(t.OldestUnclaimed) > 0 {
		lines := []string{"*Waiting longest for a claim*"}
		for _, h := range t.OldestUnclaimed {
			line := fmt.Sprintf("• *%s* · passed by <@%s> · %s old", company(h), h.PasserID, Age(now.Sub(h.CreatedAt)))
			if h.State == routing.StateScheduled {
				line += fmt.Sprintf(" · given to <@%s>, not accepted yet", h.OwnerID)
			}
			lines = append(lines, line)
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	if len(t.OldestBreached) > 0 {
		lines := []string{"*Open SLA breaches*"}
		for _, h := range t.OldestBreached {
			var clocks []string
			for _, b := range h.OpenBreaches() {
				clocks = append(clocks, b.Clock.Label())
			}
			slices.Sort(clocks)
			lines = append(lines, fmt.Sprintf("• *%s* · <@%s> · %s", company(h), h.OwnerID, strings.Join(slices.Compact(clocks), ", ")))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	return blocks
}

// reasonLabel names why members are not available, for the team board.
func reasonLabel(r routing.Reason) string {
	switch r {
	case routing.ReasonAway:
		return "Away"
	case routing.ReasonLapsedOffers:
		return "Away after lapsed offers"
	case routing.ReasonOutsideHours:
		return "Outside working hours"
	case routing.ReasonDailyCap:
		return "Daily cap reached"
	case routing.ReasonOpenCap:
		return "Open-lead cap reached"
	}
	return string(r)
}
