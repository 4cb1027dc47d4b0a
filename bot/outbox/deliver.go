package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

const (
	// outboxLease is how long a leased notice is ours; a replica that dies
	// mid-delivery releases it by letting it lapse.
	outboxLease = 30 * time.Second
	// outboxParallel bounds the deliveries in flight (and so the Slack calls
	// the outbox makes at once) from one replica.
	outboxParallel = 8
	// maxRetryDelay caps the backoff, so a notice blocked by a fixable
	// problem (the app not invited to the channel) goes out minutes after
	// the fix, not hours.
	maxRetryDelay = 5 * time.Minute
	// maxAttempts bounds the retries (about two hours with the backoff), so
	// one undeliverable notice cannot hold back its ordering key forever.
	maxAttempts = 15
	// markTimeout bounds the recording of a delivery's result.
	markTimeout = 5 * time.Second
)

// permanentSlackErrors are answers that no retry can change: the notice is
// abandoned at once rather than blocking the notices behind it.
var permanentSlackErrors = map[string]bool{
	"invalid_blocks": true, "invalid_blocks_format": true, "msg_too_long": true, "no_text": true,
	"channel_not_found": true, "is_archived": true, "message_not_found": true, "cant_update_message": true,
	"user_not_found": true, "user_disabled": true, "cannot_dm_bot": true, "invalid_arguments": true,
}

func isPermanent(err error) bool {
	var apiErr slack.SlackErrorResponse
	return errors.As(err, &apiErr) && permanentSlackErrors[apiErr.Err]
}

// deliverLoop delivers due notices until ctx is cancelled, keeping up to
// outboxParallel deliveries in flight: it leases as many due notices as it
// has free workers at once when woken by this process's own state changes,
// whenever a delivery finishes (the next notice of its ordering key may now
// be due: a claim's message update waits for the post's thread reply), and
// every OutboxPoll for the rest (retries, other replicas' notices, notices
// left by a crash). A notice never waits for an unrelated slow one: leasing
// in batches, and waiting for a batch's slowest delivery before the next,
// held claims' message updates behind hundreds of escalation DMs.
func (b *Bot) deliverLoop(ctx context.Context) {
	ticker := time.NewTicker(b.cfg.OutboxPoll)
	defer ticker.Stop()
	finished := make(chan struct{}, outboxParallel)
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	free := outboxParallel
	for {
		if free > 0 && ctx.Err() == nil {
			notices, err := b.cfg.Store.LeaseNotices(ctx, b.now(), outboxLease, free)
			if err != nil && ctx.Err() == nil {
				b.log.Warn().Err(err).Msg("outbox lease failed")
			}
			for _, n := range notices {
				free--
				inFlight.Go(func() {
					defer func() { finished <- struct{}{} }()
					// Leased: delivered (or marked failed) even during
					// shutdown, within the lease.
					ctx, cancel := detached(ctx, outboxLease)
					defer cancel()
					b.deliverOne(ctx, n)
				})
			}
			// Fewer than asked for: nothing else is due until a delivery
			// finishes, a change is announced, or the poll.
		}
		select {
		case <-ctx.Done():
			return
		case <-finished:
			free++
		case <-b.wake:
		case <-ticker.C:
		}
		// Several deliveries may have finished together: lease for all of
		// their slots in one query.
		for drained := false; !drained; {
			select {
			case <-finished:
				free++
			default:
				drained = true
			}
		}
	}
}

