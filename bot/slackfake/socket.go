package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Ack is a Socket Mode acknowledgement sent by the bot for an envelope.
type Ack struct {
	EnvelopeID string
	// Payload is the optional response payload, e.g. a view_submission
	// response_action; nil when the bot acked without one.
	Payload json.RawMessage
	// Latency is the wall-clock time between writing the envelope and
	// receiving the ack. Slack retries envelopes not acked within 3 s.
	Latency time.Duration
	// TriggerID is the trigger_id the fake put in the envelope, if any.
	TriggerID string
	// RetryAttempt is, for SendEventsAPI, the retry_attempt of the
	// delivery that was acked (0: the first).
	RetryAttempt int
}

// envelopeMeta is what the fake remembers about an envelope it sent.
type envelopeMeta struct {
	sentAt    time.Time
	triggerID string
	raw       []byte // as sent, for Redeliver and Repeat
}

// socketConn is one Socket Mode WebSocket connection.
type socketConn struct {
	ws        *websocket.Conn
	wmu       sync.Mutex // gorilla allows one concurrent writer of data frames
	done      chan struct{}
	closeOnce sync.Once
}

func (c *socketConn) write(msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(msg)
}

// writeLocked writes a text frame; the caller holds c.wmu.
func (c *socketConn) writeLocked(msg []byte) error {
	if err := c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// close drops the TCP connection without a closing handshake, which is what
// a client sees when Slack's edge goes away.
func (c *socketConn) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

var upgrader = websocket.Upgrader{
	// slack-go sends "Origin: https://api.slack.com", which the default
	// same-origin check would reject.
	CheckOrigin: func(*http.Request) bool { return true },
}

// serveSocket accepts a Socket Mode connection for a single-use ticket from
// apps.connections.open.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.tickets[ticket] && !s.closed
	delete(s.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade already answered the client.
	}
	c := &socketConn{ws: ws, done: make(chan struct{})}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.close()
		return
	}
	s.all[c] = struct{}{}
	numConns := len(s.live) + 1
	s.wg.Add(2) // the reader below and the pinger
	s.mu.Unlock()

	defer s.wg.Done()
	defer s.dropConn(c)

	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": numConns,
		"debug_info":      map[string]any{"host": "fake", "approximate_connection_time": 3600},
		"connection_info": map[string]any{"app_id": AppID},
	})
	// The connection becomes live while its write lock is held for the
	// hello, so nothing (envelope or disconnect) can precede the hello on the
	// wire, yet by the time the client sees the hello the fake routes to it.
	c.wmu.Lock()
	s.mu.Lock()
	if _, open := s.all[c]; open && !s.closed {
		s.live = append(s.live, c)
		s.notifyLocked()
	}
	s.mu.Unlock()
	err = c.writeLocked(hello)
	c.wmu.Unlock()
	if err != nil {
		s.wg.Done() // the pinger never starts
		return
	}
	go s.ping(c)

	for {
		_, data, err := ws.ReadMessage()
		if err != nil || s.ackLost(data) {
			return
		}
		s.receive(data)
	}
}

// ping sends WebSocket PINGs, the first one immediately: slack-go treats a
// connection without a ping for 30 s as dead and reconnects.
func (s *Server) ping(c *socketConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.pingInterval)
	defer t.Stop()
	for {
		// WriteControl may be called concurrently with other writes.
		if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)); err != nil {
			c.close()
			return
		}
		select {
		case <-c.done:
			return
		case <-t.C:
		}
	}
}

// dropConn forgets c and closes it: in that order, so that whoever sees
// it closed (SendEventsAPI, about to deliver again) no longer finds it live.
func (s *Server) dropConn(c *socketConn) {
	s.mu.Lock()
	delete(s.all, c)
	s.removeLiveLocked(c)
	s.notifyLocked()
	s.mu.Unlock()
	c.close()
}

func (s *Server) removeLiveLocked(c *socketConn) {
	for i, l := range s.live {
		if l == c {
			s.live = append(s.live[:i:i], s.live[i+1:]...)
			return
		}
	}
}

// maxAckBytes is the size from which Slack drops a Socket Mode response:
// the WebSocket write succeeds, Slack ignores the frame, and the envelope
// is as unacknowledged as if no ack had been sent. Slack's Socket Mode
// guide (https://api.slack.com/apis/connections/socket-implement) says every
// envelope must be acknowledged with its envelope_id and, for
// interactions, may carry a response payload; the 20 KB ceiling on that
// response is not on it, but is what slack-go's socketmode package
// enforces as maxResponseSize (20 * 1024 bytes of JSON, found by its
// maintainers against Slack itself and refused before sending: "Responses
// at or above this size on the wire are silently dropped by Slack").
// The fake measures the frame as received, and drops it at 20,480 bytes.
const maxAckBytes = 20 * 1024

