// Routing: the current rules (administrators) and the dry-run simulator (everyone who reads tickets).
import { ApiError, get, post } from "../api.js";
import { field, h } from "../dom.js";
import { LANGUAGES, t } from "../i18n.js";
import { categoryPicker, errorNotice } from "./common.js";

const CHANNELS = ["phone", "mail", "web", "counter", "home_visit", "appointment"];

function describe(object) {
  return Object.entries(object || {})
    .filter(([, value]) => value !== null && value !== undefined && !(Array.isArray(value) && !value.length))
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(", ") : value}`)
    .join("; ");
}

async function rulesSection() {
  const section = h("section", { "aria-labelledby": "rules-heading" }, h("h2", { id: "rules-heading" }, t("routing.title")));
  try {
    const rules = await get("/v1/routing/rules");
    section.append(
      h(
        "table",
        {},
        h("caption", { class: "visually-hidden" }, t("routing.title")),
        h("thead", {}, h("tr", {}, ["position", "name", "conditions", "actions", "active"].map((name) => h("th", { scope: "col" }, t(`routing.${name}`))))),
        h(
          "tbody",
          {},
          rules.map((rule) =>
            h("tr", { "data-rule": rule.id }, h("td", {}, String(rule.position)), h("td", {}, `${rule.name} (v${rule.version})`), h("td", {}, describe(rule.conditions)), h("td", {}, describe(rule.actions)), h("td", {}, rule.active ? t("common.yes") : t("common.no"))),
          ),
        ),
      ),
    );
  } catch (error) {
    section.append(error instanceof ApiError && error.status === 403 ? h("p", { class: "notice" }, t("routing.forbidden")) : errorNotice(error));
  }
  return section;
}

async function simulator() {
  const channel = h("select", { name: "channel" }, CHANNELS.map((value) => h("option", { value }, t(`channel.${value}`))));
  const subject = h("input", { name: "subject", type: "text", maxlength: 300 });
  const body = h("textarea", { name: "body", rows: 3, maxlength: 20000 });
  const category = await categoryPicker();
  const language = h("select", { name: "language" }, LANGUAGES.map(([code, name]) => h("option", { value: code }, name)));
  const caseWorker = h("input", { name: "case_worker", type: "checkbox" });
  const result = h("div", { "aria-live": "polite", "data-simulation": "" });
  const form = h(
    "form",
    { "aria-labelledby": "simulate-heading" },
    h("h2", { id: "simulate-heading" }, t("routing.simulate")),
    field(t("routing.channel"), channel),
    field(t("routing.subject"), subject),
    field(t("routing.body"), body),
    category.element,
    field(t("routing.language"), language),
    h("div", { class: "field inline" }, caseWorker, h("label", { for: (caseWorker.id = "case-worker") }, t("routing.case_worker"))),
    h("button", { type: "submit" }, t("routing.run")),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const contact = {
      channel: channel.value,
      subject: subject.value,
      body: body.value,
      language: language.value,
      citizen_has_case_worker: caseWorker.checked,
    };
    if (!category.check()) return;
    if (category.value()) contact.category = category.value();
    try {
      const decision = await post("/v1/routing/simulate", { contact });
      result.replaceChildren(
        h("h3", {}, t("routing.result")),
        h("p", { class: "notice success" }, decision.explanation),
        h("p", { class: "meta" }, describe(decision.actions)),
      );
    } catch (error) {
      result.replaceChildren(errorNotice(error));
    }
  });
  return form;
}

export async function render(main) {
  main.append(h("h1", {}, t("routing.title")), await rulesSection(), await simulator());
  return null;
}
