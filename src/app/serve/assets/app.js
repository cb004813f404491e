// The workshop page: levers on the left, the headline and the charts on the right.
// Every lever move asks the server for a first picture with a few thousand careers, then
// refines to the scenario's full count; a newer move replaces the run in progress (the server
// cancels it through this page's session id).
"use strict";

const state = {
  catalog: null,
  scenario: null,      // table id
  settings: {},        // key -> TOML value text
  means: {},           // drawn key -> new mean
  pinned: null,        // { scenario, settings, means } in A/B mode
  token: 0,            // bumps on every change; stale answers are dropped
  controller: null,    // AbortController of the request in flight
  session: "p" + Math.random().toString(36).slice(2) + Date.now().toString(36),
};

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const group = (n) => Math.round(n).toLocaleString("en-US");
const pct = (x) => (100 * x).toFixed(1) + "%";
const money = (x) => (x < 0 ? "-$" : "$") + group(Math.abs(x));

function current() {
  return { scenario: state.scenario, settings: { ...state.settings }, means: { ...state.means } };
}

function entry() {
  return state.catalog.scenarios.find((s) => s.id === state.scenario);
}

// ---- levers -------------------------------------------------------------------------------

function baseValue(key) {
  return entry().values[key];
}

function shownNumber(lever) {
  const key = lever.key;
  if (key in state.means) return state.means[key];
  if (key in state.settings) {
    const v = Number(state.settings[key]);
    return Number.isFinite(v) ? v : null;
  }
  const b = baseValue(key);
  return b.mean;
}

function fieldText(lever) {
  const key = lever.key;
  if (key in state.settings) return state.settings[key];
  const b = baseValue(key);
  if (key in state.means) return "mean " + String(state.means[key]);
  return b.drawn ? "mean " + fmt(b.mean) : b.text;
}

function fmt(v) {
  if (v === null || v === undefined) return "none";
  return String(Math.round(v * 1e6) / 1e6);
}

function neutralText(lever) {
  if (lever.note) return lever.note;
  if (lever.neutral === null) return "absent = never";
  return "off at " + fmt(lever.neutral);
}

function isCompany() {
  return entry().kind === "company";
}

// A company scenario has the world's own levers (market, founders, plan) above the person's.
function leverGroups() {
  return isCompany() ? state.catalog.company_groups.concat(state.catalog.groups) : state.catalog.groups;
}

function buildLevers() {
  const box = $("levers");
  box.textContent = "";
  for (const g of leverGroups()) {
    const sec = el("section", { class: "group" });
    const h = el("h2", {}, g.title);
    const moved = el("span", { class: "moved-count" });
    h.appendChild(moved);
    sec.appendChild(h);
    sec.appendChild(el("p", { class: "plain" }, g.plain));
    for (const lever of g.levers) sec.appendChild(leverRow(lever));
    box.appendChild(sec);
  }
  refreshLevers();
}

function leverRow(lever) {
  const row = el("div", { class: "lever", "data-lever": lever.key });
  const top = el("div", { class: "lever-top" });
  const label = el("label", { for: "field-" + lever.key }, lever.label);
  const field = el("input", {
    type: "text", class: "field", id: "field-" + lever.key, "data-key": lever.key,
    "aria-label": lever.key, spellcheck: "false",
  });
  const reset = el("button", { type: "button", class: "reset", title: "Back to the scenario's value" }, "↺");
  top.append(label, field, reset);
  const slider = el("input", {
    type: "range", class: "slider", "data-key": lever.key, "aria-label": lever.label,
    min: String(lever.min), max: String(lever.slider_max), step: String(lever.step),
  });
  // A list (rates by level, the rank table) is typed in the field; no slider.
  if (lever.list) slider.hidden = true;
  const doc = el("div", { class: "doc" });
  doc.textContent = lever.doc + " · " + lever.unit + ", " + fmt(lever.min) + " to " +
    fmt(lever.max) + " · " + neutralText(lever);
  row.append(top, slider, doc);

  slider.addEventListener("input", () => {
    const v = Number(slider.value);
    if (baseValue(lever.key).drawn) {
      delete state.settings[lever.key];
      state.means[lever.key] = v;
    } else {
      delete state.means[lever.key];
      state.settings[lever.key] = String(v);
    }
    field.value = fieldText(lever);
    markMoved();
    changed();
  });
  field.addEventListener("change", () => {
    const text = field.value.trim();
    delete state.means[lever.key];
    delete state.settings[lever.key];
    const m = /^mean\s+(.+)$/.exec(text);
    if (m && baseValue(lever.key).drawn) {
      state.means[lever.key] = Number(m[1]);
    } else if (text !== "" && text !== fieldText(lever)) {
      state.settings[lever.key] = text;
    }
    refreshLevers();
    changed();
  });
  reset.addEventListener("click", () => {
    delete state.means[lever.key];
    delete state.settings[lever.key];
    refreshLevers();
    changed();
  });
  return row;
}

