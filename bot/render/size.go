package render

import (
	"encoding/json"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/routing"
)

// MaxViewBytes is the largest view Slack takes. views.open, views.push,
// views.update and views.publish answer view_too_large when "the provided
// view is greater than 250kb" (https://docs.slack.dev/reference/methods/views.open,
// …/views.push, …/views.update, …/views.publish). What counts is the view
// argument as sent: the view object's JSON, which slack-go writes with
// json.Marshal. "250kb" is read as 250,000 bytes, the smaller of its two
// readings, so that a form Baton accepts is one Slack takes either way.
const MaxViewBytes = 250_000

// ViewBytes is the size of v as Slack receives it: its JSON as slack-go
// encodes it (json.Marshal, which writes <, > and & as six-byte escapes).
func ViewBytes(v any) int {
	raw, err := json.Marshal(v)
	if err != nil {
		return math.MaxInt // nothing Slack could take
	}
	return len(raw)
}

// FormSizes are the largest sizes a checklist's forms can reach, in bytes
// as ViewBytes counts them.
type FormSizes struct {
	// Handoff is the form /handoff opens.
	Handoff int
	// Offer is the form shown again, as a schedule-for-later offer, when the
	// gates refuse a live transfer: every answer at its longest is in it.
	Offer int
}

// LargestForms measures the forms of checklist c at their largest: asked
// in pool's channel ("" for the default checklist), with the availability
// line of whichever of pools is the longest to show, the company prefilled
// as long as it can be, and, in the schedule-for-later offer, every answer
// and every context field at its longest. Each character typed is counted
// at four bytes, the most a character takes in UTF-8 (an emoji), so no
// text people write makes a form larger. Only text dense in <, > and &,
// which JSON writes as six-byte escapes, can go beyond; the edge answers
// such a submission without the offer form (see package bot).
func LargestForms(c routing.Checklist, pool string, pools []string) FormSizes {
	form := Form{Pool: pool, Checklist: c, Company: widest(routing.MaxNameLength)}
	var sizes FormSizes
	if len(pools) == 0 {
		pools = []string{pool}
	}
	for _, p := range pools {
		for _, available := range []int{0, math.MaxInt32} {
			form.Available = &Availability{Pool: p, Available: available, Members: math.MaxInt32, UpNext: widestUserID}
			sizes.Handoff = max(sizes.Handoff, ViewBytes(HandoffModal(form)))
		}
	}
	form.Available = nil
	sizes.Offer = ViewBytes(LaterOffer(form, LargestAnswers(c)))
	return sizes
}

// widestUserID is a Slack user ID as long as the configuration takes one.
var widestUserID = "U" + strings.Repeat("0", 31)

// widest is n characters of four bytes each, the most UTF-8 takes: what
// people type at its largest, short of JSON's escapes.
func widest(n int) string { return strings.Repeat("😀", n) }

// LargestAnswers is a form for c with every field at its longest, asking
// for a live transfer that every gate refuses.
func LargestAnswers(c routing.Checklist) routing.CheckedForm {
	lead := routing.Lead{
		Company: widest(routing.MaxNameLength), ContactName: widest(routing.MaxNameLength), ContactTitle: widest(routing.MaxNameLength),
		Phone: "+" + strings.Repeat("9", 15), Email: widest(routing.MaxEmailLength),
		Notes: widest(routing.MaxNotesLength), Consent: true, Checklist: c,
		Context: routing.Context{
			Pain: widest(routing.MaxPainLength), Interest: widest(routing.MaxShortContext), CurrentTools: widest(routing.MaxShortContext),
			RecordingURL: widest(routing.MaxURLLength), BestTime: widest(routing.MaxBestTimeLength),
			BestChannel: longest(routing.ReachChannels), Personality: widest(routing.MaxPersonalityLength),
		},
	}
	for _, q := range c.Questions {
		lead.Answers = append(lead.Answers, largestAnswer(q))
	}
	return routing.CheckedForm{
		Lead: lead, Live: true, Unmet: c.Gated(),
		ScheduledFor: time.Date(2099, 12, 31, 23, 59, 0, 0, time.UTC),
	}
}

