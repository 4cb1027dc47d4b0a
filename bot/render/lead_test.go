package render_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// The lead every surface below is rendered for. The company is unlike any
// other text in the fixtures and holds characters Escape changes, so only
// the company itself, escaped as Slack receives it, can match.
const (
	leadCompany = "Quillfeather & Brine <Holdings>"
	leadContact = "Ottoline Vasquez-Muir"
	leadLink    = "https://slack.example/archives/C0HANDOFF/p1700000000000100"
)

// leadSurface is one thing render shows about one lead: a message, DM,
// thread reply or modal. name starts with the render function's name
// (anything after a "/" tells states apart); handoff is the lead in the
// state the surface is shown in; render returns a render.Message or a
// slack.ModalViewRequest.
type leadSurface struct {
	name    string
	handoff func() routing.Handoff
	render  func(routing.Handoff) any
}

// leadSurfaces is every surface about one lead. A new render function that
// takes a handoff, a lead or a checked form belongs here;
// TestEveryLeadSurfaceIsListed fails until it is.
func leadSurfaces() []leadSurface {
	withTime := func() routing.Handoff {
		h := missed()
		h.ScheduledFor, h.AcceptedAt = created.Add(26*time.Hour), created.Add(3*time.Hour)
		return h
	}
	cancelled := func() routing.Handoff {
		h := escalated(1)
		h.State, h.CancelledBy, h.CancelReason = routing.StateCancelled, "U0SDR", "The prospect dropped off the call"
		return h
	}
	cancelledScheduled := func() routing.Handoff {
		h := missed()
		h.State, h.CancelledBy, h.CancelReason = routing.StateCancelled, "U0SDR", "Duplicate handoff"
		return h
	}
	roundRobin := func() routing.Handoff {
		h := openHandoff()
		h.Turn = routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U0AE2", Available: 2, Members: 3, PriorityUntil: created.Add(15 * time.Second)}
		h.OfferEndsAt = h.Turn.PriorityUntil
		return h
	}
	refusedLive := func() routing.Handoff {
		h := scheduled()
		h.Lead.Answers = h.Lead.Answers[:3]
		return h
	}
	claimedIn := func(d time.Duration) func() routing.Handoff { return func() routing.Handoff { return claimed(d) } }
	escalatedTo := func(n int) func() routing.Handoff { return func() routing.Handoff { return escalated(n) } }
	running := []routing.Running{{Clock: routing.ClockOutcome, StartedAt: created, DueAt: created.Add(24 * time.Hour)}}
	channel := func(h routing.Handoff) any { return clock.ChannelMessage(h) }

	return []leadSurface{
		{"ChannelMessage/open", openHandoff, channel},
		{"ChannelMessage/round robin", roundRobin, channel},
		{"ChannelMessage/escalated", escalatedTo(2), channel},
		{"ChannelMessage/scheduled", scheduled, channel},
		{"ChannelMessage/missed", withTime, channel},
		{"ChannelMessage/claimed", claimedIn(14 * time.Second), channel},
		{"ChannelMessage/claimed late", claimedIn(95 * time.Second), channel},
		{"ChannelMessage/reassigned", reassigned, channel},
		{"ChannelMessage/disqualified", disqualified, channel},
		{"ChannelMessage/cancelled", cancelled, channel},
		{"FallbackMessage", escalatedTo(2), func(h routing.Handoff) any { return clock.FallbackMessage(h) }},
		{"ThreadBrief", openHandoff, func(h routing.Handoff) any { return clock.ThreadBrief(h) }},
		{"WholeBrief", openHandoff, func(h routing.Handoff) any { return clock.WholeBrief(h) }},
		{"ChannelMessage/awaiting post", awaitingPost, channel},
		{"PasserSent", roundRobin, func(h routing.Handoff) any { return clock.PasserSent(h) }},
		{"PasserQueued/queued", queued, func(h routing.Handoff) any { return clock.PasserQueued(h) }},
		{"PasserQueued/posted", queuedThenPosted, func(h routing.Handoff) any { return clock.PasserQueued(h) }},
		{"PasserQueued/never posted", neverPosted, func(h routing.Handoff) any { return clock.PasserQueued(h) }},
		{"PasserClaimed", claimedIn(14 * time.Second), func(h routing.Handoff) any { return clock.PasserClaimed(h) }},
		{"OwnerBrief", claimedIn(14 * time.Second), func(h routing.Handoff) any { return clock.OwnerBrief(h) }},
		{"Reping", escalatedTo(1), func(h routing.Handoff) any { return clock.Reping(h) }},
		{"MemberNudge", escalatedTo(1), func(h routing.Handoff) any { return clock.MemberNudge(h, leadLink) }},
		{"ManagerAlert", escalatedTo(2), func(h routing.Handoff) any { return clock.ManagerAlert(h, "") }},
		{"Offered", roundRobin, func(h routing.Handoff) any { return clock.Offered(h, leadLink) }},
		{"SetAway", roundRobin, func(h routing.Handoff) any { return clock.SetAway(h) }},
		{"PasserMissed", missed, func(h routing.Handoff) any { return clock.PasserMissed(h) }},
		{"OwnerAssigned", missed, func(h routing.Handoff) any { return clock.OwnerAssigned(h, "") }},
		{"OwnerCallback", withTime, func(h routing.Handoff) any { return clock.OwnerCallback(h, "") }},
		{"PasserScheduled", scheduled, func(h routing.Handoff) any { return clock.PasserScheduled(h, "") }},
		{"OwnerCancelled", cancelledScheduled, func(h routing.Handoff) any { return clock.OwnerCancelled(h) }},
		{"WorkLogged/touch", owned, func(h routing.Handoff) any {
			return clock.WorkLogged(h, map[string]string{"touch": "call_attempted"}, running, "")
		}},
		{"WorkLogged/outcome", disqualified, func(h routing.Handoff) any {
			return clock.WorkLogged(h, map[string]string{"outcome": "disqualified"}, nil, "")
		}},
		{"WorkLogged/meeting", booked, func(h routing.Handoff) any {
			return clock.WorkLogged(h, map[string]string{"touch": "meeting_booked"}, running, leadLink)
		}},
		{"MeetingBooked/passer", booked, func(h routing.Handoff) any { return clock.MeetingBooked(h, h.PasserID, leadLink) }},
		{"MeetingBooked/owner", booked, func(h routing.Handoff) any { return clock.MeetingBooked(h, h.OwnerID, leadLink) }},
		{"PasserOutcome", disqualified, func(h routing.Handoff) any { return clock.PasserOutcome(h, leadLink) }},
		{"OwnerReassigned", reassigned, func(h routing.Handoff) any { return clock.OwnerReassigned(h, running) }},
		{"OwnerReleased", reassigned, func(h routing.Handoff) any { return clock.OwnerReleased(h) }},
		{"PasserReassigned", reassigned, func(h routing.Handoff) any { return clock.PasserReassigned(h) }},
		{"SLABreach", owned, func(h routing.Handoff) any { return clock.SLABreach(h, h.OpenBreaches(), leadLink) }},
		{"SLAManagerAlert", owned, func(h routing.Handoff) any { return clock.SLAManagerAlert(h, h.OpenBreaches(), leadLink) }},
		{"PassModal", roundRobin, func(h routing.Handoff) any { return render.PassModal(h) }},
		{"CancelModal", openHandoff, func(h routing.Handoff) any { return render.CancelModal(h) }},
		{"HandBackModal", missed, func(h routing.Handoff) any { return render.HandBackModal(h) }},
		{"CallbackModal", missed, func(h routing.Handoff) any { return render.CallbackModal(h) }},
		{"TouchModal", owned, func(h routing.Handoff) any { return render.TouchModal(h) }},
		{"OutcomeModal", owned, func(h routing.Handoff) any { return render.OutcomeModal(h) }},
		{"ReassignModal/owner", owned, func(h routing.Handoff) any { return render.ReassignModal(h, false) }},
		{"ReassignModal/manager", owned, func(h routing.Handoff) any { return render.ReassignModal(h, true) }},
		{"LaterOffer", refusedLive, func(h routing.Handoff) any {
			return render.LaterOffer(render.Form{Checklist: h.Lead.Checklist}, routing.CheckedForm{Lead: h.Lead, Live: true, Unmet: h.Lead.Unmet()})
		}},
	}
}

