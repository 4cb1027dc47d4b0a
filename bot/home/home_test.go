package home_test

import (
	"os"
	"testing"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/handoffs"
	"github.com/batonhq/baton/bot/handoffs/handoffstest"
	"github.com/batonhq/baton/bot/home"
	"github.com/batonhq/baton/bot/slackfake/slackfaketest"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestHomeShowsEachRole: opening a Home records it and publishes what the
// person's roles show, read from the database: a closer's open lead, a
// passer's handoff, a manager's board. A refresh republishes the Home as
// the leads now stand.
func TestHomeShowsEachRole(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	fake := slackfaketest.New(t)
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))
	homes := &home.Homes{Store: b.Store, Service: b.Service, API: api, Log: zerolog.Nop()}

	h := b.Create(t, "V1", "Acme Corp")
	_, err := b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: h.Channel})
	require.NoError(t, err)

	homes.Opened(b.Ctx, "U0AE1")
	closer := string(fake.HomeView("U0AE1"))
	require.Contains(t, closer, "Your open leads (1)")
	require.Contains(t, closer, "Acme Corp")

	homes.Opened(b.Ctx, "U0SDR")
	require.Contains(t, string(fake.HomeView("U0SDR")), "Acme Corp", "the passer sees their handoff")

	homes.Opened(b.Ctx, "U0BOSS")
	require.Contains(t, string(fake.HomeView("U0BOSS")), "closers", "the manager sees the pool's board")

	require.NoError(t, b.Service.Reassign(b.Ctx, h.ID, "U0BOSS", routing.ReassignInput{Reason: routing.ReassignOther, Note: "cover", To: "U0AE2"}))
	require.NoError(t, homes.Refresh(b.Ctx, "U0AE1"))
	require.Contains(t, string(fake.HomeView("U0AE1")), "Your open leads (0)", "the refresh shows the lead gone")

	require.NoError(t, homes.ShowProblem(b.Ctx, "U0AE2"))
	require.Contains(t, string(fake.HomeView("U0AE2")), "could not read everything", "a failure on the Home is said on it")
}

// TestHomeRacingAnotherReplicaEndsWithTheNewest: the Home is published
// with the hash of the one Baton last published. When another replica
// published meanwhile (here: an older Home, with a hash this one never
// saw), Slack refuses the stale hash and Baton reads the Home again and
// publishes it; the newest Home is left in place, and its hash recorded.
func TestHomeRacingAnotherReplicaEndsWithTheNewest(t *testing.T) {
	t.Parallel()
	b := handoffstest.New(t)
	fake := slackfaketest.New(t)
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))
	homes := &home.Homes{Store: b.Store, Service: b.Service, API: api, Log: zerolog.Nop()}

	homes.Opened(b.Ctx, "U0AE1")
	hash, err := b.Store.HomeHash(b.Ctx, "U0AE1")
	require.NoError(t, err)
	require.Equal(t, fake.HomeHash("U0AE1"), hash, "the published Home's hash is recorded")
	require.Contains(t, string(fake.HomeView("U0AE1")), "Your open leads (0)")

	h := b.Create(t, "V1", "Acme Corp")
	_, err = b.Service.Claim(b.Ctx, handoffs.Click{HandoffID: h.ID, User: "U0AE1", Channel: h.Channel})
	require.NoError(t, err)
	stale := `{"type":"home","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"an older Home"}}]}`
	fake.SetHomeView("U0AE1", []byte(stale))

	require.NoError(t, homes.Refresh(b.Ctx, "U0AE1"))
	publishes := fake.Calls("views.publish")
	require.Contains(t, string(publishes[len(publishes)-2].Response), "hash_conflict", "the stale hash is refused")
	require.Equal(t, hash, publishes[len(publishes)-2].Params["hash"])
	require.Contains(t, string(fake.HomeView("U0AE1")), "Your open leads (1)", "the Home read again is in place")
	hash, err = b.Store.HomeHash(b.Ctx, "U0AE1")
	require.NoError(t, err)
	require.Equal(t, fake.HomeHash("U0AE1"), hash)
}
