package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Changed returns a channel that is closed at the fake's next change of
// state: a call answered, a message posted or updated, a view opened or
// closed, a Home published. A viewer (the sandbox demo's page) waits on it
// and then reads what it shows again, instead of polling.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// OpenHome delivers the app_home_opened event Slack sends when user opens
// the app's Home tab, with the Home last published for them (if any) as
// its view, and waits for the ack. The event's shape is Slack's:
// https://docs.slack.dev/reference/events/app_home_opened
func (s *Server) OpenHome(ctx context.Context, user string) (Ack, error) {
	if user == "" {
		return Ack{}, errors.New("slackfake: OpenHome needs a user")
	}
	s.mu.Lock()
	n := s.nextIDLocked()
	id := s.envelopeIDLocked()
	event := map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home", "event_ts": s.nextTSLocked()}
	if h := s.homes[user]; h != nil {
		event["view"] = homeJSON(h)
	}
	s.mu.Unlock()
	payload := map[string]any{
		"token": verificationToken, "team_id": TeamID, "api_app_id": AppID, "type": "event_callback",
		"event_id": fmt.Sprintf("Ev%08d", n), "event_time": s.now().Unix(), "event": event,
	}
	raw, err := json.Marshal(map[string]any{"envelope_id": id, "type": "events_api", "accepts_response_payload": false, "payload": payload})
	if err != nil {
		return Ack{}, fmt.Errorf("slackfake: app_home_opened: %w", err)
	}
	return s.SendEventsAPI(ctx, raw)
}

// ClickHome delivers a block_actions envelope for a click by c.UserID on
// the element with c.ActionID in the Home last published for them, and
// waits for the ack. Like a click in a modal, its container is the view
// and it carries no response_url; it carries a fresh trigger_id, so that
// the click may open a modal:
// https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
func (s *Server) ClickHome(ctx context.Context, c Click) (Ack, error) {
	if c.ActionID == "" {
		return Ack{}, errors.New("slackfake: Click.ActionID is required")
	}
	user := orDefault(c.UserID, DefaultUserID)
	s.mu.Lock()
	h := s.homes[user]
	if h == nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: no Home published for %s", user)
	}
	var view struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	_ = json.Unmarshal(h.raw, &view) // validated when published
	action, err := clickedAction(view.Blocks, c)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	action["action_ts"] = s.nextTSLocked()
	trig := s.issueTriggerLocked(user)
	payload := map[string]any{
		"type": "block_actions", "token": verificationToken, "api_app_id": AppID,
		"team": teamJSON(), "user": userJSON(user), "is_enterprise_install": false,
		"container":  map[string]any{"type": "view", "view_id": h.id},
		"view":       homeJSON(h),
		"trigger_id": trig,
		"actions":    []any{action},
		"state":      map[string]any{"values": map[string]any{}},
	}
	id := s.envelopeIDLocked()
	s.mu.Unlock()
	return s.deliver(ctx, id, trig, envelope(id, "interactive", false, payload))
}

// homeJSON is a published Home as Slack shows it in payloads: the bot's
// view with the fields Slack adds.
func homeJSON(h *publishedHome) map[string]any {
	var view map[string]any
	_ = json.Unmarshal(h.raw, &view)
	if view == nil {
		view = map[string]any{}
	}
	view["id"], view["hash"], view["team_id"], view["app_id"], view["bot_id"] = h.id, h.hash, TeamID, AppID, BotID
	view["type"] = "home"
	view["state"] = map[string]any{"values": map[string]any{}}
	return view
}
