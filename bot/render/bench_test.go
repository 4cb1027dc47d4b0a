package render_test

import (
	"encoding/json"
	"testing"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// The rendering benchmarks include encoding to JSON: what slack-go sends
// is the encoded blocks, and encoding costs more than building them.

// BenchmarkChannelMessage renders the pool channel's message, as posted
// (open) and as updated by the claim (claimed).
func BenchmarkChannelMessage(b *testing.B) {
	for _, c := range []struct {
		name string
		h    routing.Handoff
	}{{"open", openHandoff()}, {"claimed", claimed(14e9)}} {
		b.Run("state="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := clock.ChannelMessage(c.h)
				if _, err := json.Marshal(m.Blocks); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkThreadBrief renders the whole brief posted in the thread (and,
// nearly the same, the owner's DM).
func BenchmarkThreadBrief(b *testing.B) {
	h := openHandoff()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(clock.ThreadBrief(h).Blocks); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandoffModal renders the /handoff form for each built-in
// checklist, with the pool's availability, as views.open sends it.
func BenchmarkHandoffModal(b *testing.B) {
	for _, name := range routing.TemplateNames() {
		c, _ := routing.Template(name)
		form := render.Form{Pool: "closers", Checklist: c, Company: "Acme Corp",
			Available: &render.Availability{Pool: "closers", Available: 7, Members: 10, UpNext: "U0AE1"}}
		b.Run("checklist="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(render.HandoffModal(form)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
