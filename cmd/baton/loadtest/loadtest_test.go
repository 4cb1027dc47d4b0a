package loadtest_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/cmd/baton/drive"
	"github.com/batonhq/baton/cmd/baton/loadtest"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(batontest.Main(m)) }

// TestLoadtestSmoke runs baton loadtest briefly and small, with two
// replicas of `baton run` in child processes (this test binary, run as
// Baton by batontest.Main), against a test database and the defaults'
// Slack, which keeps its pace and takes its time to answer: the report has
// every line, every claim had one winner, the ladder's handoffs escalated,
// no notice was abandoned, and nothing failed. It checks that the load
// command works, not how fast Baton is.
func TestLoadtestSmoke(t *testing.T) {
	t.Parallel()
	dbURL, _ := storetest.NewDatabase(t)
	var out, log drive.Log
	err := loadtest.Run(context.Background(), loadtest.Options{Stdout: &out, Stderr: &log, DatabaseURL: dbURL, Self: batontest.Self}, []string{"-duration", "2s", "-passers", "3", "-receivers", "3",
		"-window", "1s", "-escalate-every", "3", "-pause", "100ms", "-settle", "100ms", "-replicas", "2"})
	require.NoError(t, err, "log:\n%s", log.String())

	report := out.String()
	for _, line := range []string{"envelope ack ", "submit ack ", "/handoff → views.open ", "submit → channel post ", "click → message updated ",
		"deadline → escalation ", "throughput ", "claims ", "errors ", "cpu ", "idle database load ", "idle RSS ", "peak RSS ",
		"BenchmarkLoad/ack ", "BenchmarkLoad/views_open ", "BenchmarkLoad/channel_post ", "BenchmarkLoad/message_updated ",
		"BenchmarkLoad/escalation ", "BenchmarkLoad/throughput ", "BenchmarkLoad/errors 1 0 errors", "BenchmarkLoad/rss ",
		"hot posts in order ", "last hot post ", "429s received ", "abandoned notices          0 ",
		"BenchmarkLoad/hot_posts 1 ", "BenchmarkLoad/ratelimited ", "BenchmarkLoad/abandoned 1 0 notices",
		"pace=true latency=100ms-300ms"} {
		require.Contains(t, report, line, "report:\n%s", report)
	}
	var errorsLine, escalations string
	for l := range strings.Lines(report) {
		switch {
		case strings.HasPrefix(l, "errors "):
			errorsLine = l
		case strings.HasPrefix(l, "deadline → escalation "):
			escalations = l
		}
	}
	require.Equal(t, []string{"errors", "0"}, strings.Fields(errorsLine), "report:\n%s", report)
	require.NotEqual(t, "0", strings.Fields(escalations)[3], "some handoffs were left to the ladder, and escalated:\n%s", report)
}
