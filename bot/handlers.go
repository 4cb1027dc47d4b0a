package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// availabilityBudget bounds the lookup of who is available before the
// /handoff form opens.
const availabilityBudget = 300 * time.Millisecond

// handlerTimeout bounds the work of one interaction after its ack.
const handlerTimeout = 10 * time.Second

// detached gives a handler a context that outlives shutdown's cancel (so
// work already acked finishes) but not d, nor the end of the shutdown's
// drain.
func detached(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	out, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	// Outliving a stop is not outliving its bound: Run's contexts carry
	// the drain's, which ends when the shutdown's time is up.
	if drain, ok := ctx.Value(drainKey{}).(context.Context); ok {
		stop := context.AfterFunc(drain, cancel)
		return out, func() { stop(); cancel() }
	}
	return out, cancel
}

// drainKey carries, in the contexts Run hands out, the context that ends
// when a stop's drain is cut off (Config.ShutdownTimeout after it began).
// It travels as a value because the work it bounds is detached from
// cancellation on purpose (see detached).
type drainKey struct{}

// cutOff reports whether ctx's work was cut off by the end of a stop's
// drain.
func cutOff(ctx context.Context) bool {
	drain, ok := ctx.Value(drainKey{}).(context.Context)
	return ok && drain.Err() != nil
}

// openHandoffModal answers /handoff by opening the form, with the checklist
// of the pool whose channel it was typed in, or the default one. The
// trigger_id lives 3 s, so this runs right after the ack and never through
// the outbox.
func (b *Bot) openHandoffModal(ctx context.Context, cmd slack.SlashCommand, company string) {
	received := time.Now()
	ctx, cancel := detached(ctx, 3*time.Second)
	defer cancel()
	log := b.log.With().Str("user", cmd.UserID).Str("command", cmd.Command).Logger()
	policy := b.policy()
	poolName, checklist := policy.FormFor(cmd.ChannelID)
	form := render.Form{Pool: poolName, Checklist: checklist, Company: company}
	// Who could take it live, as routing would decide now. Nothing is
	// answered yet, so no rule matches: this is the default pool, and a
	// rule may still send the lead elsewhere on submit (the passer's DM
	// then says where). The trigger_id lives 3 s: the form opens without
	// it rather than late.
	pool := policy.RouteForm(poolName, routing.Lead{Checklist: checklist})
	availCtx, cancelAvail := context.WithTimeout(ctx, availabilityBudget)
	states, err := b.previews.states(availCtx, pool.Name, func(ctx context.Context) ([]routing.MemberState, error) {
		return b.memberStates(ctx, pool, b.now())
	})
	cancelAvail()
	if err == nil {
		offer := routing.Decide(pool, states, b.now())
		form.Available = &render.Availability{Pool: pool.Name, Available: offer.Available, Members: offer.Members, UpNext: offer.UpNext}
	} else {
		log.Warn().Err(err).Msg("form opens without the pool's availability")
	}
	tell := func(text string) {
		// Not the form's 3 s context: it may be spent.
		ctx, cancel := detached(ctx, handlerTimeout)
		defer cancel()
		b.teller(ctx, log, cmd.ChannelID, cmd.UserID)(text)
	}
	b.openModal(ctx, log, received, cmd.TriggerID, render.HandoffModal(form), tell, render.OpenModalFailed)
}

