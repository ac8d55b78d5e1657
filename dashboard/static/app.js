// The dashboard page: reads /api/dashboard every second with the chosen filters and redraws.
// Text goes in with textContent only (names and ids come from records).
"use strict";

// A result the job has written shows within ~1.7 s: its sink's flush (200 ms), the server's
// snapshot (≤ 0.5 s old), the next refresh (≤ 1 s).
const REFRESH_MS = 1000;
const page = new URLSearchParams(location.search);
const form = document.getElementById("filters");
for (const name of ["from", "to", "subscriber", "country", "period"]) {
  if (page.get(name)) form.elements[name].value = page.get(name);
}
const charts = {};
// A notification links to one alert (#alert=ID): the page shows it whole and marks its row.
const linkedAlert = () => new URLSearchParams(location.hash.slice(1)).get("alert");
let scrolledTo = null;

function chart(id, type, options = {}) {
  if (!charts[id]) {
    charts[id] = new Chart(document.getElementById(id), {
      type, data: { labels: [], datasets: [] },
      options: { animation: false, responsive: true, maintainAspectRatio: true, ...options },
    });
  }
  return charts[id];
}

function draw(id, type, labels, datasets, options) {
  const c = chart(id, type, options);
  c.data.labels = labels;
  c.data.datasets = datasets;
  c.update("none");
}

function table(id, header, rows, rowClasses = []) {
  const element = document.getElementById(id);
  element.replaceChildren();
  const head = element.insertRow();
  for (const title of header) {
    const th = document.createElement("th");
    th.textContent = title;
    head.appendChild(th);
  }
  for (const [i, row] of rows.entries()) {
    const tr = element.insertRow();
    if (rowClasses[i]) tr.className = rowClasses[i];
    for (const cell of row) {
      const td = tr.insertCell();
      const value = typeof cell === "object" && cell !== null ? cell : { text: cell };
      td.textContent = value.text ?? "";
      if (value.className) td.className = value.className;
    }
  }
}

const SCALE = { talk_seconds: (v) => v / 60, data_bytes: (v) => v / 1e6, spend: (v) => Number(v) };
const SHOW = {
  talk_seconds: (v) => `${Math.floor(v / 3600)} h ${String(Math.floor(v % 3600 / 60)).padStart(2, "0")} m`,
  data_bytes: (v) => `${(v / 1e6).toFixed(1)} MB`,
  spend: (v) => v,
};
// Spend is ranked per currency: each entry names its own.
const who = (r) => (r.currency ? `${r.subscriber} (${r.currency})` : r.subscriber);
const SHOW_ENTRY = (measure, r) => (r.currency ? `${SHOW[measure](r.value)} ${r.currency}` : SHOW[measure](r.value));
// A destination's revenue, per currency; never added across currencies.
const revenueText = (revenue) => Object.entries(revenue).map(([c, v]) => `${v} ${c}`).join(" · ") || "0";

const utc = (iso) => (iso ? iso.replace("T", " ").replace("Z", "") : "–");
const statusText = (a) => (a.status_by ? `${a.status} (${a.status_by})` : a.status);

function showSelectedAlert(alert) {
  const box = document.getElementById("selected-alert");
  box.hidden = alert === null;
  if (alert === null) return;
  box.replaceChildren();
  const line = (text, className) => {
    const p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    box.appendChild(p);
  };
  if (!alert.found) {
    line(`Alert ${alert.alert_id}: not in the alerts table (expired, or from another deployment).`);
  } else {
    line(`${alert.severity} ${alert.rule} — subscriber ${alert.subscriber}`, alert.severity);
    line(`Observed ${alert.observed} against ${alert.threshold}; window ${utc(alert.window_start)} to ` +
      `${utc(alert.window_end)}; detected ${utc(alert.detected_at)} UTC.`);
    line(`Status: ${statusText(alert)}. Alert ${alert.alert_id}.`);
    line(`Calls (${alert.evidence.length}): ${alert.evidence.join(", ")}`);
  }
  if (scrolledTo !== alert.alert_id) {
    box.scrollIntoView({ block: "center" });
    scrolledTo = alert.alert_id;
  }
}

// A route's figure now and (in brackets) over the range before; "–" when no leg counts for it.
const percent = (v) => (v === null ? "–" : `${(v * 100).toFixed(1)} %`);
const millis = (v) => (v === null ? "–" : `${(v / 1000).toFixed(1)} s`);
const versus = (show, r, figure) => ({ text: `${show(r.now[figure])} (${show(r.baseline[figure])})`, className: "num" });

function showRoutes(routes) {
  document.getElementById("routes-hour").textContent = routes.now_from === null
    ? "No route-quality figures in range."
    : `Last hour: ${utc(routes.now_from)} to ${utc(routes.now_to)} UTC.`;
  table("routes", ["route", "attempts", "ASR", "NER", "PDD", "MOS < 3.5", "hangup causes (Q.850: legs)", "alarms"],
    routes.routes.map((r) => [r.route, { text: r.now.attempts, className: "num" }, versus(percent, r, "asr"),
      versus(percent, r, "ner"), versus(millis, r, "pdd_ms"), versus(percent, r, "poor_mos"),
      r.causes.map((c) => `${c.cause === -1 ? "none" : c.cause}: ${c.legs}`).join(", "), r.alarms.join(", ")]),
    routes.routes.map((r) => (r.alarms.length > 0 ? "alarm" : "")));
}

