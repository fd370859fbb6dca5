// Phone: a screen pop for each call at this agent's phone (pushed by the live stream), the caller's history
// across departments, and one click to record the call with a role — categories and people picked, not typed.
import { post } from "../api.js";
import { field, h, uid } from "../dom.js";
import { t } from "../i18n.js";
import { categoryPicker, choices, citizenFields, citizenName, errorNotice, historyList, householdSection } from "./common.js";
import { knowledgeFor } from "./knowledge.js";

const RECORDABLE_ROLES = ["informing", "registering", "advising"];
const RELATIONSHIPS = ["family_member", "partner", "informal_carer", "legal_administrator", "guardian", "social_worker", "lawyer", "other"];
// Calls recorded in this browser stay listed until the PBX says they ended; they show their outcome instead.
const recorded = new Map();

// "The daughter calls for her mother": the caller as a party acting on the citizen's behalf.
function onBehalfFields(callerNumber) {
  const name = h("input", { name: "representative_name", type: "text", autocomplete: "off", maxlength: 200 });
  const relationship = h("select", { name: "representative_relationship" }, RELATIONSHIPS.map((value) => h("option", { value }, t(`parties.relationship.${value}`))));
  const phone = h("input", { name: "representative_phone", type: "tel", autocomplete: "off", value: callerNumber });
  const email = h("input", { name: "representative_email", type: "email", autocomplete: "off" });
  const correspondent = h("input", { name: "representative_correspondent", type: "checkbox" });
  const legendId = uid("on-behalf");
  const element = h(
    "fieldset",
    { class: "on-behalf", "aria-labelledby": legendId },
    h("legend", { id: legendId }, t("phone.on_behalf")),
    h("p", { class: "hint" }, t("phone.on_behalf_hint")),
    h("div", { class: "grid" }, field(t("phone.representative_name"), name), field(t("phone.representative_relationship"), relationship), field(t("phone.representative_phone"), phone), field(t("phone.representative_email"), email)),
    h("div", { class: "field checkbox" }, correspondent, h("label", { for: (correspondent.id = uid("field")) }, t("phone.representative_correspondent"))),
  );
  // A party only when someone is named: the caller's number alone says nothing about acting for someone.
  function party() {
    if (!name.value.trim() && !email.value.trim()) return null;
    const given = { role: "representative", relationship: relationship.value, correspondent: correspondent.checked };
    if (name.value.trim()) given.name = name.value.trim();
    if (phone.value.trim()) given.phone = phone.value.trim();
    if (email.value.trim()) given.email = email.value.trim();
    return given;
  }
  return { element, party };
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
        h("dt", {}, t("citizen.phone")),
        h("dd", {}, match.citizen.phone || "—"),
        h("dt", {}, t("citizen.email")),
        h("dd", {}, match.citizen.email || "—"),
        h("dt", {}, t("app.language")),
        h("dd", {}, t(`language.${match.citizen.preferred_language}`)),
      ),
      match.has_case_worker ? h("p", {}, t("phone.case_worker")) : null,
      householdSection(match.household),
      historyList(match),
    ),
  );
}

async function recordForm(call, context, panel) {
  const summary = h("textarea", { name: "summary", rows: 3, cols: 60, required: true });
  const category = await categoryPicker();
  // As the agent types what the caller asks: the matching catalogue entries and a suggested category.
  const knowledge = knowledgeFor(category);
  summary.addEventListener("input", () => knowledge.update(summary.value));
  const matches = call.screen_pop?.matches || [];
  const known = matches.length === 1 ? matches[0].citizen : null;
  const caller = call.caller_number && call.caller_number !== "withheld" ? call.caller_number : "";
  const citizen = citizenFields(known ? { ...known, phone: known.phone || caller } : { phone: caller });
  const onBehalf = onBehalfFields(caller);
  const openTickets = matches.flatMap((match) => match.open_tickets.filter((hint) => !hint.social && hint.subject !== null));
  const target = h("select", { name: "ticket" }, h("option", { value: "" }, t("phone.new_ticket")));
  for (const hint of openTickets) target.append(h("option", { value: hint.reference }, `${hint.reference} — ${hint.subject || ""}`));
  const message = h("div", { "aria-live": "polite" });
  const legendId = uid("roles");
  const form = h(
    "form",
    { "aria-label": t("phone.record") },
    h("h3", {}, t("phone.record")),
    citizen.element,
    onBehalf.element,
    field(t("phone.summary"), summary),
    knowledge.products,
    category.element,
    knowledge.suggestions,
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
    if (!category.check()) return;
    const role = event.submitter?.value || "registering";
    const body = {
      channel: "phone",
      call_id: call.call_id,
      caller_number: caller || null,
      summary: summary.value.trim(),
      participations: [{ role }],
    };
    if (category.value()) body.category = category.value();
    if (target.value) body.ticket = target.value;
    const who = citizen.citizen();
    if (who) body.citizen = who;
    const representative = onBehalf.party();
    if (representative) body.parties = [representative];
    try {
      const result = await post("/v1/contacts", body);
      recorded.set(call.call_id, { role, result });
      panel.replaceWith(await callPanel(call, context));
      context.announce(t("phone.recorded", { reference: result.ticket?.reference || "—", role: t(`role.${role}`) }));
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
  return form;
}

export function outcome(role, result) {
  const reference = result.ticket?.reference;
  return h(
    "div",
    { class: "notice success", "data-recorded": reference || "" },
    h("p", {}, t("phone.recorded", { reference: reference || "—", role: t(`role.${role}`) })),
    reference ? h("p", {}, h("a", { href: `#/ticket/${encodeURIComponent(reference)}` }, t("phone.open_ticket", { reference }))) : null,
    result.access_code ? h("p", { class: "meta" }, `${t("phone.access_code")}: `, h("span", { "data-access-code": "" }, result.access_code)) : null,
  );
}

async function callPanel(call, context) {
  const number = call.caller_number && call.caller_number !== "withheld" ? call.caller_number : t("phone.withheld");
  const panel = h(
    "section",
    { class: "panel call", "data-call": call.call_id, "aria-label": t("phone.incoming_call", { number }) },
    h("h2", {}, t("phone.incoming_call", { number })),
    screenPop(call),
  );
  if (recorded.has(call.call_id)) {
    const { role, result } = recorded.get(call.call_id);
    panel.append(outcome(role, result));
  } else {
    try {
      panel.append(await recordForm(call, context, panel));
    } catch (error) {
      panel.append(errorNotice(error));
    }
  }
  return panel;
}

export async function render(main, context) {
  main.append(h("h1", {}, t("phone.title")));
  // The screen pop names units in the console's language: the names come with the pick lists.
  await choices().catch(() => null);
  const area = h("div", {});
  main.append(area);
  let shown = null; // nothing drawn yet: even an empty list must draw its "waiting" line once
  async function show(calls) {
    // Redraw only when the set of calls changes, so a half-typed summary is never wiped by an update.
    const ids = calls.map((call) => call.call_id).join(",");
    if (ids === shown) return;
    shown = ids;
    const panels = [];
    for (const call of calls) panels.push(await callPanel(call, context));
    area.replaceChildren(...(panels.length ? panels : [h("p", {}, t("phone.waiting"))]));
  }
  await show(context.calls());
  return context.onCalls(show);
}
