// Incoming: the queues of the signed-in staff member's units, refreshed when the live stream says one changed
// (no polling, no reloads), each with a button to claim the next ticket.
import { ApiError, get, post } from "../api.js";
import { formatDateTime, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { unitCallbacks } from "./callbacks.js";
import { deadlineBadge, errorNotice, ticketLink } from "./common.js";

function queueTable(unit, items) {
  const rows = items.map((ticket) =>
    h(
      "tr",
      { "data-reference": ticket.reference },
      h("td", {}, ticketLink(ticket.reference)),
      h("td", {}, ticket.subject),
      h("td", {}, t(`status.${ticket.status}`)),
      h("td", {}, t(`priority.${ticket.priority}`)),
      h("td", {}, deadlineBadge(ticket.deadline_colour), " ", h("span", { class: "meta" }, formatDateTime(ticket.resolution_due_at, language()))),
      h("td", {}, ticket.assignee ? ticket.assignee.full_name : "—"),
    ),
  );
  return h(
    "table",
    { "data-unit": unit.unit },
    h("caption", {}, t("incoming.unit", { unit: unit.unit_name })),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["reference", "subject", "status", "priority", "deadline", "assignee"].map((name) => h("th", { scope: "col" }, t(`col.${name}`))),
      ),
    ),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 6 }, t("incoming.empty")))),
  );
}

export async function render(main, context) {
  const { me } = context;
  main.append(h("h1", {}, t("incoming.title")));
  const units = me.memberships;
  if (!units.length) {
    main.append(h("p", {}, t("incoming.no_units")));
    return null;
  }
  const sections = new Map();
  const tables = new Map();
  const callbacks = new Map();
  const status = h("p", { class: "meta", role: "status" });
  for (const unit of units) {
    const table = h("div", {});
    const claim = h("button", { type: "button", "data-claim": unit.unit }, t("incoming.claim"));
    claim.addEventListener("click", async () => {
      try {
        const ticket = await post(`/v1/queues/${encodeURIComponent(unit.unit)}/claim`);
        context.announce(t("incoming.claimed", { reference: ticket.reference }));
        context.navigate(`#/ticket/${encodeURIComponent(ticket.reference)}`);
      } catch (error) {
        status.textContent = error instanceof ApiError && error.status === 404 ? t("incoming.nothing_to_claim", { unit: unit.unit_name }) : t("common.error", { detail: error.message });
      }
    });
    const unitCalls = unitCallbacks(unit, context);
    callbacks.set(unit.unit, unitCalls);
    const section = h("section", { "aria-label": t("incoming.unit", { unit: unit.unit_name }) }, h("div", { class: "buttons" }, claim), table, unitCalls.element);
    sections.set(unit.unit, section);
    tables.set(unit.unit, table);
    main.append(section);
  }
  main.append(status);

  async function refreshQueue(unit) {
    const table = tables.get(unit.unit);
    try {
      const page = await get(`/v1/queues/${encodeURIComponent(unit.unit)}?limit=100`);
      table.replaceChildren(queueTable(unit, page.items));
    } catch (error) {
      table.replaceChildren(errorNotice(error));
    }
  }

  async function refresh(which) {
    for (const unit of units) {
      if (!which.has(unit.unit)) continue;
      await refreshQueue(unit);
      await callbacks.get(unit.unit).refresh();
    }
    status.textContent = t("incoming.refreshed", { time: new Date().toLocaleTimeString(`${language()}-BE`) });
  }

  // Changes arrive in bursts (created, routed, assigned): gather them for a moment, then reload once.
  let pending = new Set();
  let timer = null;
  const stop = context.onQueue((change) => {
    for (const code of change.units) pending.add(code);
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      const which = pending;
      pending = new Set();
      refresh(which);
    }, 150);
  });
  await refresh(new Set(units.map((unit) => unit.unit)));
  return () => {
    stop();
    window.clearTimeout(timer);
  };
}
