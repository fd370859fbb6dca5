// Call-back requests (terugbelverzoeken): asking one from the ticket screen, a unit's list on the incoming
// screen, and recording what a call gave. Everything is picked from lists; no code is ever typed.
import { ApiError, get, post } from "../api.js";
import { field, formatDateTime, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { deadlineBadge, errorNotice, ticketLink, unitPicker } from "./common.js";

const OUTCOMES = ["reached", "no_answer", "voicemail_left", "wrong_number"];
const LANGUAGES = ["nl", "fr", "en", "de"];

// A dialog made when it is needed and gone when it closes; focus returns to the button that opened it.
function openDialog(titleId, title, content, opener) {
  const dialog = h("dialog", { "aria-labelledby": titleId }, h("h2", { id: titleId }, title), content);
  document.body.append(dialog);
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener) opener.focus();
  });
  dialog.showModal();
  return dialog;
}

function target(callback) {
  return callback.assignee ? `${callback.unit_name} (${callback.assignee.full_name})` : callback.unit_name;
}

// What a call gave: a pick list of outcomes and a note.
export function recordAttempt(callback, opener, context, done) {
  const outcome = h("select", { name: "outcome" }, OUTCOMES.map((value) => h("option", { value }, t(`outcome.${value}`))));
  const note = h("textarea", { name: "note", rows: 3, maxlength: 2000 });
  const message = h("div", {});
  const cancel = h("button", { type: "button", class: "secondary" }, t("callback.close"));
  const form = h(
    "form",
    {},
    h("p", {}, t("callback.call_number", { number: callback.phone_display || "—" })),
    h("p", { class: "meta" }, callback.question),
    field(t("callback.outcome"), outcome),
    field(t("callback.note"), note),
    message,
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("callback.save")), cancel),
  );
  const dialog = openDialog("attempt-heading", t("callback.record_title", { reference: callback.ticket }), form, opener);
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { outcome: outcome.value };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      const result = await post(`/v1/callbacks/${callback.id}/attempts`, body);
      dialog.close();
      context.announce(t(`callback.result.${result.status}`, { outcome: t(`outcome.${outcome.value}`) }));
      await done();
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
}

function attemptsList(callback) {
  if (!callback.attempts.length) return h("p", { class: "meta" }, t("callback.no_attempts"));
  return h(
    "ol",
    { class: "attempts" },
    callback.attempts.map((attempt) =>
      h("li", { "data-outcome": attempt.outcome }, t(`outcome.${attempt.outcome}`), " ", h("span", { class: "meta" }, `${attempt.caller.name} · ${formatDateTime(attempt.attempted_at, language())}`), attempt.note ? h("br") : null, attempt.note || null),
    ),
  );
}

// One request as the ticket screen shows it, with what can still be done on it.
function callbackCard(callback, context, reload) {
  const open = callback.status === "open";
  const buttons = [];
  if (open) {
    const record = h("button", { type: "button", "aria-haspopup": "dialog", "data-record": callback.id }, t("callback.record"));
    record.addEventListener("click", () => recordAttempt(callback, record, context, reload));
    buttons.push(record);
  }
  if (callback.citizen_notice === "letter" && !callback.letter_sent_at) {
    const letter = h("button", { type: "button", class: "secondary", "data-letter": callback.id }, t("callback.letter_sent"));
    letter.addEventListener("click", async () => {
      try {
        await post(`/v1/callbacks/${callback.id}/letter-sent`, {});
        context.announce(t("callback.letter_recorded"));
        await reload();
      } catch (error) {
        letter.after(errorNotice(error));
      }
    });
    buttons.push(letter);
  }
  const rows = [
    [t("callback.status"), t(`callback.status.${callback.status}`)],
    [t("callback.for"), target(callback)],
    [t("callback.number"), callback.phone_display || "—"],
    [t("callback.due"), open ? [deadlineBadge(callback.deadline_colour), " ", formatDateTime(callback.due_at, language())] : formatDateTime(callback.due_at, language())],
    [t("callback.attempts"), t("callback.attempts_count", { made: callback.attempts_made, max: callback.max_attempts })],
  ];
  if (callback.citizen_notice) rows.push([t("callback.notice"), t(`callback.notice.${callback.citizen_notice}`)]);
  if (callback.letter_sent_at) rows.push([t("callback.letter_sent_at"), formatDateTime(callback.letter_sent_at, language())]);
  return h(
    "article",
    { class: "panel callback", "data-callback": callback.id, "data-callback-status": callback.status },
    h("h3", {}, t("callback.question"), ": ", h("span", { class: "callback-question" }, callback.question)),
    h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    attemptsList(callback),
    buttons.length ? h("div", { class: "buttons" }, buttons) : null,
  );
}

// The ticket screen's section: its requests, and a button to ask one.
export async function ticketCallbacks(ticket, context, reload) {
  const section = h("section", { "aria-labelledby": "callbacks-heading" }, h("h2", { id: "callbacks-heading" }, t("callback.section")));
  if (ticket.flags && ticket.flags.includes("callback_failed")) {
    section.append(h("p", { class: "notice warning", "data-flag": "callback_failed" }, t("callback.flagged")));
  }
  const ask = h("button", { type: "button", class: "secondary", "aria-haspopup": "dialog" }, t("callback.ask"));
  ask.addEventListener("click", () => askCallback(ticket, ask, context, reload));
  section.append(h("div", { class: "buttons" }, ask));
  try {
    const page = await get(`/v1/callbacks?ticket=${encodeURIComponent(ticket.reference)}&limit=50`);
    section.append(page.items.length ? h("div", {}, page.items.map((item) => callbackCard(item, context, reload))) : h("p", {}, t("callback.none")));
  } catch (error) {
    section.append(errorNotice(error));
  }
  return section;
}