func (b *Bot) deliverOne(ctx context.Context, n routing.PendingNotice) {
	dctx := ctx
	log := b.log.With().Int64("notice", n.ID).Str("kind", string(n.Kind)).Int64("handoff", n.HandoffID).Int("attempt", n.Attempts).Logger()
	err := b.deliver(ctx, n.Notice)
	// What happened is recorded even when the delivery was cut off by a
	// stop's bound, on a context of its own: a post Slack took must not go
	// again for want of its mark. Until the lease ends (a database restart
	// takes seconds), or for markTimeout after a stop's drain was cut off.
	markFor := markTimeout
	if deadline, ok := dctx.Deadline(); ok && !cutOff(dctx) {
		markFor = max(time.Until(deadline), markTimeout)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markFor)
	defer cancel()
	if err == nil {
		b.cfg.Metrics.Delivered(string(n.Kind))
		if err := b.record(ctx, func(ctx context.Context) error { return b.cfg.Store.MarkDelivered(ctx, n.ID, b.now()) }); err != nil {
			// The lease lapses and the notice goes again: at least once.
			log.Error().Err(err).Msg("notice delivered but not marked")
		}
		return
	}
	if cutOff(dctx) {
		// Cut off by a stop's bound, not failed: back in the outbox, due
		// now, for the next process or another replica. Slack may have
		// acted on the call it was in (at least once).
		log.Warn().Err(err).Msg("stopping: delivery cut off; left in the outbox for the next process")
		if err := b.cfg.Store.MarkFailed(ctx, n.ID, err, b.now()); err != nil {
			log.Error().Err(err).Msg("could not put the notice back; its lease will lapse")
		}
		return
	}
	if isPermanent(err) || n.Attempts >= maxAttempts {
		log.Error().Err(err).Msg("notice abandoned: Slack will not take it")
		b.cfg.Metrics.Abandoned(string(n.Kind))
		if err := b.cfg.Store.MarkAbandoned(ctx, n, err, b.now()); err != nil {
			log.Error().Err(err).Msg("could not record the abandoned notice; the lease will lapse")
		}
		return
	}
	var paced *pacedError
	if errors.As(err, &paced) {
		log.Debug().Str("channel", paced.Channel).Dur("wait", paced.Wait).Msg("notice held back by the channel's pace")
		if err := b.cfg.Store.Postpone(ctx, n.ID, b.now().Add(paced.Wait)); err != nil {
			log.Error().Err(err).Msg("could not postpone the notice; the lease will lapse")
		}
		return
	}
	retryAt := b.now().Add(retryDelay(n.Attempts, err))
	log.Warn().Err(err).Time("retry_at", retryAt).Msg("notice delivery failed; will retry")
	b.cfg.Metrics.DeliveryFailed(string(n.Kind))
	if err := b.cfg.Store.MarkFailed(ctx, n.ID, err, retryAt); err != nil {
		log.Error().Err(err).Msg("could not record failed delivery; the lease will lapse")
	}
}

