package slackfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Slack's rules for a response_url, from "Handling user interaction"
// (https://api.slack.com/interactivity/handling#message_responses) and
// the slash command guide
// (https://api.slack.com/interactivity/slash-commands#responding_with_delayed_response):
// a response_url takes up to five messages within 30 minutes of the
// interaction, and reaches the person wherever they typed or clicked,
// including a DM or a channel the app is not a member of. That is why a
// bot answers through it: chat.postEphemeral there answers
// channel_not_found or not_in_channel.
const (
	responseURLUses     = 5
	responseURLLifetime = 30 * time.Minute
)

// responseTarget is where the messages sent to one response_url go.
type responseTarget struct {
	channel, user string
	// message is the ts of the message whose button was clicked; empty for
	// a slash command.
	message string
	issued  time.Time
	uses    int
}

// responseURLLocked hands out a response_url for an interaction by user in
// channel (on the message with ts message, for a click).
func (s *Server) responseURLLocked(channel, user, message string) string {
	id := strconv.FormatInt(s.nextIDLocked(), 10)
	s.responses[id] = &responseTarget{channel: channel, user: user, message: message, issued: s.now()}
	return s.hs.URL + "/response/" + id
}

// responseBody is what a bot POSTs to a response_url (slack-go's Msg).
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// serveResponseURL takes a message sent to a response_url. An ephemeral
// one (the default) is stored as an Ephemeral shown to the person who
// typed or clicked, in the channel where they did, whether or not the bot
// is a member there; "in_channel" posts a Message; replace_original and
// delete_original change the clicked message. The call is recorded as
// "response_url" with the URL's id in Params["response_url_id"]; Hang
// and FailNext take "response_url" as the method.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	at := s.now()
	req, err := parseRequest(r)
	req.method = "response_url"
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	req.params["response_url_id"] = id
	if err == nil && s.takeHang(req.method) {
		s.record(req, fail("no_answer"), at)
		select {
		case <-r.Context().Done():
		case <-s.stop:
		}
		return
	}
	status, resp := http.StatusOK, success(reply{})
	f := s.takeFault(req.method)
	switch {
	case err != nil:
		status, resp = http.StatusBadRequest, fail("invalid_payload")
	case f != nil:
		status, resp = f.status, fail("internal_error")
	default:
		status, resp = s.respond(id, req.body, at)
	}
	s.record(req, resp, at)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

// respond applies one message sent to response_url id.
func (s *Server) respond(id string, raw json.RawMessage, at time.Time) (int, reply) {
	var body responseBody
	if err := json.Unmarshal(raw, &body); err != nil {
		return http.StatusBadRequest, fail("invalid_payload")
	}
	var blocks json.RawMessage
	if len(body.Blocks) > 0 && string(body.Blocks) != "null" {
		if err := ValidateBlocks(KindMessage, body.Blocks); err != nil {
			return http.StatusBadRequest, invalidBlocks(err)
		}
		// A message sent through response_url is a message like any
		// other: too much block text in all is refused as it is by
		// chat.postMessage (see messageContent).
		if BlocksTextLength(body.Blocks) > MaxBlocksText {
			return http.StatusBadRequest, fail("msg_blocks_too_long")
		}
		blocks = body.Blocks
	}
	if len([]rune(body.Text)) > maxMessageText {
		return http.StatusBadRequest, fail("msg_too_long")
	}
	if body.Text == "" && isEmptyBlocks(blocks) && !body.DeleteOriginal {
		return http.StatusBadRequest, fail("no_text")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.responses[id]
	switch {
	case t == nil:
		return http.StatusNotFound, fail("invalid_url")
	case at.Sub(t.issued) > responseURLLifetime:
		return http.StatusNotFound, fail("expired_url")
	case t.uses >= responseURLUses:
		return http.StatusNotFound, fail("used_url")
	}
	t.uses++
	defer s.notifyLocked()
	switch {
	case body.DeleteOriginal || body.ReplaceOriginal:
		m := s.findMessageLocked(t.channel, t.message)
		if t.message == "" || m == nil {
			return http.StatusNotFound, fail("message_not_found")
		}
		if body.DeleteOriginal {
			s.messages = slices.DeleteFunc(s.messages, func(other *Message) bool { return other == m })
			return http.StatusOK, success(reply{})
		}
		m.Text, m.Blocks = body.Text, blocks
		m.Updated++
	case body.ResponseType == "in_channel":
		s.messages = append(s.messages, &Message{Channel: t.channel, TS: s.nextTSLocked(), Text: body.Text, Blocks: blocks, ThreadTS: body.ThreadTS})
	default:
		s.ephs = append(s.ephs, &Ephemeral{Channel: t.channel, User: t.user, TS: s.nextTSLocked(), Text: body.Text,
			Blocks: blocks, ThreadTS: body.ThreadTS, ResponseURL: true})
	}
	return http.StatusOK, success(reply{})
}
