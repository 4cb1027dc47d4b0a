// Package slackfake is a fake Slack: Baton's end-to-end tests, its fault
// suite and its load command run the bot against it.
//
// It serves the Web API over real HTTP and Socket Mode over a real WebSocket,
// so the bot under test runs its production slack-go clients unchanged:
//
//	fake, err := slackfake.New()
//	if err != nil { ... }
//	defer fake.Close()
//	api := slack.New(fake.BotToken(),
//		slack.OptionAPIURL(fake.APIURL()),
//		slack.OptionAppLevelToken(fake.AppToken()))
//	client := socketmode.New(api)
//
// It imports no testing package, so that a binary may link it; tests create
// it with slackfaketest.New, which closes it when the test ends and turns
// its errors into test failures.
//
// Tests then drive the bot the way a user would (SlashCommand, ClickButton,
// SubmitView, ...) and inspect what it did through the recorded Calls and the
// resulting Messages, Ephemerals and Views. The workspace's people are set
// up with AddUser, SetUserEmail, SetUserTZ, AddUserGroup, SetPresence and
// SetDND. The fake enforces the parts of Slack's contract that bots most
// often get wrong in production and that a mock would let slip: token types,
// single-use three-second trigger_ids, Block Kit limits, rate limits and
// acknowledgement of envelopes.
//
// Channels are where the bot's membership matters, as in Slack. A channel
// declared with AddChannel is as declared: the bot posts there only once
// invited (BotMember, or InviteBot; RemoveBot takes it out again), and a
// private one it is not in is invisible to it (channel_not_found) where a
// public one answers not_in_channel. A DM (D…) or group DM (G…) exists for
// the bot only once it opened it with conversations.open; any other is a
// conversation between other people, which it cannot see. A channel never
// declared, and not a DM, is a public channel the bot was invited to: the
// test world's default, so that a test declares only the channels whose
// membership it is about.
package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// Identifiers of the fake workspace and of the bot installed in it. They are
// fixed so tests can assert on them without asking the fake.
const (
	TeamID    = "T0TEST"
	TeamName  = "fake"
	AppID     = "A0BATON"
	BotID     = "B0BATON"
	BotUserID = "UBATON"

	// DefaultUserID is the user that drives the bot when a test leaves UserID empty.
	DefaultUserID = "U0TESTER"
	// DefaultChannelID is the channel used when a test leaves ChannelID empty.
	DefaultChannelID = "C0GENERAL"

	// verificationToken is the deprecated "token" field Slack still puts in
	// every payload; bots must not rely on it, but slack-go decodes it.
	verificationToken = "fake-verification-token"

	// triggerLifetime is how long Slack honours a trigger_id.
	triggerLifetime = 3 * time.Second

	// defaultAckTimeout bounds how long the driving methods wait for an
	// envelope to be acknowledged when the context has no deadline. Slack
	// itself retries an envelope that is not acknowledged within 3 seconds.
	defaultAckTimeout = 3 * time.Second
)

// Option configures a Server.
type Option func(*Server)

// WithBotToken sets the bot token (xoxb-) accepted by Web API methods.
func WithBotToken(token string) Option { return func(s *Server) { s.botToken = token } }

// WithAppToken sets the app-level token (xapp-) accepted by apps.connections.open.
func WithAppToken(token string) Option { return func(s *Server) { s.appToken = token } }

// WithPingInterval sets how often the fake sends WebSocket PING frames.
// slack-go drops and reopens a connection that sees no ping for 30 s, so the
// interval must stay well below that.
func WithPingInterval(d time.Duration) Option { return func(s *Server) { s.pingInterval = d } }

// WithClock replaces the clock used for trigger expiry and for Call.At, so a
// test can make a trigger_id expire without sleeping. The function must be
// safe for concurrent use.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// WithCallHook has every Web API call (and response_url POST) handed to
// hook once it is answered and recorded, in the goroutine that served it,
// so a load generator can time what the bot does as it happens instead of
// scanning Calls. The hook must be safe for concurrent use and quick: the
// bot waits for the HTTP response until it returns.
func WithCallHook(hook func(Call)) Option { return func(s *Server) { s.hook = hook } }

