package bot

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// envelopeID is as long as Slack's envelope ids.
const envelopeID = "1d4f0c5e-6a8b-4f5e-9c2d-7b3a1e0f9d8c"

// TestCommandAcksFit: the command answers carried by an ack (the help, a
// command Baton could not read) stay within the ack's budget whatever was
// typed.
func TestCommandAcksFit(t *testing.T) {
	t.Parallel()
	require.LessOrEqual(t, ackBytes(envelopeID, map[string]any{"response_type": "ephemeral", "text": helpText}), maxAckBytes)

	for _, typed := range []string{"away " + strings.Repeat("<", 40000), "away until " + strings.Repeat("&", 40000), "away " + strings.Repeat("漢", 40000)} {
		_, ok, err := routing.ParseAvailability(typed, time.Now(), time.UTC)
		require.True(t, ok)
		require.Error(t, err)
		answer := didNotGet(err)
		require.LessOrEqual(t, ackBytes(envelopeID, map[string]any{"response_type": "ephemeral", "text": answer}), maxAckBytes)
		require.True(t, strings.HasPrefix(answer, "I didn't get that: "))
	}
	_, ok, err := routing.ParseStats("stats "+strings.Repeat("<", 40000), []string{"closers"})
	require.True(t, ok)
	require.LessOrEqual(t, ackBytes(envelopeID, map[string]any{"response_type": "ephemeral", "text": didNotGet(err)}), maxAckBytes)
}

// TestFormErrorsFit: the most errors a form can get, each as long as the
// configuration allows (40 number questions whose bounds are 300-digit
// numbers), do not fit an ack as they are; cut, they fit, every field
// still has its sentence, and the usual short ones are kept whole.
func TestFormErrorsFit(t *testing.T) {
	t.Parallel()
	low, high := 1e300, math.MaxFloat64
	c := routing.Checklist{Name: "custom"}
	raw := map[string]routing.RawAnswer{}
	for i := range routing.MaxQuestions {
		id := fmt.Sprintf("q%02d_%s", i, strings.Repeat("x", routing.MaxQuestionIDLength-4))
		c.Questions = append(c.Questions, routing.Question{ID: id, Label: "Q", Type: routing.TypeNumber, Min: &low, Max: &high})
		raw[id] = routing.RawAnswer{Text: "5"}
	}
	checked, cerr := routing.CheckChecklist(c)
	require.Nil(t, cerr)
	_, errs := routing.CheckForm(checked, routing.Form{Lead: routing.Lead{Phone: "12", Email: "x", Notes: strings.Repeat("n", routing.MaxNotesLength+1)}, Answers: raw, Live: true}, time.Now())
	require.Equal(t, routing.MaxQuestions+6, len(errs), "every question, the company, contact name, phone, email, notes and consent")
	full := render.FieldErrors(errs)
	require.Greater(t, ackBytes(envelopeID, slack.NewErrorsViewSubmissionResponse(full)), maxAckBytes, "the case this guards against")

	cut := fitErrors(envelopeID, full)
	require.LessOrEqual(t, ackBytes(envelopeID, slack.NewErrorsViewSubmissionResponse(cut)), maxAckBytes)
	require.Len(t, cut, len(full))
	for block, msg := range cut {
		require.NotEmpty(t, msg, block)
	}
	require.Equal(t, full[string(routing.FieldConsent)], cut[string(routing.FieldConsent)], "a short sentence is kept whole")
}

// TestTransferBlock: the offer said under the transfer choice goes under
// the block the submitted form has: the first form's, or the one of a form
// shown again with the offer.
func TestTransferBlock(t *testing.T) {
	t.Parallel()
	cb := &slack.InteractionCallback{}
	require.Equal(t, render.BlockTransfer, transferBlock(cb))
	cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{render.BlockTransfer: {}}}
	require.Equal(t, render.BlockTransfer, transferBlock(cb))
	cb.View.State.Values = map[string]map[string]slack.BlockAction{render.BlockTransferOffered: {}}
	require.Equal(t, render.BlockTransferOffered, transferBlock(cb))
}
