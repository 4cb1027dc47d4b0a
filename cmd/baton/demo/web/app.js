// The sandbox page: one person's view of the fake workspace, refreshed
// whenever the server says something changed.
"use strict";

const params = new URLSearchParams(location.search);
const app = {
  me: params.get("as") || "",
  room: params.get("c") || "",
  state: null,
  viewKey: "",
  read: {}, // messages seen per channel, for the unread badges
};

const $ = (id) => document.getElementById(id);

async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(Object.assign({ user: app.me }, body)) });
  const out = await res.json().catch(() => ({ error: "no answer" }));
  if (!res.ok) {
    toast(out.error || "failed");
    throw new Error(out.error);
  }
  return out;
}

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 5000);
}

let loading = null, again = false;
async function refresh() {
  if (loading) { again = true; return loading; }
  loading = (async () => {
    do {
      again = false;
      const res = await fetch("/api/state?user=" + encodeURIComponent(app.me));
      if (res.ok) render(await res.json());
    } while (again);
  })().finally(() => { loading = null; });
  return loading;
}

function render(st) {
  app.state = st;
  const ws = st.workspace;
  const people = {}, channels = {};
  ws.people.forEach((p) => { people[p.id] = p.name; });
  ws.channels.forEach((c) => { channels[c.id] = c.name; });
  const offset = st.offset_ms, loaded = Date.now() - st.now;
  BK.setContext({ people, channels, now: () => Date.now() - loaded });
  app.offset = offset;
  renderPeople(ws);
  renderSidebar(st);
  renderTop(st);
  renderPane(st);
  renderModal(st.view);
  document.body.dataset.ready = "1";
}

function renderPeople(ws) {
  const sel = $("as");
  if (sel.options.length === 0) {
    for (const p of ws.people) {
      const o = document.createElement("option");
      o.value = p.id;
      o.textContent = p.name + " (" + p.role + ")";
      sel.append(o);
    }
  }
  if (!app.me) app.me = ws.people[0].id;
  sel.value = app.me;
  const me = ws.people.find((p) => p.id === app.me);
  $("role").textContent = me ? roleLine(me.role) : "";
}

function roleLine(role) {
  return { rep: "A rep: type /handoff in #sales to pass a lead.", closer: "A closer: claim the leads posted in the pool's channel.", manager: "The pool's manager: sees the team on the Home tab." }[role] || "";
}

function defaultRoom(ws) {
  const me = ws.people.find((p) => p.id === app.me);
  if (me && me.role === "rep") return ws.channels[0].id;
  return (ws.channels[1] || ws.channels[0]).id;
}

