package launcher

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/drive"
)

func TestTokenFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	bot, app := file("bot", "xoxb-from-file\n"), file("app", "xapp-from-file\r\n")
	for _, tt := range []struct {
		name string
		vars map[string]string
		err  string
	}{
		{"both from files, newline trimmed", map[string]string{"SLACK_BOT_TOKEN_FILE": bot, "SLACK_APP_TOKEN_FILE": app}, ""},
		{"one from the environment, one from a file", map[string]string{"SLACK_BOT_TOKEN": "xoxb-from-file", "SLACK_APP_TOKEN_FILE": app}, ""},
		{"a variable and its file", map[string]string{"SLACK_BOT_TOKEN": "xoxb-env", "SLACK_BOT_TOKEN_FILE": bot, "SLACK_APP_TOKEN_FILE": app},
			"SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set"},
		{"the app token and its file", map[string]string{"SLACK_BOT_TOKEN_FILE": bot, "SLACK_APP_TOKEN": "xapp-env", "SLACK_APP_TOKEN_FILE": app},
			"SLACK_APP_TOKEN and SLACK_APP_TOKEN_FILE are both set"},
		{"a missing file", map[string]string{"SLACK_BOT_TOKEN_FILE": filepath.Join(dir, "nope"), "SLACK_APP_TOKEN_FILE": app},
			"SLACK_BOT_TOKEN_FILE: cannot read " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"an empty file", map[string]string{"SLACK_BOT_TOKEN_FILE": bot, "SLACK_APP_TOKEN_FILE": file("empty", "\n")},
			"SLACK_APP_TOKEN_FILE: " + filepath.Join(dir, "empty") + " is empty"},
		{"the wrong token in a file", map[string]string{"SLACK_BOT_TOKEN_FILE": app, "SLACK_APP_TOKEN_FILE": app},
			"SLACK_BOT_TOKEN does not start with xoxb-"},
		{"none at all", map[string]string{}, "SLACK_BOT_TOKEN is not set (nor SLACK_BOT_TOKEN_FILE)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := readEnv(drive.Getenv(tt.vars))
			err := e.checkTokens()
			if tt.err == "" {
				require.NoError(t, err)
				require.Equal(t, "xoxb-from-file", e.BotToken)
				require.Equal(t, "xapp-from-file", e.AppToken)
				return
			}
			require.ErrorContains(t, err, tt.err)
			for _, secret := range []string{"from-file", "xoxb-env", "xapp-env"} {
				require.NotContains(t, err.Error(), secret, "a token is never echoed")
			}
		})
	}
}
