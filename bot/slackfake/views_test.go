package slackfake

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

// TestOversizedResponseActionView: a view over 250 KB in a response_action
// update or push is refused like one sent with views.update or views.push.
// It is checked apart from the ack that carries it, which at that size
// Slack drops anyway (see TestOversizedAckIsDropped).
func TestOversizedResponseActionView(t *testing.T) {
	t.Parallel()
	s, err := New()
	require.NoError(t, err)
	defer s.Close()
	modal := func(sections int) slack.ModalViewRequest {
		blocks := make([]slack.Block, sections)
		for i := range blocks {
			blocks[i] = slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("x", 3000), false, false), nil, nil)
		}
		return slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Form", false, false),
			Blocks: slack.Blocks{BlockSet: blocks}}
	}
	small, err := json.Marshal(modal(1))
	require.NoError(t, err)
	s.mu.Lock()
	v := s.newViewLocked(small, "U1", nil)
	s.mu.Unlock()

	big, fits := modal(90), modal(80)
	for _, answer := range []*slack.ViewSubmissionResponse{slack.NewUpdateViewSubmissionResponse(&big), slack.NewPushViewSubmissionResponse(&big)} {
		payload, err := json.Marshal(answer)
		require.NoError(t, err)
		require.ErrorContains(t, s.applyResponseAction(v, payload), "view_too_large")
	}
	require.Len(t, s.Views(), 1, "nothing pushed")
	require.Zero(t, s.Views()[0].Updated, "nothing updated")

	payload, err := json.Marshal(slack.NewUpdateViewSubmissionResponse(&fits))
	require.NoError(t, err)
	require.NoError(t, s.applyResponseAction(v, payload), "a view under 250 KB is taken")
	require.Equal(t, 1, s.Views()[0].Updated)
}
