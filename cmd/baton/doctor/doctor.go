// Package doctor checks a Baton installation against Slack before it
// runs: the two tokens, the scopes the configuration needs, every channel
// (it exists and Baton is in it) and every person (they exist, are people
// and are active; emails and user groups resolve). Each problem is one
// line naming the configuration key and the ID, with the fix, so that a
// new installation's mistakes show up at set-up instead of as error lines
// in the log of a running bot. It is `baton doctor`.
package doctor

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/cmd/baton/config"
)

// Budget bounds a whole check: a doctor is run by a person waiting at a
// terminal, and must answer within 15 s even when Slack does not; what
// is not checked by then is reported as a problem.
const Budget = 12 * time.Second

// callTimeout bounds one call to Slack.
const callTimeout = 5 * time.Second

// Input is what a check reads: the configuration as `baton run` would
// load it, and its environment.
type Input struct {
	Config config.Config
	// APIURL is SLACK_API_URL, ending in a slash.
	APIURL string
	// BotToken and AppToken are the tokens, read from their variables or
	// files; empty when unset (a problem of its own).
	BotToken, AppToken string
	// HTTP makes the calls; nil is a client with a 5 s timeout.
	HTTP *http.Client
	// Budget bounds the whole check; zero is Budget.
	Budget time.Duration
}

// Problem is one thing to fix.
type Problem struct {
	// Key is the configuration key or environment variable, such as
	// pools[0].channel or SLACK_BOT_TOKEN.
	Key string
	// ID is the value at Key (a channel or user ID, an email, a handle);
	// empty for a token, which is never printed.
	ID string
	// What is wrong, and Fix how to put it right.
	What, Fix string
}

// String is the problem's line: `pools[0].channel C0123: Baton is not in
// this channel — /invite @Baton in #closers`.
func (p Problem) String() string {
	at := p.Key
	if p.ID != "" {
		at += " " + p.ID
	}
	if p.Fix == "" {
		return at + ": " + p.What
	}
	return at + ": " + p.What + " — " + p.Fix
}

// Report is a check's outcome.
type Report struct {
	Problems []Problem
	// Passed counts the checks that found nothing wrong.
	Passed int
	// Team and Bot are the workspace and the bot's user name, when the
	// bot token was accepted.
	Team, Bot string
	// Unchecked says what was not checked, and why; empty when every
	// check ran.
	Unchecked string
}

// OK says nothing is left to fix.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Write prints one line per problem, then the summary line.
func (r Report) Write(w io.Writer) {
	for _, p := range r.Problems {
		fmt.Fprintln(w, p)
	}
	fmt.Fprintln(w, r.Summary())
}

// Summary is the report's last line.
func (r Report) Summary() string {
	where := ""
	if r.Team != "" {
		where = fmt.Sprintf(" in workspace %s as @%s", r.Team, r.Bot)
	}
	if r.OK() {
		return fmt.Sprintf("all %d checks passed%s: Baton is ready to run", r.Passed, where)
	}
	if r.Unchecked != "" {
		where += " (" + r.Unchecked + ")"
	}
	return fmt.Sprintf("%d problem(s), %d checks passed%s: fix them and run baton doctor again", len(r.Problems), r.Passed, where)
}

// checker runs one check, collecting its report.
type checker struct {
	in     Input
	http   *http.Client
	api    *slack.Client
	report Report
	// mention is how the fixes name the bot in Slack: @ and its name.
	mention  string
	users    map[string]userVerdict
	groups   []slack.UserGroup
	groupErr error
	// noUsersRead is set once Slack refused users.info for its scope.
	noUsersRead bool
}

