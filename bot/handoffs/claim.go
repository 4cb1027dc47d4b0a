package handoffs

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonhq/baton/routing"
)

// Click is a click on Claim. HandoffID comes from the button's value and
// Channel and MessageTS from the message it was on: all of it is checked
// against the stored handoff, never trusted.
type Click struct {
	HandoffID int64
	User      string
	Channel   string
	MessageTS string
	// FromDigest says the button was the digest's own Claim, which lists
	// unclaimed leads in the digest channel.
	FromDigest bool
}

// ClaimRefused is a claim the rules refused, with what its sentence needs:
// the pool whose rules applied and the turn frozen on the lead.
type ClaimRefused struct {
	*routing.ClaimRefusal
	Pool routing.Pool
	Turn routing.Turn
}

// Unwrap lets errors.As find the routing refusal.
func (e *ClaimRefused) Unwrap() error { return e.ClaimRefusal }

// PoolGoneError refuses an action on a handoff whose pool is no longer in
// the configuration.
type PoolGoneError struct{ Pool string }

func (e *PoolGoneError) Error() string {
	return fmt.Sprintf("pool %q is no longer configured", e.Pool)
}

// Claim decides a click on Claim: the clicker owns the lead, or the error
// says why not: routing.ErrNotFound (no such handoff, or the button is not
// on one of its messages), a *PoolGoneError, a *ClaimRefused (taken,
// not their turn, away, over a cap), or a failure.
//
// Eligibility is checked against the stored handoff and the configured
// pool; the race between eligible clickers is decided by the store's
// conditional update. Clicks on one handoff are decided one at a time in
// this process (see claimGates).
func (s *Service) Claim(ctx context.Context, c Click) (routing.Handoff, error) {
	gate := s.claims.acquire(c.HandoffID)
	defer s.claims.release(c.HandoffID, gate)
	var h routing.Handoff
	if gate.won != nil {
		h = *gate.won // claimed here a moment ago: the burst's other clicks lose
	} else {
		var err error
		if h, err = s.cfg.Store.Handoff(ctx, c.HandoffID); err != nil {
			return h, fmt.Errorf("claim %d: %w", c.HandoffID, err)
		}
	}
	policy := s.Policy()
	// A button whose value names a handoff posted elsewhere is forged or
	// stale: refused as if the handoff did not exist. The digest's
	// buttons are protected by eligibility below.
	fromDigest := c.FromDigest && c.Channel == policy.Digest.Channel
	if !fromDigest && !postedAt(h, c) {
		return h, fmt.Errorf("claim %d from %s: button not on its messages: %w", c.HandoffID, c.Channel, routing.ErrNotFound)
	}
	pool, ok := policy.ClaimingPool(h, c.User)
	if !ok {
		return h, &PoolGoneError{Pool: h.Pool}
	}
	// Already claimed, scheduled or cancelled: the check in the
	// transaction would say the same after reading the clicker's state.
	if refusal := routing.CheckClaim(h, pool, c.User); refusal != nil {
		return h, &ClaimRefused{ClaimRefusal: refusal, Pool: pool, Turn: h.Turn}
	}
	// The rotation's rules (turn, away, caps) are checked inside the
	// claim's transaction, against the row and the clicker's counts as
	// they stand under its locks: checked before it, two claims at once by
	// one capped member on two leads could both pass the cap.
	h, won, err := s.cfg.Store.ClaimIf(ctx, h.ID, c.User, s.Now(), s.eligible(c.User))
	var refusal *routing.ClaimRefusal
	switch {
	case errors.As(err, &refusal):
		pool, _ := policy.ClaimingPool(h, c.User)
		return h, &ClaimRefused{ClaimRefusal: refusal, Pool: pool, Turn: h.Turn}
	case err != nil:
		return h, fmt.Errorf("claim %d: %w", c.HandoffID, err)
	case !won:
		// Someone else's update landed first (another replica's click).
		refusal := routing.CheckClaim(h, pool, c.User)
		if refusal == nil {
			refusal = &routing.ClaimRefusal{Code: routing.RefusedAlreadyClaimed, Owner: h.OwnerID}
		}
		return h, &ClaimRefused{ClaimRefusal: refusal, Pool: pool, Turn: h.Turn}
	}
	s.claims.remember(c.HandoffID, gate, h)
	s.log.Info().Str("user", c.User).Int64("handoff", h.ID).Dur("time_to_claim", h.TimeToClaim()).Msg("handoff claimed")
	s.cfg.Metrics.Claimed(h.TimeToClaim(), h.ClaimedLate())
	s.committed()
	return h, nil
}

// eligible decides, inside the claim's transaction, whether user may
// claim the handoff as it stands there: the pool whose rules apply to
// them, the turn frozen on the lead, and their rotation state read under
// the transaction's locks.
func (s *Service) eligible(user string) routing.ClaimCheck {
	return func(h routing.Handoff, loads routing.Loads) error {
		policy := s.Policy()
		pool, ok := policy.ClaimingPool(h, user)
		if !ok {
			return &PoolGoneError{Pool: h.Pool}
		}
		now := s.Now()
		period, today := policy.RotationSince(pool, now)
		states, err := s.zoned(loads)(pool.Name, []string{user}, period, today)
		if err != nil {
			return fmt.Errorf("member state of %s: %w", user, err)
		}
		clicker := routing.MemberState{User: user}
		for _, st := range states {
			if st.User == user {
				clicker = st
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

// postedAt reports whether c came from one of h's own messages: the pool
// channel's, or the fallback channel's once the ladder opened it.
func postedAt(h routing.Handoff, c Click) bool {
	matches := func(channel, ts string) bool {
		return channel == c.Channel && (ts == "" || c.MessageTS == "" || ts == c.MessageTS)
	}
	return matches(h.Channel, h.MessageTS) || (h.FallbackOpen && matches(h.Escalation.FallbackChannel, h.FallbackTS))
}
