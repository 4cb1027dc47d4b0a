package drive

import (
	"github.com/batonhq/baton/bot/slackfake"
)

// Env is the environment that runs Baton against fake, the database at
// dbURL and the configuration file at configPath: its HTTP probes on a port
// of the kernel's choosing, its log as JSON at debug level. The caller may
// change it before use.
func Env(fake *slackfake.Server, dbURL, configPath string) map[string]string {
	return map[string]string{
		"SLACK_BOT_TOKEN": fake.BotToken(),
		"SLACK_APP_TOKEN": fake.AppToken(),
		"SLACK_API_URL":   fake.APIURL(),
		"DATABASE_URL":    dbURL,
		"BATON_CONFIG":    configPath,
		"BATON_HTTP_ADDR": "127.0.0.1:0",
		"LOG_LEVEL":       "debug",
		"LOG_FORMAT":      "json",
	}
}

// Getenv reads vars as Main.Getenv reads the environment.
func Getenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}
