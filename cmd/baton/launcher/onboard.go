package launcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/cmd/baton/doctor"
	"github.com/batonhq/baton/cmd/baton/initconfig"
)

// doctorHelp is `baton doctor --help`.
const doctorHelp = `Usage: baton doctor

Checks, against Slack, what baton run would use: SLACK_BOT_TOKEN (auth.test)
and the scopes BATON_CONFIG needs; SLACK_APP_TOKEN (opens a Socket Mode
connection and closes it); every pool's channel and the digest's (it
exists and Baton is in it); every member and manager (a person, active;
emails and user groups resolve); and IDs that look like placeholders.
Prints one line per problem, naming the key and the ID, with the fix, then
a summary. Exits 0 when all is well, 1 otherwise, within 15 s.
`

// doctor runs baton doctor: a configuration that does not load, or a
// token file that cannot be read, is a problem line like the others.
func (m *Main) doctor(ctx context.Context, env Env) error {
	var r doctor.Report
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		r.Problems = append(r.Problems, doctor.Problem{Key: "BATON_CONFIG", ID: env.ConfigPath, What: err.Error(),
			Fix: "fix the file (baton check-config), or write one with baton init"})
	}
	if err := env.readTokenFiles(); err != nil {
		r.Problems = append(r.Problems, doctor.Problem{Key: "SLACK_*_TOKEN_FILE", What: err.Error()})
	}
	if len(r.Problems) == 0 {
		r = doctor.Check(ctx, doctor.Input{Config: cfg, APIURL: env.APIURL, BotToken: env.BotToken, AppToken: env.AppToken})
	}
	r.Write(m.Stdout)
	if !r.OK() {
		return fmt.Errorf("doctor: %d problem(s)", len(r.Problems))
	}
	return nil
}

// initConfig runs baton init; its interactive mode asks Slack with the
// bot token.
func (m *Main) initConfig(ctx context.Context, env Env, args []string) error {
	return initconfig.Run(ctx, initconfig.Options{Stdin: os.Stdin, Stdout: m.Stdout, DefaultPath: env.ConfigPath,
		Slack: func() (*slack.Client, error) {
			if err := readSecretFile("SLACK_BOT_TOKEN", env.BotTokenFile, &env.BotToken); err != nil {
				return nil, err
			}
			if !strings.HasPrefix(env.BotToken, "xoxb-") {
				return nil, errors.New("SLACK_BOT_TOKEN (or SLACK_BOT_TOKEN_FILE) must hold the Bot User OAuth Token (xoxb-…)")
			}
			return slack.New(env.BotToken, slack.OptionAPIURL(env.APIURL)), nil
		}}, args)
}

// warnPlaceholders tells, on Stderr, which IDs of cfg look like an
// example's placeholders: the file is valid, but Slack would know none
// of them.
func (m *Main) warnPlaceholders(cfg config.Config) {
	for _, p := range doctor.Placeholders(cfg) {
		fmt.Fprintln(m.Stderr, "warning:", p)
	}
}