function refreshLevers() {
  for (const g of leverGroups()) {
    for (const lever of g.levers) {
      const row = document.querySelector(`[data-lever="${lever.key}"]`);
      const field = row.querySelector(".field");
      const slider = row.querySelector(".slider");
      field.value = fieldText(lever);
      const v = shownNumber(lever);
      if (v !== null) {
        if (v > Number(slider.max)) slider.max = String(v);
        slider.value = String(v);
        slider.disabled = false;
      } else {
        slider.value = slider.max;
        slider.disabled = false;
      }
    }
  }
  markMoved();
}

function markMoved() {
  for (const sec of document.querySelectorAll("#levers .group")) {
    let n = 0;
    for (const row of sec.querySelectorAll(".lever")) {
      const key = row.dataset.lever;
      const moved = key in state.settings || key in state.means;
      row.classList.toggle("moved", moved);
      if (moved) n++;
    }
    sec.querySelector(".moved-count").textContent = n ? ` · ${n} moved` : "";
  }
}

// ---- runs ---------------------------------------------------------------------------------

let pending = null;
function changed() {
  // Coalesce the events of one slider drag into ~15 requests a second; each replaces the last.
  if (pending) return;
  pending = setTimeout(() => { pending = null; refresh(); }, 60);
}

function stages(full) {
  const out = [];
  const first = Math.min(state.catalog.first_picture_careers, full);
  out.push(first);
  for (const s of state.catalog.refine_steps) if (s > first && s < full) out.push(s);
  if (full > first) out.push(full);
  return out;
}

async function post(path, body, signal) {
  const r = await fetch(path, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(body), signal,
  });
  return r;
}

// The replicate companies the settings ask for (a moved company.replicates lever counts).
function ownReplicates() {
  const moved = Number(state.settings["company.replicates"]);
  return Number.isInteger(moved) && moved > 0 ? moved : entry().replicates;
}

// A company: a sketch first (one company at a tenth of the size, labelled), then one
// full-size company, then all of them.
function companyStages(full) {
  return full > 1 ? ["sketch", 1, full] : ["sketch", full];
}

async function refresh() {
  const token = ++state.token;
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const company = isCompany();
  const full = company ? ownReplicates() : Math.min(entry().careers, state.catalog.max_careers);
  const what = company ? "companies" : "careers";
  document.body.dataset.busy = "1";
  for (const n of (company ? companyStages(full) : stages(full))) {
    const sketch = n === "sketch";
    const done = !sketch && n >= full;
    setStatus(sketch ? "Sketching one company at a tenth of the size…"
      : done ? `Refining to ${group(n)} ${what}…` : `Simulating ${group(n)} ${what}…`, null);
    const request = { session: state.session, current: current(), pinned: sketch ? null : state.pinned };
    if (sketch) { request.replicates = 1; request.sketch = true; }
    else if (company) request.replicates = n; else request.careers = n;
    let r;
    try {
      r = await post("/api/run", request, controller.signal);
    } catch (e) {
      return; // aborted by a newer change
    }
    if (token !== state.token) return;
    const body = await r.json().catch(() => ({ error: "the server sent no readable answer" }));
    if (token !== state.token) return;
    if (!r.ok) {
      if (body.cancelled) return;
      showError(body.error || ("error " + r.status));
      setStatus("Nothing was run: fix the value above.", null);
      document.body.dataset.busy = "0";
      return;
    }
    showError(null);
    render(body);
  }
  document.body.dataset.busy = "0";
}

