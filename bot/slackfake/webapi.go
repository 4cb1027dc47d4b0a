package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// reply is a Web API response body.
type reply map[string]any

// fail is Slack's shape for a failed call: HTTP 200 with ok=false.
func fail(code string) reply { return reply{"ok": false, "error": code} }

// success marks fields as a successful response.
func success(fields reply) reply {
	fields["ok"] = true
	return fields
}

// tokenKind says which token a method accepts.
type tokenKind int

const (
	botToken tokenKind = iota
	appToken
)

type apiMethod struct {
	token   tokenKind
	handler func(*Server, apiRequest) reply
}

// apiMethods are the Web API methods the fake implements. Anything else
// answers unknown_method, so a bot calling a method the fake does not model
// fails loudly instead of silently getting ok=true.
var apiMethods = map[string]apiMethod{
	"auth.test":             {botToken, (*Server).authTest},
	"apps.connections.open": {appToken, (*Server).connectionsOpen},
	"chat.postMessage":      {botToken, (*Server).chatPostMessage},
	"chat.update":           {botToken, (*Server).chatUpdate},
	"chat.postEphemeral":    {botToken, (*Server).chatPostEphemeral},
	"chat.getPermalink":     {botToken, (*Server).chatGetPermalink},
	"conversations.open":    {botToken, (*Server).conversationsOpen},
	"conversations.info":    {botToken, (*Server).conversationsInfo},
	"users.info":            {botToken, (*Server).usersInfo},
	"users.lookupByEmail":   {botToken, (*Server).usersLookupByEmail},
	"users.getPresence":     {botToken, perUser((*Server).usersGetPresenceLocked)},
	"usergroups.list":       {botToken, (*Server).usergroupsList},
	"usergroups.users.list": {botToken, (*Server).usergroupsUsersList},
	"dnd.info":              {botToken, perUser((*Server).dndInfoLocked)},
	"views.open":            {botToken, (*Server).viewsOpen},
	"views.update":          {botToken, (*Server).viewsUpdate},
	"views.push":            {botToken, (*Server).viewsPush},
	"views.publish":         {botToken, (*Server).viewsPublish},
}

// apiRequest is a decoded Web API request.
type apiRequest struct {
	method string
	params map[string]string
	body   json.RawMessage
	token  string
}

// has reports whether the request carried the parameter at all, which
// chat.update needs to tell "leave blocks alone" from "clear blocks".
func (r apiRequest) has(key string) bool {
	_, present := r.params[key]
	return present
}

// parseRequest decodes a request the way Slack does: slack-go sends most
// methods as application/x-www-form-urlencoded with the token as a form field
// (and blocks as a JSON string), views.* and apps.connections.open as JSON
// with an Authorization header, and chat.getPermalink as a GET with a query.
func parseRequest(r *http.Request) (apiRequest, error) {
	req := apiRequest{params: map[string]string{}}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		return req, err
	}
	for k, v := range r.URL.Query() {
		req.params[k] = v[0]
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ctype == "application/json":
		if len(bytes.TrimSpace(raw)) > 0 {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(raw, &fields); err != nil {
				return req, err
			}
			for k, v := range fields {
				var s string
				if json.Unmarshal(v, &s) == nil {
					req.params[k] = s
				} else {
					req.params[k] = string(v)
				}
			}
			req.body = raw
		}
	case len(raw) > 0:
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return req, err
		}
		for k, v := range form {
			req.params[k] = v[0]
		}
	}

	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		req.token = strings.TrimPrefix(auth, "Bearer ")
	} else {
		req.token = req.params["token"]
	}
	delete(req.params, "token")
	if req.body == nil {
		req.body, _ = json.Marshal(req.params)
	}
	return req, nil
}

