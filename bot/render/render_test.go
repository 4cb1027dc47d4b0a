package render_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares v, as indented JSON, with testdata/name.golden.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <!channel> readable in the golden files
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	got := []byte(unescapeJSON(buf.String()))
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./bot/render -update to create it")
	require.Equal(t, string(want), string(got), "golden file %s differs; run with -update if the change is intended", path)
}

var (
	created = time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)
	clock   = render.Clock{Location: time.UTC}
)

func openHandoff() routing.Handoff {
	return routing.Handoff{
		ID: 42, State: routing.StateOpen, Pool: "closers", Channel: "C0HANDOFF", PasserID: "U0SDR",
		Lead: routing.Lead{
			Company: "Acme Corp", ContactName: "Dana Reyes", ContactTitle: "VP Sales",
			Phone: "+14155550100", Email: "dana@acme.example", Notes: "Uses Salesforce; 600 employees; wants a demo of routing.", Consent: true,
		},
		CreatedAt: created, ClaimDeadline: created.Add(time.Minute),
	}
}

func claimed(after time.Duration) routing.Handoff {
	h := openHandoff()
	h.State, h.OwnerID, h.ClaimedAt, h.MessageTS = routing.StateClaimed, "U0AE1", created.Add(after), "1700000000.000100"
	return h
}

func TestGoldenModal(t *testing.T) {
	t.Parallel()
	golden(t, "modal", render.HandoffModal(""))
	golden(t, "modal_prefilled", render.HandoffModal("Acme Corp"))
}

func TestGoldenChannelMessage(t *testing.T) {
	t.Parallel()
	golden(t, "channel_open", clock.ChannelMessage(openHandoff()))
	golden(t, "channel_claimed", clock.ChannelMessage(claimed(14*time.Second)))
	golden(t, "channel_claimed_late", clock.ChannelMessage(claimed(95*time.Second)))
	cancelled := openHandoff()
	cancelled.State = routing.StateCancelled
	golden(t, "channel_cancelled", clock.ChannelMessage(cancelled))
}

func TestGoldenDMs(t *testing.T) {
	t.Parallel()
	golden(t, "passer_sent", clock.PasserSent(openHandoff()))
	routed := openHandoff()
	routed.Turn = routing.Turn{Mode: routing.ModeRoundRobin, UpNext: "U0AE2", Available: 2, Members: 3}
	golden(t, "passer_sent_routed", clock.PasserSent(routed))
	routed.Turn = routing.Turn{Members: 3}
	golden(t, "passer_sent_nobody", clock.PasserSent(routed))
	golden(t, "owner_brief", clock.OwnerBrief(claimed(14*time.Second)))
	golden(t, "passer_claimed", clock.PasserClaimed(claimed(14*time.Second)))
	golden(t, "home", clock.HomeView(render.Home{}))
	golden(t, "home_member", clock.HomeView(render.Home{Member: true}))
	golden(t, "home_away", clock.HomeView(render.Home{Member: true, AwayUntil: created.Add(time.Hour)}))
}

func TestChannelMessageAnnouncesChannel(t *testing.T) {
	t.Parallel()
	m := clock.ChannelMessage(openHandoff())
	// text drives notifications: the mention must be there, not only in blocks.
	require.True(t, strings.HasPrefix(m.Text, "<!channel> 🔥 Hot lead transferring — Acme Corp"), m.Text)
	require.Contains(t, blocksJSON(t, m.Blocks), "<!date^"+itoa(created.Add(time.Minute).Unix()))
	require.Contains(t, blocksJSON(t, m.Blocks), `"action_id":"claim","value":"42"`)

	c := clock.ChannelMessage(claimed(14 * time.Second))
	require.Equal(t, "Claimed by <@U0AE1> in 14 s — Acme Corp", c.Text)
	require.NotContains(t, blocksJSON(t, c.Blocks), `"claim"`, "a claimed message has no Claim button")
}