// Check checks in against Slack, within in.Budget, and leaves no connection
// open when it returns.
func Check(ctx context.Context, in Input) Report {
	budget := cmp.Or(in.Budget, Budget)
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	c := &checker{in: in, http: in.HTTP, mention: "@Baton", users: map[string]userVerdict{}}
	if c.http == nil {
		c.http = &http.Client{Timeout: callTimeout}
	}
	c.api = slack.New(in.BotToken, slack.OptionAPIURL(in.APIURL), slack.OptionAppLevelToken(in.AppToken), slack.OptionHTTPClient(c.http))
	c.placeholders()
	botOK := c.botToken(ctx)
	c.appToken(ctx)
	if !botOK {
		c.report.Unchecked = "channels and people not checked: they need a working bot token"
		return c.report
	}
	for _, step := range []func(context.Context){c.channels, c.people} {
		if ctx.Err() != nil {
			break
		}
		step(ctx)
	}
	if ctx.Err() != nil {
		c.problem("SLACK_API_URL", in.APIURL, fmt.Sprintf("Slack did not answer every check within %s; the rest were not checked", budget),
			"check the network to Slack and run baton doctor again")
	}
	return c.report
}

func (c *checker) problem(key, id, what, fix string) {
	c.report.Problems = append(c.report.Problems, Problem{Key: key, ID: id, What: what, Fix: fix})
}

func (c *checker) pass() { c.report.Passed++ }

// placeholders reports the IDs that look like an example's placeholders:
// they would fail against Slack too, but this says why.
func (c *checker) placeholders() {
	for _, p := range Placeholders(c.in.Config) {
		c.problem(p.Key, p.ID, p.What, p.Fix)
	}
}

// authAnswer is auth.test's answer.
type authAnswer struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error"`
	Team   string `json:"team"`
	User   string `json:"user"`
	UserID string `json:"user_id"`
}

// botToken calls auth.test with the bot token, and checks the scopes the
// answer's X-OAuth-Scopes header lists against what the configuration
// needs. slack-go does not hand response headers back, so this one call
// is made by hand.
func (c *checker) botToken(ctx context.Context) bool {
	const fix = "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page (install the app first)"
	switch {
	case c.in.BotToken == "":
		c.problem("SLACK_BOT_TOKEN", "", "not set (nor SLACK_BOT_TOKEN_FILE)", fix)
		return false
	case !strings.HasPrefix(c.in.BotToken, "xoxb-"):
		c.problem("SLACK_BOT_TOKEN", "", "does not start with xoxb-", fix)
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.in.APIURL+"auth.test", strings.NewReader(url.Values{}.Encode()))
	if err != nil {
		c.problem("SLACK_API_URL", c.in.APIURL, err.Error(), "set it to https://slack.com/api/ or unset it")
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+c.in.BotToken)
	resp, err := c.http.Do(req)
	if err != nil {
		c.problem("SLACK_API_URL", c.in.APIURL, "cannot reach Slack: "+redact(err), "check the network, a proxy, or SLACK_API_URL")
		return false
	}
	defer resp.Body.Close()
	var auth authAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&auth); err != nil || resp.StatusCode != http.StatusOK {
		c.problem("SLACK_API_URL", c.in.APIURL, fmt.Sprintf("auth.test answered HTTP %d", resp.StatusCode), "Slack may be down (status.slack.com); try again")
		return false
	}
	if !auth.OK {
		c.problem("SLACK_BOT_TOKEN", "", "Slack rejected it (auth.test: "+auth.Error+")", fix)
		return false
	}
	c.pass()
	c.report.Team, c.report.Bot = auth.Team, auth.User
	if auth.User != "" {
		c.mention = "@" + auth.User
	}
	c.scopes(resp.Header.Get("X-OAuth-Scopes"))
	return true
}

// scopes compares the granted scopes with the needed ones.
func (c *checker) scopes(header string) {
	granted := map[string]bool{}
	for s := range strings.SplitSeq(header, ",") {
		granted[strings.TrimSpace(s)] = true
	}
	for _, n := range NeededScopes(c.in.Config) {
		if granted[n.Scope] {
			c.pass()
			continue
		}
		c.problem("scope", n.Scope, "the bot token lacks it, needed "+n.Why,
			"add it under OAuth & Permissions → Bot Token Scopes (manifests/slack-app.yaml lists it), then reinstall the app")
	}
}