function localMoment(input) {
  // A datetime-local field holds the agent's local time; the API wants an instant with its offset.
  return input.value ? new Date(input.value).toISOString() : null;
}

async function askCallback(ticket, opener, context, reload) {
  const unit = await unitPicker("unit", { required: true, label: t("callback.unit") });
  unit.select(ticket.owning_unit);
  const who = h("select", { name: "who" }, h("option", { value: "unit" }, t("callback.who_unit")));
  if (ticket.assignee) who.append(h("option", { value: `staff:${ticket.assignee.id}` }, t("callback.who_assignee", { name: ticket.assignee.full_name })));
  if (context.me.staff_id && (!ticket.assignee || ticket.assignee.id !== context.me.staff_id)) who.append(h("option", { value: `staff:${context.me.staff_id}` }, t("callback.who_me")));
  const phone = h("input", { name: "phone", type: "tel", autocomplete: "off", required: true, value: ticket.citizen?.phone || "" });
  const preferred = ticket.citizen?.preferred_language || ticket.language;
  const lang = h("select", { name: "language" }, LANGUAGES.map((code) => h("option", { value: code, selected: code === preferred }, t(`language.${code}`))));
  const question = h("textarea", { name: "question", rows: 3, maxlength: 2000, required: true });
  const from = h("input", { name: "window_start", type: "datetime-local" });
  const until = h("input", { name: "window_end", type: "datetime-local" });
  const address = h("input", { name: "postal_address", type: "text", autocomplete: "off", maxlength: 500 });
  const message = h("div", {});
  const cancel = h("button", { type: "button", class: "secondary" }, t("callback.close"));
  const form = h(
    "form",
    {},
    unit.element,
    field(t("callback.who"), who),
    field(t("callback.phone"), phone, t("callback.phone_hint")),
    field(t("callback.language"), lang),
    field(t("callback.question"), question),
    field(t("callback.window_start"), from),
    field(t("callback.window_end"), until),
    field(t("callback.postal_address"), address, t("callback.postal_address_hint")),
    message,
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("callback.submit")), cancel),
  );
  const dialog = openDialog("ask-callback-heading", t("callback.dialog_title"), form, opener);
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!unit.check() || !unit.value()) {
      unit.input.setCustomValidity(t("picker.no_choice"));
      unit.input.reportValidity();
      return;
    }
    const body = { ticket: ticket.reference, unit: unit.value(), phone: phone.value.trim(), language: lang.value, question: question.value.trim() };
    if (who.value.startsWith("staff:")) body.staff_id = Number(who.value.slice(6));
    if (localMoment(from)) body.window_start = localMoment(from);
    if (localMoment(until)) body.window_end = localMoment(until);
    if (address.value.trim()) body.postal_address = address.value.trim();
    try {
      const created = await post("/v1/callbacks", body);
      dialog.close();
      context.announce(t("callback.asked", { unit: target(created), due: formatDateTime(created.due_at, language()) }));
      await reload();
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
}

function unitTable(unit, items, context, refresh) {
  const rows = items.map((callback) => {
    const record = h("button", { type: "button", "aria-haspopup": "dialog", "data-record": callback.id }, t("callback.record"));
    record.addEventListener("click", () => recordAttempt(callback, record, context, refresh));
    return h(
      "tr",
      { "data-callback": callback.id },
      h("td", {}, ticketLink(callback.ticket)),
      h("td", {}, callback.phone_display || "—"),
      h("td", { class: "callback-question" }, callback.question),
      h("td", {}, deadlineBadge(callback.deadline_colour), " ", h("span", { class: "meta" }, formatDateTime(callback.due_at, language()))),
      h("td", {}, t("callback.attempts_count", { made: callback.attempts_made, max: callback.max_attempts })),
      h("td", {}, callback.assignee ? callback.assignee.full_name : "—"),
      h("td", {}, record),
    );
  });
  return h(
    "table",
    { "data-callbacks": unit.unit },
    h("caption", {}, t("callback.unit_list", { unit: unit.unit_name })),
    h("thead", {}, h("tr", {}, ["reference", "number", "question", "due", "attempts", "assignee", "action"].map((name) => h("th", { scope: "col" }, t(`callback.col.${name}`))))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 7 }, t("callback.empty")))),
  );
}

// The incoming screen's part for one unit: its open call-backs and a button to take the next one.
export function unitCallbacks(unit, context) {
  const table = h("div", {});
  const status = h("p", { class: "meta", role: "status" });
  const claim = h("button", { type: "button", class: "secondary", "data-claim-callback": unit.unit }, t("callback.claim"));
  async function refresh() {
    try {
      const page = await get(`/v1/queues/${encodeURIComponent(unit.unit)}/callbacks?limit=100`);
      table.replaceChildren(unitTable(unit, page.items, context, refresh));
    } catch (error) {
      table.replaceChildren(errorNotice(error));
    }
  }
  claim.addEventListener("click", async () => {
    try {
      const callback = await post(`/v1/queues/${encodeURIComponent(unit.unit)}/callbacks/claim`);
      context.announce(t("callback.claimed", { reference: callback.ticket }));
      status.textContent = t("callback.claimed", { reference: callback.ticket });
      await refresh();
    } catch (error) {
      status.textContent = error instanceof ApiError && error.status === 404 ? t("callback.nothing_to_claim", { unit: unit.unit_name }) : t("common.error", { detail: error.message });
    }
  });
  const element = h("div", { class: "unit-callbacks" }, h("div", { class: "buttons" }, claim), table, status);
  return { element, refresh };
}