// renderForLead renders s for the distinctive lead and returns what Slack
// shows of it besides the notification text: a message's blocks or a
// modal's blocks, as JSON. Each surface is checked against Slack's limits
// on the way.
func renderForLead(t *testing.T, s leadSurface) string {
	t.Helper()
	h := s.handoff()
	h.Lead.Company, h.Lead.ContactName = leadCompany, leadContact
	switch v := s.render(h).(type) {
	case render.Message:
		validMessage(t, v)
		return blocksJSON(t, v.Blocks)
	case slack.ModalViewRequest:
		validView(t, v)
		return blocksJSON(t, v.Blocks.BlockSet)
	default:
		t.Fatalf("surface %s renders a %T; a lead surface is a render.Message or a slack.ModalViewRequest", s.name, v)
		return ""
	}
}

// TestEverySurfaceNamesTheLead: whoever reads a message, DM or modal about
// one lead can tell which lead it is from what Slack shows. Slack does not
// show a message's text once it has blocks, so the company must be in the
// blocks.
func TestEverySurfaceNamesTheLead(t *testing.T) {
	t.Parallel()
	want := render.Escape(leadCompany)
	for _, s := range leadSurfaces() {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			shown := renderForLead(t, s)
			require.Truef(t, strings.Contains(shown, want), "surface %s does not name the lead: its blocks lack the company %q (the notification text does not count)", s.name, want)
		})
	}
}

