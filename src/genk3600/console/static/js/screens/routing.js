// Routing: the current rules (administrators) and the dry-run simulator (everyone who reads tickets).
import { ApiError, get, post } from "../api.js";
import { field, h } from "../dom.js";
import { t } from "../i18n.js";
import { categoryPicker, choices, errorNotice } from "./common.js";

const CHANNELS = ["phone", "mail", "web", "counter", "home_visit", "appointment"];

const RULE_LANGUAGES = ["nl", "fr", "en", "de"];

// Names for what the rules hold as codes (units, categories, SLA policies), so a rule reads as words.
async function nameLists() {
  const { units, categories } = await choices();
  const policies = await get("/v1/sla/policies?limit=100").then((page) => page.items, () => []);
  return {
    unit: new Map(units.map((unit) => [unit.code, unit.name])),
    categories,
    policy: new Map(policies.map((policy) => [policy.code, policy.name])),
  };
}

function categoryNames(pattern, names) {
  if (!pattern.endsWith(".*")) return names.categories.find((category) => category.code === pattern)?.name || pattern;
  // A family ("waste.*"): by the unit that owns all of it, else by the names of its categories.
  const family = names.categories.filter((category) => category.code.startsWith(pattern.slice(0, -1)));
  const owners = new Set(family.map((category) => category.owning_unit_name));
  if (family.length && owners.size === 1) return t("rule.family", { unit: [...owners][0] });
  return family.map((category) => category.name).join(", ") || pattern;
}

function list(values, name) {
  // Several patterns can name the same thing ("all subjects of Omgeving" for waste.* and environment.*).
  return [...new Set(values.map(name))].join(", ");
}

export function describeConditions(conditions, names) {
  const parts = [];
  const c = conditions || {};
  if (c.channels?.length) parts.push(t("rule.channels", { values: list(c.channels, (value) => t(`channel.${value}`)) }));
  if (c.categories?.length) parts.push(t("rule.categories", { values: list(c.categories, (value) => categoryNames(value, names)) }));
  if (c.keywords?.length) parts.push(t("rule.keywords", { values: c.keywords.join(", ") }));
  if (c.languages?.length) parts.push(t("rule.languages", { values: list(c.languages, (value) => t(`language.${value}`)) }));
  if (c.citizen_has_case_worker === true) parts.push(t("rule.case_worker_yes"));
  if (c.citizen_has_case_worker === false) parts.push(t("rule.case_worker_no"));
  const time = (value) => String(value).slice(0, 5);
  if (c.local_time_from || c.local_time_until) parts.push(t("rule.time", { from: time(c.local_time_from || "00:00"), until: time(c.local_time_until || "24:00") }));
  return parts.join("; ") || t("rule.always");
}

export function describeActions(actions, names) {
  const a = actions || {};
  const parts = [];
  if (a.owning_unit) parts.push(t("rule.owning_unit", { unit: names.unit.get(a.owning_unit) || a.owning_unit }));
  if (a.priority) parts.push(t("rule.priority", { priority: t(`priority.${a.priority}`) }));
  if (a.confidentiality) parts.push(t(`confidentiality.${a.confidentiality}`));
  if (a.sla_policy) parts.push(t("rule.sla_policy", { policy: names.policy.get(a.sla_policy) || a.sla_policy }));
  if (a.assignment && a.assignment !== "queue") parts.push(t(`assignment.${a.assignment}`));
  if (a.assignee_staff_id) parts.push(t("rule.assignee", { id: a.assignee_staff_id }));
  if (a.tier && a.tier !== 1) parts.push(t("rule.tier", { tier: a.tier }));
  return parts.join("; ");
}

async function rulesSection() {
  const section = h("section", { "aria-labelledby": "rules-heading" }, h("h2", { id: "rules-heading" }, t("routing.title")));
  try {
    const rules = await get("/v1/routing/rules");
    const names = await nameLists();
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
            h("tr", { "data-rule": rule.id }, h("td", {}, String(rule.position)), h("td", {}, `${rule.name} (v${rule.version})`), h("td", {}, describeConditions(rule.conditions, names)), h("td", {}, describeActions(rule.actions, names)), h("td", {}, rule.active ? t("common.yes") : t("common.no"))),
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
  const language = h("select", { name: "language" }, RULE_LANGUAGES.map((code) => h("option", { value: code }, t(`language.${code}`))));
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
        h("p", { class: "meta" }, describeActions(decision.actions, await nameLists())),
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