// DroppedAcks returns the acks the fake dropped for being 20 KB or more,
// in order: Slack ignores them, so their envelopes were never
// acknowledged (a driving method waiting for one times out).
func (s *Server) DroppedAcks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.oversized)
}

// receive handles a frame from the bot. The only thing a Socket Mode client
// sends is an ack: {"envelope_id": "...", "payload": {...}}.
func (s *Server) receive(data []byte) {
	var msg struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(data, &msg) != nil || msg.EnvelopeID == "" {
		return
	}
	if string(msg.Payload) == "null" {
		msg.Payload = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	meta := s.envelopes[msg.EnvelopeID]
	ack := Ack{EnvelopeID: msg.EnvelopeID, Payload: msg.Payload, TriggerID: meta.triggerID}
	if !meta.sentAt.IsZero() {
		ack.Latency = time.Since(meta.sentAt)
	}
	if len(data) >= maxAckBytes {
		// Dropped as Slack drops it: the envelope stays unacknowledged.
		s.oversized = append(s.oversized, ack)
		s.notifyLocked()
		return
	}
	s.acks = append(s.acks, ack)
	if q := s.waiters[msg.EnvelopeID]; len(q) > 0 {
		q[0] <- ack // buffered; each waiter receives at most one ack
		if len(q) == 1 {
			delete(s.waiters, msg.EnvelopeID)
		} else {
			s.waiters[msg.EnvelopeID] = q[1:]
		}
	}
	s.notifyLocked()
}

// withAckTimeout applies the default ack timeout when ctx has no deadline.
func withAckTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, has := ctx.Deadline(); has {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, defaultAckTimeout)
}

// nextConn waits for a live connection and picks one round robin, like Slack
// spreads envelopes over an app's connections.
func (s *Server) nextConn(ctx context.Context) (*socketConn, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, errors.New("slackfake: server closed")
		}
		if n := len(s.live); n > 0 {
			c := s.live[s.rr%n]
			s.rr++
			s.mu.Unlock()
			return c, nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("slackfake: no live Socket Mode connection: %w", ctx.Err())
		}
	}
}

// deliver writes an envelope to one live connection and, if it has an
// envelope_id, waits for its ack.
func (s *Server) deliver(ctx context.Context, envelopeID, triggerID string, msg []byte) (Ack, error) {
	ctx, cancel := withAckTimeout(ctx)
	defer cancel()

	var ch chan Ack
	if envelopeID != "" {
		ch = make(chan Ack, 1)
		s.mu.Lock()
		s.waiters[envelopeID] = append(s.waiters[envelopeID], ch)
		s.mu.Unlock()
		defer s.forgetWaiter(envelopeID, ch)
	}

	for {
		c, err := s.nextConn(ctx)
		if err != nil {
			return Ack{EnvelopeID: envelopeID, TriggerID: triggerID}, err
		}
		if envelopeID != "" {
			s.mu.Lock()
			s.envelopes[envelopeID] = envelopeMeta{sentAt: time.Now(), triggerID: triggerID, raw: msg}
			s.mu.Unlock()
		}
		if err := c.write(msg); err != nil {
			s.dropConn(c) // try another connection, as Slack would
			continue
		}
		break
	}
	if ch == nil {
		return Ack{}, nil
	}
	select {
	case ack := <-ch:
		return ack, nil
	case <-ctx.Done():
		return Ack{EnvelopeID: envelopeID, TriggerID: triggerID},
			fmt.Errorf("slackfake: envelope %s not acknowledged: %w", envelopeID, ctx.Err())
	}
}

func (s *Server) forgetWaiter(envelopeID string, ch chan Ack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.waiters[envelopeID]
	for i, w := range q {
		if w == ch {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(s.waiters, envelopeID)
	} else {
		s.waiters[envelopeID] = q
	}
}

// SendEnvelope writes a raw envelope to a live connection and waits for its
// ack. Use it for event types the fake has no helper for, or to redeliver an
// envelope with the same envelope_id and a "retry_attempt"/"retry_reason", as
// Slack does when an ack is late. An envelope without envelope_id (such as a
// hand-made "hello") is sent without waiting. Without a ctx deadline it
// waits at most 3 s.
func (s *Server) SendEnvelope(ctx context.Context, raw json.RawMessage) (Ack, error) {
	var env struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return Ack{}, fmt.Errorf("slackfake: envelope is not a JSON object: %w", err)
	}
	return s.deliver(ctx, env.EnvelopeID, "", raw)
}