function setStatus(text, result) {
  const s = $("status");
  s.textContent = text;
  if (result) {
    s.dataset.careers = String(result.careers);
    s.dataset.full = String(result.full_careers);
  }
}

function showError(message) {
  const e = $("error");
  e.hidden = !message;
  e.textContent = message || "";
}

// The company headline: who lost money, who was never paid, the top 1%, saturation, and
// "the later you join, the worse your odds", each across replicate companies.
function renderCompany(res) {
  const h = res.headline;
  const ci = (f) => h.replicates > 1 ? `95% interval ${pct(f.low)} to ${pct(f.high)}` : "one company: no interval yet";
  $("headline-failure").textContent = pct(h.lost_money.mean);
  $("words-failure").textContent = "lost money";
  $("small-failure").textContent = "of everyone who ever joined, over their time in the company";
  $("words-failure-ci").textContent = ci(h.lost_money);
  $("headline-still-in").textContent = pct(h.no_payments.mean);
  $("words-still-in").textContent = `got no company payment in year ${h.disclosure_year} · ${ci(h.no_payments)}`;
  $("headline-lost").textContent = pct(h.top1_share.mean);
  $("words-lost").textContent = `of year ${h.disclosure_year}'s commissions went to the top 1% · ${ci(h.top1_share)}`;
  $("headline-median").textContent = pct(h.penetration.mean);
  $("words-median").textContent = `of the market ever joined · ${ci(h.penetration)}`;
  $("later").hidden = false;
  $("later").textContent = h.words.later_you_join;
  const ab = res.ab;
  // A sketch has no A side: the A/B table of the last full picture stays until the next one.
  if (!res.sketch) {
    $("a-failure").textContent = ab ? "A: " + pct(ab.a.lost_money.mean) : "";
    $("a-still-in").textContent = ab ? "A: " + pct(ab.a.no_payments.mean) : "";
    $("a-lost").textContent = ab ? "A: " + pct(ab.a.top1_share.mean) : "";
    $("a-median").textContent = ab ? "A: " + pct(ab.a.penetration.mean) : "";
    renderAb(ab);
  }
  const refined = !res.sketch && res.replicates >= res.full_replicates;
  setStatus(
    (refined ? "" : "Refining… ") + `${h.words.precision} · ` +
    (ab ? "charts show B · " : "") +
    `computed in ${group(res.elapsed_ms)} ms`,
    null,
  );
  $("status").dataset.careers = String(res.replicates);
  $("status").dataset.full = String(res.full_replicates);
  $("status").dataset.done = refined ? "1" : "0";
  renderCharts(res);
}

function renderAb(ab) {
  $("ab").hidden = !ab;
  if (ab) {
    $("verdict").textContent = ab.verdict;
    const body = $("ab-table").querySelector("tbody");
    body.textContent = "";
    for (const row of ab.rows) {
      const tr = el("tr");
      tr.append(el("th", {}, row.label), el("td", {}, row.a), el("td", {}, row.b), el("td", {}, row.diff));
      body.appendChild(tr);
    }
  }
}

