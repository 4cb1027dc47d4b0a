package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/demo"
	"github.com/batonhq/baton/cmd/baton/drive"
	"github.com/batonhq/baton/cmd/baton/launcher"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store/localpg"
)

// sandboxURL is the line Run prints for the person to open.
var sandboxURL = regexp.MustCompile(`Baton sandbox: (http://127\.0\.0\.1:\d+/)`)

// TestRunOnItsOwnPostgreSQL runs the sandbox as `baton demo` does, with
// no database given: it starts a PostgreSQL of its own under its data
// directory, prints the page's address, and runs the bot on it (a closer's
// /handoff away is recorded there). Stopping it leaves no server behind,
// and the next run starts from an empty database.
func TestRunOnItsOwnPostgreSQL(t *testing.T) {
	// As root, the server runs as postgres and must reach its directory.
	base, err := os.MkdirTemp("", "baton-demo-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, 0o755))
	dir := filepath.Join(base, "demo")
	pgDir := filepath.Join(dir, "postgres")

	// 1. The first run: the page is served, and a closer goes away.
	runSandbox(t, dir, func(url string) {
		page := httpGet(t, url)
		require.Contains(t, page, "<html", "the page")
		httpPost(t, url+"api/command", map[string]string{"user": "U0ALEX", "channel": demo.SalesChannel, "text": "/handoff away"})
		waitFor(t, func() bool {
			return strings.Contains(httpGet(t, url+"api/state?user=U0ALEX"), "You're away until")
		}, "the away confirmation, sent once the database has it")
	})
	require.NoFileExists(t, filepath.Join(pgDir, "postmaster.pid"), "the stop leaves no PostgreSQL running")
	require.Equal(t, 1, awayEvents(t, pgDir), "the bot ran on the sandbox's own database")

	// 2. The next run starts empty.
	runSandbox(t, dir, func(url string) {
		require.NotContains(t, httpGet(t, url+"api/state?user=U0ALEX"), "You're away until")
	})
	require.NoFileExists(t, filepath.Join(pgDir, "postmaster.pid"))
	require.Zero(t, awayEvents(t, pgDir), "the sandbox's database was emptied at the start")
}

// runSandbox runs the sandbox on dir until during returns, then stops it as
// Ctrl-C would, and checks that it said so.
func runSandbox(t *testing.T, dir string, during func(url string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	out := &drive.Log{}
	done := make(chan error, 1)
	go func() {
		done <- demo.Run(runCtx, demo.Options{Bot: launcher.RunDemoBot, Addr: "127.0.0.1:0", DataDir: dir, Stdout: out, Stderr: out})
	}()
	var url string
	for url == "" {
		select {
		case err := <-done:
			t.Fatalf("the sandbox stopped as it started: %v\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("the sandbox did not print its address:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
			if m := sandboxURL.FindStringSubmatch(out.String()); m != nil {
				url = m[1]
			}
		}
	}
	during(url)
	stop()
	select {
	case err := <-done:
		require.NoError(t, err, out.String())
	case <-ctx.Done():
		t.Fatalf("the sandbox did not stop:\n%s", out.String())
	}
	require.Contains(t, out.String(), "sandbox stopped")
}

// awayEvents counts the member.away events in the sandbox's database,
// started on its own for the count and stopped again.
func awayEvents(t *testing.T, pgDir string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := localpg.Start(ctx, localpg.Options{DataDir: pgDir})
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Stop(ctx)) }()
	conn, err := pgx.Connect(ctx, srv.URL())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM events WHERE kind = $1`, routing.EventMemberAway).Scan(&n))
	return n
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", url, body)
	return string(body)
}

func httpPost(t *testing.T, url string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	resp, err := http.Post(url, "application/json", bytes.NewReader(raw))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", url, body)
}

// waitFor polls cond until it holds, or fails after a minute.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	require.Eventually(t, cond, time.Minute, 20*time.Millisecond, what)
}