// Call is one Web API request as the fake received it, with its answer.
type Call struct {
	// Method is the Web API method name, e.g. "chat.postMessage", or
	// "response_url" for a POST to a response_url handed out in a payload.
	Method string
	// Params holds form fields, or the top-level fields of a JSON body with
	// strings unquoted and other values as JSON text. The token is omitted.
	Params map[string]string
	// Body is the JSON body, or for form requests Params encoded as JSON.
	Body json.RawMessage
	// At is when the call arrived, by the fake's clock: before the fake
	// read the body or did any work of its own, so it times the bot alone.
	At time.Time
	// Response is the body the fake answered with.
	Response json.RawMessage
}

// Message is the current state of a message the bot posted.
type Message struct {
	Channel  string
	TS       string
	Text     string
	Blocks   json.RawMessage
	ThreadTS string
	Metadata json.RawMessage
	// Updated counts successful chat.update calls on this message.
	Updated int
}

// Ephemeral is a message the bot showed to a single user, with
// chat.postEphemeral or through the response_url of their command or click.
type Ephemeral struct {
	Channel  string
	User     string
	TS       string
	Text     string
	Blocks   json.RawMessage
	ThreadTS string
	// ResponseURL is set when it came through a response_url.
	ResponseURL bool
}

// View is the current state of a modal the bot opened.
type View struct {
	ID              string
	ExternalID      string
	Hash            string
	UserID          string // the user whose trigger_id opened the view
	Title           string
	CallbackID      string
	PrivateMetadata string
	RootViewID      string
	PreviousViewID  string
	// Raw is the view object as the bot last sent it.
	Raw    json.RawMessage
	Blocks json.RawMessage
	// Updated counts replacements through views.update or response_action=update.
	Updated int
	// Closed is set once the user submitted or closed the view, or the bot
	// cleared it with response_action=clear.
	Closed bool
}

// fault is an injected failure for the next calls of one method.
type fault struct {
	remaining  int
	status     int
	retryAfter time.Duration
}

// trigger is an issued trigger_id.
type trigger struct {
	issued time.Time
	user   string
	used   bool
}

// Server is a fake Slack. Create it with New and stop it with Close. All
// methods are safe for concurrent use.
type Server struct {
	botToken, appToken string
	pingInterval       time.Duration
	clock              func() time.Time
	hook               func(Call)
	pace               channelPace
	latency            latency // see WithLatency

	hs *httptest.Server

	mu sync.Mutex
	// homes holds each user's published App Home view, by user ID.
	homes    map[string]*publishedHome
	closed   bool
	changed  chan struct{} // closed and replaced whenever state changes
	seq      int64         // source of unique ids
	tsSeq    int64         // source of message timestamps
	calls    []Call
	messages []*Message
	ephs     []*Ephemeral
	views    []*View
	users    map[string]slack.User
	triggers map[string]*trigger
	// Conversations and the bot's membership; see channels.go.
	channels map[string]Channel
	opened   map[string]bool // DMs and group DMs the bot opened
	// Directory and availability state; see directory.go.
	groups   []*userGroup
	presence map[string]string
	dnd      map[string]dndWindow
	tickets  map[string]bool
	// responses are the response_urls handed out, by id; see responses.go.
	responses map[string]*responseTarget
	faults    map[string][]*fault
	// hangs counts, per method, the next calls left unanswered; stop
	// releases them when the server closes.
	hangs map[string]int
	// hangWhen are the pending HangWhen calls, oldest first.
	hangWhen []*conditionalHang
	stop     chan struct{}

	// knownUsersOnly, scopes and scopesSet: see workspace.go.
	knownUsersOnly bool
	scopes         []string
	scopesSet      bool

	// Socket Mode state; see socket.go.
	live      []*socketConn            // connections envelopes may go to
	all       map[*socketConn]struct{} // every open connection, live or draining
	rr        int                      // round-robin cursor over live
	waiters   map[string][]chan Ack    // envelope id -> goroutines awaiting its ack
	envelopes map[string]envelopeMeta  // envelope id -> bookkeeping for acks
	acks      []Ack                    // every ack received, in order
	oversized []Ack                    // acks dropped for their size; see DroppedAcks
	// dropAfterEvent counts the events_api envelopes whose connection is
	// dropped right after they are written; see DropAfterNextEvent.
	dropAfterEvent int
	// loseEventAcks counts the events_api envelopes whose ack is to be
	// lost, and loseAck holds those written; see LoseNextEventAck.
	loseEventAcks int
	loseAck       map[string]bool
	wg            sync.WaitGroup // socket goroutines, awaited by Close
	closeOnce     sync.Once
}