function render(data) {
  const period = form.elements.period.value;
  for (const measure of ["talk_seconds", "data_bytes", "spend"]) {
    const top = data.top[measure][period];
    draw(`chart-top-${measure}`, "bar", top.map(who),
      [{ label: measure, data: top.map((r) => SCALE[measure](r.value)), backgroundColor: "#3b6fd4" }],
      { indexAxis: "y", plugins: { legend: { display: false } } });
    table(`top-${measure}`, ["#", "subscriber", measure === "spend" ? "amount" : measure.replace("_", " ")],
      top.map((r, i) => [i + 1, r.subscriber, { text: SHOW_ENTRY(measure, r), className: "num" }]));
  }
  const stacked = { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "calls" } } } };
  draw("chart-calls-per-minute", "bar", data.calls_per_minute.map((r) => r.minute.slice(5, 16).replace("T", " ")), [
    { label: "answered", data: data.calls_per_minute.map((r) => r.answered), backgroundColor: "#2e9d5b" },
    { label: "not answered", data: data.calls_per_minute.map((r) => r.unanswered), backgroundColor: "#d9822b" },
  ], stacked);
  draw("chart-calls-per-hour", "bar", data.calls_per_hour_of_day.map((r) => `${r.hour}:00`), [
    { label: "answered", data: data.calls_per_hour_of_day.map((r) => r.answered), backgroundColor: "#2e9d5b" },
    { label: "not answered", data: data.calls_per_hour_of_day.map((r) => r.unanswered), backgroundColor: "#d9822b" },
  ], stacked);
  const destinations = data.destinations.slice(0, 15);
  draw("chart-asr", "bar", destinations.map((r) => r.country), [
    { label: "ASR %", data: destinations.map((r) => r.asr === null ? 0 : r.asr * 100), backgroundColor: "#3b6fd4" },
  ], { scales: { y: { max: 100, title: { display: true, text: "% answered" } } } });
  table("destinations", ["country", "attempts", "ASR", "ACD", "revenue"], destinations.map((r) => [
    r.country, { text: r.attempts, className: "num" },
    { text: r.asr === null ? "–" : `${(r.asr * 100).toFixed(1)} %`, className: "num" },
    { text: r.acd_seconds === null ? "–" : `${r.acd_seconds} s`, className: "num" },
    { text: revenueText(r.revenue), className: "num" }]));
  const currencies = [...new Set(destinations.flatMap((r) => Object.keys(r.revenue)))].sort();
  const shades = ["#7a4fc9", "#2e9d5b", "#d9822b", "#3b6fd4"];
  draw("chart-revenue", "bar", destinations.map((r) => r.country), currencies.map((c, i) => (
    { label: `revenue (${c})`, data: destinations.map((r) => Number(r.revenue[c] ?? 0)),
      backgroundColor: shades[i % shades.length] })),
  { indexAxis: "y", plugins: { legend: { display: currencies.length > 1 } } });
  const selected = data.selected_alert;
  table("alerts", ["detected (UTC)", "severity", "rule", "subscriber", "observed / threshold", "evidence (call ids)",
    "status"],
    data.alerts.map((a) => [utc(a.detected_at), { text: a.severity, className: a.severity },
      a.rule, a.subscriber, `${a.observed} / ${a.threshold}`, a.evidence.slice(0, 3).join(", ") +
      (a.evidence.length > 3 ? ` (+${a.evidence.length - 3})` : ""), statusText(a)]),
    data.alerts.map((a) => (selected && a.alert_id === selected.alert_id ? "selected" : "")));
  showSelectedAlert(selected);
  showRoutes(data.routes);
  const marked = data.alert_marks.filter((m) => m.reviewed > 0);
  document.getElementById("alert-marks").textContent = marked.length === 0
    ? "No alert in range reviewed yet (python -m ops.alerts)."
    : "False positives marked: " + marked.map((m) => `${m.rule} ${m.false_positives} of ${m.reviewed} reviewed`)
      .join(", ");
  const health = data.health;
  document.getElementById("lag").textContent = health.lag_ms === null
    ? `Last minute read: ${health.last_read_minute ?? "none yet"} (no stream lag in a replay)`
    : `Behind the stream: ${(health.lag_ms / 1000).toFixed(1)} s at most in the newest minute read (${health.last_read_minute})`;
  draw("chart-records", "line", health.records_per_minute.map((r) => r.minute.slice(11, 16)), [
    { label: "CDRs in / min", data: health.records_per_minute.map((r) => r.records_in), borderColor: "#3b6fd4" },
    { label: "rejected / min", data: health.records_per_minute.map((r) => r.rejected), borderColor: "#b3261e" },
  ]);
  const reasons = [...new Set(health.dead_letters_per_minute.flatMap((m) => Object.keys(m.by_reason)))].sort();
  draw("chart-dead-letters", "bar", health.dead_letters_per_minute.map((m) => m.minute.slice(11, 16)),
    reasons.map((reason) => ({ label: reason, data: health.dead_letters_per_minute.map((m) => m.by_reason[reason] || 0) })),
    { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "dead letters / min" } } } });
  document.getElementById("status").textContent =
    `Updated ${data.generated_at.slice(11, 19)} UTC; current hour ${data.current_hour ?? "–"}.`;
  document.body.dataset.loaded = "yes";
}

async function refresh() {
  const query = new URLSearchParams();
  for (const name of ["from", "to", "subscriber", "country"]) {
    if (form.elements[name].value) query.set(name, form.elements[name].value);
  }
  if (page.get("token")) query.set("token", page.get("token"));
  if (linkedAlert()) query.set("alert", linkedAlert());
  try {
    const response = await fetch(`api/dashboard?${query}`, { cache: "no-store" });
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    render(await response.json());
  } catch (error) {
    document.getElementById("status").textContent = `Not updated: ${error.message}`;
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
form.elements.period.addEventListener("change", refresh);
window.addEventListener("hashchange", refresh);
refresh();
setInterval(refresh, REFRESH_MS);