// Redeliver sends envelope id again, as Slack does when it saw no ack in
// time: the same envelope_id and payload, with retry_attempt and
// retry_reason set (Slack's reasons include "timeout"). It waits for the ack.
func (s *Server) Redeliver(ctx context.Context, id string, attempt int, reason string) (Ack, error) {
	env, err := s.sentEnvelope(id)
	if err != nil {
		return Ack{}, err
	}
	env["retry_attempt"], env["retry_reason"] = attempt, reason
	raw, err := json.Marshal(env)
	if err != nil {
		return Ack{}, err
	}
	return s.SendEnvelope(ctx, raw)
}

// Repeat sends the payload of envelope id again in a new envelope, as
// Slack does for a double click on a button or on a form's Submit: the
// same trigger_id, view and values, another envelope_id. It waits for the ack.
func (s *Server) Repeat(ctx context.Context, id string) (Ack, error) {
	env, err := s.sentEnvelope(id)
	if err != nil {
		return Ack{}, err
	}
	s.mu.Lock()
	env["envelope_id"] = s.envelopeIDLocked()
	s.mu.Unlock()
	raw, err := json.Marshal(env)
	if err != nil {
		return Ack{}, err
	}
	return s.SendEnvelope(ctx, raw)
}

// sentEnvelope decodes envelope id as the fake sent it.
func (s *Server) sentEnvelope(id string) (map[string]any, error) {
	s.mu.Lock()
	meta, ok := s.envelopes[id]
	s.mu.Unlock()
	if !ok || meta.raw == nil {
		return nil, fmt.Errorf("slackfake: no envelope %s was sent", id)
	}
	var env map[string]any
	if err := json.Unmarshal(meta.raw, &env); err != nil {
		return nil, fmt.Errorf("slackfake: envelope %s: %w", id, err)
	}
	return env, nil
}

// Disconnect sends {"type":"disconnect","reason":reason} on every live
// connection, as Slack does before rotating them (reason "refresh_requested",
// "warning", ...). The connections stop receiving envelopes at once; slack-go
// then closes them and opens new ones.
func (s *Server) Disconnect(reason string) {
	msg, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "fake"},
	})
	s.mu.Lock()
	conns := s.live
	s.live = nil
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		if err := c.write(msg); err != nil {
			s.dropConn(c)
		}
	}
}

// DropConnections closes every socket abruptly, without a disconnect
// message or closing handshake, like a network failure.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]*socketConn, 0, len(s.all))
	for c := range s.all {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		s.dropConn(c)
	}
}

// Unacked lists the envelopes written to a connection that were never
// acknowledged, oldest first. Slack resends only Events API envelopes; a
// command, click or form submission left unacked shows its person an
// error (https://api.slack.com/apis/socket-mode#acknowledge).
func (s *Server) Unacked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	acked := map[string]bool{}
	for _, a := range s.acks {
		acked[a.EnvelopeID] = true
	}
	var ids []string
	for id := range s.envelopes {
		if !acked[id] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return s.envelopes[ids[i]].sentAt.Before(s.envelopes[ids[j]].sentAt) })
	return ids
}

// Connected is the number of live Socket Mode connections.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// WaitConnected blocks until at least n connections are live, e.g. after
// starting the bot or after Disconnect. Without a ctx deadline it waits at
// most 3 s.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	ctx, cancel := withAckTimeout(ctx)
	defer cancel()
	for {
		s.mu.Lock()
		live, changed := len(s.live), s.changed
		s.mu.Unlock()
		if live >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("slackfake: %d of %d connections live: %w", live, n, ctx.Err())
		}
	}
}

// maxEventRetries is how many times Slack delivers an events_api envelope
// again after the first try (Slack's Events API retries three times).
const maxEventRetries = 3

