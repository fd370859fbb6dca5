// Supervisor: every report of GET /v1/reports as a chart (Chart.js, committed under vendor/), a table
// with the same figures for screen readers, and a CSV download.
import { ApiError, get, token } from "../api.js";
import { field, formatDateTime, h, uid } from "../dom.js";
import { language, t } from "../i18n.js";
import { choices, deadlineBadge, errorNotice, ticketLink, unitPicker } from "./common.js";
import { duplicatesSection } from "./duplicates.js";

// Colour-blind-safe palette (Okabe-Ito), dark enough against white.
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

// The reports count days in the city's time zone (GENK3600_TIMEZONE, Europe/Brussels by default): the default
// period ends on today there, not on today in UTC (which is still yesterday for the first hour or two after
// midnight in Genk, so the night's contacts fell outside the period).
const CITY_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels", year: "numeric", month: "2-digit", day: "2-digit" });

function isoDay(date) {
  return CITY_DAY.format(date);
}

function display(column, value) {
  return value === null || value === undefined ? "—" : String(value);
}

// A column of codes (units, categories, channels, reasons, roles, age bands) has a column of their names in the
// console's language beside it (`names`), rendered by the server: people read the names, never the codes.
function shownColumns(report) {
  return report.columns.filter((column) => !column.names);
}

function datasets(report, chart) {
  const labels = [...new Set(report.rows.map((row) => display(chart.x, row[chart.x])))];
  const label = (name) => report.columns.find((column) => column.name === name)?.label || name;
  const series = chart.series ? [...new Set(report.rows.map((row) => display(chart.series, row[chart.series])))] : [null];
  const sets = [];
  for (const value of series) {
    for (const y of chart.y) {
      const rows = value === null ? report.rows : report.rows.filter((row) => display(chart.series, row[chart.series]) === value);
      const byX = new Map(rows.map((row) => [display(chart.x, row[chart.x]), row[y]]));
      const colour = PALETTE[sets.length % PALETTE.length];
      sets.push({
        label: value === null ? label(y) : chart.y.length > 1 ? `${value} — ${label(y)}` : value,
        data: labels.map((x) => (byX.has(x) ? Number(byX.get(x)) : null)),
        backgroundColor: colour,
        borderColor: colour,
      });
    }
  }
  return { labels, datasets: sets };
}

function table(report) {
  const columns = shownColumns(report);
  return h(
    "table",
    {},
    h("caption", {}, t("supervisor.table", { title: report.title })),
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column.label)))),
    h(
      "tbody",
      {},
      report.rows.length
        ? report.rows.map((row) => h("tr", {}, columns.map((column) => h("td", {}, display(column.name, row[column.name])))))
        : h("tr", {}, h("td", { colspan: columns.length }, t("supervisor.empty"))),
    ),
  );
}

