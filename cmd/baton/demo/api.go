package demo

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/bot/schedule"
	"github.com/batonhq/baton/bot/slackfake"
)

//go:embed web
var web embed.FS

// actionTimeout bounds how long a request of the page waits for the bot's
// ack (Slack waits 3 s) and the fake's answer.
const actionTimeout = 10 * time.Second

// handler serves the page and its API.
func (s *Sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	files, _ := fs.Sub(web, "web")
	mux.Handle("GET /", http.FileServerFS(files))
	mux.HandleFunc("GET /api/state", s.serveState)
	mux.HandleFunc("GET /api/events", s.serveEvents)
	mux.HandleFunc("POST /api/command", s.action(s.command))
	mux.HandleFunc("POST /api/click", s.action(s.click))
	mux.HandleFunc("POST /api/submit", s.action(s.submit))
	mux.HandleFunc("POST /api/close", s.action(s.closeView))
	mux.HandleFunc("POST /api/home", s.action(s.openHome))
	mux.HandleFunc("POST /api/skip", s.action(s.skip))
	return mux
}

// request is what the page posts: who does what, where.
type request struct {
	User    string `json:"user"`
	Channel string `json:"channel"`
	Text    string `json:"text"`
	// A click: the message (TS) or view (ViewID, Home) and the element.
	TS       string `json:"ts"`
	ViewID   string `json:"view_id"`
	Home     bool   `json:"home"`
	ActionID string `json:"action_id"`
	BlockID  string `json:"block_id"`
	Value    string `json:"value"`
	// Values are a form's inputs by block and action.
	Values map[string]map[string]input `json:"values"`
	// Target is what a skip moves the clock to (see skipTargets).
	Target string `json:"target"`
}

// input is what the page read from one input element.
type input struct {
	Type   string   `json:"type"`
	Value  string   `json:"value"`
	Values []string `json:"values"`
	// Time is a datetimepicker's choice, in Unix seconds.
	Time int64 `json:"time"`
}

// action adapts a handler of a posted request: the person must be one of
// the workspace's, and an error is answered as a sentence.
func (s *Sandbox) action(h func(ctx context.Context, r request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, hr *http.Request) {
		var r request
		if err := json.NewDecoder(http.MaxBytesReader(w, hr.Body, 1<<20)).Decode(&r); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unreadable request: " + err.Error()})
			return
		}
		if _, ok := s.ws.person(r.User); !ok && r.Target == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("nobody called %q in this workspace", r.User)})
			return
		}
		ctx, cancel := context.WithTimeout(hr.Context(), actionTimeout)
		defer cancel()
		out, err := h(ctx, r)
		if err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// command runs a slash command typed in a channel: /handoff and its
// subcommands are what Baton answers.
func (s *Sandbox) command(ctx context.Context, r request) (any, error) {
	text := strings.TrimSpace(r.Text)
	name, rest, _ := strings.Cut(text, " ")
	if name != "/handoff" {
		return nil, fmt.Errorf("only /handoff works in the sandbox (try /handoff help)")
	}
	if !s.ws.room(r.Channel) {
		return nil, fmt.Errorf("no channel %q in this workspace", r.Channel)
	}
	_, err := s.fake.SlashCommand(ctx, slackfake.SlashCommand{Command: name, Text: strings.TrimSpace(rest), UserID: r.User,
		UserName: s.userName(r.User), ChannelID: r.Channel, ChannelName: s.roomName(r.Channel)})
	return map[string]bool{"ok": err == nil}, err
}

// click clicks an element of a message, a modal or the Home tab.
func (s *Sandbox) click(ctx context.Context, r request) (any, error) {
	c := slackfake.Click{UserID: r.User, ChannelID: r.Channel, MessageTS: r.TS, ViewID: r.ViewID,
		ActionID: r.ActionID, BlockID: r.BlockID, Value: r.Value}
	var err error
	if r.Home {
		_, err = s.fake.ClickHome(ctx, c)
	} else {
		_, err = s.fake.ClickButton(ctx, c)
	}
	return map[string]bool{"ok": err == nil}, err
}

