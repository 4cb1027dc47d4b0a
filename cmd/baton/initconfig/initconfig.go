// Package initconfig writes a minimal working baton.yaml: one pool, its
// channel, its closers and managers, the SLA's clocks, the digest in the
// pool's channel. It takes them from flags, or asks: which of the channels
// Baton is in, then who among that channel's people. It is `baton init`;
// manifests/baton.example.yaml stays the full reference.
package initconfig

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/cmd/baton/config"
)

// Help is `baton init --help`.
const Help = `Usage: baton init [--channel C… --members U…,U… [--managers U…]] [flags]

Writes a minimal working configuration: one pool, its channel, its closers
and managers, the SLA's clocks, and the digest in the pool's channel.
With --channel it writes what the flags say, without connecting to Slack.
Without it, it asks Slack (SLACK_BOT_TOKEN) which channels Baton is in,
then lists the chosen channel's people to pick the closers and managers
from. It refuses to overwrite a file unless --force. Every key:
docs/configuration.md; the full reference: manifests/baton.example.yaml.

Flags:
  --channel ID        the pool's channel (C…)
  --members IDS       the closers, comma-separated user IDs, emails or @groups
  --managers IDS      the managers, comma-separated user IDs (optional)
  --pool NAME         the pool's name (default: closers, or the channel's name)
  --timezone ZONE     IANA time zone of the digest and the days (default UTC)
  --out FILE          where to write (default BATON_CONFIG, else ./baton.yaml)
  --force             overwrite FILE if it exists
`

// Options are what Run reads besides its arguments.
type Options struct {
	// Stdin and Stdout are the terminal of the interactive mode; Stdout
	// also gets the line saying what was written.
	Stdin  io.Reader
	Stdout io.Writer
	// DefaultPath is where to write without --out (BATON_CONFIG).
	DefaultPath string
	// Slack returns a client with the bot token, for the interactive mode.
	Slack func() (*slack.Client, error)
}

// Pool is what a minimal configuration is made of.
type Pool struct {
	Name     string
	Channel  string
	Members  []string
	Managers []string
	Timezone string
}

// Run parses args and writes the configuration.
func Run(ctx context.Context, o Options, args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		p                 Pool
		members, managers string
		out               string
		force             bool
	)
	fs.StringVar(&p.Channel, "channel", "", "")
	fs.StringVar(&members, "members", "", "")
	fs.StringVar(&managers, "managers", "", "")
	fs.StringVar(&p.Name, "pool", "", "")
	fs.StringVar(&p.Timezone, "timezone", "UTC", "")
	fs.StringVar(&out, "out", o.DefaultPath, "")
	fs.BoolVar(&force, "force", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(o.Stdout, Help)
			return nil
		}
		return fmt.Errorf("init: %w (baton init --help)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("init: unexpected argument %q (baton init --help)", fs.Arg(0))
	}
	if out == "" {
		out = "./baton.yaml"
	}
	if !force {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("init: %s exists: pass --force to overwrite it, or --out to write elsewhere", out)
		}
	}
	p.Members, p.Managers = split(members), split(managers)
	switch {
	case p.Channel != "" && len(p.Members) == 0:
		return errors.New("init: --members is required with --channel: the closers who take the leads")
	case p.Channel == "" && (len(p.Members) > 0 || len(p.Managers) > 0):
		return errors.New("init: --channel is required with --members and --managers")
	case p.Channel == "":
		if o.Slack == nil {
			return errors.New("init: give --channel and --members, or a bot token to choose them from Slack")
		}
		api, err := o.Slack()
		if err != nil {
			return fmt.Errorf("init: without --channel, init asks Slack: %w", err)
		}
		if p, err = ask(ctx, api, bufio.NewScanner(o.Stdin), o.Stdout, p); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	if p.Name == "" {
		p.Name = "closers"
	}
	if err := Write(out, p); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(o.Stdout, "wrote %s: pool %s in %s, %d closer(s), %d manager(s)\nnext: /invite Baton in the channel if it is not in it, then run baton doctor\n",
		out, p.Name, p.Channel, len(p.Members), len(p.Managers))
	return nil
}

