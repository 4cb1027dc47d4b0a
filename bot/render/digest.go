package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// Age formats how old something is for the digest: "40 min", "5 h", "3 d".
func Age(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d d", int(d.Hours()/24))
	}
	return Wait(d)
}

// Digest is the stuck-leads post: counts at the top, then a section per
// kind of stuck lead, each lead with its company (linked to its message),
// owner, age and the clock it broke, and a Claim or Reassign button where
// one helps. permalinks maps handoff ids to their message's permalink
// (chat.getPermalink); a lead without one names its channel. Each section
// lists the leads StuckLeads holds and says how many more there are, so
// the post stays within Slack's 50 blocks; should the leads' lines pass
// Slack's MaxBlocksText together (long company names, long links), each
// section lists fewer of them, and its "and N more" counts the rest.
func (c Clock) Digest(s routing.StuckLeads, permalinks map[int64]string) Message {
	day := c.date(s.At, "{date_short_pretty}")
	if s.Total() == 0 {
		text := "✅ Nothing stuck today — every lead has an owner and every clock is on time."
		return Message{Text: text, Blocks: []slack.Block{section("*Stuck leads — " + day + "*\n" + text)}}
	}
	shown := 0
	for _, sec := range s.Sections {
		shown = max(shown, len(sec.Leads))
	}
	m := c.digest(s, permalinks, day, shown)
	for shown > 0 && TextLength(m.Blocks) > MaxBlocksText {
		shown--
		m = c.digest(s, permalinks, day, shown)
	}
	return m
}

// digest is the stuck-leads post listing at most shown leads a section.
func (c Clock) digest(s routing.StuckLeads, permalinks map[int64]string, day string, shown int) Message {
	counts := make([]string, 0, len(s.Sections))
	for _, sec := range s.Sections {
		counts = append(counts, fmt.Sprintf("%s: *%d*", sec.Section.Title(), sec.Total))
	}
	head := fmt.Sprintf("🧯 *Stuck leads — %s*: %d need attention", day, s.Total())
	blocks := []slack.Block{section(head), contextLine(strings.Join(counts, " · "))}
	for _, sec := range s.Sections {
		if sec.Total == 0 {
			continue
		}
		blocks = append(blocks, slack.NewDividerBlock(), section(fmt.Sprintf("*%s* (%d)", sec.Section.Title(), sec.Total)))
		leads := sec.Leads[:min(shown, len(sec.Leads))]
		for _, h := range leads {
			blocks = append(blocks, c.stuckLead(h, sec.Section, s.At, permalinks[h.ID]))
		}
		if more := sec.Total - len(leads); more > 0 {
			blocks = append(blocks, contextLine(fmt.Sprintf("and %d more", more)))
		}
	}
	return Message{Text: fmt.Sprintf("Stuck leads: %d need attention", s.Total()), Blocks: blocks}
}

// stuckLead is one lead of the digest, with its button.
func (c Clock) stuckLead(h routing.Handoff, sec routing.DigestSection, now time.Time, permalink string) *slack.SectionBlock {
	name := "*" + company(h) + "*"
	if permalink != "" {
		name = fmt.Sprintf("*<%s|%s>*", permalink, company(h))
	}
	age := Age(now.Sub(h.CreatedAt)) + " old"
	since := routing.StuckSince(h, sec)
	var line string
	switch {
	case h.State == routing.StateOpen:
		line = fmt.Sprintf("%s · unclaimed for %s · passed by <@%s>", name, Age(now.Sub(h.CreatedAt)), h.PasserID)
	case sec == routing.SectionUnclaimed:
		why := "scheduled for later"
		if !h.MissedAt.IsZero() {
			why = "missed live"
		}
		line = fmt.Sprintf("%s · <@%s> · %s · given to them %s ago, not accepted yet", name, h.OwnerID, why, Age(now.Sub(since)))
	case sec == routing.SectionNoShow:
		line = fmt.Sprintf("%s · <@%s> · %s · no-show %s ago, not re-engaged", name, h.OwnerID, age, Age(now.Sub(since)))
	default:
		clock := map[routing.DigestSection]routing.Clock{routing.SectionUntouched: routing.ClockFirstTouch, routing.SectionNoOutcome: routing.ClockOutcome}[sec]
		line = fmt.Sprintf("%s · <@%s> · %s · %s, due %s (%s overdue)", name, h.OwnerID, age, clock.Label(), c.when(since), Age(now.Sub(since)))
	}
	id := strconv.FormatInt(h.ID, 10)
	button := slack.NewButtonBlockElement(ActionReassign, id, plain("Reassign"))
	if h.State == routing.StateOpen {
		button = slack.NewButtonBlockElement(ActionDigestClaim, id, plain("Claim"))
		button.Style = slack.StylePrimary
	}
	return slack.NewSectionBlock(mrkdwn(Truncate(line, MaxSectionText)), nil, slack.NewAccessory(button))
}
