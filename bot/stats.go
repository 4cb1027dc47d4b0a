package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// JobWeeklyReview is the weekly review's job name and run key.
const JobWeeklyReview = "weekly_review"

// answerStats answers /handoff stats privately with the asker's report:
// their own numbers, or as a manager their team's, someone's or a pool's.
// Asking for someone else without managing them is refused in a sentence.
func (b *Bot) answerStats(ctx context.Context, cmd slack.SlashCommand, req routing.StatsRequest) {
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	log := b.log.With().Str("user", cmd.UserID).Str("command", "stats").Int("days", req.Days).Logger()
	tell := b.teller(ctx, log, cmd.ChannelID, cmd.UserID)
	policy := b.policy()
	scope, err := policy.ScopeStats(cmd.UserID, req)
	var refused *routing.Refusal
	if errors.As(err, &refused) {
		log.Info().Str("asked_user", req.User).Str("asked_pool", req.Pool).Msg("stats refused")
		tell(render.StatsRefused)
		return
	}
	from, to := routing.StatsPeriod(req.Days, b.now(), policy.Location)
	stats, err := b.cfg.Store.Stats(ctx, scope.Query(from, to))
	if err != nil {
		log.Error().Err(err).Msg("stats not computed")
		tell(render.StatsFailed)
		return
	}
	msg := b.clock.StatsReport(scope, req.Days, stats)
	if _, err := b.cfg.API.PostEphemeralContext(ctx, cmd.ChannelID, cmd.UserID, msg.Options()...); err != nil {
		log.Warn().Err(err).Msg("could not answer stats privately")
		return
	}
	log.Info().Str("role", string(scope.Role)).Msg("stats answered")
}

// QueueWeeklyReview is the weekly review's tick: like QueueDigest, it
// records the tick and puts the review in the outbox in one transaction,
// so it is posted once across replicas and restarts.
func (b *Bot) QueueWeeklyReview(ctx context.Context, tick time.Time) error {
	first, err := b.cfg.Store.EnqueueWeeklyReview(ctx, JobWeeklyReview, tick, b.now(), b.cfg.Replica, b.policy().Digest.Channel)
	if err != nil {
		return err
	}
	if first {
		b.log.Info().Time("tick", tick).Msg("weekly review queued")
		b.wakeOutbox()
	}
	return nil
}

// postWeeklyReview delivers a weekly review: every pool's numbers of the
// week before the tick's day against the week before that. The weeks come
// from the tick in the notice, not from the time of delivery, so a retry
// or a late delivery posts the same weeks.
func (b *Bot) postWeeklyReview(ctx context.Context, n routing.Notice) error {
	tick, err := time.Parse(time.RFC3339, n.Detail["tick"])
	if err != nil {
		return fmt.Errorf("weekly review: tick %q: %w", n.Detail["tick"], err)
	}
	policy := b.policy()
	team := routing.StatsScope{Role: routing.RoleTeam, Pools: policy.Pools}
	last, previous := routing.ReviewWeeks(tick, policy.Location)
	now := b.now()
	weeks := [2]routing.Stats{}
	for i, week := range [][2]time.Time{last, previous} {
		q := team.Query(week[0], week[1])
		// Every handoff, those of a pool removed since included.
		q.Pools, q.At = nil, now
		if weeks[i], err = b.cfg.Store.Stats(ctx, q); err != nil {
			return fmt.Errorf("weekly review: %w", err)
		}
	}
	msg := b.clock.WeeklyReview(weeks[0], weeks[1])
	if _, err := b.post(ctx, n.Recipient, msg.Options()...); err != nil {
		return fmt.Errorf("post weekly review in %s: %w", n.Recipient, err)
	}
	return nil
}
