package launcher

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Env is the process environment Baton reads: its outside contract.
// Tokens are kept here and nowhere else, and never printed.
type Env struct {
	BotToken string // SLACK_BOT_TOKEN, xoxb-…
	AppToken string // SLACK_APP_TOKEN, xapp-…
	// BotTokenFile and AppTokenFile name files holding the tokens instead
	// (SLACK_BOT_TOKEN_FILE, SLACK_APP_TOKEN_FILE): a Kubernetes secret
	// mounted as a volume, so the token is in no process environment.
	BotTokenFile string
	AppTokenFile string
	APIURL       string // SLACK_API_URL, default https://slack.com/api/
	DatabaseURL  string // DATABASE_URL; unset: a local PostgreSQL
	ConfigPath   string // BATON_CONFIG, default ./baton.yaml
	HTTPAddr     string // BATON_HTTP_ADDR, default 127.0.0.1:8080
	LogLevel     string // LOG_LEVEL: debug, info (default), warn, error (see logSettings)
	LogFormat    string // LOG_FORMAT: json (default) or console (see logSettings)
	// APITimeout is SLACK_API_TIMEOUT as given: how long one Web API call
	// may take (see apiTimeout).
	APITimeout string
	// ShutdownTimeout is BATON_SHUTDOWN_TIMEOUT as given: how long a
	// stop (SIGTERM) may spend finishing the work in flight (see
	// shutdownTimeout).
	ShutdownTimeout string
	// DatabaseURLFile names a file holding DATABASE_URL instead
	// (DATABASE_URL_FILE): it carries the database's password.
	DatabaseURLFile string
}

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

func readEnv(getenv func(string) string) Env {
	apiURL := cmp.Or(getenv("SLACK_API_URL"), DefaultAPIURL)
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/" // slack-go appends method names to it
	}
	return Env{
		BotToken: strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		AppToken: strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		// Paths are taken as written: a space in one is the file's name.
		BotTokenFile:    getenv("SLACK_BOT_TOKEN_FILE"),
		AppTokenFile:    getenv("SLACK_APP_TOKEN_FILE"),
		APIURL:          apiURL,
		DatabaseURL:     getenv("DATABASE_URL"),
		DatabaseURLFile: getenv("DATABASE_URL_FILE"),
		ConfigPath:      cmp.Or(getenv("BATON_CONFIG"), "./baton.yaml"),
		HTTPAddr:        cmp.Or(getenv("BATON_HTTP_ADDR"), "127.0.0.1:8080"),
		LogLevel:        cmp.Or(strings.TrimSpace(getenv("LOG_LEVEL")), "info"),
		LogFormat:       cmp.Or(strings.TrimSpace(getenv("LOG_FORMAT")), "json"),
		APITimeout:      strings.TrimSpace(getenv("SLACK_API_TIMEOUT")),
		ShutdownTimeout: strings.TrimSpace(getenv("BATON_SHUTDOWN_TIMEOUT")),
	}
}

// DefaultAPITimeout bounds a Web API call when SLACK_API_TIMEOUT is unset:
// Slack answers in well under a second, and a call that hangs must fail in
// time to be retried, not hold an outbox delivery until its lease lapses.
const DefaultAPITimeout = 10 * time.Second

// apiTimeout is SLACK_API_TIMEOUT, a Go duration from 100ms to 5m.
func (e Env) apiTimeout() (time.Duration, error) {
	if e.APITimeout == "" {
		return DefaultAPITimeout, nil
	}
	d, err := time.ParseDuration(e.APITimeout)
	if err != nil || d < 100*time.Millisecond || d > 5*time.Minute {
		return 0, fmt.Errorf("SLACK_API_TIMEOUT %q: want a duration from 100ms to 5m, such as 10s", e.APITimeout)
	}
	return d, nil
}

// readTokenFiles fills the tokens from SLACK_BOT_TOKEN_FILE and
// SLACK_APP_TOKEN_FILE when they are set, trimming the newline an editor
// or `kubectl create secret --from-file` leaves at the end. A variable and
// its _FILE both set is refused: which one wins would be a guess, and a
// stale token in the environment is how a rotated secret goes unused. The
// errors name the variables and the path, never the file's content.
func (e *Env) readTokenFiles() error {
	for _, t := range []struct {
		name string
		file string
		dst  *string
	}{
		{"SLACK_BOT_TOKEN", e.BotTokenFile, &e.BotToken},
		{"SLACK_APP_TOKEN", e.AppTokenFile, &e.AppToken},
	} {
		if err := readSecretFile(t.name, t.file, t.dst); err != nil {
			return err
		}
	}
	return nil
}