// New starts a fake Slack on 127.0.0.1; the caller must Close it.
func New(opts ...Option) (*Server, error) {
	s := &Server{
		botToken:     "xoxb-test-bot",
		appToken:     "xapp-test-app",
		pingInterval: 2 * time.Second,
		clock:        time.Now,
		changed:      make(chan struct{}),
		users:        map[string]slack.User{},
		channels:     map[string]Channel{},
		opened:       map[string]bool{},
		presence:     map[string]string{},
		dnd:          map[string]dndWindow{},
		triggers:     map[string]*trigger{},
		tickets:      map[string]bool{},
		responses:    map[string]*responseTarget{},
		faults:       map[string][]*fault{},
		hangs:        map[string]int{},
		stop:         make(chan struct{}),
		all:          map[*socketConn]struct{}{},
		waiters:      map[string][]chan Ack{},
		envelopes:    map[string]envelopeMeta{},
		loseAck:      map[string]bool{},
		pace:         channelPace{pace: DefaultChannelPace},
	}
	for _, opt := range opts {
		opt(s)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/socket", s.serveSocket)
	mux.HandleFunc("/response/", s.serveResponseURL)

	// Bind explicitly to IPv4 loopback: the WebSocket URL handed out by
	// apps.connections.open names 127.0.0.1 and must reach this listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("slackfake: listen: %w", err)
	}
	s.hs = httptest.NewUnstartedServer(mux)
	s.hs.Listener = ln
	s.hs.Start()
	return s, nil
}

// APIURL is the value for slack.OptionAPIURL. It ends in a slash because
// slack-go appends the method name directly.
func (s *Server) APIURL() string { return s.hs.URL + "/api/" }

// BotToken is the bot token the fake accepts for Web API methods.
func (s *Server) BotToken() string { return s.botToken }

// AppToken is the app-level token the fake accepts for apps.connections.open.
func (s *Server) AppToken() string { return s.appToken }

// Close drops every connection and stops the server. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.stop) // hung calls end, or the HTTP server would wait for them
		s.mu.Lock()
		s.closed = true
		conns := make([]*socketConn, 0, len(s.all))
		for c := range s.all {
			conns = append(conns, c)
		}
		s.live = nil
		s.notifyLocked()
		s.mu.Unlock()

		for _, c := range conns {
			c.close()
		}
		s.hs.Close()
		s.wg.Wait()
	})
}

// now reads the configured clock.
func (s *Server) now() time.Time { return s.clock() }

// notifyLocked wakes everything waiting for a state change. Callers hold s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// nextIDLocked returns a fresh number for building unique identifiers.
func (s *Server) nextIDLocked() int64 {
	s.seq++
	return s.seq
}

// nextTSLocked returns a unique, increasing message timestamp in Slack's
// "seconds.microseconds" format, starting at 1700000000.000100.
func (s *Server) nextTSLocked() string {
	s.tsSeq++
	micros := s.tsSeq * 100
	return fmt.Sprintf("%d.%06d", 1700000000+micros/1_000_000, micros%1_000_000)
}

// AddUser makes users.info return u for u.ID instead of a generated user.
func (s *Server) AddUser(u slack.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// RateLimit makes the next times calls to method fail with HTTP 429 and a
// Retry-After header of retryAfter rounded up to whole seconds (at least 1),
// which slack-go surfaces as *slack.RateLimitedError.
func (s *Server) RateLimit(method string, times int, retryAfter time.Duration) {
	s.addFault(method, &fault{remaining: times, status: http.StatusTooManyRequests, retryAfter: retryAfter})
}

// Throttle makes every call to method fail with HTTP 429 and a Retry-After
// of retryAfter (rounded up to whole seconds, at least 1) until lift is
// called: a rate limit that lasts as long as the test needs, so that it can
// check what happened while it held. Calls answered 429 are recorded.
func (s *Server) Throttle(method string, retryAfter time.Duration) (lift func()) {
	return s.faultUntilLifted(method, &fault{remaining: math.MaxInt, status: http.StatusTooManyRequests, retryAfter: retryAfter})
}

// FailWhile makes every call to method fail with the HTTP status (500, 503)
// until lift is called.
func (s *Server) FailWhile(method string, status int) (lift func()) {
	return s.faultUntilLifted(method, &fault{remaining: math.MaxInt, status: status})
}

func (s *Server) faultUntilLifted(method string, f *fault) (lift func()) {
	s.addFault(method, f)
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.faults[method] = slices.DeleteFunc(s.faults[method], func(g *fault) bool { return g == f })
		})
	}
}