async function csvLink(url, report) {
  // The CSV needs the bearer token, which a plain link cannot send: fetch it and link to the blob.
  // In the console's language: the header row and the names in the cells (a script without it gets codes).
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token()}`, "Accept-Language": language() } });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
  const href = URL.createObjectURL(await response.blob());
  return h("a", { href, download: `${report.report}_${report.first_day}_${report.last_day}.csv`, "data-csv": report.report }, t("supervisor.csv", { title: report.title }));
}

async function reportSection(item, query, charts) {
  const section = h("section", { "aria-labelledby": `report-${item.name}`, "data-report": item.name }, h("h2", { id: `report-${item.name}` }, item.title), h("p", {}, item.description));
  try {
    const base = `/v1/reports/${encodeURIComponent(item.name)}?${query}`;
    const report = await get(`${base}&format=json`);
    const canvasId = uid("chart");
    const canvas = h("canvas", { id: canvasId, role: "img", "aria-label": t("supervisor.chart", { title: report.title }) });
    section.append(h("div", { class: "chart-box" }, canvas), table(report), h("p", {}, await csvLink(`${base}&format=csv`, report)));
    if (window.Chart && item.chart) {
      charts.push(new window.Chart(canvas, { type: item.chart.type, data: datasets(report, item.chart), options: { responsive: true, maintainAspectRatio: false, animation: false } }));
    }
  } catch (error) {
    section.append(errorNotice(error));
  }
  return section;
}

// Live per unit (GET /v1/units/{unit}/assignment): who is available and how loaded, the offers pending and
// the tickets waiting with their deadlines; refreshed when the unit's queue changes and every few seconds.
const LIVE_REFRESH_MS = 5000;

function liveTable(caption, headers, rows, empty) {
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((header) => h("th", { scope: "col" }, header)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: headers.length }, empty))),
  );
}

function liveView(view, lang) {
  const mode = h("p", {}, t("live.mode", { mode: t(`live.mode.${view.mode}`), available: view.available, waiting: view.waiting_count }));
  const staff = liveTable(
    t("live.staff"),
    [t("live.col.name"), t("live.col.presence"), t("live.col.open"), t("live.col.offer")],
    view.staff.map((row) => h("tr", { "data-staff": row.staff_id }, h("td", {}, row.name), h("td", {}, t(`presence.${row.presence}`)), h("td", {}, t("live.load", { open: row.open_tickets, capacity: row.capacity })), h("td", {}, row.offer ? ticketLink(row.offer) : "—"))),
    t("live.no_staff"),
  );
  const offers = liveTable(
    t("live.offers"),
    [t("col.reference"), t("live.col.name"), t("live.col.until")],
    view.offers.map((offer) => h("tr", {}, h("td", {}, ticketLink(offer.ticket)), h("td", {}, offer.name), h("td", {}, formatDateTime(offer.expires_at, lang)))),
    t("live.no_offers"),
  );
  const waiting = liveTable(
    t("live.waiting"),
    [t("col.reference"), t("live.col.priority"), t("live.col.since"), t("live.col.due")],
    view.waiting.map((row) => h("tr", {}, h("td", {}, ticketLink(row.ticket)), h("td", {}, t(`priority.${row.priority}`)), h("td", {}, formatDateTime(row.waiting_since, lang)), h("td", {}, formatDateTime(row.resolution_due_at, lang), " ", deadlineBadge(row.deadline_colour)))),
    t("live.no_waiting"),
  );
  return [mode, staff, offers, waiting];
}

async function liveSection(context) {
  const section = h("section", { "aria-labelledby": "live-title", "data-live": "" }, h("h2", { id: "live-title" }, t("live.title")));
  let picker = null;
  try {
    picker = await unitPicker("live_unit", { label: t("live.unit") });
  } catch {
    return { section, stop: () => {} };
  }
  const body = h("div", { "aria-live": "polite" });
  const form = h("form", { "aria-label": t("live.title") }, picker.element, h("button", { type: "submit" }, t("live.show")));
  section.append(form, body);
  let unit = null;
  const lang = language();
  async function refresh() {
    if (!unit) return;
    try {
      body.replaceChildren(...liveView(await get(`/v1/units/${encodeURIComponent(unit)}/assignment`), lang));
    } catch (error) {
      body.replaceChildren(error instanceof ApiError && error.status === 403 ? h("p", { class: "notice" }, t("supervisor.forbidden")) : errorNotice(error));
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    unit = picker.value();
    refresh();
  });
  const timer = window.setInterval(refresh, LIVE_REFRESH_MS);
  const unlisten = context && context.onQueue ? context.onQueue((change) => change.units.includes(unit) && refresh()) : () => {};
  return {
    section,
    stop: () => {
      window.clearInterval(timer);
      unlisten();
    },
  };
}

export async function render(main, context) {
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 30 * 24 * 3600 * 1000);
  const from = h("input", { type: "date", name: "from", value: isoDay(monthAgo), required: true });
  const to = h("input", { type: "date", name: "to", value: isoDay(today), required: true });
  let unit = null;
  try {
    unit = await unitPicker("unit", { label: t("supervisor.unit") });
  } catch {
    // Without the pick list the reports still show, for every unit.
  }
  const results = h("div", {});
  const form = h(
    "form",
    { "aria-label": t("supervisor.title") },
    field(t("supervisor.from"), from),
    field(t("supervisor.to"), to),
    unit ? unit.element : null,
    h("button", { type: "submit" }, t("supervisor.show")),
  );
  const live = await liveSection(context);
  const duplicates = await duplicatesSection();
  main.append(h("h1", {}, t("supervisor.title")), live.section, duplicates, h("h2", {}, t("live.reports")), form, results);
  const charts = [];

  async function show() {
    charts.splice(0).forEach((chart) => chart.destroy());
    results.replaceChildren(h("p", {}, t("common.loading")));
    try {
      const { items } = await get("/v1/reports");
      const query = new URLSearchParams({ first_day: from.value, last_day: to.value });
      if (unit && unit.value()) query.set("unit", unit.value());
      const sections = [];
      for (const item of items) sections.push(await reportSection(item, query.toString(), charts));
      results.replaceChildren(...(sections.length ? sections : [h("p", {}, t("supervisor.none"))]));
    } catch (error) {
      results.replaceChildren(error instanceof ApiError && error.status === 403 ? h("p", { class: "notice" }, t("supervisor.forbidden")) : errorNotice(error));
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  await show();
  return () => {
    live.stop();
    charts.forEach((chart) => chart.destroy());
  };
}