// checkToken mirrors Slack's authentication errors, which slack-go's
// socketmode client treats as fatal (not_authed, invalid_auth).
func (s *Server) checkToken(kind tokenKind, token string) string {
	want, other := s.botToken, s.appToken
	if kind == appToken {
		want, other = s.appToken, s.botToken
	}
	switch token {
	case "":
		return "not_authed"
	case want:
		return ""
	case other:
		return "not_allowed_token_type"
	default:
		return "invalid_auth"
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	at := s.now()
	if !s.latency.wait(r.Context(), s.stop) { // see WithLatency
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	status, header, resp := s.answer(method, r, at)
	body, err := json.Marshal(resp)
	if err != nil {
		body = []byte(`{"ok":false,"error":"fatal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// answer computes the response to one Web API request, which arrived at
// at, and records the call.
func (s *Server) answer(method string, r *http.Request, at time.Time) (int, map[string]string, reply) {
	req, err := parseRequest(r)
	req.method = method
	if err == nil && (s.takeHang(method) || s.takeHangWhen(req)) {
		// The body is read, so the server notices the client leave.
		s.record(req, fail("no_answer"), at)
		select {
		case <-r.Context().Done():
		case <-s.stop:
		}
		return http.StatusGatewayTimeout, nil, fail("no_answer")
	}
	status, header, resp := http.StatusOK, map[string]string(nil), fail("invalid_form_data")
	if err == nil {
		status, header, resp = s.dispatch(req)
	}
	s.record(req, resp, at)
	return status, header, resp
}

func (s *Server) dispatch(req apiRequest) (int, map[string]string, reply) {
	m, known := apiMethods[req.method]
	if !known {
		return http.StatusOK, nil, fail("unknown_method")
	}
	if f := s.takeFault(req.method); f != nil {
		if f.status == http.StatusTooManyRequests {
			return f.status, map[string]string{"Retry-After": strconv.Itoa(retryAfterSeconds(f.retryAfter))}, fail("ratelimited")
		}
		return f.status, nil, fail("internal_error")
	}
	if code := s.checkToken(m.token, req.token); code != "" {
		return http.StatusOK, nil, fail(code)
	}
	resp := m.handler(s, req)
	if wait, limited := resp[retryAfterKey].(time.Duration); limited {
		return http.StatusTooManyRequests, map[string]string{"Retry-After": strconv.Itoa(retryAfterSeconds(wait))}, fail("ratelimited")
	}
	return http.StatusOK, s.scopeHeader(m.token), resp
}

// retryAfterKey marks a handler's reply as HTTP 429, holding how long
// until the call may succeed; dispatch turns it into Retry-After.
const retryAfterKey = "retry_after"

// retryAfterSeconds is d as Slack's Retry-After: whole seconds, rounded
// up, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

func (s *Server) record(req apiRequest, resp reply, at time.Time) {
	respJSON, _ := json.Marshal(resp)
	call := Call{
		Method:   req.method,
		Params:   req.params,
		Body:     req.body,
		At:       at,
		Response: respJSON,
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()
	if s.hook != nil {
		call.Params = maps.Clone(call.Params) // the recorded copy stays the fake's
		s.hook(call)
	}
}

func (s *Server) authTest(apiRequest) reply {
	return success(reply{
		"url":     "https://" + TeamName + ".slack.com/",
		"team":    "Fake Workspace",
		"user":    "baton",
		"team_id": TeamID,
		"user_id": BotUserID,
		"bot_id":  BotID,
	})
}

func (s *Server) connectionsOpen(apiRequest) reply {
	s.mu.Lock()
	ticket := strconv.FormatInt(s.nextIDLocked(), 10)
	s.tickets[ticket] = true
	s.mu.Unlock()
	wsURL := "ws" + strings.TrimPrefix(s.hs.URL, "http") + "/socket?ticket=" + ticket
	return success(reply{"url": wsURL})
}

// messageContent validates the text and blocks of a chat.* call. blocks is
// nil when the request carried none.
func messageContent(req apiRequest) (text string, blocks json.RawMessage, errResp reply) {
	text = req.params["text"]
	if len([]rune(text)) > maxMessageText {
		return "", nil, fail("msg_too_long")
	}
	if req.has("blocks") {
		raw := strings.TrimSpace(req.params["blocks"])
		if raw == "" {
			raw = "[]"
		}
		if !json.Valid([]byte(raw)) || raw[0] != '[' {
			return "", nil, fail("invalid_blocks_format")
		}
		if err := ValidateBlocks(KindMessage, json.RawMessage(raw)); err != nil {
			return "", nil, invalidBlocks(err)
		}
		// Blocks each within their own limits can still carry too much
		// text together: Slack refuses the message with
		// msg_blocks_too_long
		// (https://docs.slack.dev/reference/methods/chat.postMessage#errors;
		// the number is MaxBlocksText's).
		if BlocksTextLength(json.RawMessage(raw)) > MaxBlocksText {
			return "", nil, fail("msg_blocks_too_long")
		}
		blocks = json.RawMessage(raw)
	}
	return text, blocks, nil
}

// invalidBlocks renders a validation failure the way Slack does, with the
// details both in "errors" and in response_metadata.messages.
func invalidBlocks(err error) reply {
	errs := []string{err.Error()}
	if ve, isVE := errors.AsType[*ValidationError](err); isVE {
		errs = ve.Errors
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = "[ERROR] " + e
	}
	return reply{
		"ok":                false,
		"error":             "invalid_blocks",
		"errors":            errs,
		"response_metadata": map[string]any{"messages": msgs},
	}
}

func isEmptyBlocks(b json.RawMessage) bool {
	return len(b) == 0 || string(bytes.TrimSpace(b)) == "[]"
}

func (s *Server) chatPostMessage(req apiRequest) reply {
	channel := req.params["channel"]
	if channel == "" {
		return fail("channel_not_found")
	}
	text, blocks, errResp := messageContent(req)
	if errResp != nil {
		return errResp
	}
	if text == "" && isEmptyBlocks(blocks) && req.params["attachments"] == "" {
		return fail("no_text")
	}
	var meta json.RawMessage
	if m := req.params["metadata"]; m != "" && json.Valid([]byte(m)) {
		meta = json.RawMessage(m)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if refused := s.postRefusalLocked(channel); refused != nil {
		return refused
	}
	// Only a post that would go through counts: Slack's pace is of
	// messages posted into a channel.
	if wait := s.pace.take(channel, time.Now()); wait > 0 {
		return reply{retryAfterKey: wait}
	}
	msg := &Message{
		Channel:  channel,
		TS:       s.nextTSLocked(),
		Text:     text,
		Blocks:   blocks,
		ThreadTS: req.params["thread_ts"],
		Metadata: meta,
	}
	s.messages = append(s.messages, msg)
	return success(reply{"channel": channel, "ts": msg.TS, "message": messageJSON(msg)})
}

func (s *Server) chatUpdate(req apiRequest) reply {
	channel, ts := req.params["channel"], req.params["ts"]
	if channel == "" {
		return fail("channel_not_found")
	}
	text, blocks, errResp := messageContent(req)
	if errResp != nil {
		return errResp
	}
	if !req.has("text") && !req.has("blocks") && !req.has("attachments") {
		return fail("no_text")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if refused := s.updateRefusalLocked(channel); refused != nil {
		return refused
	}
	msg := s.findMessageLocked(channel, ts)
	if ts == "" || msg == nil {
		return fail("message_not_found")
	}
	// Like Slack, fields the update leaves out keep their previous value;
	// an explicit empty blocks array removes the blocks.
	if req.has("text") {
		msg.Text = text
	}
	if req.has("blocks") {
		msg.Blocks = blocks
	}
	msg.Updated++
	return success(reply{"channel": channel, "ts": ts, "text": msg.Text, "message": messageJSON(msg)})
}

func (s *Server) chatPostEphemeral(req apiRequest) reply {
	channel, user := req.params["channel"], req.params["user"]
	if channel == "" {
		return fail("channel_not_found")
	}
	if user == "" {
		return fail("user_not_in_channel")
	}
	text, blocks, errResp := messageContent(req)
	if errResp != nil {
		return errResp
	}
	if text == "" && isEmptyBlocks(blocks) && req.params["attachments"] == "" {
		return fail("no_text")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if refused := s.postRefusalLocked(channel); refused != nil {
		return refused
	}
	if refused := s.ephemeralRecipientRefusalLocked(channel, user); refused != nil {
		return refused
	}
	e := &Ephemeral{
		Channel:  channel,
		User:     user,
		TS:       s.nextTSLocked(),
		Text:     text,
		Blocks:   blocks,
		ThreadTS: req.params["thread_ts"],
	}
	s.ephs = append(s.ephs, e)
	return success(reply{"message_ts": e.TS})
}

// chatGetPermalink answers for any ts, because the messages a bot links to
// are often user messages that the fake never saw.
func (s *Server) chatGetPermalink(req apiRequest) reply {
	channel, ts := req.params["channel"], req.params["message_ts"]
	if channel == "" {
		return fail("channel_not_found")
	}
	if ts == "" {
		return fail("message_not_found")
	}
	link := fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", TeamName, channel, strings.ReplaceAll(ts, ".", ""))
	return success(reply{"channel": channel, "permalink": link})
}

func (s *Server) usersInfo(req apiRequest) reply {
	id := req.params["user"]
	if id == "" {
		return fail("user_not_found")
	}
	s.mu.Lock()
	u, known := s.users[id]
	unknown := s.unknownUserLocked(id)
	s.mu.Unlock()
	if unknown {
		return fail("user_not_found")
	}
	if !known {
		// Generate a plausible user so tests only register the users whose
		// details they assert on.
		u = generatedUser(id)
	}
	return success(reply{"user": u})
}

// generatedUser is the user users.info describes for an id no test registered.
func generatedUser(id string) slack.User {
	var u slack.User
	u.ID = id
	u.TeamID = TeamID
	u.Name = strings.ToLower(id)
	u.RealName = "User " + id
	u.TZ = "America/New_York"
	u.TZLabel = "Eastern Standard Time"
	u.TZOffset = -18000
	u.Profile.RealName = u.RealName
	u.Profile.DisplayName = u.Name
	u.Profile.Email = u.Name + "@example.com"
	return u
}

// messageJSON is a stored message as Slack returns it in chat.* responses and
// in block_actions payloads.
func messageJSON(m *Message) map[string]any {
	out := map[string]any{
		"type":   "message",
		"user":   BotUserID,
		"bot_id": BotID,
		"app_id": AppID,
		"team":   TeamID,
		"text":   m.Text,
		"ts":     m.TS,
	}
	if !isEmptyBlocks(m.Blocks) {
		out["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if len(m.Metadata) > 0 {
		out["metadata"] = m.Metadata
	}
	return out
}