function render(res) {
  if (res.kind === "company") return renderCompany(res);
  $("later").hidden = true;
  $("small-failure").textContent = "quit, or still in and losing money";
  const h = res.headline;
  $("headline-failure").textContent = pct(h.failure_rate);
  $("words-failure").textContent = "fail";
  $("words-failure-ci").textContent = h.words.failure_ci;
  $("headline-still-in").textContent = pct(h.still_in);
  $("words-still-in").textContent = `still in after ${h.still_in_month} months`;
  $("headline-lost").textContent = pct(h.lost_money);
  $("words-lost").textContent = h.words.lost_money.replace(/^[^ ]+ /, "");
  $("headline-median").textContent = money(h.median_net);
  $("words-median").textContent = `median net after ${res.summary.months} months`;
  const ab = res.ab;
  $("a-failure").textContent = ab ? "A: " + pct(ab.a.failure_rate) : "";
  $("a-still-in").textContent = ab ? "A: " + pct(ab.a.still_in) : "";
  $("a-lost").textContent = ab ? "A: " + pct(ab.a.lost_money) : "";
  $("a-median").textContent = ab ? "A: " + money(ab.a.median_net) : "";
  renderAb(ab);
  const refined = res.careers >= res.full_careers;
  setStatus(
    (refined ? "" : "First picture, refining… ") +
    `${group(res.careers)} of ${group(res.full_careers)} careers · failure rate ${h.words.precision.replace(/ with .*/, "")} (95%) · ` +
    `computed in ${group(res.elapsed_ms)} ms`,
    res,
  );
  $("status").dataset.done = refined ? "1" : "0";
  renderCharts(res);
}

function renderCharts(res) {
  const box = $("charts");
  const seen = new Set();
  for (const c of res.charts) {
    seen.add(c.stem);
    let fig = box.querySelector(`[data-chart="${c.stem}"]`);
    if (!fig) {
      fig = el("figure", { class: "chart", id: "chart-" + c.stem, "data-chart": c.stem });
      box.appendChild(fig);
    }
    fig.innerHTML = c.svg;
  }
  for (const fig of [...box.querySelectorAll("figure")]) {
    if (!seen.has(fig.dataset.chart)) fig.remove();
  }
  buildTabs(res.charts.map((c) => c.stem));
  buildDownloads(res);
}

// In presentation mode one chart fills the screen; big tabs (or keys 1-9) pick which.
const TAB_NAMES = {
  "failure-rate-distribution": "Failure rate by class",
  "survival": "Still in business",
  "quit-reasons": "Why careers ended",
  "net-income": "Net income",
  "income-disclosure": "Income disclosure",
  "company-over-time": "The company over time",
  "company-cohorts": "The later you join",
  "company-lorenz": "Who gets the commissions",
  "company-quit-reasons": "How careers ended",
};

function tabName(stem, stems) {
  if (TAB_NAMES[stem]) return TAB_NAMES[stem];
  // A/B mode draws one failure-rate chart per side, A's first.
  const sides = stems.filter((s) => s.startsWith("failure-rate-"));
  const i = sides.indexOf(stem);
  return i >= 0 ? "Failure rate " + (i === 0 ? "A" : "B") : stem;
}

function buildTabs(stems) {
  const nav = $("chart-tabs");
  if (!stems.includes(state.focus)) state.focus = stems[0];
  if (nav.dataset.stems !== stems.join(",")) {
    nav.dataset.stems = stems.join(",");
    nav.textContent = "";
    stems.forEach((stem, i) => {
      const b = el("button", { type: "button", "data-tab": stem }, `${i + 1} · ${tabName(stem, stems)}`);
      b.addEventListener("click", () => { state.focus = stem; showFocus(); });
      nav.appendChild(b);
    });
  }
  showFocus();
}

function showFocus() {
  for (const b of document.querySelectorAll("#chart-tabs button")) {
    b.classList.toggle("on", b.dataset.tab === state.focus);
  }
  for (const f of document.querySelectorAll("#charts figure")) {
    f.classList.toggle("focus", f.dataset.chart === state.focus);
  }
}

// ---- downloads ----------------------------------------------------------------------------

const TABLES = ["summary.csv", "survival.csv", "quit-reasons.csv", "net-income-histogram.csv",
  "cohort-failure-rates.csv", "income-disclosure.csv", "summary.json"];

