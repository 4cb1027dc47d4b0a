package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/drain"
	"github.com/batonhq/baton/bot/membership"
	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/store"
)

const (
	// outboxLease is how long a leased notice is ours; a replica that dies
	// mid-delivery releases it by letting it lapse.
	outboxLease = 30 * time.Second
	// outboxParallel bounds the deliveries in flight (and so the Slack calls
	// the outbox makes at once) from one replica.
	outboxParallel = 8
	// maxRetryDelay caps the backoff, so a notice blocked by a fixable
	// problem (the app not invited to the channel: not_in_channel, or
	// channel_not_found for a private channel) goes out minutes after the
	// fix, not hours.
	maxRetryDelay = 5 * time.Minute
	// maxAttempts bounds the retries (about 34 minutes with the backoff), so
	// one undeliverable notice cannot hold back its ordering key forever.
	maxAttempts = 15
	// markTimeout bounds the recording of a delivery's result.
	markTimeout = 5 * time.Second
)

// permanentSlackErrors are answers that no retry can change: the notice is
// abandoned at once rather than blocking the notices behind it.
var permanentSlackErrors = map[string]bool{
	"invalid_blocks": true, "invalid_blocks_format": true, "msg_too_long": true, "msg_blocks_too_long": true, "no_text": true,
	"channel_not_found": true, "is_archived": true, "message_not_found": true, "cant_update_message": true,
	"user_not_found": true, "user_disabled": true, "cannot_dm_bot": true, "invalid_arguments": true,
}

func isPermanent(err error) bool {
	var uninvited *uninvitedError
	if errors.As(err, &uninvited) {
		// Fixed by inviting the app: retried, within maxAttempts.
		return false
	}
	var apiErr slack.SlackErrorResponse
	return errors.As(err, &apiErr) && permanentSlackErrors[apiErr.Err]
}

// uninvitedError is Slack refusing a post or an update into a channel
// Baton is not a member of: not_in_channel for a public channel,
// channel_not_found for a private one. Unlike channel_not_found for a DM,
// an invitation fixes it, so the notice is retried.
type uninvitedError struct {
	Channel, Code string
	err           error
}

func (e *uninvitedError) Error() string { return e.err.Error() }
func (e *uninvitedError) Unwrap() error { return e.err }

