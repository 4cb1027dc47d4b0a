package slackfake

import (
	"slices"
	"strings"
)

// Channel is a public or private channel of the fake workspace, declared
// with AddChannel so that the bot's membership in it matters.
type Channel struct {
	// ID is the channel's ID (C…).
	ID string
	// Name is the channel's name, without the #.
	Name string
	// Private makes it a private channel: invisible to a bot that is not
	// in it, where a public channel is visible but not postable.
	Private bool
	// BotMember says whether the bot was invited to the channel.
	BotMember bool
	// Members are the people in the channel, besides the bot. Nil means
	// the fake does not check who is in it: chat.postEphemeral takes any
	// user. A non-nil list is checked: an ephemeral to anyone else answers
	// user_not_in_channel.
	Members []string
}

// access is what the bot can do in a conversation.
type access int

const (
	// member: the bot is in it, and may read and post.
	member access = iota
	// outsider: a public channel the bot is not in: conversations.info
	// describes it, but the bot may not post there.
	outsider
	// hidden: the bot cannot see it at all: a private channel it is not
	// in, or a DM or group DM between other people.
	hidden
)

// AddChannel declares c, or replaces the channel of that ID. From then on
// the bot's membership in it is enforced (see the package doc).
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Members = slices.Clone(c.Members)
	s.channels[c.ID] = c
}

// InviteBot adds the bot to channel, as /invite @Baton would. A channel
// never declared is declared public, with the ID as its name.
func (s *Server) InviteBot(channel string) {
	s.setBotMember(channel, true)
}

// RemoveBot takes the bot out of channel, as /remove @Baton would. A
// channel never declared is declared public, with the ID as its name.
func (s *Server) RemoveBot(channel string) {
	s.setBotMember(channel, false)
}

func (s *Server) setBotMember(channel string, in bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, declared := s.channels[channel]
	if !declared {
		c = Channel{ID: channel, Name: strings.ToLower(channel)}
	}
	c.BotMember = in
	s.channels[channel] = c
	s.notifyLocked()
}

// isDirect reports whether id names a DM (D…) or a group DM (G…).
func isDirect(id string) bool {
	return strings.HasPrefix(id, "D") || strings.HasPrefix(id, "G")
}

// accessLocked says what the bot can do in channel, and what the channel
// is when it is a declared one. Callers hold s.mu.
func (s *Server) accessLocked(channel string) (Channel, bool, access) {
	if c, declared := s.channels[channel]; declared {
		switch {
		case c.BotMember:
			return c, true, member
		case c.Private:
			return c, true, hidden
		default:
			return c, true, outsider
		}
	}
	if isDirect(channel) {
		if s.opened[channel] {
			return Channel{}, false, member
		}
		// A DM or group DM the bot did not open is a conversation
		// between other people, which a bot token cannot see.
		return Channel{}, false, hidden
	}
	// Undeclared: the test world's default, a public channel Baton was
	// invited to.
	return Channel{}, false, member
}

// postRefusalLocked is the error chat.postMessage and chat.postEphemeral
// answer when the bot may not post in channel, or nil. Both document
// not_in_channel for a channel the bot can see but is not in, and
// channel_not_found for one it cannot see (a private channel it was not
// invited to, someone else's DM):
// https://docs.slack.dev/reference/methods/chat.postMessage#errors
// https://docs.slack.dev/reference/methods/chat.postEphemeral#errors
// Without the chat:write.public scope (Baton does not ask for it), a bot
// must be a member to post even in a public channel:
// https://docs.slack.dev/reference/scopes/chat.write.public
func (s *Server) postRefusalLocked(channel string) reply {
	switch _, _, a := s.accessLocked(channel); a {
	case outsider:
		return fail("not_in_channel")
	case hidden:
		return fail("channel_not_found")
	}
	return nil
}

// updateRefusalLocked is the error chat.update answers when the bot is
// not in channel, or nil. Its documented errors have no not_in_channel:
// a channel the bot is not in answers channel_not_found, public or not.
// https://docs.slack.dev/reference/methods/chat.update#errors
func (s *Server) updateRefusalLocked(channel string) reply {
	if _, _, a := s.accessLocked(channel); a != member {
		return fail("channel_not_found")
	}
	return nil
}

