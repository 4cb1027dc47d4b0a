package launcher

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/batonhq/baton/bot/webhook"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/store"
)

// webhookEndpoints are cfg's webhook endpoints with their secrets read
// with getenv, and the routes the store enqueues deliveries by. A secret
// unset stops start-up, and refuses a reload, with a sentence naming its
// variable.
func webhookEndpoints(cfg config.Config, getenv func(string) string) ([]webhook.Endpoint, []store.WebhookRoute, error) {
	secrets, err := cfg.WebhookSecrets(getenv)
	if err != nil {
		return nil, nil, err
	}
	endpoints := make([]webhook.Endpoint, len(cfg.Webhooks))
	routes := make([]store.WebhookRoute, len(cfg.Webhooks))
	for i, w := range cfg.Webhooks {
		endpoints[i] = webhook.Endpoint{URL: w.URL, Secret: secrets[i], Types: w.Events}
		routes[i] = store.WebhookRoute{URL: w.URL, Types: w.Events}
	}
	return endpoints, routes, nil
}

// webhookReload is what a reload does to the webhooks: it reads the new
// configuration's secrets first (a missing one refuses the whole reload,
// before anything is applied), then returns how to apply them: the store
// enqueues every event from then on for the new endpoints, and the worker
// signs with the new secrets.
func webhookReload(st *store.Store, worker *webhook.Worker, getenv func(string) string) func(config.Config) (func(), error) {
	return func(cfg config.Config) (func(), error) {
		endpoints, routes, err := webhookEndpoints(cfg, getenv)
		if err != nil {
			return nil, err
		}
		return func() {
			st.SetWebhookRoutes(routes)
			worker.SetEndpoints(endpoints)
		}, nil
	}
}

// webhooksHelp is `baton webhooks --help`.
const webhooksHelp = `Usage: baton webhooks list
       baton webhooks replay [ID]

list prints the webhook deliveries that were dead-lettered (their last
attempt failed): delivery id, event type, handoff, endpoint, attempts,
when, and the last error; then how many deliveries still wait for each
endpoint that BATON_CONFIG no longer lists. replay sends the dead letters
again, with the same delivery id: the one whose delivery id is given, or
all of them. A running Baton
(any replica that has the endpoint in its configuration) sends them within
a second. A replayed delivery keeps its place in its handoff's order: it
goes before the handoff's later events that still wait for that endpoint,
and after those already sent (the body's sequence tells them apart).
Reads BATON_CONFIG and DATABASE_URL like migrate.
`

// webhooksCommand runs baton webhooks list|replay [id].
func (m *Main) webhooksCommand(ctx context.Context, env Env, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(m.Stdout, webhooksHelp)
			return nil
		}
	}
	if len(args) == 0 {
		return errors.New("webhooks: say list or replay (baton webhooks --help)")
	}
	verb, rest := args[0], args[1:]
	switch {
	case verb != "list" && verb != "replay":
		return fmt.Errorf("webhooks: unknown subcommand %q: list or replay (baton webhooks --help)", verb)
	case verb == "list" && len(rest) > 0:
		return fmt.Errorf("webhooks list: unexpected argument %q", rest[0])
	case verb == "replay" && len(rest) > 1:
		return fmt.Errorf("webhooks replay: unexpected argument %q: give one delivery id, or none for every dead letter", rest[1])
	}
	pool, cfg, closeDB, err := m.commandDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer closeDB()
	st := store.New(pool)
	if verb == "list" {
		return m.listWebhooks(ctx, st, cfg)
	}
	id := ""
	if len(rest) == 1 {
		id = rest[0]
	}
	n, err := st.ReplayWebhooks(ctx, id, time.Time{})
	if err != nil {
		return fmt.Errorf("webhooks replay: %w", err)
	}
	if n == 0 && id != "" {
		return fmt.Errorf("webhooks replay: no dead-lettered delivery has the id %q (baton webhooks list)", id)
	}
	fmt.Fprintf(m.Stdout, "%d delivery(ies) put back; a running Baton sends them now\n", n)
	return nil
}

// listWebhooks prints the dead letters, then the deliveries waiting for
// an endpoint cfg no longer lists.
func (m *Main) listWebhooks(ctx context.Context, st *store.Store, cfg config.Config) error {
	dead, err := st.WebhookDeadLetters(ctx)
	if err != nil {
		return fmt.Errorf("webhooks list: %w", err)
	}
	configured := make([]string, len(cfg.Webhooks))
	for i, w := range cfg.Webhooks {
		configured[i] = w.URL
	}
	orphans, err := st.UnconfiguredWebhooks(ctx, configured)
	if err != nil {
		return fmt.Errorf("webhooks list: %w", err)
	}
	if len(dead) == 0 {
		fmt.Fprintln(m.Stdout, "no dead-lettered webhook deliveries")
	} else {
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DELIVERY\tTYPE\tHANDOFF\tENDPOINT\tATTEMPTS\tDEAD SINCE\tLAST ERROR")
		for _, d := range dead {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\t%s\n", d.DeliveryID, d.Type, d.Handoff.ID, webhook.Redact(d.Endpoint),
				d.Attempts, d.DeadAt.UTC().Format(time.RFC3339), d.LastError)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(orphans) == 0 {
		return nil
	}
	fmt.Fprintf(m.Stdout, "\nwaiting for endpoints the configuration no longer lists (sent if the URL is configured again, deleted once older than outbox.retention, %s):\n", config.ShortDuration(cfg.OutboxRetention))
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tDELIVERIES\tOLDEST QUEUED")
	for _, o := range orphans {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", webhook.Redact(o.Endpoint), o.Count, o.Oldest.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}