// setHTML replaces el's content only when it changed: nodes the person (or
// a test) is about to click stay in place across refreshes.
function setHTML(el, html) {
  if (el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
}

function renderSidebar(st) {
  const ws = st.workspace;
  if (!app.room) app.room = defaultRoom(ws);
  ws.channels.forEach((c) => roomLink($("channels"), c.id, "# " + c.name, st));
  roomLink($("apps"), "home", "🏠 Baton · Home", st);
  roomLink($("apps"), "dm", "💬 Baton · Messages", st);
}

// roomLink keeps one link per room in list, made once and then updated in
// place (its highlight, its unread count), so that it never moves under a
// click.
function roomLink(list, id, label, st) {
  let a = list.querySelector('[data-channel="' + id + '"]');
  if (!a) {
    a = document.createElement("a");
    a.href = "#";
    a.className = "room";
    a.dataset.channel = id;
    const name = document.createElement("span");
    name.textContent = label;
    const badge = document.createElement("span");
    badge.className = "badge";
    a.append(name, badge);
    list.append(a);
  }
  const n = (st.messages[channelOf(id)] || []).length - (app.read[channelOf(id)] || 0);
  const badge = a.querySelector(".badge");
  badge.hidden = id === app.room || n <= 0;
  badge.textContent = n > 0 ? String(n) : "";
  a.classList.toggle("active", id === app.room);
}

function channelOf(room) { return room === "dm" ? "D" + app.me : room; }

function renderTop(st) {
  const ws = st.workspace;
  const title = app.room === "home" ? "Baton · Home" : app.room === "dm" ? "Baton · Messages" : "# " + (ws.channels.find((c) => c.id === app.room) || { name: app.room }).name;
  $("title").textContent = title;
  const now = new Date(st.now);
  $("clock").textContent = "Sandbox time: " + BK.formatDate(st.now / 1000, "{date_short} {time_secs}") + (st.offset_ms > 0 ? " (" + span(st.offset_ms) + " ahead)" : "");
  $("clock").dataset.now = now.toISOString();
  // The skip buttons are kept and relabelled, not rebuilt.
  const skips = $("skips");
  const ids = st.skips.map((s) => s.id);
  for (const b of [...skips.children]) if (!ids.includes(b.dataset.skip)) b.remove();
  for (const s of st.skips) {
    let b = skips.querySelector('[data-skip="' + s.id + '"]');
    if (!b) {
      b = document.createElement("button");
      b.type = "button";
      b.dataset.skip = s.id;
      skips.append(b);
    }
    const label = "⏩ " + s.label + " (in " + span(new Date(s.at) - now) + ")";
    if (b.textContent !== label) b.textContent = label;
    b.title = "Move the sandbox's clock to " + new Date(s.at).toLocaleString();
  }
  const composer = $("composer");
  composer.disabled = app.room === "home";
  composer.placeholder = app.room === "home" ? "" : "Message " + title + (app.room === ws.channels[0].id ? " — try /handoff Acme Corp" : " — /handoff help lists the commands");
}

function span(ms) {
  let s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return [d && d + "d", h && h + "h", m && m + "m", (!d && !h && s) && s + "s"].filter(Boolean).join(" ") || "0s";
}

function renderPane(st) {
  const pane = $("pane");
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
  if (app.room === "home") {
    setHTML(pane, st.home ? '<div class="home" data-surface="home">' + BK.blocks(st.home.blocks) + "</div>"
      : '<div class="empty">Opening your Home…</div>');
    return;
  }
  const ch = channelOf(app.room);
  const msgs = st.messages[ch] || [];
  app.read[ch] = msgs.length;
  const top = msgs.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const replies = {};
  msgs.filter((m) => m.thread_ts && m.thread_ts !== m.ts).forEach((m) => { (replies[m.thread_ts] = replies[m.thread_ts] || []).push(m); });
  setHTML(pane, top.length === 0 ? '<div class="empty">Nothing here yet.</div>'
    : top.map((m) => messageHTML(m, ch, replies[m.ts] || [])).join(""));
  if (atBottom || !app.scrolled) { pane.scrollTop = pane.scrollHeight; app.scrolled = true; }
}

function messageHTML(m, ch, replies) {
  const body = m.blocks && m.blocks.length ? BK.blocks(m.blocks) : "<div>" + BK.mrkdwn(m.text) + "</div>";
  const time = new Date(m.at).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  let thread = "";
  if (replies.length) {
    thread = '<div class="thread"><div class="thread-count">' + replies.length + (replies.length === 1 ? " reply" : " replies") + "</div>"
      + replies.map((r) => messageHTML(r, ch, [])).join("") + "</div>";
  }
  return '<div class="msg' + (m.ephemeral ? " ephemeral" : "") + '" data-surface="msg" data-channel="' + BK.esc(ch) + '" data-ts="' + BK.esc(m.ts) + '">'
    + '<div class="avatar">B</div><div class="msg-body"><div class="msg-head">Baton<span class="app">APP</span><time>' + time + "</time>"
    + (m.edited ? '<span class="edited">(edited)</span>' : "") + "</div>"
    + (m.ephemeral ? '<div class="only-you">👁 Only visible to you</div>' : "")
    + body + thread + "</div></div>";
}

// The modal: rebuilt only when the view itself changes, so that what the
// person typed survives the refreshes; errors are updated in place.
function renderModal(v) {
  const layer = $("modal-layer");
  if (!v) { layer.hidden = true; app.viewKey = ""; return; }
  const key = v.id + ":" + JSON.stringify(v.view);
  if (key !== app.viewKey) {
    app.viewKey = key;
    const view = v.view;
    $("modal").dataset.viewId = v.id;
    $("modal-title").textContent = (view.title && view.title.text) || "";
    $("modal-body").innerHTML = BK.blocks(view.blocks, inputHTML);
    $("modal-close").textContent = (view.close && view.close.text) || "Cancel";
    $("modal-submit").textContent = (view.submit && view.submit.text) || "";
    $("modal-submit").hidden = !view.submit;
    $("modal-submit").disabled = false;
    layer.hidden = false;
  }
  for (const blk of document.querySelectorAll("#modal-body .input-block")) {
    const msg = (v.errors || {})[blk.dataset.blockId];
    const box = blk.querySelector(".field-error");
    blk.classList.toggle("has-error", !!msg);
    box.textContent = msg || "";
    box.hidden = !msg;
  }
}

function inputHTML(b) {
  const el = b.element || {};
  const id = "in-" + b.block_id;
  const attrs = ' id="' + BK.esc(id) + '" class="input-el" data-type="' + BK.esc(el.type) + '" data-action-id="' + BK.esc(el.action_id || "") + '"';
  const ph = el.placeholder ? ' placeholder="' + BK.esc(el.placeholder.text) + '"' : "";
  const val = (x) => (x == null ? "" : ' value="' + BK.esc(x) + '"');
  let control = "";
  switch (el.type) {
    case "plain_text_input":
      control = el.multiline ? "<textarea" + attrs + ph + ">" + BK.esc(el.initial_value || "") + "</textarea>"
        : '<input type="text"' + attrs + ph + val(el.initial_value) + (el.max_length ? ' maxlength="' + el.max_length + '"' : "") + ">";
      break;
    case "email_text_input": control = '<input type="email"' + attrs + ph + val(el.initial_value) + ">"; break;
    case "url_text_input": control = '<input type="url"' + attrs + ph + val(el.initial_value) + ">"; break;
    case "number_input": control = '<input type="number"' + (el.is_decimal_allowed ? ' step="any"' : "") + attrs + ph + val(el.initial_value) + ">"; break;
    case "rich_text_input":
      control = "<textarea" + attrs + ph + ">" + BK.esc(BK.richText(el.initial_value)) + "</textarea>";
      break;
    case "radio_buttons": case "checkboxes": {
      const kind = el.type === "radio_buttons" ? "radio" : "checkbox";
      const initial = el.type === "radio_buttons" ? (el.initial_option ? [el.initial_option.value] : []) : (el.initial_options || []).map((o) => o.value);
      control = "<div" + attrs + ">" + BK.options(el).map((o, i) => '<label class="option"><input type="' + kind + '" name="' + BK.esc(id) + '" value="' + BK.esc(o.value) + '"'
        + (initial.includes(o.value) ? " checked" : "") + "><span>" + BK.text(o.text) + (o.description ? "<small>" + BK.text(o.description) + "</small>" : "") + "</span></label>").join("") + "</div>";
      break;
    }
    case "static_select": {
      const initial = el.initial_option ? el.initial_option.value : "";
      control = "<select" + attrs + '><option value="">' + (BK.plain(el.placeholder) || "Select an option") + "</option>"
        + BK.options(el).map((o) => '<option value="' + BK.esc(o.value) + '"' + (o.value === initial ? " selected" : "") + ">" + BK.plain(o.text) + "</option>").join("") + "</select>";
      break;
    }
    case "users_select": {
      const ppl = app.state.workspace.people;
      control = "<select" + attrs + '><option value="">' + (BK.plain(el.placeholder) || "Select a person") + "</option>"
        + ppl.map((p) => '<option value="' + BK.esc(p.id) + '"' + (p.id === el.initial_user ? " selected" : "") + ">" + BK.esc(p.name) + "</option>").join("") + "</select>";
      break;
    }
    case "datetimepicker": {
      const v = el.initial_date_time ? localInput(new Date(el.initial_date_time * 1000)) : "";
      control = '<input type="datetime-local"' + attrs + val(v) + ">";
      break;
    }
    case "datepicker": control = '<input type="date"' + attrs + val(el.initial_date) + ">"; break;
    case "timepicker": control = '<input type="time"' + attrs + val(el.initial_time) + ">"; break;
    default: control = '<div class="hint">(' + BK.esc(el.type) + " is not shown in the sandbox)</div>";
  }
  return '<div class="input-block" data-block-id="' + BK.esc(b.block_id) + '"><label class="label" for="' + BK.esc(id) + '">' + BK.plain(b.label)
    + (b.optional ? ' <span class="optional">(optional)</span>' : "") + "</label>" + control
    + (b.hint ? '<div class="hint">' + BK.plain(b.hint) + "</div>" : "") + '<div class="field-error" hidden></div></div>';
}

function localInput(d) {
  const p = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
}

function formValues() {
  const values = {};
  for (const blk of document.querySelectorAll("#modal-body .input-block")) {
    const el = blk.querySelector(".input-el");
    if (!el) continue;
    const type = el.dataset.type;
    const v = { type };
    if (type === "radio_buttons") {
      const c = el.querySelector("input:checked");
      v.value = c ? c.value : "";
    } else if (type === "checkboxes") {
      v.values = [...el.querySelectorAll("input:checked")].map((c) => c.value);
    } else if (type === "datetimepicker") {
      v.time = el.value ? Math.floor(new Date(el.value).getTime() / 1000) : 0;
    } else {
      v.value = el.value;
    }
    values[blk.dataset.blockId] = { [el.dataset.actionId]: v };
  }
  return values;
}

async function submitModal() {
  const id = $("modal").dataset.viewId;
  $("modal-submit").disabled = true;
  try {
    await post("/api/submit", { view_id: id, values: formValues() });
  } catch (e) { /* told in the toast */ }
  $("modal-submit").disabled = false;
  refresh();
}

async function closeModal() {
  const id = $("modal").dataset.viewId;
  try { await post("/api/close", { view_id: id }); } catch (e) { /* told */ }
  refresh();
}

// A click on a button or a choice in a select, in a message, the Home or
// the modal: what Slack would send as block_actions.
async function act(el, value) {
  if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) return;
  if (el.dataset.url) window.open(el.dataset.url, "_blank", "noopener");
  const body = { action_id: el.dataset.actionId, block_id: el.dataset.blockId, value };
  const msg = el.closest("[data-surface=msg]");
  if (el.closest("#modal")) body.view_id = $("modal").dataset.viewId;
  else if (el.closest("[data-surface=home]")) body.home = true;
  else if (msg) { body.channel = msg.dataset.channel; body.ts = msg.dataset.ts; }
  try { await post("/api/click", body); } catch (e) { /* told */ }
}

