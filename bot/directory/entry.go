package directory

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// Kind says how a pool's config names a member.
type Kind int

// The kinds of member entries.
const (
	// User is a Slack user ID, used as it is.
	User Kind = iota + 1
	// Email is resolved once with users.lookupByEmail.
	Email
	// Group is a user group's handle, resolved to its members with
	// usergroups.list and usergroups.users.list and refreshed periodically.
	Group
)

// Entry is one member of a pool as the config names it.
type Entry struct {
	Kind Kind
	// Value is the user ID, the email as written, or the group handle
	// without its @, in lower case as Slack keeps handles.
	Value string
}

// String gives the entry back as it is written in the config.
func (e Entry) String() string {
	if e.Kind == Group {
		return "@" + e.Value
	}
	return e.Value
}

// ParseEntry reads a member entry: a Slack user ID such as U0123ABCD, an
// email, or a user group's @handle. It checks the shape only; whether Slack
// knows the email or group is for Resolve. Config validation calls it so a
// typo stops start-up with the offending value named.
func ParseEntry(s string) (Entry, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "@"):
		handle := s[1:]
		if handle == "" || strings.IndexFunc(handle, notHandleRune) >= 0 {
			return Entry{}, entryError(s, "a user-group handle has only letters, digits, '.', '-' and '_'")
		}
		return Entry{Kind: Group, Value: strings.ToLower(handle)}, nil
	case strings.Contains(s, "@"):
		// mail.ParseAddress also takes "Dana <dana@acme.com>"; only the bare
		// address is an email here.
		if addr, err := mail.ParseAddress(s); err != nil || addr.Address != s {
			return Entry{}, entryError(s, "not a valid email")
		}
		return Entry{Kind: Email, Value: s}, nil
	case isUserID(s):
		return Entry{Kind: User, Value: s}, nil
	default:
		return Entry{}, entryError(s, "")
	}
}

// entryError is ParseEntry's one message, so every bad entry is explained
// with all three accepted forms.
func entryError(got, why string) error {
	msg := fmt.Sprintf("want a Slack user ID such as U0123ABCD, an email, or a @user-group handle, got %q", got)
	if why != "" {
		msg += " (" + why + ")"
	}
	return errors.New(msg)
}

// isUserID is the shape config validation has always required of user IDs:
// U or W, then capital letters and digits, at most 32 characters.
func isUserID(s string) bool {
	if len(s) < 2 || len(s) > 32 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func notHandleRune(r rune) bool {
	return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '.' && r != '-' && r != '_'
}