// Hang leaves the next times calls to method unanswered: the fake reads
// the request, records the call (its Response says "no_answer") and waits,
// doing nothing, until the client gives up or the server closes. Slack
// never acted on such a call, as when a request is lost on its way.
func (s *Server) Hang(method string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangs[method] += times
}

// takeHang consumes one hang of method, if any is pending.
func (s *Server) takeHang(method string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hangs[method] <= 0 {
		return false
	}
	s.hangs[method]--
	return true
}

// FailNext makes the next times calls to method fail with the given HTTP
// status (typically 500), which slack-go surfaces as slack.StatusCodeError.
func (s *Server) FailNext(method string, times int, status int) {
	s.addFault(method, &fault{remaining: times, status: status})
}

func (s *Server) addFault(method string, f *fault) {
	if f.remaining <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], f)
}

// takeFault consumes one injected failure for method, if any is pending.
func (s *Server) takeFault(method string) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[method]
	if len(q) == 0 {
		return nil
	}
	f := *q[0]
	q[0].remaining--
	if q[0].remaining <= 0 {
		s.faults[method] = q[1:]
	}
	return &f
}

// Calls returns a copy of the recorded calls to method, oldest first. An
// empty method returns every call.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			c.Params = maps.Clone(c.Params)
			out = append(out, c)
		}
	}
	return out
}

// ErrNoMatchingCall is returned by WaitFor when no call matched in time.
var ErrNoMatchingCall = errors.New("slackfake: no matching call")

// WaitFor blocks until a call to method satisfying pred (nil matches any) has
// been recorded, and returns the first such call. It returns an error
// wrapping ErrNoMatchingCall, with the calls seen, if none has when ctx
// ends. Because the bot works asynchronously after acking an envelope,
// callers use this instead of sleeping.
func (s *Server) WaitFor(ctx context.Context, method string, pred func(Call) bool) (Call, error) {
	for {
		s.mu.Lock()
		calls := s.callsLocked(method)
		changed := s.changed
		s.mu.Unlock()
		for _, c := range calls {
			if pred == nil || pred(c) {
				return c, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			summary := make([]string, 0, len(calls))
			for _, c := range calls {
				summary = append(summary, string(c.Body))
			}
			return Call{}, fmt.Errorf("%w: no %s call matched before %v; saw %d: %v",
				ErrNoMatchingCall, method, context.Cause(ctx), len(calls), summary)
		}
	}
}

// Messages returns the current state of the bot's messages in channel, in
// posting order.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Channel == channel {
			out = append(out, *m)
		}
	}
	return out
}

// Ephemerals returns the ephemeral messages shown to user in channel. An
// empty channel or user matches every one.
func (s *Server) Ephemerals(channel, user string) []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Ephemeral
	for _, e := range s.ephs {
		if (channel == "" || e.Channel == channel) && (user == "" || e.User == user) {
			out = append(out, *e)
		}
	}
	return out
}

// Views returns every view opened so far, in opening order.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.views))
	for _, v := range s.views {
		out = append(out, *v)
	}
	return out
}

// Acks returns every acknowledgement received over Socket Mode, in order,
// including acks for envelopes nobody is waiting for any more.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

func (s *Server) findMessageLocked(channel, ts string) *Message {
	for _, m := range s.messages {
		if m.TS == ts && (channel == "" || m.Channel == channel) {
			return m
		}
	}
	return nil
}

func (s *Server) findEphemeralLocked(channel, ts string) *Ephemeral {
	for _, e := range s.ephs {
		if e.TS == ts && (channel == "" || e.Channel == channel) {
			return e
		}
	}
	return nil
}

func (s *Server) findViewLocked(id string) *View {
	for _, v := range s.views {
		if v.ID == id {
			return v
		}
	}
	return nil
}
