package render

import "github.com/batonhq/baton/routing"

// Identifiers Slack sends back in payloads. The bot parses by these, so they
// live next to the blocks that carry them.
const (
	// CallbackHandoff is the callback_id of the /handoff modal.
	CallbackHandoff = "handoff_submit"
	// ActionClaim is the action_id of the Claim button; its value is the
	// handoff id, which is looked up and checked, never trusted.
	ActionClaim = "claim"
	// ActionDigestClaim is the Claim button of an unclaimed lead in the
	// digest. It is told apart from ActionClaim because a claim from the
	// handoff's own message is also checked against where it was clicked.
	ActionDigestClaim = "digest_claim"
	// ActionInput is the action_id of every input in the modal; the block_id
	// names the field.
	ActionInput = "input"
	// ConsentValue is the value of the consent checkbox option.
	ConsentValue = "agreed"

	// ActionCancel (the passer's), ActionPickTime (the passer's, once the
	// lead is scheduled), ActionAccept and ActionHandBack (the owner's of
	// a scheduled lead) are buttons whose value is the handoff id, looked
	// up and authorized like the Claim button's.
	ActionCancel   = "cancel"
	ActionPickTime = "pick_time"
	ActionAccept   = "accept"
	ActionHandBack = "hand_back"
	// ActionPass is the up-next member's Pass button on a round-robin lead.
	ActionPass = "pass"
	// ActionWholeBrief is the Read the whole brief button under a brief
	// cut to fit one message; its value is the handoff id, looked up, and
	// the brief it opens shows the contact details only to whom the pool
	// lets see them.
	ActionWholeBrief = "whole_brief"
	// CallbackWholeBrief is the modal ActionWholeBrief opens, which has
	// nothing to submit.
	CallbackWholeBrief = "whole_brief_view"

	// CallbackCancel, CallbackCallback and CallbackHandBack are the
	// callback_ids of the modals those buttons open; their
	// private_metadata is the handoff id, never trusted either.
	CallbackCancel   = "cancel_submit"
	CallbackCallback = "callback_submit"
	CallbackHandBack = "hand_back_submit"
	CallbackPass     = "pass_submit"

	// ActionLogTouch, ActionLogOutcome and ActionReassign are the owner's
	// buttons after the claim (and a manager's, on an SLA alert or in the
	// digest); their value is the handoff id, looked up and authorized.
	ActionLogTouch   = "log_touch"
	ActionLogOutcome = "log_outcome"
	ActionReassign   = "reassign"
	// CallbackTouch, CallbackOutcome and CallbackReassign are the modals
	// they open; private_metadata is the handoff id.
	CallbackTouch    = "touch_submit"
	CallbackOutcome  = "outcome_submit"
	CallbackReassign = "reassign_submit"
	// BlockKind, BlockMeeting and BlockOwner are inputs of those modals.
	BlockKind    = "kind"
	BlockMeeting = "meeting"
	BlockOwner   = "owner"

	// BlockReason, BlockNote and BlockWhen are the inputs of those modals.
	BlockReason = "reason"
	BlockNote   = "note"
	BlockWhen   = "when"

	// BlockTransfer holds the choice between a live transfer and a call
	// scheduled for later.
	BlockTransfer = string(routing.FieldTransfer)
	// BlockTransferOffered holds the same choice in the form shown again
	// after the gates refused a live transfer. Its block_id differs on
	// purpose: Slack keeps what the passer entered in blocks whose ids stay
	// the same, and this one must start on Schedule for later.
	BlockTransferOffered = "transfer_offered"
	// TransferLive and TransferLater are the values of the two choices.
	TransferLive  = "live"
	TransferLater = "later"
	// AnswerYes and AnswerNo are the values of a yes_no question's choices.
	AnswerYes = "yes"
	AnswerNo  = "no"
)

// FormMeta is the modal's private_metadata: which checklist the form asks
// and for which pool. The bot looks both up in its configuration when the
// form comes back; a form is never trusted to carry its own questions.
type FormMeta struct {
	Checklist string `json:"checklist"`
	Pool      string `json:"pool,omitempty"`
}
