// Ticket: details, the citizen's own words, roles and timeline in plain words; status changes guarded by
// ETag; escalation to a unit picked by name; roles; answering the citizen (a canned answer picked by name,
// previewed in the citizen's language before it is sent); a notice when someone else changes it meanwhile (live).
import { ApiError, get, post, request } from "../api.js";
import { field, formatDateTime, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { ticketAppointments } from "./appointments.js";
import { ticketCallbacks } from "./callbacks.js";
import { choices, errorNotice, householdSection, unitPicker } from "./common.js";
import { productsOfCategory } from "./knowledge.js";

const STATUSES = ["new", "assigned", "in_progress", "waiting_on_citizen", "resolved", "closed"];
const REASONS = ["needs_decision", "needs_expertise", "sla_breach", "citizen_request", "complaint"];
const ROLES = ["informing", "registering", "advising", "deciding"];
const MEDIA = ["mail", "letter", "phone"];

function options(values, prefix, selected) {
  return values.map((value) => h("option", { value, selected: value === selected }, t(`${prefix}.${value}`)));
}

function details(ticket, categoryNames) {
  const citizen = ticket.citizen ? [ticket.citizen.given_name, ticket.citizen.family_name].filter(Boolean).join(" ") : "—";
  const rows = [
    [t("col.subject"), ticket.subject],
    [t("col.status"), h("span", { "data-status": ticket.status }, t(`status.${ticket.status}`))],
    [t("col.priority"), t(`priority.${ticket.priority}`)],
    [t("ticket.owner"), ticket.owning_unit_name],
    [t("ticket.tier"), String(ticket.tier)],
    [t("ticket.category"), ticket.category ? categoryNames.get(ticket.category) || ticket.category : "—"],
    [t("ticket.citizen"), citizen],
    [t("col.assignee"), ticket.assignee ? ticket.assignee.full_name : "—"],
    [t("ticket.due"), formatDateTime(ticket.resolution_due_at, language())],
  ];
  return h(
    "section",
    { "aria-labelledby": "details-heading" },
    h("h2", { id: "details-heading" }, t("ticket.details")),
    h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
  );
}

function roles(ticket) {
  return h(
    "section",
    { "aria-labelledby": "roles-heading" },
    h("h2", { id: "roles-heading" }, t("ticket.roles")),
    ticket.roles.length
      ? h("ul", { class: "roles" }, ticket.roles.map((role) => h("li", { "data-role": role.role }, h("strong", {}, role.staff_name), ": ", role.role_explanation, " ", h("span", { class: "meta" }, `(${t(`role.${role.role}`)}, ${formatDateTime(role.created_at, language())})`))))
      : h("p", {}, "—"),
  );
}

function partyLine(party, ticket) {
  // A known citizen shows by name only where this screen already shows that person: the ticket's own citizen.
  const own = party.citizen_id !== null && ticket.citizen && ticket.citizen.id === party.citizen_id;
  const ownName = own ? [ticket.citizen.given_name, ticket.citizen.family_name].filter(Boolean).join(" ") : "";
  const name = party.name || ownName || (party.citizen_id !== null ? t("parties.known_citizen") : "—");
  const what = [t(`parties.role.${party.role}`)];
  if (party.relationship) what.push(t(`parties.relationship.${party.relationship}`));
  if (party.kind === "organisation") what.push(t("parties.kind.organisation"));
  const reach = [party.organisation_name, party.enterprise_number ? t("parties.enterprise_number", { number: party.enterprise_number }) : null, party.phone, party.email].filter(Boolean);
  return h(
    "li",
    { "data-party": party.id, "data-party-role": party.role },
    h("strong", {}, name),
    ` (${what.join(", ")})`,
    reach.length ? h("span", { class: "meta" }, ` · ${reach.join(" · ")}`) : null,
    party.correspondent ? h("p", { class: "meta", "data-correspondent": "" }, t("parties.correspondent")) : null,
  );
}

function parties(ticket) {
  return h(
    "section",
    { "aria-labelledby": "parties-heading" },
    h("h2", { id: "parties-heading" }, t("parties.title")),
    ticket.parties.length ? h("ul", { class: "parties" }, ticket.parties.map((party) => partyLine(party, ticket))) : h("p", {}, t("parties.none")),
  );
}

function links(ticket) {
  const line = (link) =>
    h(
      "li",
      { "data-link": link.id },
      `${link.system} · ${link.object_type} · `,
      h("strong", {}, link.object_id),
      link.contact_id !== null ? h("span", { class: "meta" }, ` (${t("links.on_contact", { id: link.contact_id })})`) : null,
      // Only http(s) URLs are accepted by the API; opened in a new tab without handing over this page.
      link.url ? [" ", h("a", { href: link.url, target: "_blank", rel: "noopener noreferrer" }, t("links.open"))] : null,
    );
  return h(
    "section",
    { "aria-labelledby": "links-heading" },
    h("h2", { id: "links-heading" }, t("links.title")),
    ticket.links.length ? h("ul", { class: "links" }, ticket.links.map(line)) : h("p", {}, t("links.none")),
  );
}

function timeline(events) {
  return h(
    "section",
    { "aria-labelledby": "timeline-heading" },
    h("h2", { id: "timeline-heading" }, t("ticket.timeline")),
    h(
      "ol",
      { class: "timeline" },
      events.map((event) => h("li", { "data-event": event.type }, event.summary, h("br"), h("span", { class: "meta" }, `${event.actor.name} · ${formatDateTime(event.occurred_at, language())}`))),
    ),
  );
}

function statusForm(ticket, etag, reload, context) {
  const status = h("select", { name: "status" }, options(STATUSES, "status", ticket.status));
  const note = h("input", { name: "note", type: "text", maxlength: 2000 });
  const message = h("div", {});
  const form = h(
    "form",
    { "aria-labelledby": "status-heading" },
    h("h2", { id: "status-heading" }, t("ticket.status_change")),
    field(t("ticket.new_status"), status),
    field(t("ticket.note"), note),
    h("button", { type: "submit" }, t("ticket.save_status")),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { status: status.value };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      // If-Match with the ETag of what this screen shows: a change made meanwhile by someone else is a 412.
      await request("PATCH", `/v1/tickets/${encodeURIComponent(ticket.reference)}`, { json: body, headers: { "If-Match": etag } });
      context.announce(t("ticket.saved", { status: t(`status.${status.value}`) }));
      await reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        const again = h("button", { type: "button", onclick: () => reload() }, t("ticket.reload"));
        message.replaceChildren(h("div", { class: "notice warning", role: "alert", "data-conflict": "" }, h("p", {}, t("ticket.conflict")), again));
        again.focus();
      } else {
        message.replaceChildren(errorNotice(error));
      }
    }
  });
  return form;
}

