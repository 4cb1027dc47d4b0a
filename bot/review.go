package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/drain"
	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// ReviewClick is a parsed press on the weekly review's Reviewed button.
type ReviewClick struct {
	handoffs.ReviewClick
	ResponseURL string
}

// parseReviewClick reads a press on Reviewed: the review's tick from the
// button's value (RFC 3339, as render writes it), the clicker and the
// message the button is on. What it reads is only a claim: the store
// checks the message against the review it posted for that tick.
func parseReviewClick(cb *slack.InteractionCallback, action *slack.BlockAction) (ReviewClick, error) {
	tick, err := time.Parse(time.RFC3339, action.Value)
	if err != nil {
		return ReviewClick{}, fmt.Errorf("%w: %s value %q", errMalformed, action.ActionID, action.Value)
	}
	click := ReviewClick{
		ReviewClick: handoffs.ReviewClick{
			Tick: tick, User: cb.User.ID,
			Channel:   cmp.Or(cb.Container.ChannelID, cb.Channel.ID),
			MessageTS: cmp.Or(cb.Container.MessageTs, cb.Message.Timestamp),
		},
		ResponseURL: cb.ResponseURL,
	}
	if click.User == "" || click.Channel == "" || click.MessageTS == "" {
		return ReviewClick{}, fmt.Errorf("%w: %s without user, channel or message", errMalformed, action.ActionID)
	}
	return click, nil
}

// reviewed records a press on the weekly review's Reviewed button. The
// message's update goes through the outbox; the clicker hears privately
// only when the press did not count: they manage no pool, someone pressed
// first, the button is not on a review Baton posted, or Baton failed.
func (e *Edge) reviewed(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction) {
	ctx, cancel := drain.Detached(ctx, handlerTimeout)
	defer cancel()
	click, err := parseReviewClick(cb, action)
	if err != nil {
		e.log.Warn().Err(err).Msg("button click dropped")
		return
	}
	log := e.log.With().Str("user", click.User).Time("tick", click.Tick).Str("action", action.ActionID).Logger()
	tell := e.teller(ctx, log, replyTo{responseURL: click.ResponseURL, channel: click.Channel, user: click.User})
	r, first, err := e.svc.MarkReviewed(ctx, click.ReviewClick)
	var refusal *routing.Refusal
	switch {
	case errors.As(err, &refusal):
		log.Info().Str("reason", string(refusal.Code)).Msg("review press refused")
		tell(render.ReviewRefused)
	case errors.Is(err, routing.ErrNotFound):
		log.Warn().Msg("review press on no posted review")
		tell(render.ReviewGone)
	case err != nil:
		log.Error().Err(err).Msg("review press not recorded")
		tell(render.ReviewFailed)
	case !first:
		tell(e.clock().AlreadyReviewed(r))
	}
}
