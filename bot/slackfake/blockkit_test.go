package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func plain(s string) map[string]any  { return map[string]any{"type": "plain_text", "text": s} }
func mrkdwn(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }

func section(text string) map[string]any {
	return map[string]any{"type": "section", "text": mrkdwn(text)}
}

func button(actionID, text, value string) map[string]any {
	return map[string]any{"type": "button", "action_id": actionID, "text": plain(text), "value": value}
}

func actions(blockID string, els ...any) map[string]any {
	return map[string]any{"type": "actions", "block_id": blockID, "elements": els}
}

func input(blockID string, el map[string]any) map[string]any {
	return map[string]any{"type": "input", "block_id": blockID, "label": plain("Label"), "element": el}
}

func options(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"text": plain(fmt.Sprintf("Option %d", i)), "value": fmt.Sprintf("v%d", i)}
	}
	return out
}

func repeat(n int, f func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func message(blocks ...any) json.RawMessage { return mustJSON(blocks) }

// modal is a valid modal view with blocks; edit adjusts it before encoding.
func modal(edit func(v map[string]any), blocks ...any) json.RawMessage {
	v := map[string]any{
		"type":   "modal",
		"title":  plain("Hand off"),
		"submit": plain("Send"),
		"close":  plain("Cancel"),
		"blocks": blocks,
	}
	if edit != nil {
		edit(v)
	}
	return mustJSON(v)
}

type blockCase struct {
	name    string
	kind    Kind
	raw     json.RawMessage
	wantErr string // substring of the error; empty means valid
}

// limit yields a case at the limit, which must pass, and one just over it,
// which must fail mentioning ptr.
func limit(name string, kind Kind, n int, ptr string, build func(n int) json.RawMessage) []blockCase {
	return []blockCase{
		{name: fmt.Sprintf("%s/at %d", name, n), kind: kind, raw: build(n)},
		{name: fmt.Sprintf("%s/over %d", name, n), kind: kind, raw: build(n + 1), wantErr: "[json-pointer:" + ptr + "]"},
	}
}

func TestValidateBlocks(t *testing.T) {
	t.Parallel()
	var cases []blockCase
	add := func(cs ...blockCase) { cases = append(cases, cs...) }
	s := strings.Repeat

	add(limit("message blocks", KindMessage, 50, "/blocks", func(n int) json.RawMessage {
		return message(repeat(n, func(int) any { return map[string]any{"type": "divider"} })...)
	})...)
	add(limit("modal blocks", KindModal, 100, "/view/blocks", func(n int) json.RawMessage {
		return modal(nil, repeat(n, func(int) any { return map[string]any{"type": "divider"} })...)
	})...)
	add(limit("section text", KindMessage, 3000, "/blocks/0/text/text", func(n int) json.RawMessage {
		return message(section(s("a", n)))
	})...)
	add(limit("section field", KindMessage, 2000, "/blocks/0/fields/0/text", func(n int) json.RawMessage {
		return message(map[string]any{"type": "section", "fields": []any{mrkdwn(s("a", n))}})
	})...)
	add(limit("section fields", KindMessage, 10, "/blocks/0/fields", func(n int) json.RawMessage {
		return message(map[string]any{"type": "section", "fields": repeat(n, func(int) any { return mrkdwn("f") })})
	})...)
	add(limit("header text", KindMessage, 150, "/blocks/0/text/text", func(n int) json.RawMessage {
		return message(map[string]any{"type": "header", "text": plain(s("h", n))})
	})...)
	add(limit("context elements", KindMessage, 10, "/blocks/0/elements", func(n int) json.RawMessage {
		return message(map[string]any{"type": "context", "elements": repeat(n, func(int) any { return mrkdwn("c") })})
	})...)
	add(limit("button text", KindMessage, 75, "/blocks/0/elements/0/text/text", func(n int) json.RawMessage {
		return message(actions("b", button("a", s("t", n), "v")))
	})...)
	add(limit("button value", KindMessage, 2000, "/blocks/0/elements/0/value", func(n int) json.RawMessage {
		return message(actions("b", button("a", "Go", s("v", n))))
	})...)
	add(limit("action_id", KindMessage, 255, "/blocks/0/elements/0/action_id", func(n int) json.RawMessage {
		return message(actions("b", button(s("a", n), "Go", "v")))
	})...)
	add(limit("block_id", KindMessage, 255, "/blocks/0/block_id", func(n int) json.RawMessage {
		return message(actions(s("b", n), button("a", "Go", "v")))
	})...)
	add(limit("modal title", KindModal, 24, "/view/title/text", func(n int) json.RawMessage {
		return modal(func(v map[string]any) { v["title"] = plain(s("t", n)) }, section("x"))
	})...)
	add(limit("modal submit", KindModal, 24, "/view/submit/text", func(n int) json.RawMessage {
		return modal(func(v map[string]any) { v["submit"] = plain(s("t", n)) }, section("x"))
	})...)
	add(limit("modal close", KindModal, 24, "/view/close/text", func(n int) json.RawMessage {
		return modal(func(v map[string]any) { v["close"] = plain(s("t", n)) }, section("x"))
	})...)
	add(limit("input label", KindModal, 2000, "/view/blocks/0/label/text", func(n int) json.RawMessage {
		b := input("b", map[string]any{"type": "plain_text_input", "action_id": "a"})
		b["label"] = plain(s("l", n))
		return modal(nil, b)
	})...)
	add(limit("checkboxes", KindModal, 10, "/view/blocks/0/element/options", func(n int) json.RawMessage {
		return modal(nil, input("b", map[string]any{"type": "checkboxes", "action_id": "a", "options": options(n)}))
	})...)
	add(limit("radio buttons", KindModal, 10, "/view/blocks/0/element/options", func(n int) json.RawMessage {
		return modal(nil, input("b", map[string]any{"type": "radio_buttons", "action_id": "a", "options": options(n)}))
	})...)
	add(limit("static_select", KindModal, 100, "/view/blocks/0/element/options", func(n int) json.RawMessage {
		return modal(nil, input("b", map[string]any{"type": "static_select", "action_id": "a", "options": options(n)}))
	})...)
	add(limit("initial_value over max_length", KindModal, 10, "/view/blocks/0/element/initial_value", func(n int) json.RawMessage {
		return modal(nil, input("b", map[string]any{"type": "plain_text_input", "action_id": "a", "max_length": 10, "initial_value": s("i", n)}))
	})...)
	add(limit("initial_value", KindModal, 3000, "/view/blocks/0/element/initial_value", func(n int) json.RawMessage {
		return modal(nil, input("b", map[string]any{"type": "plain_text_input", "action_id": "a", "initial_value": s("i", n)}))
	})...)
	add(limit("private_metadata", KindModal, 3000, "/view/private_metadata", func(n int) json.RawMessage {
		return modal(func(v map[string]any) { v["private_metadata"] = s("m", n) }, section("x"))
	})...)
	add(limit("callback_id", KindModal, 255, "/view/callback_id", func(n int) json.RawMessage {
		return modal(func(v map[string]any) { v["callback_id"] = s("c", n) }, section("x"))
	})...)

	add(
		blockCase{name: "distinct block_ids", kind: KindMessage, raw: message(actions("b1", button("a", "Go", "v")), actions("b2", button("a", "Go", "v")))},
		blockCase{name: "duplicate block_id", kind: KindMessage, raw: message(actions("b1", button("a", "Go", "v")), actions("b1", button("c", "Go", "v"))), wantErr: `duplicate block_id "b1" [json-pointer:/blocks/1/block_id]`},
		blockCase{name: "duplicate block_id in modal", kind: KindModal, raw: modal(nil, input("b", map[string]any{"type": "plain_text_input", "action_id": "a"}), input("b", map[string]any{"type": "plain_text_input", "action_id": "c"})), wantErr: "/view/blocks/1/block_id"},
		blockCase{name: "distinct action_ids in a block", kind: KindMessage, raw: message(actions("b", button("a1", "Go", "v"), button("a2", "Go", "v")))},
		blockCase{name: "duplicate action_id in a block", kind: KindMessage, raw: message(actions("b", button("a", "Go", "v"), button("a", "Go", "v"))), wantErr: `duplicate action_id "a" [json-pointer:/blocks/0/elements/1/action_id]`},
		blockCase{name: "mrkdwn text", kind: KindMessage, raw: message(section("x"))},
		blockCase{name: "empty mrkdwn text", kind: KindMessage, raw: message(section("")), wantErr: "must be more than 0 characters [json-pointer:/blocks/0/text/text]"},
		blockCase{name: "empty plain_text button", kind: KindMessage, raw: message(actions("b", button("a", "", "v"))), wantErr: "/blocks/0/elements/0/text/text"},
		blockCase{name: "mrkdwn header", kind: KindMessage, raw: message(map[string]any{"type": "header", "text": mrkdwn("h")}), wantErr: "must be a plain_text text object"},
		blockCase{name: "section without text", kind: KindMessage, raw: message(map[string]any{"type": "section"}), wantErr: "must provide either text or fields"},
		blockCase{name: "block without type", kind: KindMessage, raw: message(map[string]any{"block_id": "x"}), wantErr: "/blocks/0/type"},
		blockCase{name: "modal without title", kind: KindModal, raw: modal(func(v map[string]any) { delete(v, "title") }, section("x")), wantErr: "/view/title"},
		blockCase{name: "input without submit", kind: KindModal, raw: modal(func(v map[string]any) { delete(v, "submit") }, input("b", map[string]any{"type": "plain_text_input", "action_id": "a"})), wantErr: "/view/submit"},
		blockCase{name: "blocks not an array", kind: KindMessage, raw: json.RawMessage(`{"type":"divider"}`), wantErr: "must be an array"},
		blockCase{name: "unknown block type passes", kind: KindMessage, raw: message(map[string]any{"type": "rich_text", "elements": []any{}})},
	)

	// The input elements of a checklist form.
	num := func(el map[string]any) json.RawMessage {
		el["type"], el["action_id"] = "number_input", "a"
		return modal(nil, input("b", el))
	}
	opt := func(text, value string) map[string]any { return map[string]any{"text": plain(text), "value": value} }
	radio := func(initial any) json.RawMessage {
		return modal(nil, input("b", map[string]any{"type": "radio_buttons", "action_id": "a", "options": []any{opt("Yes", "yes"), opt("No", "no")}, "initial_option": initial}))
	}
	add(
		blockCase{name: "number input", kind: KindModal, raw: num(map[string]any{"is_decimal_allowed": false, "min_value": "1", "max_value": "10", "initial_value": "5"})},
		blockCase{name: "number input without is_decimal_allowed", kind: KindModal, raw: num(map[string]any{}), wantErr: "/view/blocks/0/element/is_decimal_allowed"},
		blockCase{name: "number input decimal where whole", kind: KindModal, raw: num(map[string]any{"is_decimal_allowed": false, "min_value": "1.5"}), wantErr: "/view/blocks/0/element/min_value"},
		blockCase{name: "number input decimals", kind: KindModal, raw: num(map[string]any{"is_decimal_allowed": true, "min_value": "1.5"})},
		blockCase{name: "number input min over max", kind: KindModal, raw: num(map[string]any{"is_decimal_allowed": false, "min_value": "10", "max_value": "1"}), wantErr: "/view/blocks/0/element/max_value"},
		blockCase{name: "number input initial out of range", kind: KindModal, raw: num(map[string]any{"is_decimal_allowed": false, "min_value": "10", "initial_value": "1"}), wantErr: "/view/blocks/0/element/initial_value"},
		blockCase{name: "number input value not a number", kind: KindModal, raw: num(map[string]any{"is_decimal_allowed": false, "max_value": "lots"}), wantErr: "/view/blocks/0/element/max_value"},
		blockCase{name: "datepicker", kind: KindModal, raw: modal(nil, input("b", map[string]any{"type": "datepicker", "action_id": "a", "initial_date": "2027-02-28"}))},
		blockCase{name: "datepicker bad date", kind: KindModal, raw: modal(nil, input("b", map[string]any{"type": "datepicker", "action_id": "a", "initial_date": "28/02/2027"})), wantErr: "/view/blocks/0/element/initial_date"},
		blockCase{name: "datetimepicker", kind: KindModal, raw: modal(nil, input("b", map[string]any{"type": "datetimepicker", "action_id": "a", "initial_date_time": 1795365000}))},
		blockCase{name: "datetimepicker string", kind: KindModal, raw: modal(nil, input("b", map[string]any{"type": "datetimepicker", "action_id": "a", "initial_date_time": "tomorrow"})), wantErr: "/view/blocks/0/element/initial_date_time"},
		blockCase{name: "rich text input", kind: KindModal, raw: modal(nil, input("b", map[string]any{"type": "rich_text_input", "action_id": "a", "initial_value": map[string]any{"type": "rich_text", "elements": []any{}}}))},
		blockCase{name: "rich text input plain initial", kind: KindModal, raw: modal(nil, input("b", map[string]any{"type": "rich_text_input", "action_id": "a", "initial_value": "text"})), wantErr: "/view/blocks/0/element/initial_value"},
		blockCase{name: "email and url inputs", kind: KindModal, raw: modal(nil, input("e", map[string]any{"type": "email_text_input", "action_id": "a"}), input("u", map[string]any{"type": "url_text_input", "action_id": "a"}))},
		blockCase{name: "button in an input block", kind: KindModal, raw: modal(nil, input("b", button("a", "Go", "v"))), wantErr: "/view/blocks/0/element/type"},
		blockCase{name: "initial option among the options", kind: KindModal, raw: radio(opt("No", "no"))},
		blockCase{name: "initial option not an option", kind: KindModal, raw: radio(opt("Maybe", "maybe")), wantErr: "/view/blocks/0/element/initial_option"},
		blockCase{name: "initial option with another text", kind: KindModal, raw: radio(opt("Nope", "no")), wantErr: "/view/blocks/0/element/initial_option"},
		blockCase{name: "initial options of checkboxes", kind: KindModal, raw: modal(nil, input("b", map[string]any{"type": "checkboxes", "action_id": "a", "options": []any{opt("A", "a")}, "initial_options": []any{opt("B", "b")}})), wantErr: "/view/blocks/0/element/initial_options/0"},
	)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateBlocks(tc.kind, tc.raw)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestValidateBlocksCountsCharactersNotBytes(t *testing.T) {
	t.Parallel()
	// 150 three-byte runes are 450 bytes but still a valid header.
	require.NoError(t, ValidateBlocks(KindMessage, message(map[string]any{"type": "header", "text": plain(strings.Repeat("€", 150))})))
}

func TestValidateHomeView(t *testing.T) {
	t.Parallel()
	require.NoError(t, ValidateBlocks(KindHome, json.RawMessage(`{"type":"home","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"hi"}}]}`)))
	require.Error(t, ValidateBlocks(KindHome, json.RawMessage(`{"type":"modal","blocks":[]}`)))
	var blocks []string
	for range 101 {
		blocks = append(blocks, `{"type":"divider"}`)
	}
	require.Error(t, ValidateBlocks(KindHome, json.RawMessage(`{"type":"home","blocks":[`+strings.Join(blocks, ",")+`]}`)))
}

func TestBlocksTextLength(t *testing.T) {
	t.Parallel()
	blocks := message(
		map[string]any{"type": "section", "text": mrkdwn("*ab*"), "fields": []any{mrkdwn("cd"), plain("€€")}},
		map[string]any{"type": "context", "elements": []any{mrkdwn("&amp;")}},
		map[string]any{"type": "divider"},
		actions("a", button("go", "Claim", "42")),
		map[string]any{"type": "header", "text": plain("Head")},
	)
	// 4 + 2 + 2 + 5 + 5 + 4: every text, in characters, entities as sent;
	// values, ids and types do not count.
	require.Equal(t, 22, BlocksTextLength(blocks))
	require.Zero(t, BlocksTextLength(json.RawMessage(`{"type":"section"}`)))
}

// TestMessageBlocksTooLong: blocks that are each within their limits but
// together carry more than MaxBlocksText characters are refused with
// msg_blocks_too_long; at the limit they are taken.
func TestMessageBlocksTooLong(t *testing.T) {
	t.Parallel()
	blocksOf := func(total int) string {
		var blocks []any
		for total > 0 {
			n := min(total, maxSectionText)
			blocks = append(blocks, section(strings.Repeat("é", n)))
			total -= n
		}
		return string(message(blocks...))
	}
	// messageContent checks the blocks of chat.postMessage, chat.update
	// and chat.postEphemeral alike.
	req := apiRequest{method: "chat.postMessage", params: map[string]string{"channel": "C1", "blocks": blocksOf(MaxBlocksText)}}
	_, blocks, errResp := messageContent(req)
	require.Nil(t, errResp)
	require.Equal(t, MaxBlocksText, BlocksTextLength(blocks))

	req.params["blocks"] = blocksOf(MaxBlocksText + 1)
	_, _, errResp = messageContent(req)
	require.Equal(t, reply{"ok": false, "error": "msg_blocks_too_long"}, errResp)

	// A block over its own limit is invalid_blocks, as before.
	_, _, errResp = messageContent(apiRequest{params: map[string]string{"blocks": string(message(section(strings.Repeat("x", maxSectionText+1))))}})
	require.Equal(t, "invalid_blocks", errResp["error"])
}