func split(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

var minimal = template.Must(template.New("baton.yaml").Funcs(template.FuncMap{"list": list}).Parse(
	`# Written by baton init. Every key: docs/configuration.md; the full
# reference, with several pools, rules and ladders:
# manifests/baton.example.yaml. Check it with baton doctor.
timezone: {{printf "%q" .Timezone}}
pools:
  - name: {{printf "%q" .Name}}
    channel: {{printf "%q" .Channel}}
    # the closers who take the leads: user IDs, emails or @user-groups
    members: {{list .Members}}
    # told when a lead is left unclaimed or its SLA breached
    managers: {{list .Managers}}
sla:
  claim_window: 60s
  first_touch: 48h
  outcome_due: 24h
digest:
  channel: {{printf "%q" .Channel}}
  schedule: "0 9 * * 1-5"
`))

// list is a YAML flow sequence of strings, each quoted.
func list(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// Write writes p's configuration to path, once it loads as baton run
// would load it: a file init wrote always passes check-config.
func Write(path string, p Pool) error {
	var b strings.Builder
	if err := minimal.Execute(&b, p); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".baton-init-*.yaml")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := config.Load(tmp.Name()); err != nil {
		return fmt.Errorf("the configuration would not load, nothing written: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ask fills p from Slack and the person at the terminal.
func ask(ctx context.Context, api *slack.Client, in *bufio.Scanner, out io.Writer, p Pool) (Pool, error) {
	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		return p, fmt.Errorf("SLACK_BOT_TOKEN (auth.test): %w", err)
	}
	channels, err := botChannels(ctx, api)
	if err != nil {
		return p, err
	}
	if len(channels) == 0 {
		return p, errors.New("Baton is in no channel yet: /invite @" + auth.User + " in the closers' channel, then run baton init again")
	}
	fmt.Fprintln(out, "Channels Baton is in:")
	for i, c := range channels {
		fmt.Fprintf(out, "  %d. #%s (%s)\n", i+1, c.Name, c.ID)
	}
	picked, err := pick(in, out, fmt.Sprintf("The pool's channel, where leads are posted [1-%d]: ", len(channels)), len(channels), false, false)
	if err != nil {
		return p, err
	}
	ch := channels[picked[0]]
	p.Channel = ch.ID
	if p.Name == "" {
		p.Name = ch.Name
	}
	people, err := channelPeople(ctx, api, ch.ID, auth.UserID)
	if err != nil {
		return p, err
	}
	if len(people) == 0 {
		return p, fmt.Errorf("#%s has no one but Baton: invite the closers to it, then run baton init again", ch.Name)
	}
	fmt.Fprintf(out, "People in #%s:\n", ch.Name)
	for i, u := range people {
		fmt.Fprintf(out, "  %d. %s (%s)\n", i+1, u.name, u.id)
	}
	picked, err = pick(in, out, "Closers who take the leads (numbers such as 1,3, or all) [all]: ", len(people), true, false)
	if err != nil {
		return p, err
	}
	for _, i := range picked {
		p.Members = append(p.Members, people[i].id)
	}
	picked, err = pick(in, out, "Managers, told when a lead is stuck (numbers, or empty for none): ", len(people), false, true)
	if err != nil {
		return p, err
	}
	for _, i := range picked {
		p.Managers = append(p.Managers, people[i].id)
	}
	return p, nil
}

// pick reads numbers from 1 to n, comma-separated, asking again after a
// wrong answer. all accepts "all" and an empty answer for everyone;
// none accepts an empty answer for no one; with neither, one number.
func pick(in *bufio.Scanner, out io.Writer, prompt string, n int, all, none bool) ([]int, error) {
	for {
		fmt.Fprint(out, prompt)
		if !in.Scan() {
			return nil, errors.New("no answer (end of input)")
		}
		answer := strings.TrimSpace(in.Text())
		switch {
		case answer == "" && none:
			return nil, nil
		case (answer == "" || strings.EqualFold(answer, "all")) && all:
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out, nil
		}
		var got []int
		ok := answer != ""
		for _, f := range split(answer) {
			i, err := strconv.Atoi(f)
			if err != nil || i < 1 || i > n || slices.Contains(got, i-1) {
				ok = false
				break
			}
			got = append(got, i-1)
		}
		if ok && (all || none || len(got) == 1) {
			return got, nil
		}
		fmt.Fprintf(out, "  answer with numbers from 1 to %d\n", n)
	}
}

// botChannels lists the channels Baton is in, public and private.
func botChannels(ctx context.Context, api *slack.Client) ([]slack.Channel, error) {
	var out []slack.Channel
	params := &slack.GetConversationsForUserParameters{Types: []string{"public_channel", "private_channel"}, ExcludeArchived: true, Limit: 200}
	for {
		page, next, err := api.GetConversationsForUserContext(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("listing Baton's channels (users.conversations): %w", err)
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		params.Cursor = next
	}
}

// person is someone in the chosen channel.
type person struct{ id, name string }

// channelPeople lists the people in a channel: not Baton, not other bots,
// not deactivated accounts.
func channelPeople(ctx context.Context, api *slack.Client, channel, self string) ([]person, error) {
	var ids []string
	params := &slack.GetUsersInConversationParameters{ChannelID: channel, Limit: 200}
	for {
		page, next, err := api.GetUsersInConversationContext(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("listing the channel's members (conversations.members): %w", err)
		}
		ids = append(ids, page...)
		if next == "" {
			break
		}
		params.Cursor = next
	}
	var out []person
	for _, id := range ids {
		if id == self {
			continue
		}
		u, err := api.GetUserInfoContext(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reading %s (users.info): %w", id, err)
		}
		if u.Deleted || u.IsBot || u.IsAppUser {
			continue
		}
		name := u.RealName
		if name == "" {
			name = "@" + u.Name
		}
		out = append(out, person{id: id, name: name})
	}
	return out, nil
}