// submit submits a modal; the bot's per-field errors are kept for the page
// until the next submission of the view.
func (s *Sandbox) submit(ctx context.Context, r request) (any, error) {
	values := map[string]map[string]slackfake.InputValue{}
	for block, actions := range r.Values {
		values[block] = map[string]slackfake.InputValue{}
		for action, in := range actions {
			values[block][action] = in.value()
		}
	}
	ack, err := s.fake.SubmitView(ctx, slackfake.Submit{UserID: r.User, ViewID: r.ViewID, Values: values})
	if err != nil {
		return nil, err
	}
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if len(ack.Payload) > 0 {
		_ = json.Unmarshal(ack.Payload, &resp)
	}
	s.mu.Lock()
	if resp.ResponseAction == "errors" {
		s.errors[r.ViewID] = resp.Errors
	} else {
		delete(s.errors, r.ViewID)
	}
	s.mu.Unlock()
	return map[string]any{"ok": true, "errors": resp.Errors}, nil
}

// value is what Slack sends for the element: the state.values entry.
func (in input) value() slackfake.InputValue {
	switch in.Type {
	case "radio_buttons", "static_select", "external_select":
		if in.Value == "" {
			return slackfake.InputValue{}
		}
		return slackfake.SelectedOption(in.Value)
	case "checkboxes", "multi_static_select":
		return slackfake.SelectedOptions(in.Values...)
	case "users_select":
		return slackfake.InputValue{SelectedUser: in.Value}
	case "datetimepicker":
		if in.Time == 0 {
			return slackfake.InputValue{}
		}
		return slackfake.DateTimePicked(time.Unix(in.Time, 0))
	case "datepicker":
		return slackfake.DatePicked(in.Value)
	case "timepicker":
		return slackfake.InputValue{SelectedTime: in.Value}
	case "rich_text_input":
		if strings.TrimSpace(in.Value) == "" {
			return slackfake.InputValue{}
		}
		return slackfake.RichText(in.Value)
	}
	return slackfake.TextInput(in.Value)
}

// closeView closes a modal with its × (Cancel).
func (s *Sandbox) closeView(ctx context.Context, r request) (any, error) {
	_, err := s.fake.CloseView(ctx, r.ViewID, r.User)
	if errors.Is(err, slackfake.ErrNotNotified) {
		err = nil // closed; Slack tells the bot nothing
	}
	return map[string]bool{"ok": err == nil}, err
}

// openHome opens the person's App Home tab.
func (s *Sandbox) openHome(ctx context.Context, r request) (any, error) {
	_, err := s.fake.OpenHome(ctx, r.User)
	return map[string]bool{"ok": err == nil}, err
}

// skipTarget is a moment the clock can skip to.
type skipTarget struct {
	ID    string    `json:"id"`
	Label string    `json:"label"`
	At    time.Time `json:"at"`
}

// skipTargets are the next moments something happens: the next claim
// window's end or ladder step (the deadlines the sweeper fires), the next
// SLA clock, the digest's next tick.
func (s *Sandbox) skipTargets(ctx context.Context) []skipTarget {
	now := s.clock.Now()
	var out []skipTarget
	if at, ok, err := s.store.NextDeadline(ctx); err == nil && ok && at.After(now) {
		out = append(out, skipTarget{ID: "deadline", Label: "Claim window / next ladder step", At: at})
	}
	var due *time.Time
	if err := s.db.QueryRow(ctx, `SELECT min(sla_due_at) FROM handoffs WHERE sla_due_at > $1`, now).Scan(&due); err == nil && due != nil {
		out = append(out, skipTarget{ID: "sla", Label: "Next SLA clock", At: *due})
	}
	if sched, err := schedule.Parse(s.cfg.Policy.Digest.Schedule); err == nil {
		if next := sched.Next(now.In(s.cfg.Policy.Location)); !next.IsZero() {
			out = append(out, skipTarget{ID: "digest", Label: "Next digest", At: next})
		}
	}
	return out
}

// skip moves the clock to a target, a second past it so that what is due
// then is due.
func (s *Sandbox) skip(ctx context.Context, r request) (any, error) {
	for _, t := range s.skipTargets(ctx) {
		if t.ID == r.Target {
			s.clock.SkipTo(t.At.Add(time.Second))
			return map[string]any{"ok": true, "now": s.clock.Now()}, nil
		}
	}
	return nil, fmt.Errorf("nothing to skip to for %q now", r.Target)
}

