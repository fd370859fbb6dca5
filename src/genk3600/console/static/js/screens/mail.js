// Mail: incoming mail that needs a person — not on a ticket, or flagged — to read in full.
import { get } from "../api.js";
import { formatDateTime, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { errorNotice, ticketLink } from "./common.js";

function message(contact) {
  const details = contact.channel_details || {};
  const address = details.from || details.sender;
  // The sender's name as the mail gives it, with the address it came from.
  const from = [details.from_name, address ? `<${address}>` : null].filter(Boolean).join(" ") || "—";
  return h(
    "article",
    { class: "panel mail", "data-contact": contact.id, "aria-labelledby": `mail-${contact.id}` },
    h("h2", { id: `mail-${contact.id}` }, contact.subject || t("mail.no_subject")),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("mail.from")),
      h("dd", {}, String(from)),
      h("dt", {}, t("mail.received")),
      h("dd", {}, formatDateTime(contact.occurred_at, language())),
      h("dt", {}, t("mail.ticket")),
      h("dd", {}, contact.ticket ? ticketLink(contact.ticket) : t("mail.no_ticket")),
      h("dt", {}, t("mail.flags")),
      // The server names the flags in the console's language (Accept-Language); the codes stay in `flags`.
      h("dd", {}, contact.flag_names.length ? contact.flag_names.join(", ") : "—"),
    ),
    h("div", { class: "mail-body", lang: contact.language }, contact.body),
  );
}

export async function render(main) {
  main.append(h("h1", {}, t("mail.title")));
  const area = h("div", {}, h("p", {}, t("common.loading")));
  main.append(area);
  try {
    const pages = await Promise.all([
      get("/v1/contacts?without_ticket=true&limit=50"),
      get("/v1/contacts?flag=ambiguous_citizen&limit=50"),
      get("/v1/contacts?flag=malformed_headers&limit=50"),
      get("/v1/contacts?flag=attachment_over_cap&limit=50"),
    ]);
    const byId = new Map();
    for (const page of pages) for (const contact of page.items) if (contact.channel === "mail" && !contact.flags.includes("automated")) byId.set(contact.id, contact);
    const mails = [...byId.values()].sort((a, b) => b.id - a.id);
    area.replaceChildren(...(mails.length ? mails.map(message) : [h("p", {}, t("mail.none"))]));
  } catch (error) {
    area.replaceChildren(errorNotice(error));
  }
  return null;
}
