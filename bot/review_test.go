package bot

import (
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
)

// FuzzReviewClick presses Reviewed with arbitrary values and messages:
// a tick is read only from an RFC 3339 time, a press names its clicker,
// channel and message, and whatever parses is only a claim the store
// checks against the review it posted.
func FuzzReviewClick(f *testing.F) {
	for _, seed := range []string{"2026-11-09T09:00:00Z", "2026-11-09T09:00:00+01:00", "", "42", "2026-13-40T99:00:00Z", "\xff", "2026-11-09"} {
		f.Add(seed, "U0MGR", "C0DIGEST", "1700000000.1")
		f.Add(seed, "", "C0DIGEST", "")
	}
	f.Fuzz(func(t *testing.T, value, user, channel, ts string) {
		cb := &slack.InteractionCallback{User: slack.User{ID: user}, ResponseURL: "https://hooks.slack.test/r"}
		cb.Container.ChannelID, cb.Container.MessageTs = channel, ts
		click, err := parseReviewClick(cb, &slack.BlockAction{ActionID: render.ActionReviewed, Value: value})
		if err != nil {
			require.ErrorIs(t, err, errMalformed)
			return
		}
		_, perr := time.Parse(time.RFC3339, value)
		require.NoError(t, perr)
		require.NotEmpty(t, click.User)
		require.Equal(t, channel, click.Channel)
		require.Equal(t, ts, click.MessageTS)
	})
}