// record writes down a Slack effect that has already happened (a post's
// ts, a notice delivered), retrying until it succeeds or ctx, the
// delivery's lease, ends. Giving up sooner sends the effect again when the
// lease lapses: a second @channel post, a second DM. Five tries in 1.5 s
// were not enough for a database restart, which takes seconds; a database
// down for longer than the lease still gets the notice delivered twice
// (at least once, never lost).
func (b *Bot) record(ctx context.Context, write func(context.Context) error) error {
	wait := 100 * time.Millisecond
	for {
		err := write(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// retryDelay waits what Slack asks on a 429, else backs off exponentially
// from one second.
func retryDelay(attempts int, err error) time.Duration {
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		return max(limited.RetryAfter, time.Second)
	}
	d := time.Second << min(max(attempts-1, 0), 10)
	return min(d, maxRetryDelay)
}

// deliver renders a notice from the handoff's current state and sends it.
func (b *Bot) deliver(ctx context.Context, n routing.Notice) error {
	switch n.Kind {
	case routing.NoticeDigest:
		return b.postDigest(ctx, n)
	case routing.NoticeWeeklyReview:
		return b.postWeeklyReview(ctx, n)
	case routing.NoticeHomeRefresh:
		return b.refreshHome(ctx, n.Recipient)
	}
	h, err := b.cfg.Store.Handoff(ctx, n.HandoffID)
	if err != nil {
		return err
	}
	switch n.Kind {
	case routing.NoticeChannelMessage:
		return b.syncChannelMessage(ctx, h)
	case routing.NoticeThreadBrief:
		return b.threadReply(ctx, h, "thread brief", b.clock.ThreadBrief(h))
	case routing.NoticePasserSent:
		return b.dm(ctx, n.Recipient, b.clock.PasserSent(h))
	case routing.NoticeOwnerBrief:
		return b.dm(ctx, n.Recipient, b.clock.OwnerBrief(h))
	case routing.NoticePasserClaimed:
		return b.dm(ctx, n.Recipient, b.clock.PasserClaimed(h))
	case routing.NoticeFallbackMessage:
		return b.syncFallbackMessage(ctx, h)
	case routing.NoticeReping, routing.NoticeMemberNudge, routing.NoticeManagerAlert:
		if h.State != routing.StateOpen {
			// Claimed, scheduled or cancelled since the step (a retry, a
			// catch-up after a restart): asking for a claim would mislead.
			return nil
		}
		switch n.Kind {
		case routing.NoticeReping:
			return b.threadReply(ctx, h, "re-ping", b.clock.Reping(h))
		case routing.NoticeMemberNudge:
			return b.dm(ctx, n.Recipient, b.clock.MemberNudge(h, b.permalink(ctx, h)))
		}
		return b.dm(ctx, n.Recipient, b.clock.ManagerAlert(h, b.permalink(ctx, h)))
	case routing.NoticeOwnerAssigned:
		if h.OwnerID != n.Recipient {
			return nil // handed on since: the brief goes to whoever owns it now
		}
		return b.dm(ctx, n.Recipient, b.clock.OwnerAssigned(h))
	case routing.NoticePasserMissed:
		return b.dm(ctx, n.Recipient, b.clock.PasserMissed(h))
	case routing.NoticeOwnerCallback:
		return b.dm(ctx, n.Recipient, b.clock.OwnerCallback(h))
	case routing.NoticePasserScheduled:
		return b.dm(ctx, n.Recipient, b.clock.PasserScheduled(h))
	case routing.NoticeOwnerCancelled:
		return b.dm(ctx, n.Recipient, b.clock.OwnerCancelled(h))
	case routing.NoticeOffered:
		if h.State != routing.StateOpen || h.Turn.UpNext != n.Recipient {
			return nil // claimed or passed on since: nothing to offer
		}
		return b.dm(ctx, n.Recipient, b.clock.Offered(h, b.permalink(ctx, h)))
	case routing.NoticeSetAway:
		return b.dm(ctx, n.Recipient, b.clock.SetAway(h))
	case routing.NoticeWorkLogged:
		return b.dm(ctx, n.Recipient, b.clock.WorkLogged(h, n.Detail, b.runningClocks(h)))
	case routing.NoticePasserOutcome:
		return b.dm(ctx, n.Recipient, b.clock.PasserOutcome(h, b.permalink(ctx, h)))
	case routing.NoticeOwnerReassigned:
		if h.OwnerID != n.Recipient {
			return nil // moved on again since: the brief goes to whoever owns it now
		}
		return b.dm(ctx, n.Recipient, b.clock.OwnerReassigned(h, b.runningClocks(h)))
	case routing.NoticeOwnerReleased:
		return b.dm(ctx, n.Recipient, b.clock.OwnerReleased(h))
	case routing.NoticePasserReassigned:
		return b.dm(ctx, n.Recipient, b.clock.PasserReassigned(h))
	case routing.NoticeSLABreach, routing.NoticeSLAManagerAlert:
		managers := n.Kind == routing.NoticeSLAManagerAlert
		open := openBreaches(h, managers)
		if len(open) == 0 {
			return nil // the work was done (or the lead moved) before this went out
		}
		if managers {
			return b.dm(ctx, n.Recipient, b.clock.SLAManagerAlert(h, open, b.permalink(ctx, h)))
		}
		return b.dm(ctx, n.Recipient, b.clock.SLABreach(h, open, b.permalink(ctx, h)))
	}
	return fmt.Errorf("unknown notice kind %q", n.Kind)
}

// syncChannelMessage posts the handoff's message the first time and updates
// it afterwards, always from the current state, so delivering twice or late
// shows the truth rather than a stale step.
func (b *Bot) syncChannelMessage(ctx context.Context, h routing.Handoff) error {
	return b.syncMessage(ctx, h, h.Channel, h.MessageTS, b.clock.ChannelMessage(h), b.cfg.Store.SetMessageTS)
}

// syncFallbackMessage does the same for the message in the fallback pool's
// channel.
func (b *Bot) syncFallbackMessage(ctx context.Context, h routing.Handoff) error {
	return b.syncMessage(ctx, h, h.Escalation.FallbackChannel, h.FallbackTS, b.clock.FallbackMessage(h), b.cfg.Store.SetFallbackTS)
}

func (b *Bot) syncMessage(ctx context.Context, h routing.Handoff, channel, ts string, msg render.Message,
	keep func(ctx context.Context, id int64, ts string, now time.Time) error) error {
	if ts == "" {
		ts, err := b.post(ctx, channel, msg.Options()...)
		if err != nil {
			return fmt.Errorf("post handoff %d in %s: %w", h.ID, channel, err)
		}
		// The post is out: losing its ts now would post it again on retry.
		return b.record(ctx, func(ctx context.Context) error { return keep(ctx, h.ID, ts, b.now()) })
	}
	if _, _, _, err := b.cfg.API.UpdateMessageContext(ctx, channel, ts, msg.Options()...); err != nil {
		return fmt.Errorf("update handoff %d message %s in %s: %w", h.ID, ts, channel, err)
	}
	return nil
}

// threadReply posts msg in the handoff's thread. It follows the post in the
// same ordering key, so the post is there; if the post was abandoned there
// is no thread (the DMs still carry what matters), so the reply is skipped
// rather than retried for hours in front of the message's later updates.
func (b *Bot) threadReply(ctx context.Context, h routing.Handoff, what string, msg render.Message) error {
	if h.MessageTS == "" {
		b.log.Warn().Int64("handoff", h.ID).Str("reply", what).Msg("no channel message to reply under; skipped")
		return nil
	}
	if _, err := b.post(ctx, h.Channel, append(msg.Options(), slack.MsgOptionTS(h.MessageTS))...); err != nil {
		return fmt.Errorf("%s of handoff %d: %w", what, h.ID, err)
	}
	return nil
}

// permalink links a DM to the handoff's message. It is a nicety: without
// it the DM names the channel, so a failure is logged and not retried.
func (b *Bot) permalink(ctx context.Context, h routing.Handoff) string {
	if h.MessageTS == "" {
		return ""
	}
	link, err := b.cfg.API.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: h.Channel, Ts: h.MessageTS})
	if err != nil {
		b.log.Warn().Err(err).Int64("handoff", h.ID).Msg("chat.getPermalink failed; the DM names the channel instead")
		return ""
	}
	return link
}

