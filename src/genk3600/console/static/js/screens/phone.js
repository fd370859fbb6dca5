// Phone: a screen pop for each call at this agent's phone, and one click to record it with a role.
import { post } from "../api.js";
import { field, h, uid } from "../dom.js";
import { t } from "../i18n.js";
import { errorNotice, ticketLink } from "./common.js";

const RECORDABLE_ROLES = ["informing", "registering", "advising"];
// Calls recorded in this browser stay listed until the PBX says they ended; they show their outcome instead.
const recorded = new Map();

function citizenName(citizen) {
  return [citizen.given_name, citizen.family_name].filter(Boolean).join(" ") || citizen.email || citizen.phone || `#${citizen.id}`;
}

function ticketHint(hint) {
  const item = h("li", { "data-reference": hint.reference }, ticketLink(hint.reference), " — ", hint.subject || "", ` (${t(`status.${hint.status}`)})`);
  if (hint.social) item.append(h("p", { class: "notice warning" }, t("phone.social_hint", { unit: hint.hand_over_to })));
  return item;
}

function screenPop(call) {
  const matches = call.screen_pop ? call.screen_pop.matches : [];
  if (!matches.length) return [h("p", {}, t("phone.no_match"))];
  return matches.map((match) =>
    h(
      "div",
      { class: "citizen", "data-citizen": match.citizen.id },
      h("h3", {}, `${t("phone.citizen")}: ${citizenName(match.citizen)}`),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Tel."),
        h("dd", {}, match.citizen.phone || "—"),
        h("dt", {}, "E-mail"),
        h("dd", {}, match.citizen.email || "—"),
        h("dt", {}, t("app.language")),
        h("dd", {}, match.citizen.preferred_language),
      ),
      match.has_case_worker ? h("p", {}, t("phone.case_worker")) : null,
      h("h4", {}, t("phone.open_tickets")),
      match.open_tickets.length ? h("ul", {}, match.open_tickets.map(ticketHint)) : h("p", {}, t("phone.no_open_tickets")),
    ),
  );
}

function recordForm(call, context, panel) {
  const summary = h("textarea", { name: "summary", rows: 3, cols: 60, required: true });
  const category = h("input", { name: "category", type: "text", pattern: "[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+", autocomplete: "off" });
  const openTickets = (call.screen_pop?.matches || []).flatMap((match) => match.open_tickets.filter((hint) => !hint.social));
  const target = h("select", { name: "ticket" }, h("option", { value: "" }, t("phone.new_ticket")));
  for (const hint of openTickets) target.append(h("option", { value: hint.reference }, `${hint.reference} — ${hint.subject || ""}`));
  const message = h("div", { "aria-live": "polite" });
  const legendId = uid("roles");
  const form = h(
    "form",
    { "aria-label": t("phone.record") },
    h("h3", {}, t("phone.record")),
    field(t("phone.summary"), summary),
    field(t("phone.category"), category),
    field(t("phone.join_ticket"), target),
    h(
      "fieldset",
      { "aria-labelledby": legendId },
      h("legend", { id: legendId }, t("phone.record_as")),
      h("div", { class: "buttons" }, RECORDABLE_ROLES.map((role) => h("button", { type: "submit", name: "role", value: role }, t(`role.${role}`)))),
    ),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const role = event.submitter?.value || "registering";
    const body = {
      channel: "phone",
      call_id: call.call_id,
      caller_number: call.caller_number === "withheld" ? null : call.caller_number,
      summary: summary.value.trim(),
      participations: [{ role }],
    };
    if (category.value.trim()) body.category = category.value.trim();
    if (target.value) body.ticket = target.value;
    if (call.caller_number && call.caller_number !== "withheld") body.citizen = { phone: call.caller_number };
    try {
      const result = await post("/v1/contacts", body);
      recorded.set(call.call_id, { role, result });
      panel.replaceWith(callPanel(call, context));
      context.announce(t("phone.recorded", { reference: result.ticket?.reference || "—", role: t(`role.${role}`) }));
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
  return form;
}

function outcome(call) {
  const { role, result } = recorded.get(call.call_id);
  const reference = result.ticket?.reference;
  return h(
    "div",
    { class: "notice success", "data-recorded": reference || "" },
    h("p", {}, t("phone.recorded", { reference: reference || "—", role: t(`role.${role}`) })),
    reference ? h("p", {}, h("a", { href: `#/ticket/${encodeURIComponent(reference)}` }, t("phone.open_ticket", { reference }))) : null,
    result.access_code ? h("p", { class: "meta" }, `Code: `, h("span", { "data-access-code": "" }, result.access_code)) : null,
  );
}

function callPanel(call, context) {
  const number = call.caller_number && call.caller_number !== "withheld" ? call.caller_number : t("phone.withheld");
  const panel = h(
    "section",
    { class: "panel call", "data-call": call.call_id, "aria-label": t("phone.incoming_call", { number }) },
    h("h2", {}, t("phone.incoming_call", { number })),
    screenPop(call),
  );
  panel.append(recorded.has(call.call_id) ? outcome(call) : recordForm(call, context, panel));
  return panel;
}

export async function render(main, context) {
  main.append(h("h1", {}, t("phone.title")));
  const area = h("div", {});
  main.append(area);
  let shown = "";
  function show(calls) {
    // Redraw only when the set of calls changes, so a half-typed summary is never wiped by a poll.
    const ids = calls.map((call) => call.call_id).join(",");
    if (ids === shown) return;
    shown = ids;
    area.replaceChildren(...(calls.length ? calls.map((call) => callPanel(call, context)) : [h("p", {}, t("phone.waiting"))]));
  }
  show(context.calls());
  return context.onCalls(show);
}