// submitHandoff validates and stores a submitted modal and returns the ack
// payload: nil closes the modal, a response_action "errors" keeps it open
// with a sentence under each field to fix, and a response_action "update"
// shows the form again when the gates refuse a live transfer, offering to
// schedule the call for later. Storing happens before the ack on purpose: if
// the database is down, the passer sees it in the modal, with their answers
// intact, instead of a handoff silently lost.
func (b *Bot) submitHandoff(ctx context.Context, cb *slack.InteractionCallback) any {
	ctx, cancel := detached(ctx, b.cfg.SubmitTimeout)
	defer cancel()
	sub, err := parseSubmission(cb)
	if err != nil {
		b.log.Warn().Err(err).Msg("view submission dropped")
		return nil
	}
	log := b.log.With().Str("user", sub.UserID).Str("view", sub.ViewID).Logger()
	// A form without metadata asks the default checklist.
	checklist, ok := b.policy().Checklist, true
	if sub.Meta.Checklist != "" {
		checklist, ok = b.policy().ChecklistNamed(sub.Meta.Checklist)
	}
	if !ok {
		// The configuration changed while the form was open: its
		// questions are not the ones Baton would check now.
		log.Warn().Str("checklist", sub.Meta.Checklist).Msg("handoff form asked a checklist no longer configured")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{string(routing.FieldCompany): render.ChecklistChanged})
	}
	checked, problems := routing.CheckForm(checklist, sub.Form, b.now())
	if len(problems) > 0 {
		log.Info().Int("problems", len(problems)).Msg("handoff form returned for fixes")
		return slack.NewErrorsViewSubmissionResponse(render.FieldErrors(problems))
	}
	if checked.OffersLater() {
		log.Info().Int("unmet_gates", len(checked.Unmet)).Msg("live transfer refused by the gates; schedule for later offered")
		view := render.LaterOffer(render.Form{Pool: sub.Meta.Pool, Checklist: checklist}, checked)
		return slack.NewUpdateViewSubmissionResponse(&view)
	}
	// The pool is chosen once, here, from the answers and the rules in
	// force, and stored with the handoff: nothing routes it again.
	policy := b.policy()
	pool := policy.RouteForm(sub.Meta.Pool, checked.Lead)
	now := b.now()
	states, err := b.memberStates(ctx, pool, now)
	if err != nil {
		log.Error().Err(err).Msg("handoff not routed")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{string(routing.FieldCompany): render.SaveFailed})
	}
	in := policy.Open(sub.ViewID, sub.UserID, checked.Lead, pool, routing.Decide(pool, states, now), now)
	if !checked.Live {
		// A call for later is not offered for claiming: the rotation
		// gives it an owner now (the passer, if the pool is empty).
		owner, ok := routing.PickOwner(pool, states, nil, now)
		if !ok {
			owner = sub.UserID
		}
		in = in.Later(checked.ScheduledFor, owner)
	}
	h, created, err := b.cfg.Store.CreateHandoff(ctx, in)
	if err != nil {
		log.Error().Err(err).Msg("handoff not saved")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{string(routing.FieldCompany): render.SaveFailed})
	}
	if created {
		log.Info().Int64("handoff", h.ID).Str("pool", pool.Name).Str("rule", in.Rule).Bool("live", h.Live).Msg("handoff created")
		b.wakeOutbox()
		b.rewindSweeper()
	} else {
		log.Info().Int64("handoff", h.ID).Msg("duplicate submission ignored")
	}
	return nil
}

// claim decides a click on Claim. Eligibility is checked against the stored
// handoff and the configured pool, never against what the button says; the
// race between eligible clickers is decided by the store's conditional update.
// Clicks on one handoff are decided one at a time in this process (see
// claimGates), and the private answer is sent after the next click's turn.
func (b *Bot) claim(ctx context.Context, cb *slack.InteractionCallback, action *slack.BlockAction) {
	ctx, cancel := detached(ctx, handlerTimeout)
	defer cancel()
	click, err := parseClick(cb, action)
	if err != nil {
		b.log.Warn().Err(err).Msg("button click dropped")
		return
	}
	log := b.log.With().Str("user", click.UserID).Int64("handoff", click.HandoffID).Str("action", action.ActionID).Logger()
	gate := b.claims.acquire(click.HandoffID)
	answer := b.decideClaim(ctx, log, gate, click, action.ActionID)
	b.claims.release(click.HandoffID, gate)
	if answer != "" {
		b.teller(ctx, log, click.ChannelID, click.UserID)(answer)
	}
}