// appToken opens a Socket Mode connection with the app token, waits for
// Slack's hello, and closes it at once.
func (c *checker) appToken(ctx context.Context) {
	const fix = "generate an App-Level Token with the connections:write scope under Basic Information → App-Level Tokens"
	switch {
	case c.in.AppToken == "":
		c.problem("SLACK_APP_TOKEN", "", "not set (nor SLACK_APP_TOKEN_FILE)", fix)
		return
	case !strings.HasPrefix(c.in.AppToken, "xapp-"):
		c.problem("SLACK_APP_TOKEN", "", "does not start with xapp-", fix)
		return
	}
	_, wsURL, err := c.api.StartSocketModeContext(ctx)
	if err != nil {
		var apiErr slack.SlackErrorResponse
		if errors.As(err, &apiErr) {
			c.problem("SLACK_APP_TOKEN", "", "Slack refused a Socket Mode connection (apps.connections.open: "+apiErr.Err+")",
				fix+"; and turn Socket Mode on under Settings → Socket Mode")
			return
		}
		c.problem("SLACK_APP_TOKEN", "", "cannot open a Socket Mode connection: "+redact(err), "check the network to Slack")
		return
	}
	if err := hello(ctx, wsURL); err != nil {
		c.problem("SLACK_APP_TOKEN", "", "the Socket Mode connection opened but Slack said no hello: "+err.Error(),
			"a proxy must let WebSocket connections to wss-primary.slack.com through")
		return
	}
	c.pass()
}

// hello dials wsURL, reads the first message (Slack's hello) and closes
// the connection, waiting at most callTimeout. The URL carries a one-use
// ticket and is never printed.
func hello(ctx context.Context, wsURL string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("WebSocket answered HTTP %d", resp.StatusCode)
		}
		return errors.New("cannot open the WebSocket")
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetReadDeadline(deadline)
	var msg struct {
		Type string `json:"type"`
	}
	if err := conn.ReadJSON(&msg); err != nil {
		return fmt.Errorf("reading the first message: %w", err)
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	if msg.Type != "hello" {
		return fmt.Errorf("the first message is %q", msg.Type)
	}
	return nil
}

// redact drops a URL with its query from an error: slack-go's errors
// name the request URL, which a token must never be in, and a ticket
// should not be either.
func redact(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err.Error()
	}
	return err.Error()
}

// channels checks each pool's channel and the digest's: it exists, is not
// archived, and Baton is in it.
func (c *checker) channels(ctx context.Context) {
	p := c.in.Config.Policy
	seen := map[string]bool{}
	for i, pool := range p.Pools {
		c.channel(ctx, fmt.Sprintf("pools[%d].channel", i), pool.Channel)
		seen[pool.Channel] = true
	}
	// digest.channel defaults to the first pool's; a channel of its own
	// is checked under its own key.
	if d := p.Digest.Channel; d != "" && !seen[d] {
		c.channel(ctx, "digest.channel", d)
	}
}

