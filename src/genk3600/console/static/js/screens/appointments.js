// Appointments and home visits on the ticket screen: the ticket's appointments, and booking one from the free
// slots of a kind (the citizen's own case worker first). Everything is picked from lists; no code is typed.
import { get, post } from "../api.js";
import { field, formatDateTime, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { errorNotice } from "./common.js";

function withWhom(item) {
  if (item.staff) return item.staff.full_name;
  return item.desk || "—";
}

function appointmentCard(appointment, context, reload) {
  const buttons = [];
  if (appointment.status === "booked") {
    const cancel = h("button", { type: "button", class: "secondary", "data-cancel": appointment.id }, t("appointment.cancel"));
    cancel.addEventListener("click", async () => {
      try {
        await post(`/v1/appointments/${appointment.id}/cancel`, { reason: t("appointment.cancel_reason") });
        context.announce(t("appointment.cancelled"));
        await reload();
      } catch (error) {
        cancel.after(errorNotice(error));
      }
    });
    buttons.push(cancel);
  }
  return h(
    "article",
    { class: "card", "data-appointment": appointment.id, "data-status": appointment.status },
    h("h3", {}, appointment.kind_name),
    h("p", {}, `${formatDateTime(appointment.starts_at, language())} · ${withWhom(appointment)}`),
    appointment.address ? h("p", { class: "meta" }, t("appointment.address_shown", { address: appointment.address })) : null,
    h("p", { class: "meta" }, t(`appointment.status.${appointment.status}`)),
    buttons.length ? h("div", { class: "buttons" }, buttons) : null,
  );
}

// The slots as the options of a select (the option's value is the slot's index), or "none free".
export function offerSlots(select, slots, label) {
  const options = slots.map((item, index) => h("option", { value: String(index) }, label(item)));
  select.replaceChildren(...(options.length ? options : [h("option", { value: "" }, t("appointment.no_slots"))]));
  select.disabled = !options.length;
}

// The representative's fields as the API takes them, or null when no name was given.
function representativeOf(name, relationship) {
  if (!name.value.trim()) return null;
  const representative = { name: name.value.trim() };
  if (relationship.value.trim()) representative.relationship = relationship.value.trim();
  return representative;
}

function slotLabel(slot) {
  const when = formatDateTime(slot.starts_at, language());
  const mark = slot.case_worker ? ` · ${t("appointment.case_worker")}` : "";
  return `${when} · ${withWhom(slot)}${mark}`;
}

// What both booking forms share (a case's own and the front door's with the access code): the kind, the slot,
// the address of a home visit, the representative, and the booking body a chosen slot makes of them.
export function bookingFields(kinds) {
  const kind = h("select", { name: "kind", required: true }, kinds.map((item) => h("option", { value: item.code }, item.name)));
  const slot = h("select", { name: "slot", required: true, disabled: true }, h("option", { value: "" }, t("appointment.pick_kind_first")));
  const address = h("input", { name: "address", type: "text", autocomplete: "off", maxlength: 500 });
  const addressField = field(t("appointment.address"), address);
  const representative = h("input", { name: "representative", type: "text", autocomplete: "off", maxlength: 200 });
  const relationship = h("input", { name: "relationship", type: "text", autocomplete: "off", maxlength: 200 });
  const isVisit = () => Boolean(kinds.find((item) => item.code === kind.value)?.home_visit);
  const showAddress = () => {
    addressField.hidden = !isVisit();
    address.required = isVisit();
  };
  const clearSlots = () => {
    slot.replaceChildren(h("option", { value: "" }, t("appointment.pick_kind_first")));
    slot.disabled = true;
  };
  return {
    kind,
    slot,
    showAddress,
    clearSlots,
    // The fields after the "find" button, in the order both forms show them.
    slotFields: () => [
      field(t("appointment.slot"), slot),
      addressField,
      field(t("appointment.representative"), representative, t("appointment.representative_hint")),
      field(t("appointment.relationship"), relationship),
    ],
    body(chosen) {
      const body = { kind: kind.value, starts_at: chosen.starts_at };
      if (chosen.staff) body.staff_id = chosen.staff.id;
      else body.desk = chosen.desk;
      if (isVisit()) body.address = address.value.trim();
      const who = representativeOf(representative, relationship);
      if (who) body.representative = who;
      return body;
    },
  };
}

function bookingForm(ticket, kinds, context, reload) {
  const fields = bookingFields(kinds);
  const { kind, slot } = fields;
  const message = h("div", {});
  const find = h("button", { type: "button", class: "secondary" }, t("appointment.find"));
  let slots = [];
  kind.addEventListener("change", () => {
    fields.showAddress();
    fields.clearSlots();
  });
  find.addEventListener("click", async () => {
    message.replaceChildren();
    try {
      const found = await get(`/v1/tickets/${encodeURIComponent(ticket.reference)}/appointment-slots?kind=${encodeURIComponent(kind.value)}&limit=30`);
      slots = found.items;
      offerSlots(slot, slots, slotLabel);
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
  const form = h(
    "form",
    { "aria-labelledby": "book-appointment-heading" },
    h("h3", { id: "book-appointment-heading" }, t("appointment.book_title")),
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
    const body = { ticket: ticket.reference, ...fields.body(chosen) };
    try {
      const booked = await post("/v1/appointments", body);
      context.announce(t("appointment.booked", { when: formatDateTime(booked.starts_at, language()) }));
      await reload();
    } catch (error) {
      // 409 slot-taken names the next free slots: offer them at once.
      if (error.problem?.alternatives?.length) {
        slots = error.problem.alternatives;
        offerSlots(slot, slots, slotLabel);
      }
      message.replaceChildren(errorNotice(error));
    }
  });
  return form;
}

export async function ticketAppointments(ticket, context, reload) {
  const section = h("section", { "aria-labelledby": "appointments-heading" }, h("h2", { id: "appointments-heading" }, t("appointment.section")));
  try {
    const [page, kinds] = await Promise.all([
      get(`/v1/appointments?ticket=${encodeURIComponent(ticket.reference)}&limit=50`),
      get("/v1/appointment-kinds"),
    ]);
    section.append(page.items.length ? h("div", {}, page.items.map((item) => appointmentCard(item, context, reload))) : h("p", {}, t("appointment.none")));
    const fitting = kinds.items.filter((item) => item.active && (!item.category_prefix || (ticket.category || "").startsWith(item.category_prefix)));
    if (fitting.length) section.append(bookingForm(ticket, fitting, context, reload));
  } catch (error) {
    section.append(errorNotice(error));
  }
  return section;
}