function buildDownloads() {
  const list = $("download-list");
  if (list.dataset.built === state.scenario) return;
  list.dataset.built = state.scenario;
  list.textContent = "";
  const add = (file, label) => {
    const b = el("button", { type: "button", "data-file": file }, label || file);
    b.addEventListener("click", () => download(file));
    list.appendChild(b);
  };
  list.appendChild(el("h3", {}, "Settings"));
  add("scenario.toml", "scenario.toml (mlm-sim run reproduces the numbers)");
  const company = isCompany();
  list.appendChild(el("h3", {}, "Charts"));
  for (const stem of (company ? state.catalog.company_charts : state.catalog.charts)) {
    add(stem + ".svg");
    add(stem + ".png");
  }
  list.appendChild(el("h3", {}, "Tables"));
  for (const t of (company ? state.catalog.company_tables : TABLES)) add(t);
  list.appendChild(el("p", { class: "soft" }, company
    ? "Files are of the current settings (B), with every replicate company."
    : "Files are of the current settings (B), at the scenario's full number of careers."));
}

async function download(file) {
  showError(null);
  const r = await post("/api/download", { session: state.session, current: current(), file });
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    showError(body.error || ("download failed: " + r.status));
    return;
  }
  const blob = await r.blob();
  const cd = r.headers.get("content-disposition") || "";
  const m = /filename="([^"]+)"/.exec(cd);
  const a = el("a", { href: URL.createObjectURL(blob), download: m ? m[1] : file });
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// ---- A/B, scenario, presentation ----------------------------------------------------------

function describeSettings(s) {
  const name = state.catalog.scenarios.find((x) => x.id === s.scenario).name;
  const moved = Object.entries(s.settings).map(([k, v]) => `${k} = ${v}`)
    .concat(Object.entries(s.means).map(([k, v]) => `${k}: mean ${v}`));
  return name + (moved.length ? " with " + moved.join(", ") : " as shipped");
}

function pin() {
  state.pinned = current();
  $("pin").hidden = true;
  $("unpin").hidden = false;
  $("ab-pinned").textContent = "A (pinned): " + describeSettings(state.pinned) +
    ". Move levers for B; both run on the same careers.";
  document.body.classList.add("comparing");
  refresh();
}

function unpin() {
  state.pinned = null;
  $("pin").hidden = false;
  $("unpin").hidden = true;
  document.body.classList.remove("comparing");
  refresh();
}

function pickScenario(id) {
  state.scenario = id;
  state.settings = {};
  state.means = {};
  const e = entry();
  $("description").textContent = e.kind === "company"
    ? `${e.name}: ${e.description} (${e.file}; a company world of ${e.months} months, ${e.replicates} replicate companies, seed ${e.seed})`
    : `${e.name}: ${e.description} (${e.file}; ${e.months} months, seed ${e.seed})`;
  buildLevers();
  refresh();
}

function togglePresentation() {
  document.body.classList.toggle("present");
  $("present").textContent = document.body.classList.contains("present") ? "Normal view" : "Presentation mode";
}

async function start() {
  const r = await fetch("/api/catalog");
  state.catalog = await r.json();
  const sel = $("scenario");
  for (const s of state.catalog.scenarios) sel.appendChild(el("option", { value: s.id }, s.name));
  sel.addEventListener("change", () => pickScenario(sel.value));
  $("pin").addEventListener("click", pin);
  $("unpin").addEventListener("click", unpin);
  $("reset-all").addEventListener("click", () => {
    state.settings = {};
    state.means = {};
    refreshLevers();
    changed();
  });
  $("present").addEventListener("click", togglePresentation);
  document.addEventListener("keydown", (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
    if (ev.key === "p" || ev.key === "P") togglePresentation();
    const n = Number(ev.key);
    const tabs = document.querySelectorAll("#chart-tabs button");
    if (n >= 1 && n <= tabs.length) tabs[n - 1].click();
  });
  window.addEventListener("pagehide", () => {
    navigator.sendBeacon && navigator.sendBeacon("/api/cancel",
      new Blob([JSON.stringify({ session: state.session })], { type: "application/json" }));
  });
  const wanted = new URLSearchParams(location.search).get("scenario");
  const first = state.catalog.scenarios.find((s) => s.id === wanted) || state.catalog.scenarios[0];
  sel.value = first.id;
  if (new URLSearchParams(location.search).has("present")) togglePresentation();
  pickScenario(first.id);
}

start().catch((e) => showError("The page could not start: " + e));