// SendEventsAPI delivers an events_api envelope the way Slack does, with
// its retries, and waits for the ack (at most 3 s without a ctx
// deadline). Unlike interactions and slash commands, which Slack never
// sends twice, an event is delivered again when its first delivery did not
// get through, with the same envelope_id and "retry_attempt" counting the
// tries before:
//   - when no connection is live (between a drop or a disconnect and the
//     reconnect), the envelope waits for the next one and arrives as a
//     retry ("retry_reason": "connection_failed"), since Slack's first try
//     found nobody;
//   - when the connection it was written to goes away before the ack (a
//     disconnect message, a dropped WebSocket), it is written again on the
//     next live connection ("retry_reason": "timeout").
//
// The bot may have read, handled and even acked the first delivery before
// its connection went: the redelivery is what it must not handle twice.
// Ack.RetryAttempt says which delivery was acked first.
func (s *Server) SendEventsAPI(ctx context.Context, raw json.RawMessage) (Ack, error) {
	var env map[string]any
	if err := json.Unmarshal(raw, &env); err != nil {
		return Ack{}, fmt.Errorf("slackfake: envelope is not a JSON object: %w", err)
	}
	id, _ := env["envelope_id"].(string)
	if id == "" || env["type"] != "events_api" {
		return Ack{}, errors.New("slackfake: SendEventsAPI needs an events_api envelope with an envelope_id")
	}
	ctx, cancel := withAckTimeout(ctx)
	defer cancel()
	ch := make(chan Ack, 1)
	s.mu.Lock()
	s.waiters[id] = append(s.waiters[id], ch)
	s.mu.Unlock()
	defer s.forgetWaiter(id, ch)

	attempt, reason := 0, ""
	for {
		s.mu.Lock()
		down := len(s.live) == 0
		s.mu.Unlock()
		if down && attempt == 0 {
			attempt, reason = 1, "connection_failed"
		}
		c, err := s.nextConn(ctx)
		if err != nil {
			return Ack{EnvelopeID: id}, err
		}
		select {
		case ack := <-ch: // the bot's ack of an earlier delivery, sent once it reconnected
			ack.RetryAttempt = attempt - 1
			return ack, nil
		default:
		}
		if attempt > 0 {
			env["retry_attempt"], env["retry_reason"] = attempt, reason
		}
		msg, err := json.Marshal(env)
		if err != nil {
			return Ack{}, err
		}
		s.mu.Lock()
		s.envelopes[id] = envelopeMeta{sentAt: time.Now(), raw: msg}
		s.mu.Unlock()
		s.mu.Lock()
		if s.loseEventAcks > 0 {
			s.loseEventAcks--
			s.loseAck[id] = true
		}
		s.mu.Unlock()
		err = c.write(msg)
		s.mu.Lock()
		drop := s.dropAfterEvent > 0
		if drop {
			s.dropAfterEvent--
		}
		s.mu.Unlock()
		if drop {
			s.dropConn(c)
		}
		if err != nil {
			s.dropConn(c)
			attempt, reason = attempt+1, "connection_failed"
		} else {
			select {
			case ack := <-ch:
				ack.RetryAttempt = attempt
				return ack, nil
			case <-c.done:
			case <-ctx.Done():
				return Ack{EnvelopeID: id}, fmt.Errorf("slackfake: envelope %s not acknowledged: %w", id, ctx.Err())
			}
			// The ack may have come just as the connection went.
			select {
			case ack := <-ch:
				ack.RetryAttempt = attempt
				return ack, nil
			default:
			}
			attempt, reason = attempt+1, "timeout"
		}
		if attempt > maxEventRetries {
			return Ack{EnvelopeID: id}, fmt.Errorf("slackfake: envelope %s not acknowledged after %d retries", id, maxEventRetries)
		}
	}
}

// DropAfterNextEvent has the connection that SendEventsAPI next writes an
// envelope to dropped abruptly right after it, before any ack can come
// back: the network failing mid-delivery. Whether the bot read the
// envelope first is up to the network, as in life.
func (s *Server) DropAfterNextEvent() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAfterEvent++
}

// LoseNextEventAck has the ack of the next envelope SendEventsAPI writes
// lost with its connection: when the bot's ack arrives, the fake drops it
// and the connection at once, as if the network failed just then. The bot
// has certainly read and handled the event; Slack, which never saw the
// ack, sends it again on the next connection.
func (s *Server) LoseNextEventAck() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseEventAcks++
}

// ackLost reports whether data is an ack that LoseNextEventAck said to lose.
func (s *Server) ackLost(data []byte) bool {
	var msg struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(data, &msg) != nil || msg.EnvelopeID == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loseAck[msg.EnvelopeID] {
		return false
	}
	delete(s.loseAck, msg.EnvelopeID)
	return true
}