// message is a message as the page shows it.
type message struct {
	TS       string          `json:"ts"`
	Text     string          `json:"text"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	Edited   bool            `json:"edited,omitempty"`
	// At is when it was first shown, by the sandbox's clock (Unix ms).
	At int64 `json:"at"`
	// Ephemeral: only the person sees it.
	Ephemeral bool `json:"ephemeral,omitempty"`
}

// state is everything one person's page shows.
type state struct {
	Now       int64                `json:"now"`
	OffsetMS  int64                `json:"offset_ms"`
	Workspace Workspace            `json:"workspace"`
	Messages  map[string][]message `json:"messages"`
	View      *viewState           `json:"view"`
	Home      json.RawMessage      `json:"home"`
	Skips     []skipTarget         `json:"skips"`
}

// viewState is the person's open modal with its per-field errors.
type viewState struct {
	ID     string            `json:"id"`
	View   json.RawMessage   `json:"view"`
	Errors map[string]string `json:"errors,omitempty"`
	Stack  int               `json:"stack"`
}

// serveState answers with what ?user= sees now.
func (s *Sandbox) serveState(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if user == "" {
		user = s.ws.People[0].ID // a page opened without ?as= is the first rep's
	}
	if _, ok := s.ws.person(user); !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("nobody called %q in this workspace", user)})
		return
	}
	writeJSON(w, http.StatusOK, s.stateOf(r.Context(), user))
}

func (s *Sandbox) stateOf(ctx context.Context, user string) state {
	now := s.clock.Now()
	st := state{Now: now.UnixMilli(), OffsetMS: s.clock.Offset().Milliseconds(), Workspace: s.ws,
		Messages: map[string][]message{}, Home: s.fake.HomeView(user), Skips: s.skipTargets(ctx)}
	channels := []string{"D" + user}
	for _, room := range s.ws.Rooms {
		channels = append(channels, room.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at := func(key string) int64 {
		t, ok := s.seen[key]
		if !ok {
			t = now
			s.seen[key] = t
		}
		return t.UnixMilli()
	}
	for _, ch := range channels {
		list := []message{}
		for _, m := range s.fake.Messages(ch) {
			list = append(list, message{TS: m.TS, Text: m.Text, Blocks: m.Blocks, ThreadTS: m.ThreadTS, Edited: m.Updated > 0, At: at(m.TS)})
		}
		for _, e := range s.fake.Ephemerals(ch, user) {
			list = append(list, message{TS: e.TS, Text: e.Text, Blocks: e.Blocks, ThreadTS: e.ThreadTS, Ephemeral: true, At: at(e.TS)})
		}
		slices.SortStableFunc(list, func(a, b message) int { return strings.Compare(a.TS, b.TS) })
		st.Messages[ch] = list
	}
	views := s.fake.Views()
	for i := len(views) - 1; i >= 0; i-- {
		v := views[i]
		if v.Closed || v.UserID != user {
			continue
		}
		depth := 0
		for _, o := range views {
			if o.RootViewID == v.RootViewID && !o.Closed {
				depth++
			}
		}
		st.View = &viewState{ID: v.ID, View: v.Raw, Errors: s.errors[v.ID], Stack: depth}
		break
	}
	return st
}

// serveEvents tells the page, as server-sent events, whenever something
// it shows may have changed: anything in the fake, or the clock.
func (s *Sandbox) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		changed, moved := s.fake.Changed(), s.clock.Moved()
		if _, err := fmt.Fprint(w, "data: change\n\n"); err != nil {
			return
		}
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-s.stopping:
			return
		case <-changed:
		case <-moved:
		case <-keepAlive.C:
		}
		// A burst of changes (a claim updates a message, DMs three
		// people, republishes Homes) is told once.
		select {
		case <-time.After(50 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
}

// userName is the handle Slack puts in a slash command's user_name.
func (s *Sandbox) userName(id string) string {
	p, _ := s.ws.person(id)
	return strings.ToLower(strings.ReplaceAll(p.Name, " ", "."))
}

// roomName is a channel's name, or "directmessage" for a DM, as Slack
// puts it in a slash command's channel_name.
func (s *Sandbox) roomName(id string) string {
	for _, r := range s.ws.Rooms {
		if r.ID == id {
			return r.Name
		}
	}
	return "directmessage"
}
