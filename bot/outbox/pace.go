package outbox

import (
	"fmt"
	"sync"
	"time"
)

// ChannelPace is how fast Baton posts into one conversation (a channel or a
// DM): Slack takes about one message a second per channel and answers a
// faster sender with 429s, allowing short bursts. Burst posts may go at
// once, then one per Interval.
type ChannelPace struct {
	Burst    int
	Interval time.Duration
}

// DefaultChannelPace allows five posts at once into a channel, then one a
// second: Slack allows about one a second per channel with short bursts,
// and does not publish how short, so Baton keeps to a small one rather
// than learn it from 429s.
var DefaultChannelPace = ChannelPace{Burst: 5, Interval: time.Second}

// pacer keeps each conversation's pace in this process, by the generic cell
// rate algorithm: one timestamp per conversation, the time its bucket is
// empty again. Replicas pace independently, so ten replicas may post up to
// ten times the pace into a channel; Slack's 429s, whose Retry-After the
// outbox honours, are the backstop.
type pacer struct {
	pace ChannelPace
	mu   sync.Mutex
	// full is when each conversation's bucket holds Burst tokens again.
	full map[string]time.Time
}

func newPacer(p ChannelPace) *pacer {
	return &pacer{pace: p, full: map[string]time.Time{}}
}

// take takes a token for a post into channel at now, or says how long to
// wait for one (taking nothing).
func (p *pacer) take(channel string, now time.Time) (wait time.Duration) {
	if p == nil || p.pace.Burst <= 0 || p.pace.Interval <= 0 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	full := p.full[channel]
	if full.Before(now) {
		full = now
	}
	// The bucket is empty when full is Burst intervals ahead.
	if next := full.Add(-time.Duration(p.pace.Burst-1) * p.pace.Interval); next.After(now) {
		return next.Sub(now)
	}
	p.full[channel] = full.Add(p.pace.Interval)
	if len(p.full) > 4096 {
		// Forget conversations whose bucket is full again: they are at rest.
		for ch, t := range p.full {
			if !t.After(now) {
				delete(p.full, ch)
			}
		}
	}
	return 0
}

// pacedError is a post held back by the channel's pace: nothing was sent,
// and the outbox delivers it again after Wait, without counting a failure.
type pacedError struct {
	Channel string
	Wait    time.Duration
}

func (e *pacedError) Error() string {
	return fmt.Sprintf("channel %s is at its posting pace; next post in %s", e.Channel, e.Wait.Round(time.Millisecond))
}
