package render_test

import (
	"testing"

	"github.com/batonhq/baton/bot/render"
)

func TestChannelUninvited(t *testing.T) {
	t.Parallel()
	golden(t, "channel_uninvited", render.ChannelUninvited("C0VIP", "vip"))
}
