// Package drain bounds the work a stopping process still finishes. When a
// unit's Run is told to stop, the work it already took on (an envelope it
// acked, a notice it leased) goes on past that moment, detached from the
// cancellation, but not past the stop's bound: then it is cut off, and the
// cut-off work knows it was (see CutOff) so it can put itself back.
package drain

import (
	"context"
	"time"
)

// key carries, in a context, the context that ends when a stop's drain is
// cut off. It travels as a value because the work it bounds is detached
// from cancellation on purpose (see Detached).
type key struct{}

// WithBound returns ctx carrying bound: work detached from ctx with
// Detached is cut off when bound ends.
func WithBound(ctx, bound context.Context) context.Context {
	return context.WithValue(ctx, key{}, bound)
}

// Detached gives work a context that outlives ctx's cancellation (so work
// already taken on finishes) but not d, nor the end of the bound ctx
// carries (see WithBound).
func Detached(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	out, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	if bound, ok := ctx.Value(key{}).(context.Context); ok {
		stop := context.AfterFunc(bound, cancel)
		return out, func() { stop(); cancel() }
	}
	return out, cancel
}

// CutOff reports whether ctx's work was cut off by the end of its drain's
// bound.
func CutOff(ctx context.Context) bool {
	bound, ok := ctx.Value(key{}).(context.Context)
	return ok && bound.Err() != nil
}

// Deadline is how long work detached from ctx with Detached may still take
// to record what it did: until its own deadline, at least min, or min alone
// once its drain was cut off.
func Deadline(ctx context.Context, min time.Duration) time.Duration {
	if d, ok := ctx.Deadline(); ok && !CutOff(ctx) {
		return max(time.Until(d), min)
	}
	return min
}
