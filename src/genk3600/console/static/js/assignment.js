// Automatic assignment in the shell: the staff member's presence (set here, kept alive by a heartbeat while the
// console is open) and the ticket offered to them, which arrives on the live stream (`offers`).
import { ApiError, get, post, request } from "./api.js";
import { formatDateTime, h } from "./dom.js";
import { language, t } from "./i18n.js";

const HEARTBEAT_MS = 30000;
const STATUSES = ["available", "busy", "away", "offline"];

const state = { announce: () => {}, navigate: () => {}, timer: null, offers: [], notice: null, active: false };
let label = null;
let select = null;
let panel = null;

function ensureElements() {
  if (select) return;
  label = h("label", { for: "presence", id: "presence-label", hidden: true });
  select = h("select", { id: "presence", hidden: true, "data-presence": "" });
  select.addEventListener("change", () => setPresence(select.value));
  const tools = document.querySelector(".top-tools");
  tools.insertBefore(select, tools.querySelector("#who"));
  tools.insertBefore(label, select);
  panel = h("aside", { id: "offer", class: "offer", hidden: true, "aria-labelledby": "offer-title" });
  document.body.insertBefore(panel, document.getElementById("main"));
}

function fillSelect(current) {
  select.replaceChildren(...STATUSES.map((status) => h("option", { value: status }, t(`presence.${status}`))));
  select.value = current;
}

async function setPresence(status) {
  try {
    const presence = await request("PUT", "/v1/me/presence", { json: { status } });
    select.value = presence.data.set_status;
    state.announce(t("presence.changed", { status: t(`presence.${status}`) }));
  } catch (error) {
    state.announce(t("common.error", { detail: error.message }));
  }
}

async function beat() {
  // Offline needs no keeping alive: only a staff member who said they are here sends heartbeats.
  if (!select || select.value === "offline") return;
  try {
    await post("/v1/me/presence/heartbeat");
  } catch {
    // The next beat tries again; past the server's limit the staff member simply counts as offline.
  }
}

export function install({ announce, navigate }) {
  state.announce = announce;
  state.navigate = navigate;
  ensureElements();
}

// After sign-in (staff only: an API client has no presence).
export async function start(me) {
  ensureElements();
  stop();
  if (!me || me.staff_id === null || me.staff_id === undefined) return;
  state.active = true;
  let current = "offline";
  try {
    current = (await get("/v1/me/presence")).set_status;
  } catch {
    // Shown as offline; choosing a status sets it.
  }
  label.hidden = false;
  select.hidden = false;
  label.textContent = t("presence.label");
  fillSelect(current);
  state.timer = window.setInterval(beat, HEARTBEAT_MS);
}

export function stop() {
  state.active = false;
  if (state.timer) window.clearInterval(state.timer);
  state.timer = null;
  state.offers = [];
  state.notice = null;
  if (select) {
    label.hidden = true;
    select.hidden = true;
    renderOffer();
  }
}

export function translate() {
  if (!select || !state.active) return;
  label.textContent = t("presence.label");
  fillSelect(select.value || "offline");
  renderOffer();
}

export function receiveOffers({ items }) {
  const known = new Set(state.offers.map((offer) => offer.id));
  state.offers = items;
  state.notice = null;
  renderOffer();
  const fresh = items.find((offer) => !known.has(offer.id));
  if (fresh) state.announce(t("offer.announce", { reference: fresh.ticket }));
}

async function answer(offer, verb) {
  try {
    await post(`/v1/me/offers/${offer.id}/${verb}`);
    state.offers = state.offers.filter((item) => item.id !== offer.id);
    state.notice = t(verb === "accept" ? "offer.accepted" : "offer.declined", { reference: offer.ticket });
    renderOffer();
    state.announce(state.notice);
    if (verb === "accept") state.navigate(`#/ticket/${encodeURIComponent(offer.ticket)}`);
  } catch (error) {
    state.offers = state.offers.filter((item) => item.id !== offer.id);
    state.notice = error instanceof ApiError && error.status === 409 ? t("offer.gone", { reference: offer.ticket }) : t("common.error", { detail: error.message });
    renderOffer();
    state.announce(state.notice);
  }
}

function renderOffer() {
  if (!panel) return;
  const [offer] = state.offers;
  if (!offer) {
    panel.replaceChildren(...(state.notice ? [h("p", { class: "notice", role: "status" }, state.notice)] : []));
    panel.hidden = !state.notice;
    return;
  }
  panel.hidden = false;
  panel.replaceChildren(
    h("h2", { id: "offer-title" }, t("offer.title")),
    h("p", { class: "offer-ticket" }, h("strong", {}, offer.ticket), " — ", offer.subject),
    h("p", { class: "offer-why", "data-offer-explanation": "" }, offer.explanation),
    h("p", { class: "hint" }, t("offer.until", { time: formatDateTime(offer.expires_at, language()) })),
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "button", "data-offer-accept": offer.id, onclick: () => answer(offer, "accept") }, t("offer.accept")),
      h("button", { type: "button", class: "secondary", "data-offer-decline": offer.id, onclick: () => answer(offer, "decline") }, t("offer.decline")),
    ),
  );
}
