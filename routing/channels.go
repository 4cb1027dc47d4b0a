package routing

import (
	"slices"
	"time"
)

// UninvitedChannel is a channel Baton must post into and cannot, because
// it was not invited: Slack answers not_in_channel for a public channel
// and channel_not_found for a private one, and both are fixed the same
// way, by inviting the app. Baton keeps the notices for it and retries.
type UninvitedChannel struct {
	// Channel is the channel's ID.
	Channel string
	// Name is the channel's name without the #, "" when Slack would not
	// say (a private channel cannot be looked up from outside).
	Name string
	// Pools are the pools whose channel it is, by name; none for a
	// channel that is no pool's (the digest's).
	Pools []string
	// Error is Slack's answer.
	Error string
	// Since is when Baton first found it could not post there, in the
	// episode that is still running.
	Since time.Time
}

// The events of a channel's access: one when Baton finds it cannot post
// into a channel, one when it can again. Together they mark an episode,
// during which the managers are told once.
const (
	EventChannelUninvited EventKind = "channel.uninvited"
	EventChannelInvited   EventKind = "channel.invited"
)

// NoticeChannelUninvited DMs a pool's manager that Baton is not in the
// pool's channel and must be invited; Detail holds the channel and pool.
const NoticeChannelUninvited NoticeKind = "channel_uninvited"

// PoolsOf are the pools whose channel (where their leads are posted) is
// channel, in the policy's order.
func (p Policy) PoolsOf(channel string) []Pool {
	var out []Pool
	for _, pool := range p.Pools {
		if pool.Channel == channel {
			out = append(out, pool)
		}
	}
	return out
}

// NoticesOnUninvited tell each manager of the pools posting into c, once,
// that Baton must be invited there. A channel that is no pool's has no
// managers to tell: the log, the readiness detail and the metric say it.
func NoticesOnUninvited(c UninvitedChannel, pools []Pool) []Notice {
	var out []Notice
	var told []string
	for _, pool := range pools {
		for _, m := range pool.Managers {
			if slices.Contains(told, m) {
				continue
			}
			told = append(told, m)
			out = append(out, Notice{Kind: NoticeChannelUninvited, Recipient: m,
				Detail: map[string]string{"channel": c.Channel, "pool": pool.Name}})
		}
	}
	return out
}