func TestUserTextIsEscaped(t *testing.T) {
	t.Parallel()
	h := openHandoff()
	h.Lead.Company = "<!everyone> & <@U0BOSS>"
	h.Lead.ContactName = "<https://evil.example|click>"
	h.Lead.Notes = "<!here> call me"
	h.Lead.Email = "<mailto:x@evil.example|boss>"
	owned := h
	owned.State, owned.OwnerID, owned.ClaimedAt = routing.StateClaimed, "U0AE1", created.Add(time.Second)
	for name, m := range map[string]render.Message{
		"channel": clock.ChannelMessage(h), "sent": clock.PasserSent(h), "claimed channel": clock.ChannelMessage(owned),
		"brief": clock.OwnerBrief(owned), "passer claimed": clock.PasserClaimed(owned),
	} {
		all := m.Text + blocksJSON(t, m.Blocks)
		require.NotContains(t, all, "<!everyone>", name)
		require.NotContains(t, all, "<!here>", name)
		require.NotContains(t, all, "<@U0BOSS>", name)
		require.NotContains(t, all, "<https://evil", name)
		require.NotContains(t, all, "<mailto:", name)
	}
	require.Contains(t, blocksJSON(t, clock.OwnerBrief(owned).Blocks), "&lt;!here&gt; call me", "the brief carries the notes, escaped")
	m := clock.ChannelMessage(h)
	require.Contains(t, m.Text, "&lt;!everyone&gt; &amp; &lt;@U0BOSS&gt;")
}

func TestLongTextStaysWithinLimits(t *testing.T) {
	t.Parallel()
	h := claimed(3 * time.Second)
	h.Lead.Company = strings.Repeat("<", 150)
	h.Lead.ContactName = strings.Repeat("&", 150)
	h.Lead.ContactTitle = strings.Repeat("é", 150)
	h.Lead.Notes = strings.Repeat("<>&", 1000)
	for _, m := range []render.Message{clock.ChannelMessage(h), clock.OwnerBrief(h), clock.PasserClaimed(h), clock.PasserSent(h)} {
		require.LessOrEqual(t, len([]rune(m.Text)), render.MaxMessageText)
		require.LessOrEqual(t, len(m.Blocks), render.MaxMessageBlock)
		for _, b := range m.Blocks {
			s, ok := b.(*slack.SectionBlock)
			if !ok {
				continue
			}
			if s.Text != nil {
				require.LessOrEqual(t, len([]rune(s.Text.Text)), render.MaxSectionText)
				require.NotRegexp(t, `&[a-z]*…`, s.Text.Text, "a cut never splits an entity")
			}
			for _, f := range s.Fields {
				require.LessOrEqual(t, len([]rune(f.Text)), render.MaxFieldText)
			}
		}
	}
}

func TestEscapeTruncateSanitize(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a &amp; b &lt;c&gt;", render.Escape("a & b <c>"))
	require.Equal(t, "plain", render.Escape("plain"))
	require.Equal(t, "abc", render.Truncate("abc", 3))
	require.Equal(t, "ab…", render.Truncate("abcd", 3))
	require.Equal(t, "x…", render.Truncate("x&amp;y", 4), "no half entity")
	require.Equal(t, "éé…", render.Truncate("éééé", 3), "counts characters, not bytes")
	require.Equal(t, "a\nb\tc", render.Sanitize("a\nb\tc\x00\x07"))
	require.Equal(t, "ok�", render.Sanitize("ok\xff"))
}

func TestWait(t *testing.T) {
	t.Parallel()
	require.Equal(t, "14 s", render.Wait(14*time.Second+300*time.Millisecond))
	require.Equal(t, "119 s", render.Wait(119*time.Second))
	require.Equal(t, "3 min", render.Wait(3*time.Minute+10*time.Second))
	require.Equal(t, "5 h", render.Wait(5*time.Hour))
}

func TestClaimRefused(t *testing.T) {
	t.Parallel()
	pool := routing.Pool{Name: "closers", Managers: []string{"U0MGR"}}
	require.Equal(t, "<@U0AE1> already has this lead.", clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedAlreadyClaimed, Owner: "U0AE1"}, pool, routing.Turn{}))
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedNotInPool}, pool, routing.Turn{}), "not in the pool")
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedNotInPool}, pool, routing.Turn{}), "<@U0MGR>")
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedOwnedByYou}, pool, routing.Turn{}), "already own")
	require.Contains(t, clock.ClaimRefused(&routing.ClaimRefusal{Code: routing.RefusedCancelled}, pool, routing.Turn{}), "cancelled")
}

func blocksJSON(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	// Without HTML escaping, as Slack receives it: json.Marshal would turn
	// "<" into \u003c and make the escaping checks pass vacuously.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(blocks))
	return unescapeJSON(buf.String())
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// unescapeJSON undoes the \u003c-style escapes that custom MarshalJSON
// methods in slack-go still apply, so the text compared is what Slack reads.
func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}
