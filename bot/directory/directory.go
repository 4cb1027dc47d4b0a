package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
)

// DefaultRefresh is how often Run re-reads user groups when not told: often
// enough that a new closer gets leads the same morning, rarely enough to
// stay far below usergroups.* limits (Tier 2, about 20 calls a minute).
const DefaultRefresh = 10 * time.Minute

// ErrNotFound is wrapped by the problems for an email no Slack user has and a
// handle or group ID no user group has, as opposed to Slack failing to answer.
var ErrNotFound = errors.New("not in this Slack workspace")

// Lookups is the part of the Slack Web API a Directory calls; *slack.Client
// has it.
type Lookups interface {
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
	GetUserGroupsContext(ctx context.Context, options ...slack.GetUserGroupsOption) ([]slack.UserGroup, error)
	GetUserGroupMembersContext(ctx context.Context, group string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

// EntryError is a member entry that did not resolve to any user.
type EntryError struct {
	Entry Entry
	Err   error
}

// Error names the entry as the config writes it.
func (e *EntryError) Error() string { return fmt.Sprintf("member %s: %v", e.Entry, e.Err) }

// Unwrap gives the cause, so errors.Is(err, ErrNotFound) tells a typo from
// an outage.
func (e *EntryError) Unwrap() error { return e.Err }

// answer is what Slack last said about an email or a user group: the users
// of the last good answer, and the failure of the latest attempt if it failed.
type answer struct {
	ids      []string
	resolved bool
	err      error
}

// Directory turns member entries into Slack user IDs. Emails are looked up
// once and kept for good; user groups are kept until Refresh. Entries that
// failed are not asked about again until Refresh, so a pool with a typo does
// not cost a Slack call per handoff. It is safe for concurrent use.
type Directory struct {
	api Lookups
	log zerolog.Logger

	mu     sync.Mutex
	emails map[string]answer // by lower-cased email
	groups map[string]answer // by handle
}

// New returns a Directory that asks Slack through api and logs refresh
// failures to log.
func New(api Lookups, log zerolog.Logger) *Directory {
	return &Directory{api: api, log: log, emails: map[string]answer{}, groups: map[string]answer{}}
}

// Resolve returns the user IDs of entries in config order, each once: a
// group's members in the order Slack lists them, where the group stands. An
// entry that does not resolve is reported in problems (as *EntryError) and
// the rest still resolves; a group whose latest refresh failed keeps its last
// good members and is not a problem. Only entries never seen before cost
// Slack calls.
func (d *Directory) Resolve(ctx context.Context, entries []Entry) (ids []string, problems []error) {
	d.mu.Lock()
	emails, handles := d.unseenLocked(entries)
	d.mu.Unlock()

	// The failures are reported below, per entry, from what was stored.
	_ = d.lookUp(ctx, emails, handles)

	d.mu.Lock()
	defer d.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range entries {
		found, err := d.usersLocked(e)
		if err != nil {
			problems = append(problems, &EntryError{Entry: e, Err: err})
		}
		for _, id := range found {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, problems
}

// unseenLocked lists, once each, the emails and handles among entries that
// Slack was never asked about. Callers hold d.mu.
func (d *Directory) unseenLocked(entries []Entry) (emails, handles []string) {
	for _, e := range entries {
		switch e.Kind {
		case Email:
			_, seen := d.emails[emailKey(e.Value)]
			if !seen && !slices.ContainsFunc(emails, func(x string) bool { return strings.EqualFold(x, e.Value) }) {
				emails = append(emails, e.Value)
			}
		case Group:
			if _, seen := d.groups[e.Value]; !seen && !slices.Contains(handles, e.Value) {
				handles = append(handles, e.Value)
			}
		}
	}
	return emails, handles
}

// usersLocked is what the directory holds for one entry. Callers hold d.mu.
func (d *Directory) usersLocked(e Entry) ([]string, error) {
	var a answer
	switch e.Kind {
	case User:
		return []string{e.Value}, nil
	case Email:
		a = d.emails[emailKey(e.Value)]
	case Group:
		a = d.groups[e.Value]
	default:
		return nil, fmt.Errorf("unknown kind of entry %d", e.Kind)
	}
	if !a.resolved {
		return nil, a.err
	}
	return a.ids, nil
}

// Refresh reads every user group Resolve has seen again, and retries the
// emails that failed. A group Slack fails to answer for keeps its last good
// members, so a failed refresh never empties a pool; the failures are
// returned joined, as *EntryError.
func (d *Directory) Refresh(ctx context.Context) error {
	var emails, handles []string
	d.mu.Lock()
	for email, a := range d.emails {
		if !a.resolved {
			emails = append(emails, email)
		}
	}
	for handle := range d.groups {
		handles = append(handles, handle)
	}
	d.mu.Unlock()
	// In a stable order, so the calls and the joined error read the same each time.
	slices.Sort(emails)
	slices.Sort(handles)
	return d.lookUp(ctx, emails, handles)
}

// Run refreshes every every (DefaultRefresh when zero or less) until ctx
// ends, logging failures; it is meant to run in its own goroutine.
func (d *Directory) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultRefresh
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := d.Refresh(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn().Err(err).Msg("directory: refreshing Slack user groups and emails failed; keeping the last good members")
		}
	}
}

// lookUp asks Slack about emails and user groups and stores the answers,
// keeping the last good members of whatever failed. It returns the failures.
func (d *Directory) lookUp(ctx context.Context, emails, handles []string) error {
	if len(emails) == 0 && len(handles) == 0 {
		return nil
	}
	emailAnswers := make(map[string]answer, len(emails))
	for _, email := range emails {
		emailAnswers[emailKey(email)] = d.lookUpEmail(ctx, email)
	}
	groupAnswers := d.lookUpGroups(ctx, handles)

	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	store := func(m map[string]answer, key string, a answer, e Entry) {
		if a.err != nil {
			errs = append(errs, &EntryError{Entry: e, Err: a.err})
			a.ids, a.resolved = m[key].ids, m[key].resolved
		}
		m[key] = a
	}
	for _, email := range emails {
		store(d.emails, emailKey(email), emailAnswers[emailKey(email)], Entry{Kind: Email, Value: email})
	}
	for _, handle := range handles {
		store(d.groups, handle, groupAnswers[handle], Entry{Kind: Group, Value: handle})
	}
	return errors.Join(errs...)
}

func (d *Directory) lookUpEmail(ctx context.Context, email string) answer {
	u, err := d.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		return answer{err: slackError("users.lookupByEmail", err)}
	}
	return answer{ids: []string{u.ID}, resolved: true}
}

// lookUpGroups finds the groups' IDs by handle with one usergroups.list,
// then asks for each group's members.
func (d *Directory) lookUpGroups(ctx context.Context, handles []string) map[string]answer {
	out := make(map[string]answer, len(handles))
	if len(handles) == 0 {
		return out
	}
	groups, err := d.api.GetUserGroupsContext(ctx)
	if err != nil {
		err = slackError("usergroups.list", err)
		for _, h := range handles {
			out[h] = answer{err: err}
		}
		return out
	}
	ids := make(map[string]string, len(groups))
	for _, g := range groups {
		ids[strings.ToLower(g.Handle)] = g.ID
	}
	for _, h := range handles {
		id, found := ids[h]
		if !found {
			out[h] = answer{err: fmt.Errorf("usergroups.list: no user group has this handle: %w", ErrNotFound)}
			continue
		}
		members, err := d.api.GetUserGroupMembersContext(ctx, id)
		if err != nil {
			out[h] = answer{err: slackError("usergroups.users.list "+id, err)}
			continue
		}
		out[h] = answer{ids: members, resolved: true}
	}
	return out
}

// slackError wraps a failed call with the method, and marks Slack's "no such
// thing" answers with ErrNotFound.
func slackError(method string, err error) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && (se.Err == "users_not_found" || se.Err == "no_such_subteam") {
		return fmt.Errorf("%s: %w (%s)", method, ErrNotFound, se.Err)
	}
	return fmt.Errorf("%s: %w", method, err)
}

// emailKey is how emails are compared: Slack looks them up ignoring case.
func emailKey(email string) string { return strings.ToLower(email) }
