package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
)

// issueTriggerLocked hands out a trigger_id for an interaction by user. Like
// Slack's, it can be exchanged for a modal once and only within 3 seconds.
func (s *Server) issueTriggerLocked(user string) string {
	n := s.nextIDLocked()
	id := fmt.Sprintf("%d.%d.%032x", 1700000000000+n, 1700000000000, n)
	s.triggers[id] = &trigger{issued: s.now(), user: user}
	return id
}

// exchangeTrigger consumes a trigger_id, returning the user it was issued to,
// or the error code Slack would answer with.
func (s *Server) exchangeTrigger(id string) (user, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tr := s.triggers[id]
	switch {
	case id == "" || tr == nil:
		return "", "invalid_trigger_id"
	case tr.used:
		return "", "exchanged_trigger_id"
	case s.now().Sub(tr.issued) > triggerLifetime:
		return "", "expired_trigger_id"
	}
	tr.used = true
	return tr.user, ""
}

// maxViewBytes is the largest view Slack takes: views.open, views.push,
// views.update and views.publish fail with view_too_large when "the
// provided view is greater than 250kb"
// (https://docs.slack.dev/reference/methods/views.open,
// https://docs.slack.dev/reference/methods/views.push,
// https://docs.slack.dev/reference/methods/views.update,
// https://docs.slack.dev/reference/methods/views.publish). The fake
// measures the view argument as it arrives (the view object's JSON) and
// reads "250kb" as 250,000 bytes, the stricter of its two readings.
const maxViewBytes = 250_000

// viewTooLarge reports whether the view argument raw is over Slack's limit.
func viewTooLarge(raw []byte) bool { return len(raw) > maxViewBytes }

// checkView validates the "view" argument of a views.* call.
func checkView(req apiRequest) (json.RawMessage, reply) {
	raw := strings.TrimSpace(req.params["view"])
	if raw == "" || !json.Valid([]byte(raw)) || raw[0] != '{' {
		return nil, fail("invalid_arguments")
	}
	if viewTooLarge([]byte(raw)) {
		return nil, fail("view_too_large")
	}
	if err := ValidateBlocks(KindModal, json.RawMessage(raw)); err != nil {
		return nil, invalidBlocks(err)
	}
	return json.RawMessage(raw), nil
}

// viewFields are the parts of a view object the fake keeps track of.
type viewFields struct {
	Title *struct {
		Text string `json:"text"`
	} `json:"title"`
	Blocks          json.RawMessage `json:"blocks"`
	CallbackID      string          `json:"callback_id"`
	PrivateMetadata string          `json:"private_metadata"`
	ExternalID      string          `json:"external_id"`
}

// setContentLocked replaces the bot-controlled content of v and gives it a
// new hash, as every change does in Slack.
func (s *Server) setContentLocked(v *View, raw json.RawMessage) {
	var f viewFields
	_ = json.Unmarshal(raw, &f) // raw was validated as a JSON object
	v.Raw = raw
	v.Blocks = f.Blocks
	v.CallbackID = f.CallbackID
	v.PrivateMetadata = f.PrivateMetadata
	v.ExternalID = f.ExternalID
	v.Title = ""
	if f.Title != nil {
		v.Title = f.Title.Text
	}
	v.Hash = fmt.Sprintf("%d.%08x", s.now().Unix(), s.nextIDLocked())
}

// newViewLocked stores a new view on top of prev's stack (prev may be nil).
func (s *Server) newViewLocked(raw json.RawMessage, user string, prev *View) *View {
	v := &View{ID: fmt.Sprintf("V%08d", s.nextIDLocked()), UserID: user}
	v.RootViewID = v.ID
	if prev != nil {
		v.RootViewID, v.PreviousViewID = prev.RootViewID, prev.ID
	}
	s.setContentLocked(v, raw)
	s.views = append(s.views, v)
	return v
}