async function escalateDialog(ticket, reload, context) {
  const unit = await unitPicker("to_unit", { required: true, label: t("escalate.unit"), filter: (candidate) => candidate.code !== ticket.owning_unit });
  const reason = h("select", { name: "reason" }, options(REASONS, "reason", "needs_decision"));
  const role = h("select", { name: "requested_role" }, options(["advising", "deciding"], "role", "deciding"));
  const note = h("textarea", { name: "note", rows: 3, maxlength: 2000 });
  const message = h("div", {});
  const cancel = h("button", { type: "button", class: "secondary" }, t("escalate.cancel"));
  const dialog = h(
    "dialog",
    { "aria-labelledby": "escalate-heading" },
    h(
      "form",
      {},
      h("h2", { id: "escalate-heading" }, t("escalate.title")),
      unit.element,
      field(t("escalate.reason"), reason),
      field(t("escalate.role"), role),
      field(t("escalate.note"), note),
      message,
      h("div", { class: "buttons" }, h("button", { type: "submit" }, t("escalate.submit")), cancel),
    ),
  );
  cancel.addEventListener("click", () => dialog.close());
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!unit.value()) {
      unit.input.setCustomValidity(t("picker.no_choice"));
      unit.input.reportValidity();
      return;
    }
    const body = { to_unit: unit.value(), reason: reason.value, requested_role: role.value };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      const result = await post(`/v1/tickets/${encodeURIComponent(ticket.reference)}/escalations`, body);
      dialog.close();
      context.announce(t("escalate.done", { unit: result.ticket.owning_unit_name }));
      await reload();
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
  return dialog;
}

function contactLabel(contact) {
  return `${t(`channel.${contact.channel}`)} · ${formatDateTime(contact.occurred_at, language())}`;
}

// The citizen's own words: every contact on the ticket, in full.
function contactsSection(contacts) {
  return h(
    "section",
    { "aria-labelledby": "contacts-heading" },
    h("h2", { id: "contacts-heading" }, t("ticket.contacts")),
    contacts.length
      ? contacts.map((contact) =>
          h(
            "article",
            { class: "panel contact", "data-contact": contact.id },
            h("h3", {}, contact.direction === "outbound" ? `${t("reply.ours")}: ` : "", contactLabel(contact), contact.subject ? ` — ${contact.subject}` : ""),
            h("p", { class: "meta" }, t("ticket.recorded_by", { name: contact.recorded_by.name })),
            h("div", { class: "contact-body", lang: contact.language }, contact.body),
          ),
        )
      : h("p", {}, t("ticket.no_contacts")),
  );
}