// checkAccess turns the answer to a post or an update into channel into
// what the worker needs: an uninvitedError for Slack saying Baton is not
// in the channel, and the news, either way, for Config.Channels.
func (w *Worker) checkAccess(ctx context.Context, channel string, err error) error {
	if err == nil {
		if w.cfg.Channels != nil {
			w.cfg.Channels.Invited(ctx, channel)
		}
		return nil
	}
	code, uninvited := membership.IsUninvited(channel, err)
	if !uninvited {
		return err
	}
	if w.cfg.Channels != nil {
		w.cfg.Channels.Uninvited(ctx, channel, code)
	}
	return &uninvitedError{Channel: channel, Code: code, err: err}
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
func (w *Worker) deliverLoop(ctx context.Context) {
	ticker := time.NewTicker(w.cfg.Poll)
	defer ticker.Stop()
	finished := make(chan struct{}, outboxParallel)
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	free := outboxParallel
	for {
		if free > 0 && ctx.Err() == nil {
			notices, err := w.cfg.Store.LeaseNotices(ctx, w.now(), outboxLease, free)
			if err != nil && ctx.Err() == nil {
				w.log.Warn().Err(err).Msg("outbox lease failed")
			}
			for _, n := range notices {
				free--
				inFlight.Go(func() {
					defer func() { finished <- struct{}{} }()
					// Leased: delivered (or marked failed) even during
					// shutdown, within the lease.
					ctx, cancel := drain.Detached(ctx, outboxLease)
					defer cancel()
					w.deliverOne(ctx, n)
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
		case <-w.cfg.Wake.C():
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

func (w *Worker) deliverOne(ctx context.Context, n routing.PendingNotice) {
	dctx := ctx
	log := w.log.With().Int64("notice", n.ID).Str("kind", string(n.Kind)).Int64("handoff", n.HandoffID).Int("attempt", n.Attempts).Logger()
	err := w.deliver(ctx, n.Notice)
	// What happened is recorded even when the delivery was cut off by a
	// stop's bound, on a context of its own: a post Slack took must not go
	// again for want of its mark. Until the lease ends (a database restart
	// takes seconds), or for markTimeout after a stop's drain was cut off.
	markFor := drain.Deadline(dctx, markTimeout)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markFor)
	defer cancel()
	var held *heldError
	switch {
	case err == nil:
		w.cfg.Metrics.Delivered(string(n.Kind))
		if err := w.record(ctx, func(ctx context.Context) error { return w.cfg.Store.MarkDelivered(ctx, n, w.now()) }); err != nil {
			// The lease lapses and the notice goes again: at least once.
			w.recorded(log, err, "notice delivered but not marked")
		}
	case drain.CutOff(dctx):
		// Cut off by a stop's bound, not failed: back in the outbox, due
		// now, for the next process or another replica. Slack may have
		// acted on the call it was in (at least once).
		log.Warn().Err(err).Msg("stopping: delivery cut off; left in the outbox for the next process")
		w.recorded(log, w.cfg.Store.Postpone(ctx, n, 0, time.Time{}, w.now()), "could not put the notice back; its lease will lapse")
	case errors.As(err, &held):
		// The pace or a 429: nothing was done, and it is no attempt.
		if held.err != nil {
			// Counted by baton_slack_api_rate_limited_total, by method.
			log.Info().Err(err).Dur("wait", held.Wait).Msg("Slack asked to wait; the notice waits")
		} else {
			log.Debug().Str("held", held.What).Time("until", held.Until).Msg("notice held back by the pace")
		}
		w.recorded(log, w.cfg.Store.Postpone(ctx, n, held.Wait, held.Until, w.now()), "could not postpone the notice; the lease will lapse")
	case isPermanent(err) || n.Attempts >= maxAttempts:
		log.Error().Err(err).Msg("notice abandoned: Slack will not take it")
		w.cfg.Metrics.Abandoned(string(n.Kind))
		w.recorded(log, w.cfg.Store.MarkAbandoned(ctx, n, err, w.now()), "could not record the abandoned notice; the lease will lapse")
	default:
		retryIn := retryDelay(n.Attempts)
		if uninvited := (*uninvitedError)(nil); errors.As(err, &uninvited) {
			// Said once per channel, at error level, by Config.Channels.
			log.Debug().Err(err).Str("channel", uninvited.Channel).Dur("retry_in", retryIn).Msg("Baton is not in the channel; will retry")
		} else {
			log.Warn().Err(err).Dur("retry_in", retryIn).Msg("notice delivery failed; will retry")
		}
		w.cfg.Metrics.DeliveryFailed(string(n.Kind))
		w.recorded(log, w.cfg.Store.MarkFailed(ctx, n, err, retryIn, w.now()), "could not record failed delivery; the lease will lapse")
	}
}

// recorded logs a result that could not be recorded. A lease that ran
// out is no error of this worker's: another holds the notice now, and its
// result is the one that counts.
func (w *Worker) recorded(log zerolog.Logger, err error, what string) {
	switch {
	case err == nil:
	case errors.Is(err, store.ErrLeaseLost):
		log.Warn().Err(err).Msg("the notice's lease ran out during its delivery; the worker holding it now records it")
	default:
		log.Error().Err(err).Msg(what)
	}
}

// record writes down a Slack effect that has already happened (a post's
// ts, a notice delivered), retrying until it succeeds or ctx, the
// delivery's lease, ends. Giving up sooner sends the effect again when the
// lease lapses: a second @channel post, a second DM. Five tries in 1.5 s
// were not enough for a database restart, which takes seconds; a database
// down for longer than the lease still gets the notice delivered twice
// (at least once, never lost).
func (w *Worker) record(ctx context.Context, write func(context.Context) error) error {
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

// retryDelay backs off exponentially from one second. (A 429 is no
// failure: the notice waits what Slack asks, without counting an attempt.)
func retryDelay(attempts int) time.Duration {
	d := time.Second << min(max(attempts-1, 0), 10)
	return min(d, maxRetryDelay)
}

// deliver renders a notice from the handoff's current state and sends it.
func (w *Worker) deliver(ctx context.Context, n routing.Notice) error {
	switch n.Kind {
	case routing.NoticeDigest:
		return w.postDigest(ctx, n)
	case routing.NoticeWeeklyReview:
		return w.postWeeklyReview(ctx, n)
	case routing.NoticeReviewUpdate:
		return w.updateWeeklyReview(ctx, n)
	case routing.NoticeHomeRefresh:
		return w.call("views.publish", func() error { return w.cfg.Homes.Refresh(ctx, n.Recipient) })
	case routing.NoticeChannelUninvited:
		return w.dm(ctx, n.Recipient, render.ChannelUninvited(n.Detail["channel"], n.Detail["pool"]))
	}
	h, err := w.cfg.Service.Handoff(ctx, n.HandoffID)
	if err != nil {
		return err
	}
	if !n.Wanted(h) {
		return nil
	}
	clock := w.clock()
	switch n.Kind {
	case routing.NoticeChannelMessage:
		return w.syncChannelMessage(ctx, h)
	case routing.NoticeThreadBrief:
		return w.threadReply(ctx, h, "thread brief", clock.ThreadBrief(h))
	case routing.NoticeFallbackMessage:
		return w.syncFallbackMessage(ctx, h)
	case routing.NoticeReping:
		return w.threadReply(ctx, h, "re-ping", clock.Reping(h))
	}
	msg, ok := w.directMessage(ctx, clock, n, h)
	if !ok {
		return fmt.Errorf("unknown notice kind %q", n.Kind)
	}
	return w.dm(ctx, n.Recipient, msg)
}

// directMessage renders a notice that goes to one person, from h as it
// stands now.
func (w *Worker) directMessage(ctx context.Context, clock render.Clock, n routing.Notice, h routing.Handoff) (render.Message, bool) {
	switch n.Kind {
	case routing.NoticePasserSent:
		return clock.PasserSent(h), true
	case routing.NoticePasserQueued:
		return clock.PasserQueued(h), true
	case routing.NoticeOwnerBrief:
		return clock.OwnerBrief(h), true
	case routing.NoticePasserClaimed:
		return clock.PasserClaimed(h), true
	case routing.NoticeMemberNudge:
		return clock.MemberNudge(h, w.permalink(ctx, h)), true
	case routing.NoticeManagerAlert:
		return clock.ManagerAlert(h, w.permalink(ctx, h)), true
	case routing.NoticeOwnerAssigned:
		return clock.OwnerAssigned(h), true
	case routing.NoticePasserMissed:
		return clock.PasserMissed(h), true
	case routing.NoticeOwnerCallback:
		return clock.OwnerCallback(h), true
	case routing.NoticePasserScheduled:
		return clock.PasserScheduled(h), true
	case routing.NoticeOwnerCancelled:
		return clock.OwnerCancelled(h), true
	case routing.NoticeOffered:
		return clock.Offered(h, w.permalink(ctx, h)), true
	case routing.NoticeSetAway:
		return clock.SetAway(h), true
	case routing.NoticeWorkLogged:
		return clock.WorkLogged(h, n.Detail, w.cfg.Service.RunningClocks(h)), true
	case routing.NoticePasserOutcome:
		return clock.PasserOutcome(h, w.permalink(ctx, h)), true
	case routing.NoticeOwnerReassigned:
		return clock.OwnerReassigned(h, w.cfg.Service.RunningClocks(h)), true
	case routing.NoticeOwnerReleased:
		return clock.OwnerReleased(h), true
	case routing.NoticePasserReassigned:
		return clock.PasserReassigned(h), true
	case routing.NoticeSLABreach:
		return clock.SLABreach(h, h.BreachesToTell(false), w.permalink(ctx, h)), true
	case routing.NoticeSLAManagerAlert:
		return clock.SLAManagerAlert(h, h.BreachesToTell(true), w.permalink(ctx, h)), true
	}
	return render.Message{}, false
}

// syncChannelMessage posts the handoff's message the first time and updates
// it afterwards, always from the current state, so delivering twice or late
// shows the truth rather than a stale step.
func (w *Worker) syncChannelMessage(ctx context.Context, h routing.Handoff) error {
	return w.syncMessage(ctx, h, h.Channel, h.MessageTS, w.clock().ChannelMessage(h), w.cfg.Store.SetMessageTS)
}

// syncFallbackMessage does the same for the message in the fallback pool's
// channel.
func (w *Worker) syncFallbackMessage(ctx context.Context, h routing.Handoff) error {
	return w.syncMessage(ctx, h, h.Escalation.FallbackChannel, h.FallbackTS, w.clock().FallbackMessage(h), w.cfg.Store.SetFallbackTS)
}

func (w *Worker) syncMessage(ctx context.Context, h routing.Handoff, channel, ts string, msg render.Message,
	keep func(ctx context.Context, id int64, ts string, now time.Time) error) error {
	if ts == "" {
		ts, err := w.post(ctx, channel, msg.Options()...)
		if err != nil {
			return fmt.Errorf("post handoff %d in %s: %w", h.ID, channel, err)
		}
		// The post is out: losing its ts now would post it again on retry.
		return w.record(ctx, func(ctx context.Context) error { return keep(ctx, h.ID, ts, w.cfg.Service.Now()) })
	}
	err := w.call("chat.update", func() error {
		_, _, _, err := w.cfg.API.UpdateMessageContext(ctx, channel, ts, msg.Options()...)
		return err
	})
	if err := w.checkAccess(ctx, channel, err); err != nil {
		return fmt.Errorf("update handoff %d message %s in %s: %w", h.ID, ts, channel, err)
	}
	return nil
}

// threadReply posts msg in the handoff's thread. It follows the post in the
// same ordering key, so the post is there; if the post was abandoned there
// is no thread (the DMs still carry what matters), so the reply is skipped
// rather than retried for hours in front of the message's later updates.
func (w *Worker) threadReply(ctx context.Context, h routing.Handoff, what string, msg render.Message) error {
	if h.MessageTS == "" {
		w.log.Warn().Int64("handoff", h.ID).Str("reply", what).Msg("no channel message to reply under; skipped")
		return nil
	}
	if _, err := w.post(ctx, h.Channel, append(msg.Options(), slack.MsgOptionTS(h.MessageTS))...); err != nil {
		return fmt.Errorf("%s of handoff %d: %w", what, h.ID, err)
	}
	return nil
}

// permalink links a DM to the handoff's message. It is a nicety: without
// it the DM names the channel, so a failure is logged and not retried.
func (w *Worker) permalink(ctx context.Context, h routing.Handoff) string {
	if h.MessageTS == "" {
		return ""
	}
	var link string
	err := w.call("chat.getPermalink", func() (err error) {
		link, err = w.cfg.API.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: h.Channel, Ts: h.MessageTS})
		return err
	})
	if err != nil {
		w.log.Warn().Err(err).Int64("handoff", h.ID).Msg("chat.getPermalink failed; the DM names the channel instead")
		return ""
	}
	return link
}

// post posts into channel (a thread reply too) at the channel's pace: a
// post the pace holds back is not sent, and its error says when to try.
// Every chat.postMessage of the outbox goes through here.
func (w *Worker) post(ctx context.Context, channel string, opts ...slack.MsgOption) (ts string, err error) {
	what := "posting in " + channel
	next, err := w.cfg.Store.TakeChannelTurn(ctx, channel, w.pace, w.now())
	if err != nil {
		return "", err
	}
	if !next.IsZero() {
		return "", &heldError{What: what, Until: next}
	}
	_, ts, err = w.cfg.API.PostMessageContext(ctx, channel, opts...)
	if held, limited := rateLimited(what, err); limited {
		// Slack's Retry-After holds the channel for every replica.
		if err := w.cfg.Store.HoldChannel(ctx, channel, held.Wait, w.pace, w.now()); err != nil {
			w.log.Warn().Err(err).Str("channel", channel).Msg("could not hold the channel's posts for Slack's Retry-After")
		}
		return "", held
	}
	return ts, w.checkAccess(ctx, channel, err)
}

// call makes a Web API call to method unless Slack asked this process to
// wait on it (a 429's Retry-After on chat.update, views.publish,
// conversations.open: limits per app and method, not per channel), and
// holds the method when Slack answers 429.
func (w *Worker) call(method string, do func() error) error {
	if wait := w.holds.held(method, time.Now()); wait > 0 {
		return &heldError{What: method, Wait: wait}
	}
	err := do()
	if held, limited := rateLimited(method, err); limited {
		w.holds.hold(method, held.Wait, time.Now())
		return held
	}
	return err
}

// dm sends msg to user in their DM with Baton.
func (w *Worker) dm(ctx context.Context, user string, msg render.Message) error {
	channel, err := w.dmChannel(ctx, user)
	if err != nil {
		return err
	}
	if _, err := w.post(ctx, channel, msg.Options()...); err != nil {
		return fmt.Errorf("dm %s: %w", user, err)
	}
	return nil
}

func (w *Worker) dmChannel(ctx context.Context, user string) (string, error) {
	if ch, ok := w.dms.Load(user); ok {
		return ch.(string), nil
	}
	var ch *slack.Channel
	err := w.call("conversations.open", func() (err error) {
		ch, _, _, err = w.cfg.API.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("open dm with %s: %w", user, err)
	}
	w.dms.Store(user, ch.ID)
	return ch.ID, nil
}
