package render_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// owned is a lead claimed 14 s after it was posted, with its first-touch
// clock run out.
func owned() routing.Handoff {
	h := claimed(14 * time.Second)
	h.Work.OwnerSince = h.ClaimedAt
	h.Work.Breaches = []routing.Breach{{
		Clock: routing.ClockFirstTouch, StartedAt: h.ClaimedAt, DueAt: h.ClaimedAt.Add(48 * time.Hour),
		BreachedAt: h.ClaimedAt.Add(48 * time.Hour), Owner: "U0AE1", ManagerAlertedAt: h.ClaimedAt.Add(52 * time.Hour),
	}}
	return h
}

func reassigned() routing.Handoff {
	h := owned()
	h.Work.PreviousOwner, h.OwnerID = "U0AE1", "U0AE2"
	h.Work.ReassignedAt, h.Work.ReassignedBy = created.Add(50*time.Hour), "U0MGR"
	h.Work.ReassignReason, h.Work.ReassignNote = routing.ReassignOutOfOffice, "on leave <!here>"
	h.Work.Breaches[0].ClearedAt = h.Work.ReassignedAt
	return h
}

func disqualified() routing.Handoff {
	h := owned()
	h.Work.Outcome = routing.Outcome{Kind: routing.OutcomeDisqualified, Reason: routing.DisqualifyNoBudget, Note: "Budget frozen until Q3 & <@U0CEO> said no", At: created.Add(30 * time.Hour), By: "U0AE1"}
	h.Work.ClosedAt = h.Work.Outcome.At
	return h
}

func TestGoldenWork(t *testing.T) {
	t.Parallel()
	h := owned()
	running := []routing.Running{{Clock: routing.ClockOutcome, StartedAt: h.ClaimedAt, DueAt: h.ClaimedAt.Add(24 * time.Hour)}}
	meeting := h
	meeting.Work.MeetingAt = created.Add(72 * time.Hour)
	for name, v := range map[string]any{
		"modal_touch":            render.TouchModal(h),
		"modal_outcome":          render.OutcomeModal(h),
		"modal_reassign":         render.ReassignModal(h, false),
		"modal_reassign_manager": render.ReassignModal(h, true),
		"work_logged_touch":      clock.WorkLogged(h, map[string]string{"touch": "call_attempted"}, running, ""),
		"work_logged_meeting":    clock.WorkLogged(meeting, map[string]string{"touch": "meeting_booked"}, running, ""),
		"work_logged_template":   clock.WorkLogged(h, map[string]string{"touch": "templated_email"}, running, ""),
		"work_logged_closed":     clock.WorkLogged(disqualified(), map[string]string{"outcome": "disqualified"}, nil, ""),
		"passer_outcome":         clock.PasserOutcome(disqualified(), "https://slack.example/archives/C0HANDOFF/p1"),
		"owner_reassigned":       clock.OwnerReassigned(reassigned(), running),
		"owner_released":         clock.OwnerReleased(reassigned()),
		"passer_reassigned":      clock.PasserReassigned(reassigned()),
		"sla_breach":             clock.SLABreach(h, h.OpenBreaches(), "https://slack.example/archives/C0HANDOFF/p1"),
		"sla_manager_alert":      clock.SLAManagerAlert(h, h.OpenBreaches(), ""),
		"channel_reassigned":     clock.ChannelMessage(reassigned()),
		"channel_disqualified":   clock.ChannelMessage(disqualified()),
	} {
		golden(t, name, v)
		switch v := v.(type) {
		case slack.ModalViewRequest:
			validView(t, v)
		case render.Message:
			validMessage(t, v)
		}
	}
}

func TestWorkTextIsEscaped(t *testing.T) {
	t.Parallel()
	for _, m := range []render.Message{clock.PasserOutcome(disqualified(), ""), clock.OwnerReleased(reassigned()), clock.ChannelMessage(reassigned())} {
		text := blocksJSON(t, m.Blocks)
		require.NotContains(t, text, "<!here>")
		require.NotContains(t, text, "<@U0CEO>")
	}
}

// stuck builds a digest with n leads in each section.
func stuck(n int) routing.StuckLeads {
	s := routing.StuckLeads{At: created.Add(72 * time.Hour)}
	for _, sec := range routing.DigestSections {
		part := routing.StuckSectionLeads{Section: sec, Total: n}
		for i := range min(n, routing.MaxDigestPerSection) {
			h := owned()
			h.ID = int64(100*len(s.Sections) + i)
			h.Lead.Company = fmt.Sprintf("Company %d <%s>", h.ID, sec)
			switch sec {
			case routing.SectionUnclaimed:
				h.State, h.OwnerID = routing.StateOpen, ""
				if i%2 == 1 {
					h.State, h.OwnerID, h.MissedAt = routing.StateScheduled, "U0AE2", created.Add(3*time.Minute)
					h.Work.OwnerSince = h.MissedAt
				}
			case routing.SectionNoOutcome:
				h.Work.Breaches[0].Clock = routing.ClockOutcome
			case routing.SectionNoShow:
				h.Work.Breaches = nil
				h.Work.Outcome = routing.Outcome{Kind: routing.OutcomeNoShow, At: created.Add(40 * time.Hour), By: "U0AE1"}
			}
			part.Leads = append(part.Leads, h)
		}
		s.Sections = append(s.Sections, part)
	}
	return s
}

func TestGoldenDigest(t *testing.T) {
	t.Parallel()
	s := stuck(2)
	s.Sections[2] = routing.StuckSectionLeads{Section: routing.SectionNoOutcome} // an empty section is left out
	links := map[int64]string{0: "https://slack.example/archives/C0HANDOFF/p1"}
	golden(t, "digest", clock.Digest(s, links))
	golden(t, "digest_empty", clock.Digest(stuck(0), nil))
	require.Contains(t, clock.Digest(stuck(0), nil).Text, "Nothing stuck today")
}

// TestDigestWithinLimits fills every section to the most it may list, with
// hundreds more behind each: the post stays one valid message, says how
// many more there are, and has a button per lead.
func TestDigestWithinLimits(t *testing.T) {
	t.Parallel()
	m := clock.Digest(stuck(250), nil)
	validMessage(t, m)
	require.LessOrEqual(t, len(m.Blocks), render.MaxMessageBlock)
	text := blocksJSON(t, m.Blocks)
	require.Equal(t, 4, strings.Count(text, fmt.Sprintf("and %d more", 250-routing.MaxDigestPerSection)))
	require.Contains(t, text, "Stuck leads")
	require.Equal(t, 4*routing.MaxDigestPerSection, strings.Count(text, `"type":"button"`)+strings.Count(text, `"type": "button"`))
	require.NotContains(t, text, "<no_show>", "company names are escaped")
}