async function openRoom(room) {
  app.room = room;
  const u = new URL(location.href);
  u.searchParams.set("as", app.me);
  u.searchParams.set("c", room);
  history.replaceState(null, "", u);
  app.scrolled = false;
  if (room === "home") {
    // Slack sends app_home_opened each time the tab is opened.
    post("/api/home", {}).catch(() => {});
  }
  await refresh();
}

document.addEventListener("click", (e) => {
  const room = e.target.closest("#sidebar .room");
  if (room) { e.preventDefault(); openRoom(room.dataset.channel); return; }
  const skip = e.target.closest("button[data-skip]");
  if (skip) { post("/api/skip", { target: skip.dataset.skip }).then(refresh, () => {}); return; }
  const btn = e.target.closest("button.bk-button");
  if (btn) act(btn, btn.dataset.value);
});
document.addEventListener("change", (e) => {
  if (e.target.classList.contains("bk-select") && e.target.value) act(e.target, e.target.value);
});
$("as").addEventListener("change", (e) => { app.me = e.target.value; app.read = {}; app.viewKey = ""; openRoom(defaultRoom(app.state.workspace)); });
$("modal-submit").addEventListener("click", submitModal);
$("modal-close").addEventListener("click", closeModal);
$("modal-x").addEventListener("click", closeModal);
$("composer-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("composer").value.trim();
  if (!text) return;
  if (!text.startsWith("/")) { toast("The sandbox takes slash commands: /handoff, /handoff stats, /handoff away, /handoff back, /handoff help."); return; }
  try {
    await post("/api/command", { channel: channelOf(app.room), text });
    $("composer").value = "";
  } catch (err) { /* told */ }
  refresh();
});

const events = new EventSource("/api/events");
events.onmessage = () => refresh();
setInterval(refresh, 10000); // the clock's display, between changes
openRoom(app.room);