// decideClaim decides click, holding its handoff's gate, and returns what
// to tell the clicker ("" when they won).
func (b *Bot) decideClaim(ctx context.Context, log zerolog.Logger, gate *claimGate, click ButtonClick, actionID string) string {
	var h routing.Handoff
	if gate.won != nil {
		h = *gate.won // claimed here a moment ago: the burst's other clicks lose
	} else {
		var err error
		h, err = b.cfg.Store.Handoff(ctx, click.HandoffID)
		switch {
		case errors.Is(err, routing.ErrNotFound):
			return render.HandoffGone
		case err != nil:
			log.Error().Err(err).Msg("load handoff")
			return render.ClaimFailed
		}
	}
	// A button whose value names a handoff posted elsewhere is forged or
	// stale: refuse it as if the handoff did not exist.
	// The digest lists unclaimed leads with a Claim button of its own, in
	// its channel: eligibility below is what protects those.
	fromDigest := actionID == render.ActionDigestClaim && click.ChannelID == b.policy().Digest.Channel
	if !fromDigest && !postedAt(h, click) {
		log.Warn().Str("channel", click.ChannelID).Msg("claim button does not match its handoff")
		return render.HandoffGone
	}
	pool, ok := b.policy().ClaimingPool(h, click.UserID)
	if !ok {
		log.Error().Str("pool", h.Pool).Msg("claim on a handoff whose pool is no longer configured")
		return render.PoolGone(h.Pool)
	}
	// Already claimed, scheduled or cancelled: CheckEligibility would say
	// the same after reading the clicker's rotation state; say it now.
	if refusal := routing.CheckClaim(h, pool, click.UserID); refusal != nil {
		log.Info().Str("reason", string(refusal.Code)).Msg("claim refused")
		return b.clock.ClaimRefused(refusal, pool, h.Turn)
	}
	// The rotation's rules (turn, away, caps) are checked inside the
	// claim's transaction, against the row and the clicker's counts as
	// they stand under its locks: checked before it, two claims at once by
	// one capped member on two leads could both pass the cap.
	h, won, err := b.cfg.Store.ClaimIf(ctx, h.ID, click.UserID, b.now(), b.claimCheck(click.UserID))
	var refusal *routing.ClaimRefusal
	switch {
	case errors.As(err, &refusal):
		log.Info().Str("reason", string(refusal.Code)).Msg("claim refused")
		pool, _ := b.policy().ClaimingPool(h, click.UserID)
		return b.clock.ClaimRefused(refusal, pool, h.Turn)
	case errors.Is(err, errPoolGone):
		log.Error().Str("pool", h.Pool).Msg("claim on a handoff whose pool is no longer configured")
		return render.PoolGone(h.Pool)
	case err != nil:
		log.Error().Err(err).Msg("claim failed")
		return render.ClaimFailed
	}
	if !won {
		// Someone else's update landed first (another replica's click).
		refusal := routing.CheckClaim(h, pool, click.UserID)
		if refusal == nil {
			refusal = &routing.ClaimRefusal{Code: routing.RefusedAlreadyClaimed, Owner: h.OwnerID}
		}
		return b.clock.ClaimRefused(refusal, pool, h.Turn)
	}
	b.claims.remember(click.HandoffID, gate, h)
	log.Info().Dur("time_to_claim", h.TimeToClaim()).Msg("handoff claimed")
	b.wakeOutbox()
	return ""
}

// errPoolGone refuses a claim on a handoff whose pool is no longer in the
// configuration.
var errPoolGone = errors.New("the handoff's pool is no longer configured")

// claimCheck decides, inside the claim's transaction, whether user may
// claim the handoff as it stands there: the pool whose rules apply to them,
// the turn frozen on the lead, and their rotation state read under the
// transaction's locks.
func (b *Bot) claimCheck(user string) routing.ClaimCheck {
	return func(h routing.Handoff, loads routing.Loads) error {
		policy := b.policy()
		pool, ok := policy.ClaimingPool(h, user)
		if !ok {
			return errPoolGone
		}
		now := b.now()
		period, today := policy.RotationSince(pool, now)
		states, err := b.zoned(loads)(pool.Name, []string{user}, period, today)
		if err != nil {
			return fmt.Errorf("member state of %s: %w", user, err)
		}
		clicker := routing.MemberState{User: user}
		for _, s := range states {
			if s.User == user {
				clicker = s
			}
		}
		// The turn applies in the handoff's own pool until the ladder
		// starts: an escalated lead is open to every eligible member (the
		// ladder asks them all), and a fallback pool's member was offered
		// it by the ladder.
		turn := h.Turn
		if pool.Name != h.Pool || h.Escalated() {
			turn = routing.Turn{}
		}
		if refusal := routing.CheckEligibility(h, pool, turn, clicker, now); refusal != nil {
			return refusal
		}
		return nil
	}
}

