package launcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/webhook"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/storetest"
)

const crmSecret = "whsec-e2e-0f1e2d3c4b5a"

// crmRequest is one request a CRM endpoint took.
type crmRequest struct {
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// crm is a webhook receiver that checks every signature and keeps every
// request; hold, when set, keeps a request waiting until it returns.
type crm struct {
	*httptest.Server
	mu       sync.Mutex
	got      []crmRequest
	badSig   int
	inFlight int
	hold     func(r *http.Request)
}

func newCRM(t *testing.T, hold func(r *http.Request)) *crm {
	t.Helper()
	c := &crm{hold: hold}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		c.mu.Lock()
		c.inFlight++
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.inFlight--
			c.mu.Unlock()
		}()
		if c.hold != nil {
			c.hold(r)
		}
		ts, _ := strconv.ParseInt(r.Header.Get(webhook.HeaderTimestamp), 10, 64)
		c.mu.Lock()
		defer c.mu.Unlock()
		if r.Header.Get(webhook.HeaderSignature) != webhook.Sign(crmSecret, ts, raw) || time.Since(time.Unix(ts, 0)) > time.Minute {
			c.badSig++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body map[string]any
		if json.Unmarshal(raw, &body) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		c.got = append(c.got, crmRequest{Header: r.Header.Clone(), Body: body, Raw: raw})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *crm) requests() []crmRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]crmRequest(nil), c.got...)
}

func (c *crm) holding() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inFlight
}

func webhookConfig(url, events string) string {
	return batontest.DefaultConfig + fmt.Sprintf(`
webhooks:
  - url: %s
    secret_env: BATON_WEBHOOK_SECRET
%s`, url, events)
}

// TestWebhooksEndToEnd: a handoff and its claim through the real Main
// reach a CRM endpoint, signed, with the lead, the owner and the link.
func TestWebhooksEndToEnd(t *testing.T) {
	t.Parallel()
	c := newCRM(t, nil)
	a := batontest.Start(t, batontest.Options{
		Config: webhookConfig(c.URL, "    events: [handoff.created, handoff.claimed]\n"),
		Env:    map[string]string{"BATON_WEBHOOK_SECRET": crmSecret},
	})
	a.Slack.SetUserEmail("U0AE1", "ada@seller.example")
	h := a.Handoff("U0SDR", "Acme Corp")
	a.Click("U0AE1", h)
	a.Eventually(func() bool { return len(c.requests()) == 2 }, "the creation and the claim reach the CRM")

	got := c.requests()
	require.Zero(t, c.badSig, "every request is signed with the shared secret")
	for i, want := range []string{"handoff.created", "handoff.claimed"} {
		r := got[i]
		require.Equal(t, want, r.Header.Get(webhook.HeaderEvent))
		require.Equal(t, want, r.Body["type"])
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Equal(t, r.Header.Get(webhook.HeaderDelivery), r.Body["id"])
		handoff := r.Body["handoff"].(map[string]any)
		require.Equal(t, float64(h.ID), handoff["id"])
		require.Equal(t, "Acme Corp", handoff["company"])
		require.Equal(t, "closers", handoff["pool"])
	}
	created := got[0].Body["handoff"].(map[string]any)
	require.Equal(t, "open", created["state"], "the creation says how the lead stood then")
	require.Nil(t, created["owner"])
	claimed := got[1].Body["handoff"].(map[string]any)
	require.Equal(t, "claimed", claimed["state"])
	owner := claimed["owner"].(map[string]any)
	require.Equal(t, "U0AE1", owner["slack_id"])
	require.Equal(t, "ada@seller.example", owner["email"], "the email from the Slack profile")
	require.NotEmpty(t, owner["name"])
	require.Equal(t, "U0SDR", claimed["passer"].(map[string]any)["slack_id"])
	require.Equal(t, "Dana Reyes", claimed["contact"].(map[string]any)["name"])
	require.Equal(t, "Salesforce", claimed["answers"].(map[string]any)["crm"])
	link := claimed["slack"].(map[string]any)["permalink"].(string)
	require.True(t, strings.HasSuffix(link, "/archives/C0HANDOFF/p"+strings.ReplaceAll(h.MessageTS, ".", "")), link)
	require.NotNil(t, claimed["claimed_at"])
	require.NotEmpty(t, claimed["sla"].(map[string]any)["running"], "the owner's clocks")

	// Only the types subscribed to: no handoff.posted went.
	ds, err := a.Store.WebhookDeliveries(a.Ctx, h.ID)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	require.NotContains(t, a.Log.String(), crmSecret, "the secret is never logged")
}