func (s *Server) externalIDTakenLocked(raw json.RawMessage, except *View) bool {
	var f viewFields
	_ = json.Unmarshal(raw, &f)
	if f.ExternalID == "" {
		return false
	}
	for _, v := range s.views {
		if v != except && v.ExternalID == f.ExternalID {
			return true
		}
	}
	return false
}

func (s *Server) viewsOpen(req apiRequest) reply { return s.openView(req, false) }

func (s *Server) viewsPush(req apiRequest) reply { return s.openView(req, true) }

// openView spends a trigger_id on a new view: a root modal for views.open,
// or one stacked on the user's latest open view for views.push.
func (s *Server) openView(req apiRequest, push bool) reply {
	raw, errResp := checkView(req)
	if errResp != nil {
		return errResp
	}
	user, code := s.exchangeTrigger(req.params["trigger_id"])
	if code != "" {
		return fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var prev *View
	if push {
		prev = s.latestOpenViewLocked(user)
	} else if s.externalIDTakenLocked(raw, nil) {
		return fail("duplicate_external_id")
	}
	v := s.newViewLocked(raw, user, prev)
	return success(reply{"view": s.renderViewLocked(v, nil)})
}

func (s *Server) viewsUpdate(req apiRequest) reply {
	raw, errResp := checkView(req)
	if errResp != nil {
		return errResp
	}
	id, ext := req.params["view_id"], req.params["external_id"]
	if id == "" && ext == "" {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var v *View
	for _, cand := range s.views {
		if (id != "" && cand.ID == id) || (id == "" && cand.ExternalID == ext) {
			v = cand
		}
	}
	if v == nil {
		return fail("not_found")
	}
	if h := req.params["hash"]; h != "" && h != v.Hash {
		return fail("hash_conflict")
	}
	if s.externalIDTakenLocked(raw, v) {
		return fail("duplicate_external_id")
	}
	s.setContentLocked(v, raw)
	v.Updated++
	return success(reply{"view": s.renderViewLocked(v, nil)})
}

// latestOpenViewLocked is the most recently opened view that is still open,
// optionally restricted to one user.
func (s *Server) latestOpenViewLocked(user string) *View {
	for i := len(s.views) - 1; i >= 0; i-- {
		v := s.views[i]
		if !v.Closed && (user == "" || v.UserID == user) {
			return v
		}
	}
	return nil
}

// renderViewLocked is v as Slack shows it in API responses and payloads:
// the bot's view object plus the fields Slack adds. values becomes
// state.values and must decode as map[string]map[string]slack.BlockAction.
func (s *Server) renderViewLocked(v *View, values map[string]map[string]map[string]any) map[string]any {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(v.Raw, &fields)
	out := make(map[string]any, len(fields)+12)
	for k, val := range fields {
		out[k] = val
	}
	if values == nil {
		values = map[string]map[string]map[string]any{}
	}
	var prev any
	if v.PreviousViewID != "" {
		prev = v.PreviousViewID
	}
	out["id"] = v.ID
	out["team_id"] = TeamID
	out["type"] = "modal"
	out["hash"] = v.Hash
	out["state"] = map[string]any{"values": values}
	out["callback_id"] = v.CallbackID
	out["private_metadata"] = v.PrivateMetadata
	out["external_id"] = v.ExternalID
	out["root_view_id"] = v.RootViewID
	out["previous_view_id"] = prev
	out["app_id"] = AppID
	out["app_installed_team_id"] = TeamID
	out["bot_id"] = BotID
	for _, k := range []string{"clear_on_close", "notify_on_close"} {
		if _, set := out[k]; !set {
			out[k] = false
		}
	}
	return out
}

// viewResponse is the ack payload a bot may send for a view_submission.
type viewResponse struct {
	ResponseAction string            `json:"response_action"`
	View           json.RawMessage   `json:"view"`
	Errors         map[string]string `json:"errors"`
}

// applyResponseAction updates the view stack the way Slack does once the bot
// acknowledges a view_submission for v with payload.
func (s *Server) applyResponseAction(v *View, payload json.RawMessage) error {
	var resp viewResponse
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &resp); err != nil {
			return fmt.Errorf("slackfake: view_submission ack payload: %w", err)
		}
	}
	if resp.ResponseAction == "update" || resp.ResponseAction == "push" {
		// A response_action view is a view update or push
		// (https://docs.slack.dev/surfaces/modals), held to their 250 KB
		// (https://docs.slack.dev/reference/methods/views.update); Slack
		// shows the person an error instead.
		if viewTooLarge(resp.View) {
			return fmt.Errorf("slackfake: response_action=%s view rejected: view_too_large (%d bytes, at most %d)", resp.ResponseAction, len(resp.View), maxViewBytes)
		}
		if err := ValidateBlocks(KindModal, resp.View); err != nil {
			return fmt.Errorf("slackfake: response_action=%s view rejected: %w", resp.ResponseAction, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	switch resp.ResponseAction {
	case "":
		v.Closed = true
	case "clear":
		for _, other := range s.views {
			if other.RootViewID == v.RootViewID {
				other.Closed = true
			}
		}
	case "update":
		s.setContentLocked(v, resp.View)
		v.Updated++
	case "push":
		s.newViewLocked(resp.View, v.UserID, v)
	case "errors":
		// The modal stays open with the errors shown next to the inputs.
	default:
		return fmt.Errorf("slackfake: unknown response_action %q", resp.ResponseAction)
	}
	return nil
}

// viewsPublish sets a user's App Home tab. Like Slack
// (https://api.slack.com/methods/views.publish), a hash that is not the
// current Home's is refused with hash_conflict: the publisher read the
// Home before someone else changed it.
func (s *Server) viewsPublish(req apiRequest) reply {
	user := req.params["user_id"]
	raw := strings.TrimSpace(req.params["view"])
	if user == "" || raw == "" || !json.Valid([]byte(raw)) || raw[0] != '{' {
		return fail("invalid_arguments")
	}
	if viewTooLarge([]byte(raw)) {
		return fail("view_too_large")
	}
	if err := ValidateBlocks(KindHome, json.RawMessage(raw)); err != nil {
		return invalidBlocks(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.homes[user]
	if h, sent := req.params["hash"]; sent && (cur == nil || h != cur.hash) {
		return fail("hash_conflict")
	}
	cur = s.publishHomeLocked(user, json.RawMessage(raw))
	var view map[string]any
	_ = json.Unmarshal(cur.raw, &view)
	view["id"], view["hash"], view["team_id"], view["app_id"], view["bot_id"] = cur.id, cur.hash, TeamID, AppID, BotID
	return success(reply{"view": view})
}

// publishedHome is a user's App Home as last published.
type publishedHome struct {
	id, hash string
	raw      json.RawMessage
}

// HomeHash is the hash of the App Home last published for user, "" if none.
func (s *Server) HomeHash(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.homes[user]; h != nil {
		return h.hash
	}
	return ""
}

// SetHomeView replaces user's App Home as if another publisher (another
// replica) had published raw, giving it a new hash.
func (s *Server) SetHomeView(user string, raw json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publishHomeLocked(user, raw)
}

// publishHomeLocked sets user's Home to raw with a new hash.
func (s *Server) publishHomeLocked(user string, raw json.RawMessage) *publishedHome {
	if s.homes == nil {
		s.homes = map[string]*publishedHome{}
	}
	cur := s.homes[user]
	if cur == nil {
		cur = &publishedHome{id: fmt.Sprintf("V%08d", s.nextIDLocked())}
		s.homes[user] = cur
	}
	cur.raw = raw
	cur.hash = fmt.Sprintf("%d.%08x", s.now().Unix(), s.nextIDLocked())
	s.notifyLocked()
	return cur
}

// HomeView is the App Home tab last published for user, or nil.
func (s *Server) HomeView(user string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.homes[user]; h != nil {
		return h.raw
	}
	return nil
}
