package demo_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/cmd/baton/drive"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/cmd/baton/demo"
	"github.com/batonhq/baton/cmd/baton/launcher"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// screenshots is where TestSandboxInTheBrowser writes the page's main
// screens as PNGs (make screenshots); empty writes none.
var screenshots = flag.String("screenshots", "", "directory to write the sandbox's screenshots to")

// chromium is the browser the test drives: Debian's chromium package.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("the sandbox's browser test needs Chromium: install it (apt-get install -y chromium), as .ci/run does")
	return ""
}

// page is one browser tab, as one person.
type page struct {
	t    *testing.T
	ctx  context.Context
	name string
}

// run runs actions in the tab, failing the test with what went wrong.
func (p page) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, actions...), "%s: %s", p.name, what)
}

// get runs one action that reads something, failing the test if it fails.
func get[T any](p page, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, a)
	require.NoError(p.t, err, "%s: %s", p.name, what)
	return v
}

// css is a CSS selector.
type css = chromedp.CSS

// waitText waits until the page's text (the Slack-like pane, or the
// whole page) shows want.
func (p page) waitText(want string) {
	p.t.Helper()
	p.run("wait for "+want, chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.body.innerText.includes(%q)`, want),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(2*time.Minute)))
}

// shot writes the tab's viewport as name.png under -screenshots.
func (p page) shot(name string) {
	p.t.Helper()
	if *screenshots == "" {
		return
	}
	png := get(p, "screenshot "+name, chromedp.CaptureScreenshot())
	require.NoError(p.t, os.MkdirAll(*screenshots, 0o755))
	require.NoError(p.t, os.WriteFile(filepath.Join(*screenshots, name+".png"), png, 0o644))
}

// browse starts the sandbox on a throwaway database, and a headless
// Chromium, both stopped when the test ends (the bot's log printed if it
// failed), and returns the sandbox and a way to open a tab as a person
// (as, a user ID) in a room: the browser's first tab, then new ones.
func browse(t *testing.T, timeout time.Duration) (*demo.Sandbox, func(name, as, room string) page) {
	t.Helper()
	browser := chromium(t)
	dbURL, _ := storetest.NewDatabase(t)
	log := &drive.Log{}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	runCtx, stop := context.WithCancel(ctx)
	sb, err := demo.Start(runCtx, demo.Options{Bot: launcher.RunDemoBot, Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dbURL, Log: log})
	require.NoError(t, err)
	t.Cleanup(func() {
		stop()
		require.NoError(t, sb.Wait())
		if t.Failed() {
			t.Logf("the bot's log:\n%s", log.String())
		}
	})

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.WindowSize(1280, 860),
		chromedp.Flag("disable-dev-shm-usage", true))...)
	t.Cleanup(cancelAlloc)
	first, closeBrowser := chromedp.NewContext(alloc)
	t.Cleanup(closeBrowser)
	opened := false
	return sb, func(name, as, room string) page {
		c := first
		if opened {
			c, _ = chromedp.NewContext(first) // another tab of the same browser
		}
		opened = true
		p := page{t: t, ctx: c, name: name}
		p.run("open the page", chromedp.Navigate(sb.URL()+"?as="+as+"&c="+room), chromedp.WaitVisible(css(`body[data-ready="1"]`)))
		return p
	}
}

// modalField is the input of block in the open modal; modalOption is the
// radio button or checkbox of value in it.
func modalField(block string) string { return `#modal [data-block-id="` + block + `"] .input-el` }

func modalOption(block, value string) string {
	return `#modal [data-block-id="` + block + `"] input[value="` + value + `"]`
}

// TestSandboxInTheBrowser drives the sandbox's page in a headless Chromium
// as its people would: a rep passes a lead through the modal (one field
// refused, then corrected), it is posted, two closers in two tabs click
// Claim at once and one wins, the clock skips to the SLA's clock and the
// owner is nudged, then to the digest's tick and the digest is posted.
func TestSandboxInTheBrowser(t *testing.T) {
	_, tab := browse(t, 4*time.Minute)

	// 1. The rep types /handoff in #sales and fills the modal in, with an
	// email the bot refuses; the error shows under the field, the
	// corrected form goes through.
	rep := tab("rep", "U0SAM", "C0SALES")
	rep.run("type /handoff", chromedp.SendKeys(css("#composer"), "/handoff Acme Corp\n"), chromedp.WaitVisible(css(`#modal [data-block-id="contact_name"] input`)))
	field, option := modalField, modalOption
	rep.run("fill the form in",
		chromedp.SendKeys(css(field("contact_name")), "Dana Reyes"),
		chromedp.SendKeys(css(field("contact_title")), "VP Sales"),
		chromedp.SendKeys(css(field("phone")), "+1 415 555 0100"),
		chromedp.SendKeys(css(field("email")), "dana at acme"),
		chromedp.SendKeys(css(field("notes")), "Uses Salesforce, 600 seats, wants routing."),
		chromedp.Click(css(`#modal [data-block-id="consent"] input[type=checkbox]`)),
		chromedp.Click(css(option("q.crm", "Salesforce"))),
		chromedp.SendKeys(css(field("q.employees")), "600"),
		chromedp.Click(css(option("q.industry", "E-commerce"))),
		chromedp.Click(css(option("q.decision_maker_level", "VP"))),
		chromedp.Click(css("#modal-submit")),
		chromedp.WaitVisible(css(`#modal [data-block-id="email"] .field-error`)))
	refusal := get(rep, "read the error", chromedp.Text(css(`#modal [data-block-id="email"] .field-error`)))
	require.NotEmpty(t, refusal)
	rep.run("show the error", chromedp.ScrollIntoView(css(`#modal [data-block-id="email"]`)))
	rep.shot("modal")
	require.True(t, get(rep, "clear the email", chromedp.Evaluate[bool](`(() => { document.querySelector('`+field("email")+`').value = ""; return true })()`)))
	rep.run("correct the email and submit",
		chromedp.SendKeys(css(field("email")), "dana@acme.example"),
		chromedp.Click(css("#modal-submit")))
	rep.run("see the modal close", chromedp.WaitNotVisible(css("#modal")))

	// 2. The hot post reaches the pool's channel, where two closers are.
	alex := tab("alex", "U0ALEX", "C0HOTLEADS")
	jordan := tab("jordan", "U0JORDAN", "C0HOTLEADS")
	claim := `button[data-action-id="claim"]`
	alex.run("see the hot post", chromedp.WaitVisible(css(claim)))
	jordan.run("see the hot post", chromedp.WaitVisible(css(claim)))
	alex.waitText("Hot lead transferring — Acme Corp")
	alex.shot("hot-post")

	// 3. Both click Claim at the same moment: each tab holds its button
	// and clicks it at one instant of the machine's clock, whatever the
	// time the browser takes to be told.
	at := time.Now().Add(time.Second).UnixMilli()
	arm := fmt.Sprintf(`(() => { const b = document.querySelector(%q); setTimeout(() => b.click(), %d - Date.now()); return true })()`, claim, at)
	require.True(t, get(alex, "arm the click", chromedp.Evaluate[bool](arm)))
	require.True(t, get(jordan, "arm the click", chromedp.Evaluate[bool](arm)))
	alex.waitText("Claimed by")
	jordan.waitText("Claimed by")
	post := get(alex, "read the claimed post", chromedp.Text(css(`#pane .msg`)))
	winner, loser := alex, jordan
	if strings.Contains(post, "Claimed by @Jordan Blake") {
		winner, loser = jordan, alex
	} else {
		require.Contains(t, post, "Claimed by @Alex Chen")
	}
	loser.waitText("already has this lead")
	require.Zero(t, get(winner, "count Claim buttons", chromedp.Evaluate[int](`document.querySelectorAll('`+claim+`').length`)),
		"the claimed post has no Claim button")
	winner.shot("claimed-post")

	// 4. The clock skips to the first-touch clock: the owner is nudged in
	// their DM with Baton.
	winner.run("skip to the SLA clock", chromedp.WaitVisible(css(`button[data-skip="sla"]`)), chromedp.Click(css(`button[data-skip="sla"]`)),
		chromedp.Click(css(`a[data-channel="dm"]`)))
	winner.waitText("SLA missed on")

	// 5. The clock skips to the digest's tick: it is posted in its channel.
	winner.run("skip to the digest", chromedp.WaitVisible(css(`button[data-skip="digest"]`)), chromedp.Click(css(`button[data-skip="digest"]`)),
		chromedp.Click(css(`a[data-channel="C0DIGEST"]`)))
	winner.waitText("Stuck leads")
	winner.shot("digest")

	// The manager's App Home shows the team.
	manager := tab("manager", "U0MORGAN", "home")
	manager.run("open the Home", chromedp.WaitVisible(css(`#pane .home`)))
	manager.shot("app-home")
}

// TestPageRendersBlockKit renders, in the page's own code, the mrkdwn and
// blocks the bot sends the way Slack shows them: bold, italics, strike,
// code, links, user and channel mentions, @channel, dates, emoji
// shortcodes, escaped text left as text; a header, a divider, a section
// with fields and an accessory, a context line and a row of buttons.
func TestPageRendersBlockKit(t *testing.T) {
	_, tab := browse(t, 2*time.Minute)
	p := tab("reader", "U0SAM", demo.SalesChannel)

	mrkdwn := func(s string) string {
		t.Helper()
		return get(p, "render "+s, chromedp.Evaluate[string](fmt.Sprintf(`BK.mrkdwn(%q)`, s)))
	}
	for in, want := range map[string]string{
		"*bold* _italic_ ~gone~ `code`":        "<b>bold</b> <i>italic</i> <s>gone</s> <code>code</code>",
		"<https://acme.example/deal|the deal>": `<a href="https://acme.example/deal" target="_blank" rel="noopener">the deal</a>`,
		"<@U0ALEX> in <#C0SALES>":              `<span class="mention">@Alex Chen</span> in <span class="mention">#sales</span>`,
		"<!channel> hot lead":                  `<span class="mention broadcast">@channel</span> hot lead`,
		"<!date^1793620800^{date_num}|2 Nov>":  "<time>2026-11-02</time>",
		":tada: :fire:":                        "🎉 🔥",
		"&lt;script&gt; &amp; *not* <b>":       "&lt;script&gt; &amp; <b>not</b> &lt;b&gt;",
	} {
		require.Equal(t, want, mrkdwn(in), "%s", in)
	}

	blocks := `[
		{"type":"header","text":{"type":"plain_text","text":"Hot lead"}},
		{"type":"divider"},
		{"type":"section","fields":[{"type":"mrkdwn","text":"*Contact*\nDana"}],
			"accessory":{"type":"button","action_id":"whole_brief","value":"7","text":{"type":"plain_text","text":"Read"}}},
		{"type":"context","elements":[{"type":"mrkdwn","text":"Handoff #7"}]},
		{"type":"actions","block_id":"a","elements":[{"type":"button","action_id":"claim","value":"7","style":"primary","text":{"type":"plain_text","text":"Claim"}}]}
	]`
	html := get(p, "render blocks", chromedp.Evaluate[string](`BK.blocks(`+blocks+`)`))
	for _, want := range []string{
		`<div class="block header-block">Hot lead</div>`,
		`<hr class="divider">`,
		`<div class="fields"><div><b>Contact</b><br>Dana</div></div>`,
		`<div class="accessory"><button type="button" class="bk-button " data-action-id="whole_brief"`,
		`<div class="block context"><span>Handoff #7</span></div>`,
		`<button type="button" class="bk-button primary" data-action-id="claim" data-block-id="a" data-value="7">Claim</button>`,
	} {
		require.Contains(t, html, want)
	}
}

// TestSandboxScheduleForLater: a rep passes a lead the live-transfer gates
// refuse; the modal turns in place (response_action update) into the offer
// to schedule the call for later; the rep picks Later and a time in the
// date-time picker, and hears in their DM who owns the call, with the
// calendar buttons.
func TestSandboxScheduleForLater(t *testing.T) {
	_, tab := browse(t, 3*time.Minute)
	rep := tab("rep", "U0SAM", demo.SalesChannel)
	rep.run("type /handoff", chromedp.SendKeys(css("#composer"), "/handoff Tiny Co\n"), chromedp.WaitVisible(css(`#modal [data-block-id="contact_name"] input`)))
	later := modalOption(render.BlockTransferOffered, render.TransferLater)
	rep.run("fill in a lead too small for a live transfer",
		chromedp.SendKeys(css(modalField("contact_name")), "Dana Reyes"),
		chromedp.SendKeys(css(modalField("phone")), "+1 415 555 0100"),
		chromedp.SendKeys(css(modalField("email")), "dana@tiny.example"),
		chromedp.Click(css(`#modal [data-block-id="consent"] input[type=checkbox]`)),
		chromedp.Click(css(modalOption("q.crm", "Salesforce"))),
		chromedp.SendKeys(css(modalField("q.employees")), "120"),
		chromedp.Click(css(modalOption("q.industry", "E-commerce"))),
		chromedp.Click(css(modalOption("q.decision_maker_level", "VP"))),
		chromedp.Click(css("#modal-submit")),
		chromedp.WaitVisible(css(later)))
	// The picker takes the browser's local time, 26 hours from now.
	pick := `(() => {
		const d = new Date(Date.now() + 26 * 3600 * 1000), p = (n) => String(n).padStart(2, "0");
		document.querySelector('` + modalField("scheduled_for") + `').value =
			d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
		return true })()`
	rep.run("choose Later", chromedp.Click(css(later)))
	require.True(t, get(rep, "pick a time", chromedp.Evaluate[bool](pick)))
	rep.run("schedule it", chromedp.Click(css("#modal-submit")), chromedp.WaitNotVisible(css("#modal")))
	rep.run("open the DM with Baton", chromedp.Click(css(`a[data-channel="dm"]`)))
	rep.waitText("owns Tiny Co and will call back")
	rep.waitText("Add to Google Calendar")
}
