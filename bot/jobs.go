package bot

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// The jobs' names: their run keys in the database and their names in logs.
const (
	JobSLASweep = "sla_sweep"
	JobDigest   = "digest"
)

// slaSweepLimit bounds one sweep; what is left is taken at the next tick.
const slaSweepLimit = 1000

// runKeyRetention is how long run keys are kept: far longer than any
// catch-up window, so a restart never runs an old tick again.
const runKeyRetention = 30 * 24 * time.Hour

// SweepSLA is the SLA sweep's tick: it looks at every owned lead whose
// clocks are due (sla_due_at), records each breach once with its DMs, takes
// breaches past their grace to the managers and clears what the work met.
// The run key makes the tick run once across replicas; the sweep itself
// is safe to repeat (rows are locked and breaches keyed), so a tick that
// failed half-way is simply finished by the next.
func (b *Bot) SweepSLA(ctx context.Context, tick time.Time) error {
	now := b.now()
	first, err := b.cfg.Store.StartRun(ctx, JobSLASweep, tick, now, b.cfg.Replica)
	if err != nil || !first {
		return err
	}
	changes, err := b.cfg.Store.SweepSLA(ctx, now, slaSweepLimit, func(h routing.Handoff) (routing.Change, error) {
		return routing.CheckSLA(h, b.poolOf(h), b.slaOf(h.OwnerID), now), nil
	})
	for _, c := range changes {
		b.log.Info().Int64("handoff", c.Handoff.ID).Str("event", string(c.Event.Kind)).Interface("detail", c.Event.Detail).Msg("SLA")
	}
	if len(changes) > 0 {
		b.wakeOutbox()
	}
	if perr := b.cfg.Store.PruneRuns(ctx, now.Add(-runKeyRetention)); perr != nil {
		b.log.Warn().Err(perr).Msg("old job runs not pruned")
	}
	if err != nil {
		return fmt.Errorf("SLA sweep: %w", err)
	}
	return nil
}

// QueueDigest is the digest's tick: it records the tick and puts the digest
// in the outbox in one transaction, so it is posted once across replicas
// and restarts; what it lists is read when it is delivered.
func (b *Bot) QueueDigest(ctx context.Context, tick time.Time) error {
	first, err := b.cfg.Store.EnqueueDigest(ctx, JobDigest, tick, b.now(), b.cfg.Replica, b.policy().Digest.Channel)
	if err != nil {
		return err
	}
	if first {
		b.log.Info().Time("tick", tick).Msg("digest queued")
		b.wakeOutbox()
	}
	return nil
}

// postDigest delivers a digest: the stuck leads as they stand now, each
// linked to its message.
func (b *Bot) postDigest(ctx context.Context, n routing.Notice) error {
	per := cmp.Or(b.policy().Digest.PerSection, routing.DefaultDigestPerSection)
	stuck, err := b.cfg.Store.StuckLeads(ctx, b.now(), per)
	if err != nil {
		return err
	}
	links := map[int64]string{}
	for _, sec := range stuck.Sections {
		for _, h := range sec.Leads {
			if link := b.permalink(ctx, h); link != "" {
				links[h.ID] = link
			}
		}
	}
	msg := b.clock.Digest(stuck, links)
	if _, err := b.post(ctx, n.Recipient, msg.Options()...); err != nil {
		return fmt.Errorf("post digest in %s: %w", n.Recipient, err)
	}
	return nil
}
