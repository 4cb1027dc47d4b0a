// Block Kit and mrkdwn, rendered as Slack shows them, from the JSON the
// bot sent. Everything the bot wrote is escaped before it becomes HTML.
"use strict";

const BK = (() => {
  const EMOJI = {
    fire: "🔥", white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", alarm_clock: "⏰",
    hourglass: "⌛", hourglass_flowing_sand: "⏳", stopwatch: "⏱️", bell: "🔔", telephone_receiver: "📞",
    phone: "☎️", calendar: "📅", spiral_calendar_pad: "🗓️", trophy: "🏆", wave: "👋", tada: "🎉", eyes: "👀",
    rotating_light: "🚨", memo: "📝", hand: "✋", raised_hand: "✋", zzz: "💤", thumbsup: "👍", "+1": "👍",
    thumbsdown: "👎", inbox_tray: "📥", outbox_tray: "📤", bar_chart: "📊", chart_with_upwards_trend: "📈",
    email: "📧", link: "🔗", arrow_right: "➡️", no_entry: "⛔", star: "⭐", speech_balloon: "💬",
    pushpin: "📌", busts_in_silhouette: "👥", bust_in_silhouette: "👤", clock: "🕒", mag: "🔍",
    large_green_circle: "🟢", red_circle: "🔴", large_yellow_circle: "🟡", white_circle: "⚪", house: "🏠",
    handshake: "🤝", moneybag: "💰", sparkles: "✨", repeat: "🔁", leftwards_arrow_with_hook: "↩️",
    information_source: "ℹ️", question: "❓", exclamation: "❗", sunny: "☀️", crescent_moon: "🌙",
  };
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

  // ctx: {people: {id: name}, channels: {id: name}, now: () => ms}
  let ctx = { people: {}, channels: {}, now: () => Date.now() };
  function setContext(c) { ctx = c; }

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  // decode undoes Slack's three escapes (&amp; &lt; &gt;) in message text.
  function decode(s) { return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"); }

  function ordinal(n) {
    const s = ["th", "st", "nd", "rd"], v = n % 100;
    return n + (s[(v - 20) % 10] || s[v] || s[0]);
  }
  function pad(n) { return String(n).padStart(2, "0"); }
  function clock(d, secs) {
    let h = d.getHours() % 12; if (h === 0) h = 12;
    return h + ":" + pad(d.getMinutes()) + (secs ? ":" + pad(d.getSeconds()) : "") + " " + (d.getHours() < 12 ? "AM" : "PM");
  }
  function sameDay(a, b) { return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate(); }
  function pretty(d, fallback) {
    const now = new Date(ctx.now());
    const y = new Date(now); y.setDate(now.getDate() - 1);
    const t = new Date(now); t.setDate(now.getDate() + 1);
    if (sameDay(d, now)) return "today";
    if (sameDay(d, y)) return "yesterday";
    if (sameDay(d, t)) return "tomorrow";
    return fallback;
  }
  function ago(d) {
    let s = Math.round((ctx.now() - d.getTime()) / 1000);
    const future = s < 0; s = Math.abs(s);
    const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
    for (const [name, n] of units) {
      if (s >= n || n === 1) {
        const v = Math.floor(s / n);
        const w = v + " " + name + (v === 1 ? "" : "s");
        return future ? "in " + w : w + " ago";
      }
    }
    return "";
  }
  // formatDate renders <!date^ts^format> the way Slack does, in the
  // reader's time zone, "today" counted on the sandbox's clock.
  function formatDate(ts, format) {
    const d = new Date(ts * 1000);
    const date = MONTHS[d.getMonth()] + " " + ordinal(d.getDate()) + ", " + d.getFullYear();
    const short = MONTHS[d.getMonth()].slice(0, 3) + " " + d.getDate() + ", " + d.getFullYear();
    const long = DAYS[d.getDay()] + ", " + date;
    const tokens = {
      date_num: d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()),
      date, date_short: short, date_long: long,
      date_pretty: pretty(d, date), date_short_pretty: pretty(d, short), date_long_pretty: pretty(d, long),
      time: clock(d, false), time_secs: clock(d, true), ago: ago(d),
    };
    return format.replace(/\{(\w+)\}/g, (m, k) => (k in tokens ? tokens[k] : m));
  }

  // token renders what is between < and > in mrkdwn.
  function token(t) {
    const [body, label] = splitLabel(t);
    if (body.startsWith("@")) {
      const id = body.slice(1);
      return '<span class="mention">@' + esc(ctx.people[id] || label || id) + "</span>";
    }
    if (body.startsWith("#")) {
      const id = body.slice(1);
      return '<span class="mention">#' + esc(ctx.channels[id] || label || id) + "</span>";
    }
    if (body.startsWith("!")) {
      const parts = body.slice(1).split("^");
      switch (parts[0]) {
        case "channel": case "here": case "everyone":
          return '<span class="mention broadcast">@' + parts[0] + "</span>";
        case "subteam":
          return '<span class="mention">' + esc(label || "@group") + "</span>";
        case "date": {
          const text = esc(formatDate(Number(parts[1]), parts[2] || "{date}"));
          return parts[3] ? '<a href="' + esc(parts[3]) + '" target="_blank" rel="noopener">' + text + "</a>" : "<time>" + text + "</time>";
        }
      }
      return esc(label || body);
    }
    if (/^(https?:|mailto:|tel:)/.test(body)) {
      return '<a href="' + esc(body) + '" target="_blank" rel="noopener">' + esc(label || body) + "</a>";
    }
    return esc("<" + t + ">");
  }
  function splitLabel(t) {
    const i = t.indexOf("|");
    return i < 0 ? [t, ""] : [t.slice(0, i), decode(t.slice(i + 1))];
  }

  // mrkdwn renders Slack's mrkdwn as HTML.
  function mrkdwn(text) {
    if (!text) return "";
    const held = [];
    const hold = (html) => "\u0000" + (held.push(html) - 1) + "\u0000";
    let s = text.replace(/<([^<>]+)>/g, (m, t) => hold(token(decode(t))));
    s = esc(decode(s));
    s = s.replace(/```([\s\S]*?)```/g, (m, code) => hold("<pre>" + code + "</pre>"));
    s = s.replace(/`([^`\n]+)`/g, (m, code) => hold("<code>" + code + "</code>"));
    s = s.replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, "$1<b>$2</b>");
    s = s.replace(/(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/g, "$1<i>$2</i>");
    s = s.replace(/(^|[^\w~])~(?!\s)([^~\n]+?)~(?!\w)/g, "$1<s>$2</s>");
    s = s.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
    s = s.split("\n").map((line) => line.startsWith("&gt; ") || line === "&gt;" ? "<blockquote>" + line.slice(5) + "</blockquote>" : line).join("\n");
    s = s.replace(/\n/g, "<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
    return s.replace(/\u0000(\d+)\u0000/g, (m, i) => held[Number(i)]);
  }

  function plain(obj) {
    if (!obj) return "";
    const t = esc(obj.text || "");
    return obj.emoji === false ? t : t.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
  }
  function text(obj) {
    if (!obj) return "";
    return obj.type === "mrkdwn" ? mrkdwn(obj.text) : plain(obj);
  }

  // element renders an interactive element of a message, Home or modal;
  // where ("msg", "home" or "view") is set on it for the click handler.
  function element(el, blockId) {
    const data = ' data-action-id="' + esc(el.action_id || "") + '" data-block-id="' + esc(blockId || "") + '"';
    switch (el.type) {
      case "button": {
        const cls = el.style === "primary" ? "primary" : el.style === "danger" ? "danger" : "";
        const confirm = el.confirm ? ' data-confirm="' + esc(confirmText(el.confirm)) + '"' : "";
        const url = el.url ? ' data-url="' + esc(el.url) + '"' : "";
        return '<button type="button" class="bk-button ' + cls + '"' + data + ' data-value="' + esc(el.value || "") + '"' + confirm + url + ">" + plain(el.text) + "</button>";
      }
      case "static_select": case "overflow": case "radio_buttons": {
        const opts = options(el).map((o) => '<option value="' + esc(o.value) + '">' + plain(o.text) + "</option>").join("");
        const ph = el.type === "overflow" ? "⋯" : plain(el.placeholder) || "Select";
        return '<select class="bk-select"' + data + '><option value="">' + ph + "</option>" + opts + "</select>";
      }
      case "image":
        return '<img src="' + esc(el.image_url) + '" alt="' + esc(el.alt_text || "") + '" width="24" height="24">';
    }
    return "";
  }
  function confirmText(c) {
    return [c.title && c.title.text, c.text && (c.text.text || "")].filter(Boolean).join("\n\n");
  }
  function options(el) {
    if (el.options) return el.options;
    return (el.option_groups || []).flatMap((g) => g.options || []);
  }

  // blocks renders message or Home blocks; input blocks are for forms.
  function blocks(list, form) {
    return (list || []).map((b) => block(b, form)).join("");
  }
  function block(b, form) {
    switch (b.type) {
      case "section": {
        let inner = "";
        if (b.text) inner += "<div>" + text(b.text) + "</div>";
        if (b.fields) inner += '<div class="fields">' + b.fields.map((f) => "<div>" + text(f) + "</div>").join("") + "</div>";
        const acc = b.accessory ? '<div class="accessory">' + element(b.accessory, b.block_id) + "</div>" : "";
        return '<div class="block section-block"><div>' + inner + "</div>" + acc + "</div>";
      }
      case "context":
        return '<div class="block context">' + (b.elements || []).map((e) => e.type === "image"
          ? '<img src="' + esc(e.image_url) + '" alt="' + esc(e.alt_text || "") + '" width="16" height="16">'
          : "<span>" + text(e) + "</span>").join("") + "</div>";
      case "header":
        return '<div class="block header-block">' + plain(b.text) + "</div>";
      case "divider":
        return '<hr class="divider">';
      case "actions":
        return '<div class="block actions">' + (b.elements || []).map((e) => element(e, b.block_id)).join("") + "</div>";
      case "image":
        return '<div class="block"><img src="' + esc(b.image_url) + '" alt="' + esc(b.alt_text || "") + '" style="max-width:360px"></div>';
      case "rich_text":
        return '<div class="block">' + esc(richText(b)).replace(/\n/g, "<br>") + "</div>";
      case "input":
        return form ? form(b) : "";
    }
    return "";
  }

  // richText is the plain text of a rich_text block, a paragraph a line.
  function richText(b) {
    if (!b || !b.elements) return "";
    return b.elements.map((sec) => (sec.elements || []).map((e) => e.text || (e.type === "user" ? "@" + (ctx.people[e.user_id] || e.user_id) : "")).join("")).join("\n").replace(/\n+$/, "");
  }

  return { mrkdwn, plain, text, blocks, block, element, options, esc, richText, setContext, formatDate };
})();