// readDatabaseURLFile fills DATABASE_URL from DATABASE_URL_FILE when it is
// set, as readTokenFiles does the tokens: the connection string carries
// the database's password, which a Kubernetes secret or a systemd
// credential keeps out of the process environment.
func (e *Env) readDatabaseURLFile() error {
	return readSecretFile("DATABASE_URL", e.DatabaseURLFile, &e.DatabaseURL)
}

// readSecretFile sets *dst to the trimmed content of file, the _FILE
// variant of the variable name; nothing when file is empty. The errors
// name the variables and the path, never the content.
func readSecretFile(name, file string, dst *string) error {
	if file == "" {
		return nil
	}
	if *dst != "" {
		return fmt.Errorf("%s and %s_FILE are both set: set one of them", name, name)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		var pathErr *os.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err // the path is said once, below
		}
		return fmt.Errorf("%s_FILE: cannot read %s: %w", name, file, err)
	}
	*dst = strings.TrimSpace(string(data))
	if *dst == "" {
		return fmt.Errorf("%s_FILE: %s is empty", name, file)
	}
	return nil
}

// EnvNames are the environment variables Baton reads, in the order it
// reads them: the outside contract that the packaging files
// (Dockerfile, manifests/) are checked against.
func EnvNames() []string {
	var names []string
	readEnv(func(name string) string {
		names = append(names, name)
		return ""
	})
	return names
}

// checkTokens reads the token files, then stops start-up when a token is
// missing or of the wrong kind, naming the variable. A wrong-kind token
// would fail later with Slack's terse "not_allowed_token_type".
func (e *Env) checkTokens() error {
	if err := e.readTokenFiles(); err != nil {
		return err
	}
	for _, t := range []struct{ name, value, prefix, what string }{
		{"SLACK_BOT_TOKEN", e.BotToken, "xoxb-", "the Bot User OAuth Token from the app's OAuth & Permissions page"},
		{"SLACK_APP_TOKEN", e.AppToken, "xapp-", "an App-Level Token with the connections:write scope"},
	} {
		if t.value == "" {
			return fmt.Errorf("%s is not set (nor %s_FILE): it must hold %s (%s…)", t.name, t.name, t.what, t.prefix)
		}
		if !strings.HasPrefix(t.value, t.prefix) {
			return fmt.Errorf("%s does not start with %s: it must hold %s", t.name, t.prefix, t.what)
		}
	}
	return nil
}

// DefaultShutdownTimeout bounds a stop when BATON_SHUTDOWN_TIMEOUT is
// unset: handlers finish in milliseconds and a Slack call within
// SLACK_API_TIMEOUT (10 s), and Kubernetes sends SIGKILL 30 s after
// SIGTERM by default, so the work in flight has time to end and the
// process exits on its own well before that.
const DefaultShutdownTimeout = 10 * time.Second

// shutdownTimeout is BATON_SHUTDOWN_TIMEOUT, a Go duration from 100ms to 5m.
func (e Env) shutdownTimeout() (time.Duration, error) {
	if e.ShutdownTimeout == "" {
		return DefaultShutdownTimeout, nil
	}
	d, err := time.ParseDuration(e.ShutdownTimeout)
	if err != nil || d < 100*time.Millisecond || d > 5*time.Minute {
		return 0, fmt.Errorf("BATON_SHUTDOWN_TIMEOUT %q: want a duration from 100ms to 5m, such as 10s", e.ShutdownTimeout)
	}
	return d, nil
}

// logSettings is LOG_LEVEL and LOG_FORMAT, in any case: console says
// LOG_FORMAT is console rather than JSON. Any other value is refused: a
// LOG_LEVEL=verbose read as info would hide the debug lines its operator
// asked for, without a word.
func (e Env) logSettings() (level zerolog.Level, console bool, err error) {
	levels := map[string]zerolog.Level{"debug": zerolog.DebugLevel, "info": zerolog.InfoLevel, "warn": zerolog.WarnLevel, "error": zerolog.ErrorLevel}
	level, ok := levels[strings.ToLower(e.LogLevel)]
	if !ok {
		return 0, false, fmt.Errorf("LOG_LEVEL %q: want debug, info, warn or error", e.LogLevel)
	}
	switch strings.ToLower(e.LogFormat) {
	case "json":
	case "console":
		console = true
	default:
		return 0, false, fmt.Errorf("LOG_FORMAT %q: want json or console", e.LogFormat)
	}
	return level, console, nil
}
