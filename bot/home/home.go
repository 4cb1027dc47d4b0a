// Package home keeps each person's App Home: what it shows for each of
// their roles (a closer's open leads and week, a passer's recent handoffs,
// a manager's team boards), read from the store and the use cases, and its
// publication with views.publish. The Socket Mode edge publishes a Home when
// it is opened or a button on it fails; the outbox worker republishes it
// when one of its leads changes (a home_refresh notice).
package home

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// How much of each list the App Home shows: enough to act on, and with
// the team boards well within Slack's 100 blocks (see render.HomeView).
const (
	leadsShown  = 10
	passedShown = 10
	oldestShown = 3
)

// Store is what the App Home reads, and where it records who has one.
// HomeNumbers is a compact figure of the week.
type Store interface {
	HomeOpened(ctx context.Context, user string, boards []string, now time.Time) error
	OpenLeads(ctx context.Context, user string, limit int) ([]routing.Handoff, int, error)
	PassedRecently(ctx context.Context, user string, limit int) ([]routing.Handoff, error)
	HomeNumbers(ctx context.Context, user string, since, until time.Time) (routing.ReceiverNumbers, error)
	TeamBoard(ctx context.Context, pools []string, now time.Time, few int) ([]routing.PoolBoard, error)
	HomeHash(ctx context.Context, user string) (string, error)
	SetHomeHash(ctx context.Context, user, hash string) error
}

// Publisher is the Slack call that shows a Home.
type Publisher interface {
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
}

// Homes reads and publishes App Homes.
type Homes struct {
	Store   Store
	Service *handoffs.Service
	API     Publisher
	Log     zerolog.Logger
}

// Opened answers app_home_opened: it records that user has a Home, and the
// pools whose boards it shows (so changes to their leads and to those
// pools' leads republish it from now on), then publishes it. A failure to
// record is logged and the Home still shows; one that cannot be read
// whole is shown with what could be read, and a line saying so: the person
// is looking at it.
func (h *Homes) Opened(ctx context.Context, user string) {
	log := h.Log.With().Str("user", user).Logger()
	var boards []string
	for _, p := range h.Service.Policy().Pools {
		if p.IsManager(user) {
			boards = append(boards, p.Name)
		}
	}
	if err := h.Store.HomeOpened(ctx, user, boards, h.Service.Now()); err != nil {
		log.Warn().Err(err).Msg("home: not recorded as opened; it will not be refreshed on changes")
	}
	err := h.publish(ctx, user, func() (render.Home, error) {
		home, err := h.read(ctx, user)
		if err != nil {
			log.Warn().Err(err).Msg("home: partly unreadable")
		}
		return home, nil
	})
	if err != nil {
		log.Warn().Err(err).Msg("views.publish failed")
	}
}

// Refresh republishes user's Home (a home_refresh notice). Unlike an open,
// a refresh that cannot read everything fails, to be retried by the
// outbox, rather than replace a good Home with a partial one.
func (h *Homes) Refresh(ctx context.Context, user string) error {
	return h.publish(ctx, user, func() (render.Home, error) { return h.read(ctx, user) })
}

// ShowProblem republishes user's Home with a line saying something they
// asked for on it failed: a Home has no channel to answer in.
func (h *Homes) ShowProblem(ctx context.Context, user string) error {
	return h.publish(ctx, user, func() (render.Home, error) {
		home, _ := h.read(ctx, user)
		home.Problem = true
		return home, nil
	})
}

// publishTries bounds the reads and publications of one Home racing
// other replicas'.
const publishTries = 3

// publish reads user's Home and publishes it with the hash of the Home
// Baton last published for them. Two replicas may publish one person's
// Home at once, each having read it at a different moment: the one whose
// hash is stale is refused with hash_conflict, proof that another Home
// went out after it read, so it reads again and publishes what it reads
// now, which is at least as new. The last try goes without a hash: what it
// read came after every conflicting publication.
func (h *Homes) publish(ctx context.Context, user string, read func() (render.Home, error)) error {
	clock := render.Clock{Location: h.Service.Policy().Location}
	for try := 1; ; try++ {
		hash, err := h.Store.HomeHash(ctx, user)
		if err != nil {
			h.Log.Warn().Err(err).Str("user", user).Msg("home: its hash is unreadable; published without one")
		}
		home, err := read()
		if err != nil {
			return err
		}
		req := slack.PublishViewContextRequest{UserID: user, View: clock.HomeView(home)}
		if hash != "" && try < publishTries {
			req.Hash = &hash
		}
		resp, err := h.API.PublishViewContext(ctx, req)
		var conflict slack.SlackErrorResponse
		if errors.As(err, &conflict) && conflict.Err == "hash_conflict" && try < publishTries {
			h.Log.Info().Str("user", user).Int("try", try).Msg("home: another replica published it meanwhile; reading it again")
			continue
		}
		if err != nil {
			return fmt.Errorf("views.publish for %s: %w", user, err)
		}
		if resp != nil && resp.View.Hash != "" {
			if err := h.Store.SetHomeHash(ctx, user, resp.View.Hash); err != nil {
				h.Log.Warn().Err(err).Str("user", user).Msg("home: its new hash is not recorded; the next publication is refused once and reads the Home again")
			}
		}
		return nil
	}
}