// TestHangingWebhookDoesNotDelaySlack: with every webhook slot held by an
// endpoint that does not answer, a claim still shows in Slack at once.
func TestHangingWebhookDoesNotDelaySlack(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	c := newCRM(t, func(r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	a := batontest.Start(t, batontest.Options{
		Config: webhookConfig(c.URL, ""),
		Env:    map[string]string{"BATON_WEBHOOK_SECRET": crmSecret},
	})
	// Answered before Baton stops, so its stop does not wait on them.
	t.Cleanup(func() { close(release) })

	var leads []routing.Handoff
	for i := range webhook.DefaultSlots + 1 {
		a.OpenModal("U0SDR", "")
		a.Submit("U0SDR", batontest.ValidAnswers(fmt.Sprintf("Lead %d", i)))
		leads = append(leads, a.Latest("U0SDR"))
	}
	a.Eventually(func() bool { return c.holding() == webhook.DefaultSlots }, "every webhook slot waits on the endpoint")
	h := a.Posted(leads[0].ID)
	var held bool
	require.NoError(t, a.DB.QueryRow(a.Ctx, `SELECT leased_until IS NOT NULL AND delivered_at IS NULL FROM webhook_deliveries
		WHERE handoff_id = $1 ORDER BY id LIMIT 1`, h.ID).Scan(&held))
	require.True(t, held, "the lead's own creation is one of the deliveries hanging")
	clicked := time.Now()
	a.Click("U0AE1", h)
	require.Eventually(t, func() bool {
		for _, m := range a.Messages(batontest.Pool, false) {
			if m.TS == h.MessageTS && strings.HasPrefix(m.Text, "Claimed by <@U0AE1>") {
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond, "the claim shows in Slack well before the endpoint's 10 s timeout")
	t.Logf("claim shown %s after the click, with %d webhook requests hanging", time.Since(clicked), c.holding())
	require.Equal(t, webhook.DefaultSlots, c.holding(), "the endpoint still held every slot while Slack was updated")
}

func TestWebhookSecretMissingStopsStart(t *testing.T) {
	t.Parallel()
	path := batontest.WriteConfig(t, webhookConfig("https://hooks.example.com/baton", ""))
	_, err := batontest.RunCommand(t, map[string]string{"BATON_CONFIG": path}, "run")
	require.EqualError(t, err, "webhooks[0].secret_env: the environment variable BATON_WEBHOOK_SECRET is not set (or empty); set it to the secret shared with the endpoint, or remove the endpoint")
}

func TestWebhooksListAndReplay(t *testing.T) {
	t.Parallel()
	url, db := storetest.NewDatabase(t)
	st := store.New(db)
	hook := "https://hooks.example.com/baton?token=t0k3n"
	st.SetWebhookRoutes([]store.WebhookRoute{{URL: hook}})
	now := time.Now()
	pool := routing.Pool{Name: "closers", Channel: "C0HANDOFF", Members: []string{"U0AE1"}}
	policy := routing.Policy{Pools: []routing.Pool{pool}, SLA: routing.DefaultSLA()}
	h, _, err := st.CreateHandoff(context.Background(), policy.Open("V1", "U0SDR", routing.Lead{Company: "Acme Corp", Consent: true}, pool, routing.Decide(pool, nil, now), now))
	require.NoError(t, err)
	leased, err := st.LeaseWebhooks(context.Background(), time.Time{}, []string{hook}, time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, leased, 1)
	require.NoError(t, st.DeadLetterWebhook(context.Background(), leased[0], "the endpoint answered 503 Service Unavailable", time.Time{}))

	vars := map[string]string{"DATABASE_URL": url, "BATON_CONFIG": batontest.WriteConfig(t, batontest.DefaultConfig)}
	out, err := batontest.RunCommand(t, vars, "webhooks", "list")
	require.NoError(t, err, out)
	require.Contains(t, out, leased[0].DeliveryID)
	require.Contains(t, out, "handoff.created")
	require.Contains(t, out, strconv.FormatInt(h.ID, 10))
	require.Contains(t, out, "503 Service Unavailable")
	require.Contains(t, out, "https://hooks.example.com/…")
	require.NotContains(t, out, "t0k3n", "a token in the URL is not printed")

	out, err = batontest.RunCommand(t, vars, "webhooks", "replay", "no-such-delivery")
	require.ErrorContains(t, err, `no dead-lettered delivery has the id "no-such-delivery"`, out)
	out, err = batontest.RunCommand(t, vars, "webhooks", "replay", leased[0].DeliveryID)
	require.NoError(t, err, out)
	require.Contains(t, out, "1 delivery(ies) put back")
	out, err = batontest.RunCommand(t, vars, "webhooks", "list")
	require.NoError(t, err, out)
	require.Contains(t, out, "no dead-lettered webhook deliveries")
	// The configuration lists no endpoint: the replayed delivery waits
	// for one it no longer has, and the list says so.
	require.Contains(t, out, "waiting for endpoints the configuration no longer lists (sent if the URL is configured again, deleted once older than outbox.retention, 720h):")
	require.Regexp(t, `https://hooks\.example\.com/… #[0-9a-f]+\s+1\s+\d{4}-`, out)
	require.NotContains(t, out, "t0k3n")
	again, err := st.LeaseWebhooks(context.Background(), time.Time{}, []string{hook}, time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, again, 1)
	require.Equal(t, leased[0].DeliveryID, again[0].DeliveryID, "replayed under its delivery id")

	for _, args := range [][]string{{"webhooks"}, {"webhooks", "purge"}, {"webhooks", "list", "x"}, {"webhooks", "replay", "a", "b"}} {
		_, err := batontest.RunCommand(t, vars, args...)
		require.Error(t, err, "%v", args)
	}
	out, err = batontest.RunCommand(t, vars, "webhooks", "--help")
	require.NoError(t, err)
	require.Contains(t, out, "Usage: baton webhooks list")
}

// TestWebhooksReload: a reload adds an endpoint for the events after it;
// one whose secret variable is unset is refused whole.
func TestWebhooksReload(t *testing.T) {
	t.Parallel()
	c := newCRM(t, nil)
	a := batontest.Start(t, batontest.Options{Env: map[string]string{"BATON_WEBHOOK_SECRET": crmSecret}})
	before := a.Handoff("U0SDR", "Before Corp")

	missing := strings.ReplaceAll(webhookConfig(c.URL, ""), "BATON_WEBHOOK_SECRET", "NOT_SET_SECRET")
	require.NoError(t, os.WriteFile(a.Config, []byte(missing), 0o600))
	require.ErrorContains(t, a.Main.Reload(a.Ctx), "webhooks[0].secret_env: the environment variable NOT_SET_SECRET is not set")

	require.NoError(t, os.WriteFile(a.Config, []byte(webhookConfig(c.URL, "    events: [handoff.created]\n")), 0o600))
	require.NoError(t, a.Main.Reload(a.Ctx))
	after := a.Handoff("U0SDR", "After Corp")
	a.Eventually(func() bool { return len(c.requests()) == 1 }, "the new endpoint hears of the lead after the reload")
	require.Equal(t, float64(after.ID), c.requests()[0].Body["handoff"].(map[string]any)["id"])
	ds, err := a.Store.WebhookDeliveries(a.Ctx, before.ID)
	require.NoError(t, err)
	require.Empty(t, ds, "events before the reload were enqueued for the endpoints then configured: none")
}

func TestCheckConfigWarnsOfAMissingWebhookSecret(t *testing.T) {
	t.Parallel()
	path := batontest.WriteConfig(t, webhookConfig("https://hooks.example.com/baton", ""))
	out, err := batontest.RunCommand(t, nil, "check-config", path)
	require.NoError(t, err, "the file is valid")
	require.Contains(t, out, "warning: webhooks[0].secret_env: the environment variable BATON_WEBHOOK_SECRET is not set")
	out, err = batontest.RunCommand(t, map[string]string{"BATON_WEBHOOK_SECRET": "x"}, "check-config", path)
	require.NoError(t, err)
	require.NotContains(t, out, "warning: webhooks")
}
