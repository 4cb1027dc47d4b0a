package slackfake

import (
	"encoding/json"
	"fmt"
)

// contractErrors are the answers that mean the caller sent what Slack
// refuses whatever the workspace's state: a message or view over Slack's
// limits, malformed blocks, an empty message, a response_url used more
// than Slack allows. A bot that gets one has a bug. Answers about the
// workspace (not_in_channel, channel_not_found, hash_conflict, 429s,
// expired trigger_ids) are not among them: a correct bot meets those.
var contractErrors = map[string]bool{
	"invalid_blocks":        true,
	"invalid_blocks_format": true,
	"invalid_arguments":     true,
	"invalid_payload":       true,
	"msg_too_long":          true,
	"msg_blocks_too_long":   true,
	"no_text":               true,
	"view_too_large":        true,
	"used_url":              true,
}

// Breaches lists what the bot sent that Slack refuses as malformed or too
// large (see contractErrors), and every Socket Mode ack dropped for its
// size, one line each. A test harness checks it is empty when a test
// ends: the bot under test must never send what Slack would refuse.
func (s *Server) Breaches() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.calls {
		var r struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(c.Response, &r) == nil && contractErrors[r.Error] {
			out = append(out, fmt.Sprintf("%s answered %s: %s", c.Method, r.Error, c.Response))
		}
	}
	for _, a := range s.oversized {
		out = append(out, fmt.Sprintf("ack of envelope %s dropped: %d bytes", a.EnvelopeID, len(a.Payload)))
	}
	return out
}
