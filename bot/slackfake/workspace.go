package slackfake

import (
	"slices"
	"strings"
)

// DefaultScopes are the bot scopes the fake's token holds unless SetScopes
// says otherwise: those manifests/slack-app.yaml asks for (a test in
// manifests checks the two agree).
var DefaultScopes = []string{
	"commands", "chat:write", "im:write",
	"users:read", "users:read.email", "usergroups:read", "dnd:read",
	"channels:read", "groups:read",
}

// appTokenScopes are an App-Level Token's scopes: Socket Mode needs
// connections:write and nothing else.
// https://docs.slack.dev/apis/events-api/using-socket-mode
var appTokenScopes = []string{"connections:write"}

func init() {
	// The methods Baton's set-up commands (doctor, init) call, registered
	// here so that they live beside the state they read.
	apiMethods["users.conversations"] = apiMethod{botToken, (*Server).usersConversations}
	apiMethods["conversations.members"] = apiMethod{botToken, (*Server).conversationsMembers}
}

// SetScopes replaces the bot token's scopes, as reinstalling the app with
// another set would: what the X-OAuth-Scopes header reports from then on.
// The fake does not refuse a method for a missing scope; it only reports
// them, which is what the set-up check reads.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = slices.Clone(scopes)
	s.scopesSet = true
}

// scopeHeader is the X-OAuth-Scopes header of an answer to a call made
// with a token of kind: Slack reports the scopes the calling token holds,
// comma-separated, on every Web API response
// (https://docs.slack.dev/apis/web-api/#scopes; "X-OAuth-Scopes: the
// scopes the token has", with X-Accepted-OAuth-Scopes for the method).
func (s *Server) scopeHeader(kind tokenKind) map[string]string {
	scopes := appTokenScopes
	if kind == botToken {
		s.mu.Lock()
		scopes = DefaultScopes
		if s.scopesSet {
			scopes = s.scopes
		}
		s.mu.Unlock()
	}
	return map[string]string{"X-OAuth-Scopes": strings.Join(scopes, ",")}
}

// KnownUsersOnly makes users.info answer user_not_found for every ID not
// registered with AddUser (or SetUserEmail, SetUserTZ), as Slack answers
// for an ID that is no user of the workspace
// (https://docs.slack.dev/reference/methods/users.info#errors). Without
// it the fake makes up a user for any ID, so that tests register only the
// people whose details they assert on.
func (s *Server) KnownUsersOnly() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knownUsersOnly = true
}

// unknownUserLocked says users.info must answer user_not_found for id.
// Callers hold s.mu.
func (s *Server) unknownUserLocked(id string) bool {
	_, known := s.users[id]
	return s.knownUsersOnly && !known
}

// usersConversations lists the channels the bot is a member of: with a
// bot token and no user, users.conversations answers for the bot itself,
// public channels by default and private ones when types asks for them
// (private_channel needs groups:read).
// https://docs.slack.dev/reference/methods/users.conversations
// Only declared channels are listed (see AddChannel): an undeclared one
// is the test world's shorthand, not a channel the fake knows of. One
// page holds them all, with an empty next_cursor, as Slack's last page.
func (s *Server) usersConversations(req apiRequest) reply {
	if u := req.params["user"]; u != "" && u != BotUserID {
		// Another person's channels are not what the fake models.
		return fail("invalid_arguments")
	}
	types := map[string]bool{"public_channel": true}
	if t := req.params["types"]; t != "" {
		types = map[string]bool{}
		for kind := range strings.SplitSeq(t, ",") {
			types[strings.TrimSpace(kind)] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.channels))
	for id := range s.channels {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []map[string]any{}
	for _, id := range ids {
		c := s.channels[id]
		if !c.BotMember || (c.Private && !types["private_channel"]) || (!c.Private && !types["public_channel"]) {
			continue
		}
		out = append(out, map[string]any{
			"id": c.ID, "name": c.Name, "name_normalized": c.Name,
			"is_channel": true, "is_group": false, "is_im": false, "is_mpim": false,
			"is_private": c.Private, "is_member": true, "is_archived": false,
			"context_team_id": TeamID,
		})
	}
	return success(reply{"channels": out, "response_metadata": map[string]any{"next_cursor": ""}})
}

// conversationsMembers lists a channel's members, the bot among them when
// it is in. A channel the bot cannot see (a private channel it is not in)
// answers channel_not_found, as conversations.info does.
// https://docs.slack.dev/reference/methods/conversations.members
// A declared channel with no member list (Members nil) has only the bot.
func (s *Server) conversationsMembers(req apiRequest) reply {
	id := req.params["channel"]
	if id == "" {
		return fail("channel_not_found")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, declared, a := s.accessLocked(id)
	if a == hidden || isDirect(id) {
		return fail("channel_not_found")
	}
	members := slices.Clone(c.Members)
	if a == member && (c.BotMember || !declared) {
		members = append(members, BotUserID)
	}
	if members == nil {
		members = []string{}
	}
	return success(reply{"members": members, "response_metadata": map[string]any{"next_cursor": ""}})
}
