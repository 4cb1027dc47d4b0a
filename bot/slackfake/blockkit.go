package slackfake

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind says what surface a Block Kit payload is for; the limits differ.
type Kind string

// Surfaces understood by ValidateBlocks.
const (
	// KindMessage validates a message's blocks array.
	KindMessage Kind = "message"
	// KindModal validates a whole modal view object (title, submit,
	// private_metadata, ... and its blocks).
	KindModal Kind = "modal"
	// KindHome validates an App Home tab view object (views.publish).
	KindHome Kind = "home"
)

// Limits documented in Slack's Block Kit reference. Slack rejects payloads
// that exceed them with invalid_blocks, so a bot that only ever met a lenient
// mock would fail in production on, say, a long ticket title in a header.
const (
	maxMessageText   = 40000
	maxMessageBlocks = 50
	maxModalBlocks   = 100
	maxID            = 255 // block_id, action_id, callback_id, external_id
	maxSectionText   = 3000
	maxSectionFields = 10
	maxFieldText     = 2000
	maxHeaderText    = 150
	maxContextItems  = 10
	maxActionsItems  = 25
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxURL           = 3000
	maxModalTitle    = 24 // also submit and close
	maxLabel         = 2000
	maxPlaceholder   = 150
	maxChoiceOptions = 10 // checkboxes, radio_buttons
	maxOverflowOpts  = 5
	maxSelectOptions = 100
	maxOptionText    = 75
	maxOptionValue   = 150
	maxInputValue    = 3000
	maxPrivateMeta   = 3000
	maxAltText       = 2000
)

// MaxBlocksText is the most text Slack takes in one message's blocks, all
// blocks together, as BlocksTextLength counts it; past it chat.postMessage,
// chat.postEphemeral and chat.update answer msg_blocks_too_long. The method
// reference lists the error without a number
// (https://docs.slack.dev/reference/methods/chat.postMessage#errors). The
// number is the one Slack documents for a markdown block
// (https://docs.slack.dev/reference/block-kit/blocks/markdown-block) and
// the one Slack's SDK maintainers give for a whole message's blocks: 12,000
// characters of text, with a buffer for the blocks around them
// (https://github.com/slackapi/bolt-js/issues/2509). The fake leaves the
// undocumented buffer out and counts every text, entities as sent, so it
// refuses where Slack may still accept. (Blocks made of many small
// rich_text elements have been refused below it,
// https://github.com/slackapi/bolt-js/issues/2867; Baton sends none.)
const MaxBlocksText = 12000

// BlocksTextLength counts the text of a message's blocks array: the
// characters of every "text" string anywhere in it (section texts and
// fields, context elements, headers, button labels, rich text elements),
// as sent, entities such as &amp; included. It returns 0 for JSON that is
// not an array.
func BlocksTextLength(raw json.RawMessage) int {
	var blocks []any
	if json.Unmarshal(raw, &blocks) != nil {
		return 0
	}
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for key, c := range x {
				if s, ok := c.(string); ok && key == "text" {
					n += utf8.RuneCountInString(s)
					continue
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(blocks)
	return n
}

// ValidationError lists every Block Kit problem found in a payload, each in
// Slack's wording with a JSON pointer, e.g.
// "must be less than 3001 characters [json-pointer:/blocks/0/text/text]".
type ValidationError struct {
	Errors []string
}

// Error joins the individual problems.
func (e *ValidationError) Error() string {
	return "invalid_blocks: " + strings.Join(e.Errors, "; ")
}

// ValidateBlocks checks a Block Kit payload against the limits Slack
// enforces. For KindMessage raw is the blocks array; for KindModal it is the
// view object. It returns nil or a *ValidationError.
//
// Beyond length and count limits it rejects missing or empty text objects
// (Slack answers invalid_blocks for a mrkdwn text of ""), duplicate block_ids
// in the payload and duplicate action_ids within a block (Slack requires
// action_id to be unique within its block only, so the same action_id in two
// input blocks is valid).
func ValidateBlocks(kind Kind, raw json.RawMessage) error {
	v := &validator{blockIDs: map[string]bool{}}
	switch kind {
	case KindMessage:
		var blocks []any
		if err := json.Unmarshal(raw, &blocks); err != nil {
			return &ValidationError{Errors: []string{"must be an array [json-pointer:/blocks]"}}
		}
		v.blocks("/blocks", blocks, maxMessageBlocks)
	case KindModal:
		var view map[string]any
		if err := json.Unmarshal(raw, &view); err != nil || view == nil {
			return &ValidationError{Errors: []string{"must be an object [json-pointer:/view]"}}
		}
		v.modal("/view", view)
	case KindHome:
		var view map[string]any
		if err := json.Unmarshal(raw, &view); err != nil || view == nil {
			return &ValidationError{Errors: []string{"must be an object [json-pointer:/view]"}}
		}
		v.view("/view", view, "home")
	default:
		return fmt.Errorf("slackfake: unknown Block Kit kind %q", kind)
	}
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: v.errs}
}

type validator struct {
	errs     []string
	blockIDs map[string]bool
	hasInput bool
}

func (v *validator) addf(ptr, format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf(format, args...)+" [json-pointer:"+ptr+"]")
}

