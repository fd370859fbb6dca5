// Booking with the citizen's access code: the front door for a case the agent may not read (a social case). The
// agent gives the reference and the code, sees the free times and books one; the screen never shows anything of
// the case, and of the slots only the times (who comes stays the service's business), as the API allows it.
import { ApiError, get, post } from "../api.js";
import { field, formatDateTime, formatTime, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { bookingFields, offerSlots } from "./appointments.js";
import { errorNotice } from "./common.js";

// Not found and a wrong code answer alike (404 for the slots, `unknown-appointment-subject` for the booking):
// the message says the combination was not found, never whether the case exists.
function notFound(error) {
  if (!(error instanceof ApiError)) return false;
  return error.status === 404 || (error.status === 422 && String(error.problem.type || "").endsWith("/unknown-appointment-subject"));
}

// One option per time, in the API's order (the citizen's own case worker's times come first); whom a time is
// with is kept for the booking, never shown.
function distinctTimes(slots) {
  const seen = new Set();
  return slots.filter((slot) => !seen.has(slot.starts_at) && seen.add(slot.starts_at));
}

function timeLabel(slot) {
  return formatDateTime(slot.starts_at, language());
}

// Only what the booking's answer carries and the agent sent: the kind, the time, the address, the representative.
function confirmation(booked) {
  const lang = language();
  return h(
    "section",
    { class: "card", "data-booked": booked.id, "aria-labelledby": "code-booking-done-heading" },
    h("h2", { id: "code-booking-done-heading", tabindex: "-1" }, t("booking.done_title")),
    h("p", {}, t("booking.done_reference"), " ", h("span", { lang: "zxx", "data-reference": "" }, booked.ticket)),
    h("p", {}, t("booking.done_kind", { kind: booked.kind_name })),
    h("p", {}, t("booking.done_when", { when: formatDateTime(booked.starts_at, lang), until: formatTime(booked.ends_at, lang) })),
    booked.address ? h("p", {}, t("booking.done_address", { address: booked.address })) : null,
    booked.representative?.name ? h("p", {}, t("booking.done_representative", { name: booked.representative.name })) : null,
    h("p", { class: "meta" }, t("booking.done_mail")),
  );
}

export async function render(main, context) {
  main.append(h("h1", {}, t("booking.title")), h("p", {}, t("booking.intro")));
  let kinds;
  try {
    kinds = (await get("/v1/appointment-kinds")).items.filter((item) => item.active);
  } catch (error) {
    main.append(errorNotice(error));
    return null;
  }
  // Home visits first: the front door is there for the case worker's visit.
  kinds.sort((a, b) => Number(b.home_visit) - Number(a.home_visit));
  const reference = h("input", { name: "reference", type: "text", autocomplete: "off", required: true, maxlength: 24, spellcheck: "false", value: context.argument || null });
  const accessCode = h("input", { name: "access_code", type: "text", autocomplete: "off", required: true, maxlength: 40, spellcheck: "false" });
  const fields = bookingFields(kinds);
  const { kind, slot } = fields;
  const message = h("div", { "aria-live": "polite" });
  const done = h("div", { "aria-live": "polite" });
  const find = h("button", { type: "button", class: "secondary" }, t("appointment.find"));
  let slots = [];
  // Another case, code or kind: the times found no longer apply.
  const forget = () => {
    slots = [];
    fields.clearSlots();
  };
  const say = (text) => message.replaceChildren(h("p", { class: "notice error", role: "alert" }, text));
  const fail = (error) => {
    if (notFound(error)) say(t("booking.not_found"));
    else message.replaceChildren(errorNotice(error));
  };
  kind.addEventListener("change", () => {
    fields.showAddress();
    forget();
  });
  reference.addEventListener("input", forget);
  accessCode.addEventListener("input", forget);
  find.addEventListener("click", async () => {
    message.replaceChildren();
    done.replaceChildren();
    if (!reference.reportValidity() || !accessCode.reportValidity()) return;
    const query = new URLSearchParams({ kind: kind.value, access_code: accessCode.value.trim(), limit: "30" });
    try {
      const found = await get(`/v1/tickets/${encodeURIComponent(reference.value.trim())}/appointment-slots?${query}`);
      slots = distinctTimes(found.items);
      offerSlots(slot, slots, timeLabel);
    } catch (error) {
      forget();
      fail(error);
    }
  });
  const form = h(
    "form",
    { "aria-labelledby": "code-booking-form-heading", "data-code-booking": "" },
    h("h2", { id: "code-booking-form-heading" }, t("appointment.book_title")),
    field(t("booking.reference"), reference, t("booking.reference_hint")),
    field(t("booking.access_code"), accessCode, t("booking.access_code_hint")),
    field(t("appointment.kind"), kind),
    h("div", { class: "buttons" }, find),
    ...fields.slotFields(),
    message,
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("appointment.book"))),
  );
  fields.showAddress();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = slots[Number(slot.value)];
    if (!chosen) return;
    message.replaceChildren();
    const body = { ticket: reference.value.trim(), access_code: accessCode.value.trim(), ...fields.body(chosen) };
    try {
      const booked = await post("/v1/appointments", body);
      done.replaceChildren(confirmation(booked));
      done.querySelector("h2").focus();
      context.announce(t("appointment.booked", { when: formatDateTime(booked.starts_at, language()) }));
      // Booked: the code is not kept on the screen, and the times found are spent.
      accessCode.value = "";
      forget();
    } catch (error) {
      // 409 slot-taken names the next free slots: offer their times at once.
      if (error instanceof ApiError && error.status === 409 && error.problem.alternatives?.length) {
        slots = distinctTimes(error.problem.alternatives);
        offerSlots(slot, slots, timeLabel);
        say(t("booking.taken"));
      } else {
        fail(error);
      }
    }
  });
  // The confirmation above the form: the agent reads it to the citizen first.
  main.append(done, form);
  return null;
}