func (c *checker) channel(ctx context.Context, key, id string) {
	if LooksPlaceholder(id) {
		return // reported as such
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	info, err := c.api.GetConversationInfoContext(cctx, &slack.GetConversationInfoInput{ChannelID: id})
	switch {
	case slackError(err) == "channel_not_found":
		c.problem(key, id, "no channel Baton can see",
			"check the ID (channel → View channel details → at the bottom); a private channel shows only once Baton is in it: /invite "+c.mention+" in it")
	case err != nil:
		c.problem(key, id, "cannot check it: "+redact(err), "")
	case info.IsArchived:
		c.problem(key, id, "the channel #"+info.Name+" is archived", "unarchive it or pick another channel")
	case !info.IsMember:
		c.problem(key, id, "Baton is not in this channel", "/invite "+c.mention+" in #"+info.Name)
	default:
		c.pass()
	}
}

// slackError is Slack's error code in err, or "".
func slackError(err error) string {
	var apiErr slack.SlackErrorResponse
	if errors.As(err, &apiErr) {
		return apiErr.Err
	}
	return ""
}

// people checks each pool's members and managers.
func (c *checker) people(ctx context.Context) {
	for i, pool := range c.in.Config.Policy.Pools {
		for j, m := range pool.Members {
			c.entry(ctx, fmt.Sprintf("pools[%d].members[%d]", i, j), m)
		}
		for j, m := range pool.Managers {
			c.entry(ctx, fmt.Sprintf("pools[%d].managers[%d]", i, j), m)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// entry checks one member entry: a user ID, an email, or a @group.
func (c *checker) entry(ctx context.Context, key, raw string) {
	e, err := directory.ParseEntry(raw)
	if err != nil {
		c.problem(key, raw, err.Error(), "") // config.Load refuses it first
		return
	}
	switch e.Kind {
	case directory.Email:
		c.email(ctx, key, e.Value)
	case directory.Group:
		c.group(ctx, key, e)
	default:
		c.user(ctx, key, e.Value, "")
	}
}

// userVerdict is what a user ID was found to be, remembered so that a
// person in several pools is asked about once.
type userVerdict struct {
	what, fix string // empty: a person, active
}

func (c *checker) user(ctx context.Context, key, id, via string) {
	if c.noUsersRead || (via == "" && LooksPlaceholder(id)) {
		return
	}
	v, seen := c.users[id]
	if !seen {
		v = c.lookUser(ctx, id)
		if c.noUsersRead {
			return
		}
		c.users[id] = v
	}
	if v.what == "" {
		c.pass()
		return
	}
	shown := id
	if via != "" {
		shown = via + " (" + id + ")"
	}
	c.problem(key, shown, v.what, v.fix)
}

func (c *checker) lookUser(ctx context.Context, id string) userVerdict {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	u, err := c.api.GetUserInfoContext(cctx, id)
	switch code := slackError(err); {
	case code == "user_not_found" || code == "user_not_visible":
		return userVerdict{"no such user in this workspace", "copy the member ID from their Slack profile (⋮ → Copy member ID)"}
	case code == "missing_scope":
		c.noUsersRead = true
		c.problem("scope", "users:read", "without it the pools' people cannot be checked (Baton itself needs it only for emails, groups, hours and presence)",
			"add users:read under OAuth & Permissions → Bot Token Scopes and reinstall the app to have them checked")
		return userVerdict{}
	case err != nil:
		return userVerdict{"cannot check it: " + redact(err), ""}
	case u.Deleted:
		return userVerdict{"the account of " + name(u) + " is deactivated", "remove it, or put who took over in its place"}
	case u.IsBot || u.IsAppUser || id == "USLACKBOT":
		return userVerdict{name(u) + " is a bot, not a person", "remove it: only people claim leads"}
	}
	return userVerdict{}
}

func name(u *slack.User) string {
	if u.RealName != "" {
		return u.RealName
	}
	return "@" + u.Name
}

func (c *checker) email(ctx context.Context, key, email string) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	u, err := c.api.GetUserByEmailContext(cctx, email)
	switch code := slackError(err); {
	case code == "users_not_found":
		c.problem(key, email, "no Slack user has this email", "check the spelling, or give their member ID instead")
	case code == "missing_scope":
		c.problem(key, email, "cannot look emails up", "add users:read.email under OAuth & Permissions and reinstall the app")
	case err != nil:
		c.problem(key, email, "cannot check it: "+redact(err), "")
	default:
		c.user(ctx, key, u.ID, email)
	}
}

func (c *checker) group(ctx context.Context, key string, e directory.Entry) {
	if c.groups == nil && c.groupErr == nil {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		c.groups, c.groupErr = c.api.GetUserGroupsContext(cctx, slack.GetUserGroupsOptionIncludeDisabled(true), slack.GetUserGroupsOptionIncludeUsers(true))
		cancel()
		if c.groups == nil {
			c.groups = []slack.UserGroup{}
		}
	}
	if c.groupErr != nil {
		c.problem(key, e.String(), "cannot list user groups: "+redact(c.groupErr), "the app needs usergroups:read")
		return
	}
	i := slices.IndexFunc(c.groups, func(g slack.UserGroup) bool { return strings.EqualFold(g.Handle, e.Value) })
	switch {
	case i < 0:
		c.problem(key, e.String(), "no user group has this handle", "check it in Slack (People → User groups), without the workspace's prefix")
	case c.groups[i].DateDelete != 0:
		c.problem(key, e.String(), "the user group is disabled", "enable it in Slack, or list the members")
	case c.groups[i].UserCount == 0 && len(c.groups[i].Users) == 0:
		c.problem(key, e.String(), "the user group has no members", "add people to it in Slack")
	default:
		c.pass()
	}
}