func (v *validator) maxLen(ptr, s string, limit int) {
	if utf8.RuneCountInString(s) > limit {
		v.addf(ptr, "must be less than %d characters", limit+1)
	}
}

// optString checks an optional string field.
func (v *validator) optString(ptr string, m map[string]any, key string, limit int) {
	if _, has := m[key]; !has {
		return
	}
	s, ok := m[key].(string)
	if !ok {
		v.addf(ptr+"/"+key, "must be a string")
		return
	}
	v.maxLen(ptr+"/"+key, s, limit)
}

func (v *validator) count(ptr string, n, limit int) {
	if n > limit {
		v.addf(ptr, "no more than %d items allowed", limit)
	}
}

type textRule struct {
	max       int
	plainOnly bool
	optional  bool
}

// text checks a text composition object.
func (v *validator) text(ptr string, val any, r textRule) {
	if val == nil {
		if !r.optional {
			v.addf(ptr, "must provide an object")
		}
		return
	}
	m, ok := val.(map[string]any)
	if !ok {
		v.addf(ptr, "must be an object")
		return
	}
	switch typ := str(m, "type"); {
	case typ == "mrkdwn" && r.plainOnly:
		v.addf(ptr+"/type", "must be a plain_text text object")
	case typ != "mrkdwn" && typ != "plain_text":
		v.addf(ptr+"/type", "must be plain_text or mrkdwn")
	}
	t, _ := m["text"].(string)
	if t == "" {
		v.addf(ptr+"/text", "must be more than 0 characters")
		return
	}
	v.maxLen(ptr+"/text", t, r.max)
}

// view checks what modals and Home tabs share: the type, the ids, and at
// most 100 blocks.
func (v *validator) view(ptr string, view map[string]any, typ string) {
	if str(view, "type") != typ {
		v.addf(ptr+"/type", "must be %s", typ)
	}
	v.optString(ptr, view, "private_metadata", maxPrivateMeta)
	v.optString(ptr, view, "callback_id", maxID)
	v.optString(ptr, view, "external_id", maxID)
	blocks, ok := view["blocks"].([]any)
	if !ok {
		v.addf(ptr+"/blocks", "must provide an array")
	}
	v.blocks(ptr+"/blocks", blocks, maxModalBlocks)
}

func (v *validator) modal(ptr string, view map[string]any) {
	v.view(ptr, view, "modal")
	v.text(ptr+"/title", view["title"], textRule{max: maxModalTitle, plainOnly: true})
	v.text(ptr+"/submit", view["submit"], textRule{max: maxModalTitle, plainOnly: true, optional: true})
	v.text(ptr+"/close", view["close"], textRule{max: maxModalTitle, plainOnly: true, optional: true})
	if v.hasInput && view["submit"] == nil {
		v.addf(ptr+"/submit", "must provide submit when an input block is present")
	}
}

func (v *validator) blocks(ptr string, blocks []any, limit int) {
	v.count(ptr, len(blocks), limit)
	for i, b := range blocks {
		v.block(fmt.Sprintf("%s/%d", ptr, i), b)
	}
}

