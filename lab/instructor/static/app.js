// The instructor's page: plain JavaScript, no build step. It reads the JSON
// API and follows the server-sent events of /api/stream.
"use strict";

const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
const state = { role: null, device: params.get("device") || "", session: params.get("session") || "", rows: [], lastSeq: 0 };

function api(path) {
  if (!token) return path;
  return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}

async function getJSON(path) {
  const r = await fetch(api(path), { credentials: "same-origin" });
  if (!r.ok) throw new Error(path + ": " + r.status);
  return r.json();
}

async function post(path, body) {
  const r = await fetch(api(path), {
    method: "POST", credentials: "same-origin",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) alert(j.error || r.status);
  refreshSoon();
  return j;
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids.flat()) {
    if (k == null) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function transferText(t) {
  if (!t) return el("span", { class: "muted" }, "none");
  const bytes = t.bytes >= 0 ? t.bytes + " bytes" : "? bytes";
  return el("span", {},
    el("span", { class: t.ok ? "ok" : "bad" }, t.ok ? "OK" : "FAILED"), " ",
    `${t.verb} ${t.path} — ${t.mode || "?"} ${t.type} ${bytes}`,
    el("br"), el("span", { class: "small muted" }, t.result),
    t.reason ? el("span", { class: "reason small" }, t.reason) : null);
}

function renderGrid() {
  const tb = document.querySelector("#grid tbody");
  tb.replaceChildren(...state.rows.map(r => {
    const logged = r.logged_in.length ? r.logged_in.map(l => el("div", {}, `${l.via} ${l.user || "-"}`, el("span", { class: "small muted" }, " " + (l.from || l.line)))) : el("span", { class: "muted" }, "nobody");
    const ftp = r.ftp.enabled ? el("span", { class: "ok" }, "on, port " + r.ftp.port) : el("span", { class: "muted" }, "off");
    const users = r.ftp_users.length ? r.ftp_users.map(u => el("div", {}, u.name + " ", el("span", { class: "small muted" }, u.directory || "(no directory)"))) : el("span", { class: "muted" }, "none");
    const err = r.last_error ? el("span", {}, el("span", { class: "small" }, r.last_error.text), r.last_error.reason ? el("span", { class: "reason small" }, "why: " + r.last_error.reason) : null) : el("span", { class: "muted" }, "none");
    const checks = r.checks.length ? r.checks.map(c => el("div", { class: c.result + " small", title: c.detail }, (c.result === "pass" ? "✔ " : c.result === "fail" ? "✘ " : "– ") + c.check)) : el("span", { class: "muted" }, "—");
    const f = r.faults;
    const toggle = (label, key, on, val) => el("button", { onclick: ev => { ev.stopPropagation(); post(`/api/devices/${r.device}/faults`, { [key]: on ? (typeof val === "number" ? 0 : false) : val }); } }, (on ? "✓ " : "") + label);
    const controls = el("div", { class: "small" },
      el("button", { onclick: ev => { ev.stopPropagation(); post(`/api/devices/${r.device}/${r.running ? "stop" : "start"}`); } }, r.running ? "Stop" : "Start"),
      el("button", { onclick: ev => { ev.stopPropagation(); post(`/api/devices/${r.device}/reset`); } }, "Reset"),
      el("button", { onclick: ev => { ev.stopPropagation(); post(`/api/devices/${r.device}/drop`); } }, "Drop sessions"),
      el("br"),
      toggle("refuse logins", "refuse_logins", f.refuse_logins, true),
      toggle("slow", "slow_ms", f.slow_ms > 0, 2000),
      toggle("flash full", "flash_full", f.flash_full, true),
      toggle("delay save", "save_delay_ms", f.save_delay_ms > 0, 5000),
      toggle("cut transfers", "cut_after_bytes", f.cut_after_bytes > 0, 65536));
    const tr = el("tr", { class: r.device === state.device ? "sel" : "", "data-device": r.device, onclick: () => select(r.device, "") },
      el("td", {}, el("b", {}, r.device), el("div", { class: "small muted" }, r.address)),
      el("td", {}, r.running ? (r.reachable ? el("span", { class: "ok" }, "yes") : el("span", { class: "bad" }, "no")) : el("span", { class: "bad" }, "stopped")),
      el("td", {}, logged), el("td", {}, ftp), el("td", {}, users),
      el("td", { class: "last-transfer" }, transferText(r.last_transfer)),
      el("td", { class: "last-error" }, err), el("td", {}, checks),
      el("td", { class: "instr" }, controls));
    return tr;
  }));
}

async function refreshGrid() {
  state.rows = await getJSON("/api/devices");
  renderGrid();
  const checks = await getJSON("/api/checks");
  document.querySelector("#checks tbody").replaceChildren(...checks.map(c =>
    el("tr", { class: c.result }, el("td", {}, c.check), el("td", {}, c.device), el("td", { class: "result" }, c.result), el("td", {}, c.detail))));
}

let timer = null;
function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(() => { refreshGrid(); if (state.device) refreshDetail(); }, 250);
}

function select(device, session) {
  state.device = device;
  state.session = session;
  const u = new URL(location.href);
  u.searchParams.set("device", device);
  if (session) u.searchParams.set("session", session); else u.searchParams.delete("session");
  history.replaceState(null, "", u);
  renderGrid();
  refreshDetail();
}

async function refreshDetail() {
  const d = state.device;
  if (!d) return;
  document.getElementById("detail").hidden = false;
  document.getElementById("dname").textContent = d;
  const sessions = await getJSON(`/api/devices/${d}/sessions`);
  const ftp = sessions.filter(s => s.kind.startsWith("ftp-"));
  if (!state.session && ftp.length) state.session = ftp[ftp.length - 1].id;
  document.getElementById("sessions").replaceChildren(...sessions.map(s =>
    el("li", { class: s.id === state.session ? "sel" : "", "data-session": s.id, onclick: () => select(d, s.id) },
      s.id, " ", el("span", { class: "small muted" }, [s.user, s.client && s.server ? `${s.client} → ${s.server}` : s.client].filter(Boolean).join(" ")))));
  if (state.session && state.session.startsWith("ftp-")) {
    const evs = await getJSON(`/api/devices/${d}/events?session=${encodeURIComponent(state.session)}`);
    renderLadder(state.session, evs);
  }
  const ts = await getJSON(`/api/devices/${d}/transcripts`);
  document.getElementById("transcripts").replaceChildren(...(ts.length ? ts.map(t =>
    el("div", { class: "transcript" },
      el("h4", {}, `${t.session} ${t.line} ${t.user || ""} ${t.from || ""}${t.closed ? " (closed)" : ""}`),
      el("pre", {}, t.commands.map(c => [el("b", {}, "> " + c.command + "\n"), c.output]))))
    : [el("p", { class: "muted" }, "No CLI session yet.")]));
}

function renderLadder(session, evs) {
  document.getElementById("sname").textContent = session;
  const first = evs.find(e => e.client) || {};
  const rows = [el("div", { class: "lhead" },
    el("span", {}, "client " + (first.client || "")), el("span", {}, "control connection"),
    el("span", {}, "data connections"), el("span", { style: "text-align:right" }, "server " + (first.server || "")))];
  for (const e of evs) {
    let ctl = "", data = "";
    if (e.kind === "ftp-command") {
      ctl = el("div", { class: "arrow cmd" }, e.line, e.decoded ? el("span", { class: "decoded" }, e.decoded) : null);
    } else if (e.kind === "ftp-reply") {
      ctl = el("div", { class: "arrow rep" }, e.line, e.decoded ? el("span", { class: "decoded" }, e.decoded) : null);
    } else if (e.kind === "ftp-data") {
      const dc = e.data;
      const dir = dc.opener === "client" ? "c2s" : "s2c";
      const from = (dc.from || "").replace(/:0$/, "") || "(nothing came)";
      const text = `${dc.mode}: ${dc.opener} opens ${from} → ${dc.to}`;
      data = el("div", { class: `arrow data ${dir}${dc.ok ? "" : " failed"}` }, dc.ok ? text : "FAILED " + text,
        dc.ok ? null : el("span", { class: "reason" }, "reason: " + dc.error));
    } else continue;
    rows.push(el("div", { class: "lrow", "data-seq": e.seq },
      el("span", { class: "end" }, new Date(e.time).toLocaleTimeString()),
      el("div", { class: "lane" }, ctl), el("div", { class: "lane" }, data), el("span", { class: "end right" }, "")));
  }
  document.getElementById("ladder").replaceChildren(...rows);
}

function live() {
  const es = new EventSource(api("/api/stream"));
  const ind = document.getElementById("live");
  es.onopen = () => { ind.textContent = "live"; ind.className = "on"; refreshSoon(); };
  es.onerror = () => { ind.textContent = "reconnecting"; ind.className = "off"; };
  es.addEventListener("ev", () => refreshSoon());
}

async function main() {
  const who = await getJSON("/api/whoami");
  state.role = who.role;
  document.body.classList.add(who.role);
  document.getElementById("role").textContent = who.role === "student" ? "student view of " + who.device : "instructor";
  const links = document.getElementById("links");
  document.getElementById("csv").href = api("/api/checks.csv");
  if (who.role === "instructor") {
    links.append(el("a", { href: "/metrics" }, "metrics"));
    for (const [d, href] of Object.entries(who.student_links)) links.append(el("a", { href, title: "read-only link for the student of " + d }, d + " student link"));
  } else if (!state.device) {
    state.device = who.device;
  }
  await refreshGrid();
  if (state.device) await refreshDetail();
  live();
}

main().catch(err => { document.body.prepend(el("p", { class: "bad" }, String(err))); });