// largestAnswer is the longest answer q takes; for a gate, one that fails
// it where one can, as the offer then says what it needs.
func largestAnswer(q routing.Question) routing.Answer {
	a := routing.Answer{QuestionID: q.ID}
	switch q.Type {
	case routing.TypeYesNo:
		a.Yes = q.Gate != nil && q.Gate.Equals == "no"
	case routing.TypeNumber:
		a.Number = longestNumber(q)
	case routing.TypeSelect:
		failing := q.Options
		if q.Gate != nil {
			failing = nil
			for _, o := range q.Options {
				if !q.GatePasses(routing.Answer{QuestionID: q.ID, Text: o}, true) {
					failing = append(failing, o)
				}
			}
		}
		a.Text = longest(q.Options)
		if len(failing) > 0 {
			a.Text = longest(failing)
		}
	case routing.TypeMultiSelect:
		a.Choices = q.Options
	case routing.TypeLongText:
		a.Text = widest(routing.MaxLongTextAnswer)
	case routing.TypeEmail:
		a.Text = widest(routing.MaxEmailLength)
	case routing.TypePhone:
		a.Text = "+" + strings.Repeat("9", 15)
	case routing.TypeURL:
		a.Text = widest(routing.MaxURLLength)
	case routing.TypeDate:
		a.Date = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		a.Text = widest(routing.MaxTextAnswer)
	}
	return a
}

// longestNumber is the number answer to q that takes the most characters
// to write, within its bounds.
func longestNumber(q routing.Question) float64 {
	candidates := []float64{-math.MaxFloat64, math.MaxFloat64}
	if q.Decimals {
		candidates = append(candidates, -math.SmallestNonzeroFloat64, math.SmallestNonzeroFloat64)
	}
	for _, b := range []*float64{q.Min, q.Max} {
		if b != nil {
			candidates = append(candidates, *b)
		}
	}
	best, found := 0.0, false
	for _, n := range candidates {
		if (q.Min != nil && n < *q.Min) || (q.Max != nil && n > *q.Max) {
			continue
		}
		if !found || len(routing.FormatNumber(n)) > len(routing.FormatNumber(best)) {
			best, found = n, true
		}
	}
	return best
}

// longest is the longest of options, in characters.
func longest(options []string) string {
	best := ""
	for _, o := range options {
		if utf8.RuneCountInString(o) > utf8.RuneCountInString(best) {
			best = o
		}
	}
	return best
}

// LaterOfferPending is the form shown while the schedule-for-later offer
// is on its way: an offer too large for the ack of the submission (see
// bot's ack budget) is sent with views.update once this is shown.
// externalID names this view, so that the update finds it only once Slack
// has shown it, never the form it replaces.
func LaterOfferPending(externalID string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: CallbackHandoff,
		ExternalID: externalID,
		Title:      plain("Hot handoff"),
		Close:      plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section("⏳ Preparing the *Schedule for later* form, with your answers…"),
		}},
	}
}

// LaterOfferInline is said under the transfer choice, in place of the
// schedule-for-later form, when that form with the passer's answers would
// be over Slack's view limit.
const LaterOfferInline = "Not ready for a live transfer: a criterion in the checklist is unmet (each question's hint says what it needs). " +
	"Choose Schedule for later and pick when the closer should call, or correct the answer."

// LaterOfferFailed replaces LaterOfferPending when the offer could not be
// shown: nothing was handed off, and the passer is told so.
func LaterOfferFailed() slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: CallbackHandoff,
		Title:      plain("Hot handoff"),
		Close:      plain("Close"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section("⚠️ Slack did not show the *Schedule for later* form, and *nothing was handed off*. Close this and run `/handoff` again."),
		}},
	}
}