func (v *validator) block(ptr string, b any) {
	m, ok := b.(map[string]any)
	if !ok {
		v.addf(ptr, "must be an object")
		return
	}
	if _, has := m["block_id"]; has {
		v.optString(ptr, m, "block_id", maxID)
		if id := str(m, "block_id"); id != "" {
			if v.blockIDs[id] {
				v.addf(ptr+"/block_id", "duplicate block_id %q", id)
			}
			v.blockIDs[id] = true
		}
	}
	actionIDs := map[string]bool{}
	switch typ := str(m, "type"); typ {
	case "":
		v.addf(ptr+"/type", "must provide a block type")
	case "section":
		fields, hasFields := m["fields"].([]any)
		if m["text"] == nil && !hasFields {
			v.addf(ptr, "must provide either text or fields")
		}
		v.text(ptr+"/text", m["text"], textRule{max: maxSectionText, optional: hasFields})
		v.count(ptr+"/fields", len(fields), maxSectionFields)
		for i, f := range fields {
			v.text(fmt.Sprintf("%s/fields/%d", ptr, i), f, textRule{max: maxFieldText})
		}
		if acc, has := m["accessory"]; has {
			v.element(ptr+"/accessory", acc, actionIDs)
		}
	case "header":
		v.text(ptr+"/text", m["text"], textRule{max: maxHeaderText, plainOnly: true})
	case "context":
		els, _ := m["elements"].([]any)
		if len(els) == 0 {
			v.addf(ptr+"/elements", "must provide at least 1 item")
		}
		v.count(ptr+"/elements", len(els), maxContextItems)
		for i, el := range els {
			p := fmt.Sprintf("%s/elements/%d", ptr, i)
			if em, ok := el.(map[string]any); ok && str(em, "type") == "image" {
				v.image(p, em)
			} else {
				v.text(p, el, textRule{max: maxSectionText})
			}
		}
	case "actions":
		els, _ := m["elements"].([]any)
		if len(els) == 0 {
			v.addf(ptr+"/elements", "must provide at least 1 item")
		}
		v.count(ptr+"/elements", len(els), maxActionsItems)
		for i, el := range els {
			v.element(fmt.Sprintf("%s/elements/%d", ptr, i), el, actionIDs)
		}
	case "input":
		v.hasInput = true
		v.text(ptr+"/label", m["label"], textRule{max: maxLabel, plainOnly: true})
		v.text(ptr+"/hint", m["hint"], textRule{max: maxLabel, plainOnly: true, optional: true})
		if m["element"] == nil {
			v.addf(ptr+"/element", "must provide an object")
		} else {
			if el, ok := m["element"].(map[string]any); ok && !inputElements[str(el, "type")] {
				v.addf(ptr+"/element/type", "%q is not an element an input block takes", str(el, "type"))
			}
			v.element(ptr+"/element", m["element"], actionIDs)
		}
	case "image":
		v.image(ptr, m)
		v.text(ptr+"/title", m["title"], textRule{max: maxAltText, plainOnly: true, optional: true})
	}
	// Other block types (divider, rich_text, video, ...) have no limits the
	// bot is likely to hit; they pass unchecked.
}

func (v *validator) image(ptr string, m map[string]any) {
	v.optString(ptr, m, "image_url", maxURL)
	if m["image_url"] == nil && m["slack_file"] == nil {
		v.addf(ptr+"/image_url", "must provide image_url or slack_file")
	}
	if str(m, "alt_text") == "" {
		v.addf(ptr+"/alt_text", "must be more than 0 characters")
	}
	v.optString(ptr, m, "alt_text", maxAltText)
}

