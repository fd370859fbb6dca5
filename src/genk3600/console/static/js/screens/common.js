// Pieces shared by several screens.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function deadlineBadge(colour) {
  const value = colour || "none";
  return h("span", { class: `badge deadline-${value}`, "data-deadline": value }, t(`deadline.${value}`));
}

export function errorNotice(error) {
  return h("p", { class: "notice error", role: "alert" }, t("common.error", { detail: error.message }));
}

export function ticketLink(reference) {
  return h("a", { href: `#/ticket/${encodeURIComponent(reference)}` }, reference);
}