// ephemeralRecipientRefusalLocked answers user_not_in_channel for an
// ephemeral to someone outside a declared channel whose members the test
// listed: "The user should be in the channel specified by the channel
// argument."
// https://docs.slack.dev/reference/methods/chat.postEphemeral#errors
func (s *Server) ephemeralRecipientRefusalLocked(channel, user string) reply {
	c, declared, _ := s.accessLocked(channel)
	if declared && c.Members != nil && !slices.Contains(c.Members, user) {
		return fail("user_not_in_channel")
	}
	return nil
}

// conversationsInfo describes a conversation the bot can see. A private
// channel the bot is not in, or a DM or group DM it is not part of,
// answers channel_not_found, as for any ID the token cannot see; a public
// channel answers with is_member false. The bot needs channels:read for
// public channels and groups:read for private ones (and im:read, mpim:read
// for DMs).
// https://docs.slack.dev/reference/methods/conversations.info
// https://docs.slack.dev/reference/objects/conversation-object
func (s *Server) conversationsInfo(req apiRequest) reply {
	id := req.params["channel"]
	if id == "" {
		return fail("channel_not_found")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, declared, a := s.accessLocked(id)
	if a == hidden {
		return fail("channel_not_found")
	}
	var ch map[string]any
	switch {
	case !declared && strings.HasPrefix(id, "D"):
		ch = map[string]any{"id": id, "is_im": true, "user": strings.TrimPrefix(id, "D"),
			"is_channel": false, "is_group": false, "is_mpim": false, "is_private": true, "is_archived": false}
	case !declared && strings.HasPrefix(id, "G"):
		ch = map[string]any{"id": id, "name": "mpdm-" + strings.ToLower(id[1:]), "is_mpim": true, "is_member": true,
			"is_channel": false, "is_group": true, "is_im": false, "is_private": true, "is_archived": false}
	default:
		if !declared {
			c = Channel{ID: id, Name: strings.ToLower(id), BotMember: true}
		}
		ch = map[string]any{
			"id": c.ID, "name": c.Name, "name_normalized": c.Name,
			"is_channel": true, "is_group": false, "is_im": false, "is_mpim": false,
			"is_private": c.Private, "is_member": a == member, "is_archived": false,
			"is_general": false, "is_shared": false, "is_ext_shared": false, "is_org_shared": false,
			"context_team_id": TeamID,
		}
		if req.params["include_num_members"] == "true" {
			n := len(c.Members)
			if c.BotMember {
				n++
			}
			ch["num_members"] = n
		}
	}
	return success(reply{"channel": ch})
}

// conversationsOpen opens (or finds) the bot's DM with one user, or a group
// DM with several, and remembers it, so that the bot may then post there.
// Resuming one by its ID (channel instead of users) works only for a
// conversation the bot is part of: "Resume a conversation by supplying an
// im or mpim's ID."
// https://docs.slack.dev/reference/methods/conversations.open
func (s *Server) conversationsOpen(req apiRequest) reply {
	if ch := req.params["channel"]; ch != "" && req.params["users"] == "" {
		s.mu.Lock()
		_, _, a := s.accessLocked(ch)
		s.mu.Unlock()
		if a == hidden {
			return fail("channel_not_found")
		}
		return success(reply{"channel": map[string]any{"id": ch}})
	}
	var users []string
	for u := range strings.SplitSeq(req.params["users"], ",") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	var ch map[string]any
	switch len(users) {
	case 0:
		return fail("users_list_not_supplied")
	case 1:
		ch = map[string]any{"id": "D" + users[0], "is_im": true, "user": users[0]}
	default:
		// A group DM; the id only needs to be stable for the same users.
		ch = map[string]any{"id": "G" + strings.Join(users, ""), "is_mpim": true}
	}
	s.mu.Lock()
	s.opened[ch["id"].(string)] = true
	s.mu.Unlock()
	return success(reply{"channel": ch})
}