// element checks an interactive element; actionIDs are those already used in
// the same block.
func (v *validator) element(ptr string, el any, actionIDs map[string]bool) {
	m, ok := el.(map[string]any)
	if !ok {
		v.addf(ptr, "must be an object")
		return
	}
	typ := str(m, "type")
	if typ == "" {
		v.addf(ptr+"/type", "must provide an element type")
	}
	if _, has := m["action_id"]; has {
		v.optString(ptr, m, "action_id", maxID)
		if id := str(m, "action_id"); id != "" {
			if actionIDs[id] {
				v.addf(ptr+"/action_id", "duplicate action_id %q", id)
			}
			actionIDs[id] = true
		}
	}
	v.text(ptr+"/placeholder", m["placeholder"], textRule{max: maxPlaceholder, plainOnly: true, optional: true})

	switch typ {
	case "button":
		v.text(ptr+"/text", m["text"], textRule{max: maxButtonText, plainOnly: true})
		v.optString(ptr, m, "value", maxButtonValue)
		v.optString(ptr, m, "url", maxURL)
	case "checkboxes", "radio_buttons":
		v.options(ptr+"/options", m["options"], maxChoiceOptions, false)
		v.initialOptions(ptr, m)
	case "overflow":
		v.options(ptr+"/options", m["options"], maxOverflowOpts, true)
	case "static_select", "multi_static_select":
		if groups, has := m["option_groups"].([]any); has {
			v.count(ptr+"/option_groups", len(groups), maxSelectOptions)
			for i, g := range groups {
				gp := fmt.Sprintf("%s/option_groups/%d", ptr, i)
				gm, _ := g.(map[string]any)
				v.text(gp+"/label", gm["label"], textRule{max: maxOptionText, plainOnly: true})
				v.options(gp+"/options", gm["options"], maxSelectOptions, true)
			}
		} else {
			v.options(ptr+"/options", m["options"], maxSelectOptions, true)
		}
		v.initialOptions(ptr, m)
	case "plain_text_input":
		limit := maxInputValue
		if ml, has := num(m, "max_length"); has {
			if ml > maxInputValue {
				v.addf(ptr+"/max_length", "must be at most %d", maxInputValue)
			}
			limit = min(limit, ml)
		}
		if ml, has := num(m, "min_length"); has && ml > maxInputValue {
			v.addf(ptr+"/min_length", "must be at most %d", maxInputValue)
		}
		v.optString(ptr, m, "initial_value", limit)
	case "number_input":
		v.numberInput(ptr, m)
	case "datepicker":
		if d, has := m["initial_date"]; has {
			if s, ok := d.(string); !ok || !datePattern.MatchString(s) {
				v.addf(ptr+"/initial_date", "must be a date in YYYY-MM-DD format")
			}
		}
	case "datetimepicker":
		if t, has := m["initial_date_time"]; has {
			if f, ok := t.(float64); !ok || f != math.Trunc(f) || f < 0 {
				v.addf(ptr+"/initial_date_time", "must be a UNIX timestamp in seconds")
			}
		}
	case "rich_text_input":
		if iv, has := m["initial_value"]; has {
			if im, ok := iv.(map[string]any); !ok || str(im, "type") != "rich_text" {
				v.addf(ptr+"/initial_value", "must be a rich_text block")
			}
		}
	}
}

