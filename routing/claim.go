package routing

import "fmt"

// RefusalCode says why a click on Claim did not make the clicker the owner.
type RefusalCode string

// The reasons a claim is refused.
const (
	RefusedNotInPool      RefusalCode = "not_in_pool"
	RefusedAlreadyClaimed RefusalCode = "already_claimed"
	RefusedOwnedByYou     RefusalCode = "owned_by_you"
	RefusedCancelled      RefusalCode = "cancelled"
	RefusedScheduled      RefusalCode = "scheduled"
)

// ClaimRefusal is the typed error for a claim that cannot succeed. Owner is
// set when someone already holds the lead, so the clicker can be told who.
type ClaimRefusal struct {
	Code  RefusalCode
	Owner string
}

func (r *ClaimRefusal) Error() string {
	if r.Owner != "" {
		return fmt.Sprintf("claim refused: %s (owner %s)", r.Code, r.Owner)
	}
	return fmt.Sprintf("claim refused: %s", r.Code)
}

// CheckClaim decides whether user may claim h, a handoff of pool, as the
// handoff stands now. It returns nil when the claim may be attempted; the
// store's conditional update still decides the race between eligible
// clickers, so a nil here is permission to try, not a win.
func CheckClaim(h Handoff, pool Pool, user string) *ClaimRefusal {
	// Membership first: an outsider learns the rule that applies to them,
	// whatever state the lead is in.
	if !pool.IsMember(user) {
		return &ClaimRefusal{Code: RefusedNotInPool}
	}
	switch h.State {
	case StateClaimed:
		if h.OwnerID == user {
			return &ClaimRefusal{Code: RefusedOwnedByYou, Owner: user}
		}
		return &ClaimRefusal{Code: RefusedAlreadyClaimed, Owner: h.OwnerID}
	case StateScheduled:
		return &ClaimRefusal{Code: RefusedScheduled, Owner: h.OwnerID}
	case StateCancelled:
		return &ClaimRefusal{Code: RefusedCancelled}
	}
	return nil
}

// ClaimCheck decides whether a claim may go ahead, from the handoff as it
// stands inside the claim's transaction (its row locked) and the clicker's
// rotation state read by loads under the same locks. Caps and the rotation
// are checked there, not just before, so two claims at once by one capped
// member (on two leads) cannot both pass the cap. It returns nil to let the
// conditional update decide the race, or a *ClaimRefusal (or a failure to
// read the state) to refuse with nothing changed.
type ClaimCheck func(h Handoff, loads Loads) error