function participationForm(contacts, reload, context) {
  const section = h("section", { "aria-labelledby": "participation-heading" }, h("h2", { id: "participation-heading" }, t("ticket.participation")));
  if (!contacts.length) {
    section.append(h("p", {}, t("ticket.no_contacts")));
    return section;
  }
  const contact = h("select", { name: "contact" }, contacts.map((item) => h("option", { value: item.id }, contactLabel(item))));
  const role = h("select", { name: "role" }, options(ROLES, "role", "registering"));
  const note = h("input", { name: "note", type: "text", maxlength: 2000 });
  const message = h("div", {});
  const form = h(
    "form",
    { "aria-labelledby": "participation-heading" },
    field(t("ticket.contact"), contact),
    field(t("ticket.role"), role),
    field(t("ticket.note"), note),
    h("button", { type: "submit" }, t("ticket.record_role")),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { role: role.value };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      await post(`/v1/contacts/${contact.value}/participations`, body);
      context.announce(t("ticket.role_recorded", { role: t(`role.${role.value}`) }));
      await reload();
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
  section.append(form);
  return section;
}

// The server's whitelist (answering/placeholders.py): what a canned answer may say between braces.
const TICKET_PLACEHOLDERS = ["reference", "citizen_name", "unit_name", "category_name"];
const CATALOGUE_PLACEHOLDERS = ["product_name", "what_to_bring", "cost", "delivery_time", "web_page", "opening_hours"];

// A placeholder is syntax the agent types, not words of any language: lang="zxx" (no linguistic content) tells
// screen readers and translators so, as it tells the language scan of the console's tests.
function placeholderList(names) {
  return names.flatMap((name, index) => [index ? ", " : " ", h("code", { lang: "zxx" }, `{${name}}`)]);
}

// Answering the citizen: a canned answer (by name) or own words, previewed exactly as it would be sent (the
// server fills it in in the citizen's language and adds the role in words), then sent as a reply.
function replyForm(ticket, templates, reload, context) {
  const path = `/v1/tickets/${encodeURIComponent(ticket.reference)}/replies`;
  const offered = templates.filter((template) => !template.category || template.category === ticket.category);
  const template = h(
    "select",
    { name: "template" },
    h("option", { value: "" }, t("reply.own_words")),
    offered.map((item) => h("option", { value: item.id }, item.name)),
  );
  const medium = h("select", { name: "medium" }, MEDIA.map((value) => h("option", { value }, t(`reply.medium.${value}`))));
  const role = h("select", { name: "role" }, options(ROLES, "role", "informing"));
  const text = h("textarea", { name: "text", rows: 6, maxlength: 10000 });
  const note = h("input", { name: "note", type: "text", maxlength: 2000 });
  const shown = h("div", { "aria-live": "polite", "data-reply-preview": "" });
  const message = h("div", {});
  const previewButton = h("button", { type: "button", class: "secondary" }, t("reply.preview"));
  const form = h(
    "form",
    { "aria-labelledby": "reply-heading", "data-reply": "" },
    h("h2", { id: "reply-heading" }, t("reply.title")),
    field(t("reply.template"), template),
    h(
      "div",
      { class: "meta", "data-placeholders": "" },
      h("p", {}, t("reply.placeholders"), placeholderList(TICKET_PLACEHOLDERS)),
      h("p", {}, t("reply.placeholders_catalogue"), placeholderList(CATALOGUE_PLACEHOLDERS)),
    ),
    field(t("reply.medium"), medium),
    field(t("reply.role"), role),
    field(t("reply.text"), text, t("reply.text_hint")),
    field(t("reply.note"), note),
    h("div", { class: "buttons" }, previewButton, h("button", { type: "submit" }, t("reply.send"))),
    shown,
    message,
  );
  // A new choice of canned answer starts from its text again.
  template.addEventListener("change", () => {
    text.value = "";
    shown.replaceChildren();
  });

  function body() {
    const data = { medium: medium.value, role: role.value };
    if (template.value) data.template_id = Number(template.value);
    if (text.value.trim()) data.text = text.value.trim();
    if (note.value.trim()) data.note = note.value.trim();
    return data;
  }

  function show(preview) {
    const to = preview.recipient.email
      ? t("reply.to", { name: preview.recipient.name || "", email: preview.recipient.email, language: t(`language.${preview.recipient.language}`) })
      : t("reply.to_nameless", { language: t(`language.${preview.recipient.language}`) });
    shown.replaceChildren(
      h(
        "section",
        { class: "panel", "aria-labelledby": "reply-preview-heading" },
        h("h3", { id: "reply-preview-heading" }, t("reply.preview_heading")),
        h("p", { class: "meta" }, to),
        preview.subject ? h("p", {}, h("strong", {}, preview.subject)) : null,
        h("div", { class: "contact-body", lang: preview.recipient.language, "data-reply-message": "" }, preview.message),
      ),
    );
  }

  previewButton.addEventListener("click", async () => {
    const data = body();
    if (!data.text && !data.template_id) {
      message.replaceChildren(h("p", { class: "notice error", role: "alert" }, t("reply.needs_words")));
      return;
    }
    message.replaceChildren();
    try {
      const preview = await post(`${path}/preview`, data);
      // The filled-in canned answer becomes the text the agent may still edit before sending.
      if (!text.value.trim()) text.value = preview.text;
      show(preview);
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = body();
    if (!data.text && !data.template_id) {
      message.replaceChildren(h("p", { class: "notice error", role: "alert" }, t("reply.needs_words")));
      return;
    }
    try {
      await post(path, data);
      context.announce(t("reply.done"));
      await reload();
    } catch (error) {
      message.replaceChildren(errorNotice(error));
    }
  });
  return form;
}

export async function render(main, context) {
  const reference = context.argument;
  const heading = h("h1", {}, t("ticket.title", { reference }));
  const body = h("div", {}, h("p", {}, t("common.loading")));
  const live = h("div", { role: "status" });
  main.append(heading, live, body);
  let shownEtag = null;

  async function load() {
    const path = `/v1/tickets/${encodeURIComponent(reference)}`;
    try {
      const [{ data: ticket, headers }, events, lists, templates] = await Promise.all([
        request("GET", path),
        get(`${path}/events?limit=200`),
        choices(),
        get("/v1/reply-templates").catch(() => ({ items: [] })),
      ]);
      shownEtag = headers.get("ETag");
      live.replaceChildren();
      const contactIds = [...new Set(events.items.map((event) => event.data?.contact_id).filter(Boolean))];
      const contacts = (await Promise.all(contactIds.map((id) => get(`/v1/contacts/${id}`).catch(() => null)))).filter(Boolean);
      const categoryNames = new Map(lists.categories.map((category) => [category.code, category.name]));
      const dialog = await escalateDialog(ticket, load, context);
      const products = await productsOfCategory(ticket.category);
      const escalate = h("button", { type: "button", class: "secondary", "aria-haspopup": "dialog", onclick: () => dialog.showModal() }, t("ticket.escalate"));
      body.replaceChildren(
        details(ticket, categoryNames),
        householdSection(ticket.household, { level: "h2", headingId: "household-heading" }),
        parties(ticket),
        links(ticket),
        products,
        contactsSection(contacts),
        h("div", { class: "buttons" }, escalate),
        dialog,
        statusForm(ticket, shownEtag, load, context),
        participationForm(contacts, load, context),
        replyForm(ticket, templates.items, load, context),
        await ticketCallbacks(ticket, context, load),
        await ticketAppointments(ticket, context, load),
        roles(ticket),
        timeline(events.items),
      );
    } catch (error) {
      // A case the agent may not read answers 404 like one that does not exist: the way to the access-code booking
      // is offered for both, so it tells nothing.
      body.replaceChildren(
        ...(error instanceof ApiError && error.status === 404
          ? [h("p", {}, t("common.not_found")), h("p", {}, h("a", { href: `#/booking/${encodeURIComponent(reference)}`, "data-code-booking-link": "" }, t("booking.from_ticket")))]
          : [errorNotice(error)]),
      );
    }
  }
  // Live: when the stream reports a change to this ticket that this screen does not show yet, say so; the
  // agent reloads when ready (a half-written note is never wiped, and a stale save still meets the 412).
  const stop = context.onTicketEvent(async (event) => {
    if (event.ticket !== reference) return;
    try {
      const { headers } = await request("GET", `/v1/tickets/${encodeURIComponent(reference)}`);
      if (headers.get("ETag") === shownEtag || live.childElementCount) return;
      live.replaceChildren(h("div", { class: "notice warning", "data-changed": "" }, h("p", {}, t("ticket.changed_meanwhile")), h("button", { type: "button", onclick: () => load() }, t("ticket.reload"))));
    } catch {
      // The next change tries again.
    }
  });
  await load();
  return stop;
}