// inputElements are the elements an input block takes.
var inputElements = map[string]bool{
	"plain_text_input": true, "number_input": true, "email_text_input": true, "url_text_input": true,
	"rich_text_input": true, "checkboxes": true, "radio_buttons": true, "static_select": true,
	"multi_static_select": true, "external_select": true, "multi_external_select": true,
	"users_select": true, "multi_users_select": true, "conversations_select": true,
	"multi_conversations_select": true, "channels_select": true, "multi_channels_select": true,
	"datepicker": true, "timepicker": true, "datetimepicker": true, "file_input": true,
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// numberInput checks a number_input: is_decimal_allowed is required, and
// min_value, max_value and initial_value must be numbers (whole ones unless
// decimals are allowed), in order.
func (v *validator) numberInput(ptr string, m map[string]any) {
	decimals, ok := m["is_decimal_allowed"].(bool)
	if !ok {
		v.addf(ptr+"/is_decimal_allowed", "must provide a boolean")
	}
	vals := map[string]float64{}
	for _, key := range []string{"min_value", "max_value", "initial_value"} {
		raw, has := m[key]
		if !has {
			continue
		}
		s, _ := raw.(string)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || (!decimals && f != math.Trunc(f)) {
			v.addf(ptr+"/"+key, "must be a %s number as a string", map[bool]string{true: "decimal", false: "whole"}[decimals])
			continue
		}
		vals[key] = f
	}
	lo, hasLo := vals["min_value"]
	hi, hasHi := vals["max_value"]
	if hasLo && hasHi && lo > hi {
		v.addf(ptr+"/max_value", "must be greater than or equal to min_value")
	}
	if iv, has := vals["initial_value"]; has && ((hasLo && iv < lo) || (hasHi && iv > hi)) {
		v.addf(ptr+"/initial_value", "must be between min_value and max_value")
	}
}

// initialOptions checks that initial_option and initial_options are options
// of the element, as Slack requires.
func (v *validator) initialOptions(ptr string, m map[string]any) {
	check := func(p string, o any) {
		om, _ := o.(map[string]any)
		opt, found := findOption(m, str(om, "value"))
		if !found || !sameText(opt["text"], om["text"]) {
			v.addf(p, "must match one of the options")
		}
	}
	if o, has := m["initial_option"]; has {
		check(ptr+"/initial_option", o)
	}
	if os, has := m["initial_options"]; has {
		list, _ := os.([]any)
		for i, o := range list {
			check(fmt.Sprintf("%s/initial_options/%d", ptr, i), o)
		}
	}
}

func sameText(a, b any) bool {
	am, _ := a.(map[string]any)
	bm, _ := b.(map[string]any)
	return str(am, "type") == str(bm, "type") && str(am, "text") == str(bm, "text")
}

func (v *validator) options(ptr string, val any, limit int, plainOnly bool) {
	opts, _ := val.([]any)
	if len(opts) == 0 {
		v.addf(ptr, "must provide at least 1 item")
	}
	v.count(ptr, len(opts), limit)
	for i, o := range opts {
		p := fmt.Sprintf("%s/%d", ptr, i)
		om, ok := o.(map[string]any)
		if !ok {
			v.addf(p, "must be an object")
			continue
		}
		v.text(p+"/text", om["text"], textRule{max: maxOptionText, plainOnly: plainOnly})
		v.text(p+"/description", om["description"], textRule{max: maxOptionText, plainOnly: plainOnly, optional: true})
		if str(om, "value") == "" {
			v.addf(p+"/value", "must be more than 0 characters")
		}
		v.optString(p, om, "value", maxOptionValue)
	}
}

// str returns m[key] if it is a string.
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// num returns m[key] if it is a JSON number.
func num(m map[string]any, key string) (int, bool) {
	f, ok := m[key].(float64)
	return int(f), ok
}

// walkElements calls fn for every interactive element in a blocks array:
// input block elements (inInput), section accessories and actions elements.
func walkElements(blocks json.RawMessage, fn func(blockID string, el map[string]any, inInput bool)) {
	var list []map[string]any
	if json.Unmarshal(blocks, &list) != nil {
		return
	}
	for _, b := range list {
		bid := str(b, "block_id")
		switch str(b, "type") {
		case "input":
			if el, ok := b["element"].(map[string]any); ok {
				fn(bid, el, true)
			}
		case "section":
			if el, ok := b["accessory"].(map[string]any); ok {
				fn(bid, el, false)
			}
		case "actions":
			els, _ := b["elements"].([]any)
			for _, e := range els {
				if el, ok := e.(map[string]any); ok {
					fn(bid, el, false)
				}
			}
		}
	}
}

// findOption returns the option object with the given value from an
// element's options or option_groups.
func findOption(el map[string]any, value string) (map[string]any, bool) {
	lists := []any{el["options"]}
	groups, _ := el["option_groups"].([]any)
	for _, g := range groups {
		if gm, ok := g.(map[string]any); ok {
			lists = append(lists, gm["options"])
		}
	}
	for _, l := range lists {
		opts, _ := l.([]any)
		for _, o := range opts {
			if om, ok := o.(map[string]any); ok && str(om, "value") == value {
				return om, true
			}
		}
	}
	return nil, false
}
