package render

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// Identifiers of the App Home's availability buttons.
const (
	// ActionAwayHour sets the member away for an hour; ActionBack brings
	// them back. Both act on the clicker only, so their values carry nothing.
	ActionAwayHour = "home_away"
	ActionBack     = "home_back"
)

// Home is what the App Home tab shows one person.
type Home struct {
	// Member is set when the person receives leads in at least one pool.
	Member bool
	// AwayUntil is when their /handoff away ends; zero when not away.
	AwayUntil time.Time
	// LapsedAway is set when Baton set them away after lapsed offers.
	LapsedAway bool
}

// HomeView is the App Home tab: how to use Baton and, for a receiver, their
// availability with a toggle.
func (c Clock) HomeView(h Home) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Baton: hot handoffs")),
	}
	if h.Member {
		var status string
		var button *slack.ButtonBlockElement
		switch {
		case h.LapsedAway:
			status = "💤 *You're away*: you let several offers in a row go by, so Baton stopped offering you leads."
			button = slack.NewButtonBlockElement(ActionBack, "back", plain("I'm back"))
		case !h.AwayUntil.IsZero():
			status = fmt.Sprintf("💤 *You're away* until %s: no leads are offered to you.", c.when(h.AwayUntil))
			button = slack.NewButtonBlockElement(ActionBack, "back", plain("I'm back"))
		default:
			status = "✅ *You're available*: leads are offered to you."
			button = slack.NewButtonBlockElement(ActionAwayHour, "1h", plain("Away for an hour"))
		}
		blocks = append(blocks, section(status), slack.NewActionBlock("home_availability", button),
			contextLine("Or type `/handoff away 30m`, `/handoff away until 17:00`, `/handoff back`."))
	}
	blocks = append(blocks,
		section("*Passing a lead?* While the prospect is on the phone, type `/handoff` (or `/handoff Acme Corp`), answer the qualification checklist, add the context, and press *Hand off*. If the lead meets the live-transfer criteria, closers are pinged at once; if not, Baton says which criteria are unmet and you schedule a call for later instead, with an owner picked by rotation."),
		section("*Closing?* Click *Claim* on a hot lead in your pool's channel. The first eligible click wins, and the full brief lands in your DMs."),
	)
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}
