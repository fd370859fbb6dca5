// Incoming: the queues of the signed-in staff member's units, refreshed from the event feed (no reloads).
import { get } from "../api.js";
import { formatDateTime, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { deadlineBadge, errorNotice, ticketLink } from "./common.js";

const FEED_POLL_MS = 2000;
const FEED_PAGE = 200;

function cursorKey(me) {
  return `genk3600.feed-cursor.${me.email || me.name}`;
}

// The feed starts at the beginning of time; the first visit skips to its end and remembers the cursor.
async function feedCursor(me) {
  let cursor = sessionStorage.getItem(cursorKey(me));
  if (cursor) return cursor;
  let page;
  do {
    const query = new URLSearchParams({ limit: FEED_PAGE });
    if (cursor) query.set("after", cursor);
    page = await get(`/v1/events?${query}`);
    cursor = page.next_cursor;
  } while (page.has_more);
  sessionStorage.setItem(cursorKey(me), cursor);
  return cursor;
}

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
  for (const unit of units) {
    const section = h("section", { "aria-label": t("incoming.unit", { unit: unit.unit_name }) });
    sections.set(unit.unit, section);
    main.append(section);
  }
  const status = h("p", { class: "meta", role: "status" });
  main.append(status);

  async function refreshQueues() {
    for (const unit of units) {
      const section = sections.get(unit.unit);
      try {
        const page = await get(`/v1/queues/${encodeURIComponent(unit.unit)}?limit=100`);
        section.replaceChildren(queueTable(unit, page.items));
      } catch (error) {
        section.replaceChildren(errorNotice(error));
      }
    }
    status.textContent = t("incoming.refreshed", { time: new Date().toLocaleTimeString(`${language()}-BE`) });
  }

  let stopped = false;
  let timer = null;
  let cursor = null;
  async function followFeed() {
    try {
      cursor = cursor || (await feedCursor(me));
      const page = await get(`/v1/events?${new URLSearchParams({ after: cursor, limit: FEED_PAGE })}`);
      cursor = page.next_cursor;
      sessionStorage.setItem(cursorKey(me), cursor);
      if (page.items.some((event) => event.ticket)) await refreshQueues();
    } catch {
      // Retried at the next tick.
    }
    if (!stopped) timer = window.setTimeout(followFeed, FEED_POLL_MS);
  }

  await refreshQueues();
  followFeed();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
