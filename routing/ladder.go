package routing

import (
	"fmt"
	"slices"
	"time"
)

// EscalationAction is one thing a step of the escalation ladder does.
type EscalationAction string

// The actions a ladder step can take.
const (
	// ActionReping replies in the handoff's thread with <!here>, so the
	// channel is pinged again without a second top-level post.
	ActionReping EscalationAction = "reping"
	// ActionNudgeMembers DMs every available member of the pool.
	ActionNudgeMembers EscalationAction = "dm_members"
	// ActionAlertManagers DMs the pool's managers.
	ActionAlertManagers EscalationAction = "dm_managers"
	// ActionFallback opens the handoff to the fallback pool: it is posted in
	// that pool's channel and its members may claim it too.
	ActionFallback EscalationAction = "fallback"
	// ActionMissed ends the live transfer: the handoff is marked missed, an
	// owner is assigned by fair rotation so the lead is never left without
	// one, and the passer is asked to schedule a callback.
	ActionMissed EscalationAction = "missed"
)

// EscalationActions lists every action, in the order they are documented.
var EscalationActions = []EscalationAction{ActionReping, ActionNudgeMembers, ActionAlertManagers, ActionFallback, ActionMissed}

// LadderStep is one configured step of the escalation ladder. It fires At
// after the claim deadline, and Repeat more times Every apart, like a paging
// policy's "notify again".
type LadderStep struct {
	At     time.Duration
	Do     []EscalationAction
	Repeat int
	Every  time.Duration
}

// Ladder is what happens, step by step, when nobody claims a handoff in its
// window. The last step must mark the handoff missed, so a ladder always ends
// with an owner.
type Ladder []LadderStep

// DefaultLadder is the ladder of the design: at the deadline, re-ping the
// channel and DM the members; a minute later, DM the managers and try the
// fallback pool; a minute after that, give up on the live transfer and
// schedule it, with an owner.
func DefaultLadder() Ladder {
	return Ladder{
		{At: 0, Do: []EscalationAction{ActionReping, ActionNudgeMembers}},
		{At: time.Minute, Do: []EscalationAction{ActionAlertManagers, ActionFallback}},
		{At: 2 * time.Minute, Do: []EscalationAction{ActionMissed}},
	}
}

// LadderError says which step of a ladder is wrong and why.
type LadderError struct {
	// Step is the index of the step in the ladder, from 0.
	Step int
	// Key is the step's key at fault (at, do, repeat, every), or "" for the
	// ladder as a whole.
	Key string
	Msg string
}

func (e *LadderError) Error() string {
	if e.Key == "" {
		return e.Msg
	}
	return fmt.Sprintf("[%d].%s: %s", e.Step, e.Key, e.Msg)
}

// Validate checks that the ladder can run: steps in time order, known
// actions, sane repeats, and exactly one missed action, in the last step, so
// that every ladder ends with the lead owned.
func (l Ladder) Validate() error {
	if len(l) == 0 {
		return &LadderError{Msg: "at least one step is required, and the last one must include missed"}
	}
	end := time.Duration(-1)
	for i, s := range l {
		switch {
		case s.At < 0:
			return &LadderError{Step: i, Key: "at", Msg: fmt.Sprintf("must not be negative, got %s", s.At)}
		case s.At < end:
			return &LadderError{Step: i, Key: "at", Msg: fmt.Sprintf("%s is before the previous step's last firing at %s; steps run in order", s.At, end)}
		case len(s.Do) == 0:
			return &LadderError{Step: i, Key: "do", Msg: "at least one action is required"}
		case s.Repeat < 0 || s.Repeat > 10:
			return &LadderError{Step: i, Key: "repeat", Msg: fmt.Sprintf("must be between 0 and 10, got %d", s.Repeat)}
		case s.Repeat > 0 && s.Every < time.Second:
			return &LadderError{Step: i, Key: "every", Msg: "must be at least 1s when the step repeats"}
		}
		for _, a := range s.Do {
			if !slices.Contains(EscalationActions, a) {
				return &LadderError{Step: i, Key: "do", Msg: fmt.Sprintf("unknown action %q (want one of %v)", a, EscalationActions)}
			}
			if a == ActionMissed && (i != len(l)-1 || s.Repeat > 0) {
				return &LadderError{Step: i, Key: "do", Msg: "missed ends the ladder: it belongs to the last step, which does not repeat"}
			}
		}
		end = s.At + time.Duration(s.Repeat)*s.Every
	}
	if !slices.Contains(l[len(l)-1].Do, ActionMissed) {
		return &LadderError{Step: len(l) - 1, Key: "do", Msg: "the last step must include missed, so that every lead ends with an owner"}
	}
	return nil
}

// Rung is one firing of a ladder step, as snapshotted onto a handoff: a step
// with repeats becomes several rungs.
type Rung struct {
	// Step is the configured step this rung fires, from 1, and Steps how
	// many the ladder has, for "step 2 of 3".
	Step  int `json:"step"`
	Steps int `json:"steps"`
	// Repeat is 0 for a step's first firing, then 1, 2…
	Repeat int `json:"repeat"`
	// After is when the rung fires, measured from the claim deadline.
	After time.Duration      `json:"after"`
	Do    []EscalationAction `json:"do"`
}

// Has reports whether the rung takes action a.
func (r Rung) Has(a EscalationAction) bool { return slices.Contains(r.Do, a) }

// Rungs expands the ladder into its firings, in time order.
func (l Ladder) Rungs() []Rung {
	var out []Rung
	for i, s := range l {
		for r := 0; r <= s.Repeat; r++ {
			out = append(out, Rung{Step: i + 1, Steps: len(l), Repeat: r, After: s.At + time.Duration(r)*s.Every, Do: slices.Clone(s.Do)})
		}
	}
	return out
}

// Escalation is the ladder frozen onto a handoff when it is opened, like a
// paging policy frozen when the incident starts: a config reload never
// changes what a running handoff does next.
type Escalation struct {
	Rungs []Rung `json:"rungs"`
	// Fallback is the pool tried when a rung says fallback, with the channel
	// it is posted in; empty when the pool has none.
	Fallback        string `json:"fallback,omitempty"`
	FallbackChannel string `json:"fallback_channel,omitempty"`
}

// NextRungAt is when rung number fired (counting from 0) is due for a
// handoff whose claim window closes at deadline; ok is false once every rung
// has fired.
func (e Escalation) NextRungAt(deadline time.Time, fired int) (at time.Time, ok bool) {
	if fired < 0 || fired >= len(e.Rungs) {
		return time.Time{}, false
	}
	return deadline.Add(e.Rungs[fired].After), true
}
