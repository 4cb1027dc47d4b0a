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