// TestSLADMsNameTheLead: the breach DMs and the passer's outcome DM name
// the company (linked to the handoff when the link is known) and the
// contact; the breach DMs say which clock ran out, when and how long ago.
func TestSLADMsNameTheLead(t *testing.T) {
	t.Parallel()
	company := render.Escape(leadCompany)
	byName := map[string]leadSurface{}
	for _, s := range leadSurfaces() {
		byName[s.name] = s
	}
	for _, name := range []string{"SLABreach", "SLAManagerAlert", "PasserOutcome"} {
		shown := renderForLead(t, byName[name])
		require.Containsf(t, shown, "*<"+leadLink+"|"+company+">* ("+leadContact+", VP Sales) in <#C0HANDOFF>", "%s links the company to the handoff and names the contact", name)
		require.NotContainsf(t, shown, "open the handoff", "%s: the company is the link", name)
	}
	h := owned()
	due := h.Work.Breaches[0].DueAt
	for _, m := range []render.Message{clock.SLABreach(h, h.OpenBreaches(), ""), clock.SLAManagerAlert(h, h.OpenBreaches(), "")} {
		shown := blocksJSON(t, m.Blocks)
		require.Contains(t, shown, "*Acme Corp* (Dana Reyes, VP Sales) in <#C0HANDOFF>", "without a link, the company in bold and the channel")
		require.Contains(t, shown, "*no meaningful touch* — the clock for the first meaningful touch ran out <!date^"+itoa(due.Unix())+"^{date_short_pretty} at {time} ({ago})|")
	}
	require.Contains(t, blocksJSON(t, clock.SLAManagerAlert(h, h.OpenBreaches(), "").Blocks), "<@U0AE1>'s lead *Acme Corp*", "the manager is told whose lead it is")
}

// TestEveryLeadSurfaceIsListed reads render's source for exported functions
// that take a handoff, a lead or a checked form, and requires each to be in
// leadSurfaces, so a new surface about a lead cannot skip
// TestEverySurfaceNamesTheLead.
func TestEveryLeadSurfaceIsListed(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	for _, s := range leadSurfaces() {
		name, _, _ := strings.Cut(s.name, "/")
		listed[name] = true
	}
	// Private answers are text, not blocks: TestPrivateAnswersNameTheLead
	// covers the one that names the lead in them.
	listed["AboutLead"] = true
	about := []string{"routing.Handoff", "routing.Lead", "routing.CheckedForm"}
	paths, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var found []string
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !fn.Name.IsExported() {
				continue
			}
			for _, p := range fn.Type.Params.List {
				if sel, ok := p.Type.(*ast.SelectorExpr); ok && slices.Contains(about, exprName(sel)) {
					found = append(found, fn.Name.Name)
					break
				}
			}
		}
	}
	require.NotEmpty(t, found)
	for _, name := range found {
		require.Truef(t, listed[name], "render.%s renders something about one lead: add it to leadSurfaces in lead_test.go", name)
	}
}

func exprName(sel *ast.SelectorExpr) string {
	if id, ok := sel.X.(*ast.Ident); ok {
		return id.Name + "." + sel.Sel.Name
	}
	return ""
}

// TestPrivateAnswersNameTheLead: a refusal about a lead names it, escaped;
// one about no readable lead stands alone.
func TestPrivateAnswersNameTheLead(t *testing.T) {
	t.Parallel()
	h := routing.Handoff{Lead: routing.Lead{Company: "Quillfeather & Brine <Holdings>"}}
	require.Equal(t, "*Quillfeather &amp; Brine &lt;Holdings&gt;*: <@U1> already has this lead.",
		render.AboutLead(h, "<@U1> already has this lead."))
	require.Equal(t, render.HandoffGone, render.AboutLead(routing.Handoff{}, render.HandoffGone))
}

// TestUserTextIsNeverParsed: Slack auto-links a bare URL, a #channel name
// and an @name in a mrkdwn text unless it is verbatim. Escaping keeps a
// typed "<!here>" from being a mention; verbatim keeps a typed "@here",
// "#general" or web address plain text too. Every mrkdwn text of every
// surface about a lead is verbatim, and the lead's text, typed with all
// three, reaches each surface in one.
func TestUserTextIsNeverParsed(t *testing.T) {
	t.Parallel()
	const typed = "@here #general https://evil.example"
	for _, s := range leadSurfaces() {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			h := s.handoff()
			h.Lead.Company, h.Lead.ContactName, h.Lead.Notes = "Acme "+typed, typed, typed
			h.Lead.Context.Pain, h.Lead.Context.CurrentTools = typed, typed
			var raw []byte
			var err error
			switch v := s.render(h).(type) {
			case render.Message:
				raw, err = json.Marshal(v.Blocks)
			case slack.ModalViewRequest:
				raw, err = json.Marshal(v)
			}
			require.NoError(t, err)
			withTyped := 0
			for _, obj := range mrkdwnTexts(t, raw) {
				text, _ := obj["text"].(string)
				require.Equalf(t, true, obj["verbatim"], "surface %s has a mrkdwn text Slack would parse: %q", s.name, text)
				if strings.Contains(text, typed) {
					withTyped++
				}
			}
			require.Positivef(t, withTyped, "surface %s shows the lead's text in no mrkdwn text", s.name)
		})
	}
}

// mrkdwnTexts returns every mrkdwn text object in a Block Kit payload.
func mrkdwnTexts(t *testing.T, raw []byte) []map[string]any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	var out []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "mrkdwn" {
				out = append(out, v)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
