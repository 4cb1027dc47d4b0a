package webhook

import (
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// SlackPeople finds people with Slack's users.info (their real name,
// else their display name, and their email with the users:read.email scope), remembered
// for an hour; a failed look-up is remembered for five minutes as
// unknown, so a body goes out with the Slack ID alone rather than wait.
type SlackPeople struct {
	API *slack.Client
	// Timeout bounds one look-up. Default 3 s.
	Timeout time.Duration

	mu    sync.Mutex
	known map[string]remembered
}

type remembered struct {
	person Person
	until  time.Time
}

// Person returns what Slack says of id, or only its ID.
func (p *SlackPeople) Person(ctx context.Context, id string) Person {
	now := time.Now()
	p.mu.Lock()
	if r, ok := p.known[id]; ok && now.Before(r.until) {
		p.mu.Unlock()
		return r.person
	}
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, cmp.Or(p.Timeout, 3*time.Second))
	defer cancel()
	person, keep := Person{SlackID: id}, 5*time.Minute
	if u, err := p.API.GetUserInfoContext(ctx, id); err == nil {
		person.Name = cmp.Or(u.Profile.RealName, u.RealName, u.Profile.DisplayName, u.Name)
		person.Email = u.Profile.Email
		keep = time.Hour
	}
	p.mu.Lock()
	if p.known == nil {
		p.known = map[string]remembered{}
	}
	p.known[id] = remembered{person: person, until: now.Add(keep)}
	p.mu.Unlock()
	return person
}
