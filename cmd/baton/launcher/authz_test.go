package launcher_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
)

// TestForgedMetadataIsRefused submits Baton's own modals with a
// private_metadata naming another handoff, as a forged payload would: the
// passer of one lead cancelling someone else's, a member logging work on a
// lead they do not own, an outsider naming a lead that does not exist.
// Each is refused with a plain sentence under the field and the events
// table does not change.
func TestForgedMetadataIsRefused(t *testing.T) {
	t.Parallel()
	a := batontest.Start(t, batontest.Options{})
	mine := a.Handoff("U0SDR", "Mine Inc")
	theirs := a.Handoff("U0SDR2", "Theirs Inc")
	a.Click("U0AE1", theirs)
	a.Eventually(func() bool { return a.HandoffNow(theirs.ID).OwnerID == "U0AE1" }, "claimed by U0AE1")
	a.Eventually(func() bool { n, _ := a.Store.PendingCount(a.Ctx); return n == 0 }, "the outbox drains")
	countEvents := func() int {
		var n int
		require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT count(*) FROM events`).Scan(&n))
		return n
	}
	before := countEvents()

	option := func(v string) map[string]any {
		return map[string]any{render.ActionInput: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}}
	}
	for i, tt := range []struct {
		name, user, callback, meta string
		values                     map[string]any
		block                      string
	}{
		{"the passer of one lead cancels another's", "U0SDR", render.CallbackCancel, fmt.Sprint(theirs.ID),
			map[string]any{render.BlockReason: option("prospect_dropped")}, render.BlockReason},
		{"a member logs a touch on a lead they do not own", "U0AE2", render.CallbackTouch, fmt.Sprint(theirs.ID),
			map[string]any{render.BlockKind: option(string(routing.TouchCallAttempted))}, render.BlockKind},
		{"an outsider reassigns a lead", "U0OUTSIDER", render.CallbackReassign, fmt.Sprint(theirs.ID),
			map[string]any{render.BlockReason: option(string(routing.ReassignCapacity))}, render.BlockReason},
		{"the owner hands back a lead that is not scheduled", "U0AE1", render.CallbackHandBack, fmt.Sprint(mine.ID),
			map[string]any{render.BlockReason: option("busy")}, render.BlockReason},
		{"metadata naming no handoff", "U0SDR", render.CallbackCancel, "999999",
			map[string]any{render.BlockReason: option("prospect_dropped")}, render.BlockReason},
	} {
		env, err := json.Marshal(map[string]any{
			"envelope_id": fmt.Sprintf("forged-%d", i), "type": "interactive", "accepts_response_payload": true,
			"payload": map[string]any{
				"type": "view_submission", "user": map[string]any{"id": tt.user},
				"view": map[string]any{"id": fmt.Sprintf("VFORGED%d", i), "callback_id": tt.callback, "private_metadata": tt.meta,
					"state": map[string]any{"values": tt.values}},
			},
		})
		require.NoError(t, err)
		ack, err := a.Slack.SendEnvelope(a.Ctx, env)
		require.NoError(t, err, tt.name)
		var resp struct {
			ResponseAction string            `json:"response_action"`
			Errors         map[string]string `json:"errors"`
		}
		require.NoError(t, json.Unmarshal(ack.Payload, &resp), "%s: %s", tt.name, ack.Payload)
		require.Equal(t, "errors", resp.ResponseAction, tt.name)
		require.NotEmpty(t, resp.Errors[tt.block], "%s: a sentence under the field", tt.name)
		require.NotContains(t, resp.Errors[tt.block], "refused:", "%s: a plain sentence, not an error code", tt.name)
		require.Equal(t, before, countEvents(), "%s: nothing recorded", tt.name)
	}
	require.Equal(t, routing.StateOpen, a.HandoffNow(mine.ID).State)
	require.Equal(t, "U0AE1", a.HandoffNow(theirs.ID).OwnerID)
}
