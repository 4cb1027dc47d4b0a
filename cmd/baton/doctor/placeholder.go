package doctor

import (
	"fmt"
	"strings"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/cmd/baton/config"
)

// minSlackID is the length of the shortest IDs Slack issues (C024BE91L,
// U024BE7LH, USLACKBOT); newer ones are longer. An ID shorter than that
// was typed by a person, such as the example configuration's U0AE1; a
// longer made-up one (its C0HANDOFF) is left for Slack to say it has no
// such channel.
const minSlackID = 9

// placeholderWords mark an ID written to be replaced.
var placeholderWords = []string{"XXX", "EXAMPLE", "PLACEHOLDER", "CHANGEME", "YOUR", "0123ABCD"}

// LooksPlaceholder says a channel or user ID is not one Slack would
// issue: too short, or written to be replaced (C0123ABCD, UXXXXXXXX).
func LooksPlaceholder(id string) bool {
	if len(id) < minSlackID {
		return true
	}
	for _, w := range placeholderWords {
		if strings.Contains(id, w) {
			return true
		}
	}
	return false
}

// Placeholders lists the channel and user IDs of cfg that look like
// placeholders (see LooksPlaceholder), each as a problem with the way to
// find the real ID. Config validation checks an ID's shape only, so an
// example's IDs pass it; `baton check-config` warns with these and
// `baton doctor` counts them as problems.
func Placeholders(cfg config.Config) []Problem {
	const (
		channelFix = "put the real channel ID (channel → View channel details → at the bottom), or run baton init"
		userFix    = "put the real member ID (their profile → ⋮ → Copy member ID), or run baton init"
		what       = "looks like a placeholder, not an ID Slack issues"
	)
	var out []Problem
	p := cfg.Policy
	seen := map[string]bool{}
	for i, pool := range p.Pools {
		if LooksPlaceholder(pool.Channel) {
			out = append(out, Problem{fmt.Sprintf("pools[%d].channel", i), pool.Channel, what, channelFix})
		}
		seen[pool.Channel] = true
		for _, list := range []struct {
			key string
			ids []string
		}{{"members", pool.Members}, {"managers", pool.Managers}} {
			for j, m := range list.ids {
				if e, err := directory.ParseEntry(m); err == nil && e.Kind == directory.User && LooksPlaceholder(e.Value) {
					out = append(out, Problem{fmt.Sprintf("pools[%d].%s[%d]", i, list.key, j), e.Value, what, userFix})
				}
			}
		}
	}
	if d := p.Digest.Channel; d != "" && !seen[d] && LooksPlaceholder(d) {
		out = append(out, Problem{"digest.channel", d, what, channelFix})
	}
	return out
}
