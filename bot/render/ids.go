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

	// CallbackCancel, CallbackCallback and CallbackHandBack are the
	// callback_ids of the modals those buttons open; their
	// private_metadata is the handoff id, never trusted either.
	CallbackCancel   = "cancel_submit"
	CallbackCallback = "callback_submit"
	CallbackHandBack = "hand_back_submit"
	CallbackPass     = "pass_submit"

	// BlockReason, BlockNote and BlockWhen are the inputs of those modals.
	BlockReason = "reason"
	BlockNote   = "note"
	BlockWhen   = "when"
)

// ModalFields lists the modal's input blocks in order. Their block_ids are the
// routing field names, so per-field errors map straight onto them.
var ModalFields = []routing.Field{
	routing.FieldCompany, routing.FieldContactName, routing.FieldContactTitle,
	routing.FieldPhone, routing.FieldEmail, routing.FieldNotes, routing.FieldConsent,
}
