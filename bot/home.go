package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// How much of each list the App Home shows: enough to act on, and with
// the team boards well within Slack's 100 blocks (see render.HomeView).
const (
	homeLeads   = 10
	homePassed  = 10
	homeOldest  = 3
	homePublish = handlerTimeout
)

// homeOpened answers app_home_opened: it records that the person has a
// Home, and the pools whose boards it shows (so changes to their leads and
// to those pools' leads republish it from now on), then publishes it. A failure to record is logged and the Home still shows.
func (b *Bot) homeOpened(ctx context.Context, user string) {
	ctx, cancel := detached(ctx, homePublish)
	defer cancel()
	log := b.log.With().Str("user", user).Logger()
	var boards []string // the pools whose team boards the Home shows
	for _, p := range b.policy().Pools {
		if p.IsManager(user) {
			boards = append(boards, p.Name)
		}
	}
	if err := b.cfg.Store.HomeOpened(ctx, user, boards, b.now()); err != nil {
		log.Warn().Err(err).Msg("home: not recorded as opened; it will not be refreshed on changes")
	}
	home, err := b.readHome(ctx, user)
	if err != nil {
		// Shown with what could be read, and a line saying so: a person
		// who opened the tab is looking at it.
		log.Warn().Err(err).Msg("home: partly unreadable")
	}
	if err := b.publishHome(ctx, user, home); err != nil {
		log.Warn().Err(err).Msg("views.publish failed")
	}
}

// refreshHome is the delivery of a home_refresh notice. Unlike an open, a
// refresh that cannot read everything fails, to be retried by the outbox,
// rather than replace a good Home with a partial one.
func (b *Bot) refreshHome(ctx context.Context, user string) error {
	home, err := b.readHome(ctx, user)
	if err != nil {
		return err
	}
	return b.publishHome(ctx, user, home)
}

func (b *Bot) publishHome(ctx context.Context, user string, home render.Home) error {
	if _, err := b.cfg.API.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: b.clock.HomeView(home)}); err != nil {
		return fmt.Errorf("views.publish for %s: %w", user, err)
	}
	return nil
}

// readHome reads what user's App Home shows, for each role they have: a
// member of any pool is a receiver, anyone who passed a handoff a
// passer, a manager of any pool sees its board. What could not be read is
// left out, Problem is set, and the errors are returned.
func (b *Bot) readHome(ctx context.Context, user string) (render.Home, error) {
	now := b.now()
	policy := b.policy()
	home := render.Home{Now: now}
	var errs []error
	var managed []routing.Pool
	for _, pool := range policy.Pools {
		if pool.IsManager(user) {
			managed = append(managed, pool)
		}
	}
	if i := slices.IndexFunc(policy.Pools, func(p routing.Pool) bool { return p.IsMember(user) }); i >= 0 {
		r, err := b.receiverHome(ctx, policy.Pools[i], user, now)
		home.Receiver = &r
		errs = append(errs, err)
	}
	passed, err := b.cfg.Store.PassedRecently(ctx, user, homePassed)
	home.Passed = passed
	errs = append(errs, err)
	if len(managed) > 0 {
		shown := managed[:min(len(managed), render.MaxHomeTeams)]
		teams, err := b.teamBoards(ctx, shown, now)
		home.Teams, home.MoreTeams = teams, len(managed)-len(shown)
		errs = append(errs, err)
	}
	err = errors.Join(errs...)
	home.Problem = err != nil
	return home, err
}

// receiverHome is a receiver's availability (as pool, the first they are a
// member of, sees it: away and lapsed offers are the person's, not the
// pool's), their open leads with the clock each must beat next, and their
// numbers since Monday in the configured timezone.
func (b *Bot) receiverHome(ctx context.Context, pool routing.Pool, user string, now time.Time) (render.ReceiverHome, error) {
	var r render.ReceiverHome
	var errs []error
	state, err := b.memberState(ctx, pool, user)
	if err != nil {
		errs = append(errs, fmt.Errorf("member state: %w", err))
	}
	switch pool.Availability(state, now).Reason {
	case routing.ReasonAway:
		r.AwayUntil = state.AwayUntil
	case routing.ReasonLapsedOffers:
		r.LapsedAway = true
	}
	leads, total, err := b.cfg.Store.OpenLeads(ctx, user, homeLeads)
	errs = append(errs, err)
	for _, h := range leads {
		next, ok := routing.NextClock(b.runningClocks(h))
		r.Leads = append(r.Leads, render.OpenLead{Handoff: h, Next: next, NextOK: ok})
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
	since := routing.PeriodStart(routing.ResetWeekly, now, b.policy().Location)
	r.Week, err = b.cfg.Store.HomeNumbers(ctx, user, since, now)
	errs = append(errs, err)
	return r, errors.Join(errs...)
}

// teamBoards are the boards of the pools a manager manages: who is
// available now, decided as for a new handoff (routing.Decide over the
// members' states, with presence and profile zones when configured), and
// the pools' open work.
func (b *Bot) teamBoards(ctx context.Context, pools []routing.Pool, now time.Time) ([]render.TeamBoard, error) {
	names := make([]string, len(pools))
	for i, p := range pools {
		names[i] = p.Name
	}
	boards, err := b.cfg.Store.TeamBoard(ctx, names, now, homeOldest)
	if err != nil {
		return nil, err
	}
	out := make([]render.TeamBoard, len(pools))
	var errs []error
	for i, pool := range pools {
		out[i].PoolBoard = boards[i]
		states, err := b.memberStates(ctx, pool, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("team board of %s: %w", pool.Name, err))
			continue
		}
		out[i].Ranked = routing.Decide(pool, states, now).Ranked
	}
	return out, errors.Join(errs...)
}

// homeAvailability answers the App Home's Away / I'm back buttons: the
// same change as /handoff away and back, with its event; the Home is
// refreshed through the outbox like after any change.
func (b *Bot) homeAvailability(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction) {
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	user := cb.User.ID
	if user == "" {
		return
	}
	until := time.Time{}
	if action.ActionID == render.ActionAwayHour {
		until = b.now().Add(routing.DefaultAway)
	}
	log := b.log.With().Str("user", user).Bool("away", !until.IsZero()).Str("from", "home").Logger()
	if err := b.changeAvailability(ctx, log, user, until); err != nil {
		// A Home has no channel to answer in: say it on the Home itself.
		home, _ := b.readHome(ctx, user)
		home.Problem = true
		if err := b.publishHome(ctx, user, home); err != nil {
			log.Warn().Err(err).Msg("could not tell the member their availability was not saved")
		}
	}
}
