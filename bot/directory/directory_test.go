package directory_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
)

const waitTimeout = 5 * time.Second

type dirBundle struct {
	fake *slackfake.Server
	dir  *directory.Directory
	// log is written through zerolog.SyncWriter; read it only once the
	// goroutines that log have finished.
	log *bytes.Buffer
}

// setupDirectory returns a Directory talking to a fake Slack over HTTP with
// the production slack-go client, in a workspace with Dana (U2, by email),
// and the @closers group (S1: U3, U1, U4).
func setupDirectory(t *testing.T) dirBundle {
	t.Helper()
	fake := slackfaketest.New(t)
	fake.SetUserEmail("U2", "dana@acme.com")
	fake.AddUserGroup("closers", "S1", "U3", "U1", "U4")
	logs := &bytes.Buffer{}
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))
	return dirBundle{fake: fake, dir: directory.New(api, zerolog.New(zerolog.SyncWriter(logs))), log: logs}
}

func entries(t *testing.T, in ...string) []directory.Entry {
	t.Helper()
	out := make([]directory.Entry, 0, len(in))
	for _, s := range in {
		e, err := directory.ParseEntry(s)
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

// callCounts counts the fake's calls to the directory methods.
func callCounts(fake *slackfake.Server) map[string]int {
	out := map[string]int{}
	for _, m := range []string{"users.lookupByEmail", "usergroups.list", "usergroups.users.list"} {
		out[m] = len(fake.Calls(m))
	}
	return out
}

func TestResolve(t *testing.T) {
	t.Parallel()
	b := setupDirectory(t)
	ctx := context.Background()

	ids, problems := b.dir.Resolve(ctx, entries(t, "U1", "dana@acme.com", "@closers", "U2", "DANA@acme.com"))
	require.Empty(t, problems)
	require.Equal(t, []string{"U1", "U2", "U3", "U4"}, ids, "config order, groups where they stand, each user once")
	require.Equal(t, map[string]int{"users.lookupByEmail": 1, "usergroups.list": 1, "usergroups.users.list": 1}, callCounts(b.fake),
		"the same email in another case is looked up once")
	require.Equal(t, "S1", b.fake.Calls("usergroups.users.list")[0].Params["usergroup"])

	// Everything is cached: resolving again, in another order, asks nothing.
	ids, problems = b.dir.Resolve(ctx, entries(t, "@closers", "dana@acme.com", "U9"))
	require.Empty(t, problems)
	require.Equal(t, []string{"U3", "U1", "U4", "U2", "U9"}, ids)
	require.Equal(t, map[string]int{"users.lookupByEmail": 1, "usergroups.list": 1, "usergroups.users.list": 1}, callCounts(b.fake))

	ids, problems = b.dir.Resolve(ctx, nil)
	require.Empty(t, ids)
	require.Empty(t, problems)
}

func TestResolveReportsWhatDoesNotResolve(t *testing.T) {
	t.Parallel()
	b := setupDirectory(t)
	ctx := context.Background()

	ids, problems := b.dir.Resolve(ctx, entries(t, "nobody@acme.com", "U1", "@ghosts", "@closers", "dana@acme.com"))
	require.Equal(t, []string{"U1", "U3", "U4", "U2"}, ids, "the rest still resolves")
	require.Len(t, problems, 2)
	for i, want := range []string{"nobody@acme.com", "@ghosts"} {
		var ee *directory.EntryError
		require.ErrorAs(t, problems[i], &ee)
		require.Equal(t, want, ee.Entry.String())
		require.ErrorIs(t, problems[i], directory.ErrNotFound)
	}
	require.EqualError(t, problems[0], "member nobody@acme.com: users.lookupByEmail: not in this Slack workspace (users_not_found)")
	require.EqualError(t, problems[1], "member @ghosts: usergroups.list: no user group has this handle: not in this Slack workspace")

	// Failures are remembered until Refresh: a pool with a typo does not
	// cost a Slack call per handoff.
	before := callCounts(b.fake)
	_, problems = b.dir.Resolve(ctx, entries(t, "nobody@acme.com", "@ghosts"))
	require.Len(t, problems, 2)
	require.Equal(t, before, callCounts(b.fake))
}

func TestResolveSlackFailure(t *testing.T) {
	t.Parallel()
	b := setupDirectory(t)
	ctx := context.Background()

	b.fake.FailNext("usergroups.list", 1, http.StatusInternalServerError)
	b.fake.RateLimit("users.lookupByEmail", 1, time.Minute)
	ids, problems := b.dir.Resolve(ctx, entries(t, "U1", "@closers", "dana@acme.com"))
	require.Equal(t, []string{"U1"}, ids)
	require.Len(t, problems, 2)
	for _, p := range problems {
		require.NotErrorIs(t, p, directory.ErrNotFound, "an outage is not a typo")
	}
	var rl *slack.RateLimitedError
	require.ErrorAs(t, problems[1], &rl)

	require.NoError(t, b.dir.Refresh(ctx))
	ids, problems = b.dir.Resolve(ctx, entries(t, "U1", "@closers", "dana@acme.com"))
	require.Empty(t, problems)
	require.Equal(t, []string{"U1", "U3", "U4", "U2"}, ids)
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	b := setupDirectory(t)
	ctx := context.Background()
	pool := entries(t, "@closers", "dana@acme.com", "nobody@acme.com")

	ids, _ := b.dir.Resolve(ctx, pool)
	require.Equal(t, []string{"U3", "U1", "U4", "U2"}, ids)

	// Slack changes; the directory knows at the next refresh, not before.
	b.fake.SetUserGroupUsers("S1", "U5", "U3")
	b.fake.SetUserEmail("U6", "nobody@acme.com")
	ids, _ = b.dir.Resolve(ctx, pool)
	require.Equal(t, []string{"U3", "U1", "U4", "U2"}, ids)

	lookups := len(b.fake.Calls("users.lookupByEmail"))
	require.NoError(t, b.dir.Refresh(ctx))
	ids, problems := b.dir.Resolve(ctx, pool)
	require.Empty(t, problems)
	require.Equal(t, []string{"U5", "U3", "U2", "U6"}, ids)
	require.Equal(t, lookups+1, len(b.fake.Calls("users.lookupByEmail")),
		"only the email that failed is asked again; a resolved one is kept for good")

	// A group emptied in Slack empties its part of the pool: that is an answer, not a failure.
	b.fake.SetUserGroupUsers("S1")
	require.NoError(t, b.dir.Refresh(ctx))
	ids, _ = b.dir.Resolve(ctx, pool)
	require.Equal(t, []string{"U2", "U6"}, ids)
}

func TestRefreshFailureKeepsLastGoodMembers(t *testing.T) {
	t.Parallel()
	b := setupDirectory(t)
	ctx := context.Background()
	pool := entries(t, "@closers")
	b.fake.AddUserGroup("managers", "S2", "U9")

	ids, problems := b.dir.Resolve(ctx, entries(t, "@closers", "@managers"))
	require.Empty(t, problems)
	require.Equal(t, []string{"U3", "U1", "U4", "U9"}, ids)
	b.fake.SetUserGroupUsers("S1", "U5")

	for _, fail := range []string{"usergroups.list", "usergroups.users.list"} {
		b.fake.FailNext(fail, 1, http.StatusInternalServerError)
		err := b.dir.Refresh(ctx)
		require.Error(t, err, fail)
		var ee *directory.EntryError
		require.ErrorAs(t, err, &ee)
		require.Equal(t, "@closers", ee.Entry.String(), fail)
		ids, problems = b.dir.Resolve(ctx, pool)
		require.Empty(t, problems, "a group with a last good membership is not a problem")
		require.Equal(t, []string{"U3", "U1", "U4"}, ids, "%s failed: the last good members stay", fail)
	}

	// A group deleted in Slack keeps its last members too, and says so at refresh.
	b.fake.AddUserGroup("closers-old", "S1", "U5")
	err := b.dir.Refresh(ctx)
	require.ErrorIs(t, err, directory.ErrNotFound)
	ids, _ = b.dir.Resolve(ctx, pool)
	require.Equal(t, []string{"U3", "U1", "U4"}, ids)

	b.fake.AddUserGroup("closers", "S3", "U5")
	require.NoError(t, b.dir.Refresh(ctx))
	ids, _ = b.dir.Resolve(ctx, pool)
	require.Equal(t, []string{"U5"}, ids)
}

func TestRun(t *testing.T) {
	t.Parallel()
	b := setupDirectory(t)
	ctx, cancel := context.WithCancel(context.Background())
	pool := entries(t, "@closers")
	ids, _ := b.dir.Resolve(ctx, pool)
	require.Equal(t, []string{"U3", "U1", "U4"}, ids)

	// The first refresh fails and is logged; a later one sees the change.
	b.fake.SetUserGroupUsers("S1", "U5")
	b.fake.FailNext("usergroups.list", 1, http.StatusInternalServerError)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.dir.Run(ctx, time.Millisecond)
	}()
	// Refreshes run one after another, so once a fourth usergroups.list has
	// been asked (Resolve's, the failed refresh's, a good refresh's, the
	// next one's), the good refresh has stored its answer.
	slackfaketest.WaitFor(t, b.fake, "usergroups.list", func(slackfake.Call) bool {
		return len(b.fake.Calls("usergroups.list")) >= 4
	}, waitTimeout)
	ids, _ = b.dir.Resolve(ctx, pool)
	require.Equal(t, []string{"U5"}, ids)

	cancel()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("Run did not stop when its context ended")
	}
	require.Contains(t, b.log.String(), `"level":"warn"`)
	require.Contains(t, b.log.String(), "keeping the last good members")
	require.NotContains(t, b.log.String(), b.fake.BotToken())
}
