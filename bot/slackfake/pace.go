package slackfake

import (
	"sync"
	"time"
)

// ChannelPace is how fast the fake lets a bot post into one conversation
// (a channel or a DM) with chat.postMessage: Burst posts at once, then one
// per Interval. A faster post is answered HTTP 429 with Retry-After, as
// Slack answers it: "chat.postMessage has special rate limiting
// conditions. While it will generally allow an app to post 1 message per
// second to a specific channel, there are limits governing your app's
// relationship with the entire workspace above that, limiting posting to
// several hundred messages per minute. Generous burst behavior is also
// granted." (https://api.slack.com/methods/chat.postMessage#rate_limiting,
// and https://api.slack.com/apis/rate-limits for 429 and Retry-After).
// Slack does not publish the burst; the fake takes 5.
type ChannelPace struct {
	Burst    int
	Interval time.Duration
}

// DefaultChannelPace is the pace a fake keeps unless WithChannelPace
// says otherwise.
var DefaultChannelPace = ChannelPace{Burst: 5, Interval: time.Second}

// WithChannelPace sets the per-conversation pace of chat.postMessage; a
// zero Burst keeps none (for a load generator that measures the bot, not
// Slack's pace). The pace runs on the wall clock, not WithClock's: it is
// about how fast the bot really posts.
func WithChannelPace(p ChannelPace) Option { return func(s *Server) { s.pace.pace = p } }

// channelPace keeps each conversation's bucket by the generic cell rate
// algorithm: one timestamp per conversation, when its bucket is full again.
type channelPace struct {
	pace ChannelPace
	mu   sync.Mutex
	full map[string]time.Time
}

// take takes a post into channel at now, or says how long until one may go
// (taking nothing).
func (p *channelPace) take(channel string, now time.Time) time.Duration {
	if p.pace.Burst <= 0 || p.pace.Interval <= 0 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.full == nil {
		p.full = map[string]time.Time{}
	}
	full := p.full[channel]
	if full.Before(now) {
		full = now
	}
	if next := full.Add(-time.Duration(p.pace.Burst-1) * p.pace.Interval); next.After(now) {
		return next.Sub(now)
	}
	p.full[channel] = full.Add(p.pace.Interval)
	return 0
}