// memberStates are the states of pool's members for routing a new handoff.
// With presence on, a member Slack shows away or in Do Not Disturb counts
// as away. Presence is not asked at click time: someone clicking Claim is
// plainly there.
func (b *Bot) memberStates(ctx context.Context, pool routing.Pool, now time.Time) ([]routing.MemberState, error) {
	period, today := b.policy().RotationSince(pool, now)
	states, err := b.cfg.Store.MemberStates(ctx, pool.Name, pool.Members, period, today)
	if err != nil {
		return nil, err
	}
	if b.cfg.Presence != nil {
		states = b.withPresence(ctx, pool, states, now)
	}
	return b.withProfileZones(pool.Members, states), nil
}

// withProfileZones gives each of members a state carrying the zone of their
// Slack profile, when known, so that routing reads their working hours
// where they are. Members with nothing on record get a state of their own
// (the same as none, plus the zone). Reading the zones costs no Slack call.
func (b *Bot) withProfileZones(members []string, states []routing.MemberState) []routing.MemberState {
	if b.cfg.Zones == nil {
		return states
	}
	out := slices.Clone(states)
	has := make(map[string]bool, len(out))
	for i := range out {
		has[out[i].User] = true
		if out[i].Location == nil {
			out[i].Location = b.cfg.Zones.Zone(out[i].User)
		}
	}
	for _, m := range members {
		if loc := b.cfg.Zones.Zone(m); !has[m] && loc != nil {
			out = append(out, routing.MemberState{User: m, Location: loc})
			has[m] = true
		}
	}
	return out
}

// zoned is loads with the members' profile zones (see withProfileZones),
// for decisions taken inside a store transaction.
func (b *Bot) zoned(loads routing.Loads) routing.Loads {
	return func(pool string, members []string, period, today time.Time) ([]routing.MemberState, error) {
		states, err := loads(pool, members, period, today)
		if err != nil {
			return nil, err
		}
		return b.withProfileZones(members, states), nil
	}
}

// presenceAway is how long a member Slack shows away (without a known end)
// counts as away for one decision.
const presenceAway = time.Minute

// withPresence marks members Slack shows away, asking in parallel so that
// the submit is not slowed by the pool's size.
func (b *Bot) withPresence(ctx context.Context, pool routing.Pool, states []routing.MemberState, now time.Time) []routing.MemberState {
	byUser := make(map[string]routing.MemberState, len(pool.Members))
	for _, s := range states {
		byUser[s.User] = s
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range pool.Members {
		wg.Go(func() {
			away, until := b.cfg.Presence.Away(ctx, m)
			if !away {
				return
			}
			if until.IsZero() {
				until = now.Add(presenceAway)
			}
			mu.Lock()
			defer mu.Unlock()
			s := byUser[m]
			s.User = m
			if until.After(s.AwayUntil) {
				s.AwayUntil = until
			}
			byUser[m] = s
		})
	}
	wg.Wait()
	out := make([]routing.MemberState, 0, len(byUser))
	for _, s := range byUser {
		out = append(out, s)
	}
	return out
}

// memberState is user's rotation state in pool now.
func (b *Bot) memberState(ctx context.Context, pool routing.Pool, user string) (routing.MemberState, error) {
	period, today := b.policy().RotationSince(pool, b.now())
	states, err := b.cfg.Store.MemberStates(ctx, pool.Name, []string{user}, period, today)
	if err != nil {
		return routing.MemberState{User: user}, err
	}
	states = b.withProfileZones([]string{user}, states)
	if len(states) == 0 {
		return routing.MemberState{User: user}, nil
	}
	return states[0], nil
}

// postedAt reports whether click came from one of h's own messages: the
// pool channel's, or the fallback channel's once the ladder opened it.
func postedAt(h routing.Handoff, click ButtonClick) bool {
	matches := func(channel, ts string) bool {
		return channel == click.ChannelID && (ts == "" || click.MessageTS == "" || ts == click.MessageTS)
	}
	return matches(h.Channel, h.MessageTS) || (h.FallbackOpen && matches(h.Escalation.FallbackChannel, h.FallbackTS))
}
