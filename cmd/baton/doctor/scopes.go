package doctor

import (
	"fmt"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/cmd/baton/config"
)

// Need is a bot scope a configuration needs, and what for.
type Need struct {
	Scope string
	// Why completes "needed …".
	Why string
}

// NeededScopes are the bot scopes Baton uses with cfg: the ones every
// installation needs, then the ones some configurations do (members by
// email or user group, working hours, presence). They are all among
// manifests/slack-app.yaml's (a test checks it).
func NeededScopes(cfg config.Config) []Need {
	needs := []Need{
		{"commands", "for /handoff"},
		{"chat:write", "to post handoffs, DMs and private answers"},
		{"im:write", "to open DMs with owners, passers and managers"},
		{"channels:read", "to check Baton is in each pool's public channel"},
		{"groups:read", "to check Baton is in each pool's private channel"},
	}
	var email, group string
	for i, p := range cfg.Policy.Pools {
		for j, m := range p.Members {
			e, err := directory.ParseEntry(m)
			switch {
			case err != nil:
			case e.Kind == directory.Email && email == "":
				email = fmt.Sprintf("pools[%d].members[%d]", i, j)
			case e.Kind == directory.Group && group == "":
				group = fmt.Sprintf("pools[%d].members[%d]", i, j)
			}
		}
	}
	var users string
	switch {
	case email != "":
		users = "by " + email + " (an email)"
	case group != "":
		users = "by " + group + " (a user group)"
	case cfg.HasHours():
		users = "for working hours in members' Slack time zones"
	case cfg.Presence:
		users = "by presence: true"
	}
	if users != "" {
		needs = append(needs, Need{"users:read", users})
	}
	if email != "" {
		needs = append(needs, Need{"users:read.email", "by " + email + " (an email)"})
	}
	if group != "" {
		needs = append(needs, Need{"usergroups:read", "by " + group + " (a user group)"})
	}
	if cfg.Presence {
		needs = append(needs, Need{"dnd:read", "by presence: true (Do Not Disturb counts as away)"})
	}
	return needs
}
