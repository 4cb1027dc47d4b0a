package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/batonhq/baton/routing"
)

// updateWeeklyReview redraws a posted weekly review once a manager marked
// it reviewed: the same weeks (its tick fixes them), with who reviewed it
// in place of the button.
func (w *Worker) updateWeeklyReview(ctx context.Context, n routing.Notice) error {
	tick, err := time.Parse(time.RFC3339, n.Detail["tick"])
	if err != nil {
		return fmt.Errorf("weekly review update: tick %q: %w", n.Detail["tick"], err)
	}
	review, err := w.cfg.Service.WeeklyReview(ctx, tick)
	if err != nil {
		return err
	}
	msg := w.clock().WeeklyReview(review)
	err = w.call("chat.update", func() error {
		_, _, _, err := w.cfg.API.UpdateMessageContext(ctx, n.Recipient, n.Detail["ts"], msg.Options()...)
		return err
	})
	if err := w.checkAccess(ctx, n.Recipient, err); err != nil {
		return fmt.Errorf("update weekly review %s in %s: %w", n.Detail["ts"], n.Recipient, err)
	}
	return nil
}