// post posts into channel (a thread reply too) at the channel's pace: a
// post the pace holds back is not sent, and its error says when to try.
// Every chat.postMessage of the outbox goes through here.
func (b *Bot) post(ctx context.Context, channel string, opts ...slack.MsgOption) (ts string, err error) {
	if wait := b.pace.take(channel, b.now()); wait > 0 {
		return "", &pacedError{Channel: channel, Wait: wait}
	}
	_, ts, err = b.cfg.API.PostMessageContext(ctx, channel, opts...)
	return ts, err
}

// dm sends msg to user in their DM with Baton.
func (b *Bot) dm(ctx context.Context, user string, msg render.Message) error {
	channel, err := b.dmChannel(ctx, user)
	if err != nil {
		return err
	}
	if _, err := b.post(ctx, channel, msg.Options()...); err != nil {
		return fmt.Errorf("dm %s: %w", user, err)
	}
	return nil
}

func (b *Bot) dmChannel(ctx context.Context, user string) (string, error) {
	if ch, ok := b.dms.Load(user); ok {
		return ch.(string), nil
	}
	ch, _, _, err := b.cfg.API.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
	if err != nil {
		return "", fmt.Errorf("open dm with %s: %w", user, err)
	}
	b.dms.Store(user, ch.ID)
	return ch.ID, nil
}