// read reads what user's App Home shows, for each role they have: a member
// of any pool is a receiver, anyone who passed a handoff a passer, a
// manager of any pool sees its board. What could not be read is left out,
// Problem is set, and the errors are returned.
func (h *Homes) read(ctx context.Context, user string) (render.Home, error) {
	now := h.Service.Now()
	policy := h.Service.Policy()
	home := render.Home{Now: now}
	var errs []error
	var managed []routing.Pool
	for _, pool := range policy.Pools {
		if pool.IsManager(user) {
			managed = append(managed, pool)
		}
	}
	if i := slices.IndexFunc(policy.Pools, func(p routing.Pool) bool { return p.IsMember(user) }); i >= 0 {
		r, err := h.receiver(ctx, policy, policy.Pools[i], user, now)
		home.Receiver = &r
		errs = append(errs, err)
	}
	passed, err := h.Store.PassedRecently(ctx, user, passedShown)
	home.Passed = passed
	errs = append(errs, err)
	if len(managed) > 0 {
		shown := managed[:min(len(managed), render.MaxHomeTeams)]
		teams, err := h.teamBoards(ctx, shown, now)
		home.Teams, home.MoreTeams = teams, len(managed)-len(shown)
		errs = append(errs, err)
	}
	err = errors.Join(errs...)
	home.Problem = err != nil
	return home, err
}

// receiver is a receiver's availability (as pool, the first they are a
// member of, sees it: away and lapsed offers are the person's, not the
// pool's), their open leads with the clock each must beat next, and their
// numbers since Monday in the configured timezone.
func (h *Homes) receiver(ctx context.Context, policy routing.Policy, pool routing.Pool, user string, now time.Time) (render.ReceiverHome, error) {
	var r render.ReceiverHome
	var errs []error
	state, err := h.Service.MemberState(ctx, pool, user)
	if err != nil {
		errs = append(errs, fmt.Errorf("member state: %w", err))
	}
	switch pool.Availability(state, now).Reason {
	case routing.ReasonAway:
		r.AwayUntil = state.AwayUntil
	case routing.ReasonLapsedOffers:
		r.LapsedAway = true
	}
	leads, total, err := h.Store.OpenLeads(ctx, user, leadsShown)
	errs = append(errs, err)
	for _, lead := range leads {
		next, ok := routing.NextClock(h.Service.RunningClocks(lead))
		r.Leads = append(r.Leads, render.OpenLead{Handoff: lead, Next: next, NextOK: ok})
	}
	// The clock due first on top; leads without a running clock last.
	slices.SortStableFunc(r.Leads, func(x, y render.OpenLead) int {
		switch {
		case x.NextOK != y.NextOK:
			if x.NextOK {
				return -1
			}
			return 1
		case !x.NextOK:
			return 0
		}
		return x.Next.DueAt.Compare(y.Next.DueAt)
	})
	r.MoreLeads = max(total-len(leads), 0)
	since := routing.PeriodStart(routing.ResetWeekly, now, policy.Location)
	r.Week, err = h.Store.HomeNumbers(ctx, user, since, now)
	errs = append(errs, err)
	return r, errors.Join(errs...)
}

// teamBoards are the boards of the pools a manager manages: who is
// available now, decided as for a new handoff (routing.Decide over the
// members' states, with presence and profile zones when configured), and
// the pools' open work.
func (h *Homes) teamBoards(ctx context.Context, pools []routing.Pool, now time.Time) ([]render.TeamBoard, error) {
	names := make([]string, len(pools))
	for i, p := range pools {
		names[i] = p.Name
	}
	boards, err := h.Store.TeamBoard(ctx, names, now, oldestShown)
	if err != nil {
		return nil, err
	}
	out := make([]render.TeamBoard, len(pools))
	var errs []error
	for i, pool := range pools {
		out[i].PoolBoard = boards[i]
		states, err := h.Service.MemberStates(ctx, pool, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("team board of %s: %w", pool.Name, err))
			continue
		}
		out[i].Ranked = routing.Decide(pool, states, now).Ranked
	}
	return out, errors.Join(errs...)
}
