package slackfake

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// userGroup is a user group as the fake stores it.
type userGroup struct {
	id, handle string
	created    time.Time
	updated    time.Time
	users      []string
}

// dndWindow is a user's current Do Not Disturb period, set by SetDND.
type dndWindow struct {
	from, until time.Time
}

// SetUserEmail gives user the email that users.lookupByEmail finds them by.
// A user no test registered with AddUser is registered with the details
// users.info would have generated. Only registered users can be looked up by
// email: the generated address of an unregistered user is not found, as a
// test asking for an address it never set is asking for a stranger.
func (s *Server) SetUserEmail(user, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, known := s.users[user]
	if !known {
		u = generatedUser(user)
	}
	u.Profile.Email = email
	s.users[user] = u
}

// SetUserTZ sets the time zone users.info reports in user's profile (tz,
// with tz_label and tz_offset worked out from it, as of the fake's clock,
// when Go knows the zone). "" leaves the profile without a time zone; a
// name Go does not know is reported as given, as Slack would pass on
// whatever it holds. Users never set are in America/New_York.
func (s *Server) SetUserTZ(user, tz string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, known := s.users[user]
	if !known {
		u = generatedUser(user)
	}
	u.TZ, u.TZLabel, u.TZOffset = tz, "", 0
	if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
		name, offset := s.now().In(loc).Zone()
		u.TZLabel, u.TZOffset = name, offset
	}
	s.users[user] = u
}

// AddUserGroup creates the user group id (S…) with handle (without the @)
// and the given members, or replaces the group of that id.
func (s *Server) AddUserGroup(handle, id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	g := &userGroup{id: id, handle: handle, created: now, updated: now, users: slices.Clone(users)}
	if i := slices.IndexFunc(s.groups, func(g *userGroup) bool { return g.id == id }); i >= 0 {
		s.groups[i] = g
		return
	}
	s.groups = append(s.groups, g)
}

// SetUserGroupUsers replaces the members of the user group id, as an admin
// editing the group in Slack would. It panics if the group does not exist,
// which is a bug in the test.
func (s *Server) SetUserGroupUsers(id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroupLocked(id)
	if g == nil {
		panic(fmt.Sprintf("slackfake: SetUserGroupUsers: no user group %q", id))
	}
	g.users = slices.Clone(users)
	g.updated = s.now()
}

// SetPresence sets what users.getPresence says of user: "active" or "away".
// Users the test never set are active, so tests only mention the away ones.
func (s *Server) SetPresence(user, presence string) {
	if presence != "active" && presence != "away" {
		panic(fmt.Sprintf("slackfake: SetPresence: want active or away, got %q", presence))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.presence[user] = presence
}

// SetDND puts user in Do Not Disturb from now (by the fake's clock) until
// until, as when they pause notifications; a zero or past until ends it.
// dnd.info reports the period as the current DND window, as it does to
// other users, who never see the snooze_* fields.
func (s *Server) SetDND(user string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dnd[user] = dndWindow{from: s.now(), until: until}
}

func (s *Server) findGroupLocked(id string) *userGroup {
	for _, g := range s.groups {
		if g.id == id {
			return g
		}
	}
	return nil
}

// perUser adapts the handler of a method about one user: it answers for the
// caller (the bot) when the user is left out, as Slack does, and
// user_not_found for anything not shaped like a user ID, so an email or
// handle passed by mistake fails as in Slack. h runs under s.mu.
func perUser(h func(s *Server, user string) reply) func(*Server, apiRequest) reply {
	return func(s *Server, req apiRequest) reply {
		user := cmp.Or(req.params["user"], BotUserID)
		if len(user) < 2 || (user[0] != 'U' && user[0] != 'W') || strings.ToUpper(user) != user {
			return fail("user_not_found")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return h(s, user)
	}
}

// usersLookupByEmail finds a registered user by email, ignoring case as
// Slack does.
func (s *Server) usersLookupByEmail(req apiRequest) reply {
	email := strings.TrimSpace(req.params["email"])
	if email == "" {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Profile.Email != "" && strings.EqualFold(u.Profile.Email, email) {
			return success(reply{"user": u})
		}
	}
	return fail("users_not_found")
}

// usersGetPresenceLocked answers with presence only, which is all Slack
// tells a bot about another user (online, auto_away and the rest are for
// oneself).
func (s *Server) usersGetPresenceLocked(user string) reply {
	return success(reply{"presence": cmp.Or(s.presence[user], "active")})
}

// dndInfoLocked answers with the public DND fields. A user with no DND has
// dnd_enabled false and next_dnd_*_ts of 1, as Slack answers for a user who
// never set a schedule.
func (s *Server) dndInfoLocked(user string) reply {
	w, set := s.dnd[user]
	if !set || !s.now().Before(w.until) {
		return success(reply{"dnd_enabled": false, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1})
	}
	return success(reply{"dnd_enabled": true, "next_dnd_start_ts": w.from.Unix(), "next_dnd_end_ts": w.until.Unix()})
}

// usergroupsList lists every group, with members only when asked with
// include_users and a count only with include_count, like Slack.
func (s *Server) usergroupsList(req apiRequest) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, 0, len(s.groups))
	for _, g := range s.groups {
		item := map[string]any{
			"id":           g.id,
			"team_id":      TeamID,
			"is_usergroup": true,
			"is_subteam":   true,
			"name":         g.handle,
			"description":  "",
			"handle":       g.handle,
			"is_external":  false,
			"date_create":  g.created.Unix(),
			"date_update":  g.updated.Unix(),
			"date_delete":  0,
			"auto_type":    nil,
			"created_by":   DefaultUserID,
			"updated_by":   DefaultUserID,
			"deleted_by":   nil,
			"prefs":        map[string]any{"channels": []string{}, "groups": []string{}},
		}
		if req.params["include_users"] == "true" {
			item["users"] = slices.Clone(g.users)
		}
		if req.params["include_count"] == "true" {
			item["user_count"] = len(g.users)
		}
		out = append(out, item)
	}
	return success(reply{"usergroups": out})
}

func (s *Server) usergroupsUsersList(req apiRequest) reply {
	id := req.params["usergroup"]
	if id == "" {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroupLocked(id)
	if g == nil {
		return fail("no_such_subteam")
	}
	return success(reply{"users": append([]string{}, g.users...)})
}
