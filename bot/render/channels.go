package render

import (
	"fmt"

	"github.com/slack-go/slack"
)

// ChannelUninvited tells a pool's manager that Baton is not in the pool's
// channel, so its hot leads cannot be posted there, and how to fix it. The
// channel is a <#C…> mention, which Slack shows as a link to it even when
// the reader cannot see its name in the message's text.
func ChannelUninvited(channel, pool string) Message {
	mention := fmt.Sprintf("<#%s>", channel)
	text := fmt.Sprintf("⚠️ I can't post in %s, the channel of the *%s* pool: I'm not a member of it. "+
		"Hot leads passed to the pool are waiting, and I keep trying. "+
		"Please invite me: type `/invite @Baton` in %s.", mention, pool, mention)
	return Message{
		Text:   fmt.Sprintf("Baton can't post in %s: invite @Baton to it", mention),
		Blocks: []slack.Block{section(text)},
	}
}
