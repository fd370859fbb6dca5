// Pieces shared by several screens.
import { get } from "../api.js";
import { field, h, uid } from "../dom.js";
import { language, t } from "../i18n.js";

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

// Categories and units for the pick lists, fetched once per page load and language (names are per language).
const choicesByLanguage = new Map();
export function choices() {
  const code = language();
  if (!choicesByLanguage.has(code)) {
    choicesByLanguage.set(
      code,
      get("/v1/me/choices").then(
        (lists) => {
          unitNames.set(code, new Map(lists.units.map((unit) => [unit.code, unit.name])));
          return lists;
        },
        (error) => {
          choicesByLanguage.delete(code);
          throw error;
        },
      ),
    );
  }
  return choicesByLanguage.get(code);
}

// Unit names in the console's language once choices() has answered, for texts built synchronously (a screen
// pop's "hand over to …"); until then the name the server sent.
const unitNames = new Map();
export function unitName(code, fallback) {
  return unitNames.get(language())?.get(code) || fallback;
}

function normalise(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

// A searchable pick list (ARIA 1.2 combobox with a listbox): type any word of the name or a synonym, choose
// with the arrow keys and Enter or with a click. items: [{value, label, hint, terms}]. The chosen value is
// what the API gets; the person only ever sees names.
export function picker({ label, hint, name, items, required = false }) {
  const id = uid("picker");
  const listId = `${id}-list`;
  const input = h("input", { id, name, type: "text", role: "combobox", autocomplete: "off", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId, required, "data-picker": name });
  const list = h("ul", { id: listId, role: "listbox", class: "picker-list", "aria-label": label, hidden: true });
  let chosen = null;
  let shown = [];
  let active = -1;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(item) {
    chosen = item;
    input.value = item.label;
    input.dataset.value = item.value;
    close();
    input.dispatchEvent(new CustomEvent("picked", { detail: item }));
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0 && list.children[index]) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    }
  }

  function open() {
    const words = normalise(input.value).split(/\s+/).filter(Boolean);
    shown = items.filter((item) => {
      const haystack = normalise([item.label, item.hint, ...(item.terms || [])].join(" "));
      return words.every((word) => haystack.includes(word));
    }).slice(0, 30);
    list.replaceChildren(
      ...shown.map((item, index) =>
        h(
          "li",
          { id: `${id}-option-${index}`, role: "option", "aria-selected": "false", "data-value": item.value, onmousedown: (event) => { event.preventDefault(); choose(item); } },
          item.label,
          item.hint ? h("span", { class: "meta" }, ` — ${item.hint}`) : null,
        ),
      ),
    );
    list.hidden = shown.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
    highlight(shown.length ? 0 : -1);
  }

  input.addEventListener("input", () => {
    chosen = null;
    delete input.dataset.value;
    input.setCustomValidity("");
    open();
  });
  // Closed a moment after focus leaves (a click on an option lands first), unless focus came back meanwhile: a
  // late timer of an earlier blur (a dialog closed and opened again) must not close the list just opened.
  input.addEventListener("blur", () => window.setTimeout(() => document.activeElement !== input && close(), 100));
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) open();
      const step = event.key === "ArrowDown" ? 1 : -1;
      if (shown.length) highlight((active + step + shown.length) % shown.length);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(shown[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  const element = h("div", { class: "field" }, h("label", { for: id }, label), hint ? h("p", { class: "hint", id: hintId }, hint) : null, h("div", { class: "picker" }, input, list));
  return {
    element,
    input,
    value: () => (chosen ? chosen.value : null),
    // Typed text that matches no choice is an error to show, not a value to send.
    check() {
      if (input.value.trim() && !chosen) {
        input.setCustomValidity(t("picker.no_choice"));
        input.reportValidity();
        return false;
      }
      return true;
    },
    select(value) {
      const item = items.find((candidate) => candidate.value === value);
      if (item) choose(item);
    },
    clear() {
      chosen = null;
      input.value = "";
      delete input.dataset.value;
    },
  };
}

export async function categoryPicker(name = "category") {
  const { categories } = await choices();
  return picker({
    label: t("pick.category"),
    hint: t("pick.category_hint"),
    name,
    items: categories.map((category) => ({ value: category.code, label: category.name, hint: category.owning_unit_name, terms: category.synonyms })),
  });
}

export async function unitPicker(name = "unit", { required = false, filter = () => true, label = t("pick.unit") } = {}) {
  const { units } = await choices();
  return picker({
    label,
    name,
    required,
    items: units.filter(filter).map((unit) => ({ value: unit.code, label: unit.name, hint: t(`unit_kind.${unit.kind}`), terms: [] })),
  });
}

export function citizenName(citizen) {
  return [citizen.given_name, citizen.family_name].filter(Boolean).join(" ") || citizen.email || citizen.phone || t("common.unknown_citizen");
}

// Who the citizen is: name, e-mail, phone, national number, with a lookup to choose a known person from.
// `citizen()` gives the identification for POST /v1/contacts (null for an anonymous contact).
export function citizenFields(initial = {}) {
  const given = h("input", { name: "given_name", type: "text", autocomplete: "off", value: initial.given_name || "" });
  const family = h("input", { name: "family_name", type: "text", autocomplete: "off", value: initial.family_name || "" });
  const email = h("input", { name: "email", type: "email", autocomplete: "off", value: initial.email || "" });
  const phone = h("input", { name: "phone", type: "tel", autocomplete: "off", value: initial.phone || "" });
  const national = h("input", { name: "national_number", type: "text", inputmode: "numeric", autocomplete: "off" });
  const results = h("div", { "aria-live": "polite", class: "lookup-results" });
  const legendId = uid("citizen");
  const search = h("button", { type: "button", class: "secondary" }, t("citizen.search"));
  const element = h(
    "fieldset",
    { class: "citizen-fields", "aria-labelledby": legendId },
    h("legend", { id: legendId }, t("citizen.legend")),
    h("div", { class: "grid" }, field(t("citizen.given_name"), given), field(t("citizen.family_name"), family), field(t("citizen.email"), email), field(t("citizen.phone"), phone), field(t("citizen.national_number"), national, t("citizen.national_hint"))),
    h("div", { class: "buttons" }, search),
    results,
  );

  function take(match) {
    const person = match.citizen;
    given.value = person.given_name || "";
    family.value = person.family_name || "";
    email.value = person.email || "";
    phone.value = person.phone || "";
    national.value = "";
    results.replaceChildren(h("p", { class: "notice success", "data-chosen-citizen": person.id }, t("citizen.chosen", { name: citizenName(person) })));
  }

  search.addEventListener("click", async () => {
    const query = new URLSearchParams();
    const name = [given.value.trim(), family.value.trim()].filter(Boolean).join(" ");
    if (phone.value.trim()) query.set("phone", phone.value.trim());
    if (email.value.trim()) query.set("email", email.value.trim());
    if (national.value.trim()) query.set("national_number", national.value.trim());
    if (name.length >= 3) query.set("name", family.value.trim() || name);
    if (![...query.keys()].length) {
      results.replaceChildren(h("p", { class: "notice" }, t("citizen.need_something")));
      return;
    }
    try {
      const found = await get(`/v1/citizens/lookup?${query}`);
      if (!found.matches.length) {
        results.replaceChildren(h("p", {}, t("citizen.none_found")));
        return;
      }
      results.replaceChildren(
        h("p", {}, t("citizen.found", { count: found.matches.length })),
        h(
          "ul",
          { class: "matches" },
          found.matches.map((match) =>
            h(
              "li",
              { "data-citizen": match.citizen.id },
              h("button", { type: "button", class: "secondary", onclick: () => take(match) }, t("citizen.choose", { name: citizenName(match.citizen) })),
              " ",
              h("span", { class: "meta" }, [match.citizen.email, match.citizen.phone, match.citizen.national_number_masked].filter(Boolean).join(" · ")),
              historyList(match),
            ),
          ),
        ),
      );
    } catch (error) {
      results.replaceChildren(errorNotice(error));
    }
  });

  return {
    element,
    citizen() {
      const who = {};
      if (given.value.trim()) who.given_name = given.value.trim();
      if (family.value.trim()) who.family_name = family.value.trim();
      if (email.value.trim()) who.email = email.value.trim();
      if (phone.value.trim()) who.phone = phone.value.trim();
      if (national.value.trim()) who.national_number = national.value.trim();
      return Object.keys(who).length ? who : null;
    },
  };
}

// One ticket of a citizen's history: in full if this agent may read it, else only whom to hand over to.
export function ticketHint(hint) {
  if (hint.social && hint.subject === null) {
    return h("li", { "data-reference": hint.reference, "data-social": "" }, h("span", { class: "notice warning" }, t("phone.social_hint", { unit: unitName(hint.owning_unit, hint.hand_over_to) })));
  }
  return h(
    "li",
    { "data-reference": hint.reference },
    ticketLink(hint.reference),
    " — ",
    hint.subject || "",
    ` (${t(`status.${hint.status}`)}, ${unitName(hint.owning_unit, hint.hand_over_to)})`,
    hint.social ? h("p", { class: "notice warning" }, t("phone.social_hint", { unit: unitName(hint.owning_unit, hint.hand_over_to) })) : null,
  );
}

export function historyList(match) {
  const open = match.open_tickets || [];
  const closed = match.recent_closed_tickets || [];
  return h(
    "div",
    { class: "history" },
    h("h4", {}, t("phone.open_tickets")),
    open.length ? h("ul", {}, open.map(ticketHint)) : h("p", {}, t("phone.no_open_tickets")),
    h("h4", {}, t("phone.history")),
    closed.length ? h("ul", {}, closed.map(ticketHint)) : h("p", {}, t("phone.no_history")),
  );
}

function formatDay(value, lang) {
  if (!value) return "—";
  // A day, not a moment: read as a calendar date (no time zone shift).
  const [year, month, day] = value.split("-").map(Number);
  return new Intl.DateTimeFormat(`${lang}-BE`, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(Date.UTC(year, month - 1, day)));
}

function period(item) {
  const lang = language();
  if (item.last_day) return t("household.period", { first: formatDay(item.first_day, lang), last: formatDay(item.last_day, lang) });
  return item.first_day ? t("household.period_open", { first: formatDay(item.first_day, lang) }) : "";
}

function representativeName(representative) {
  const name = [representative.given_name, representative.family_name].filter(Boolean).join(" ") || representative.name || t("parties.known_citizen");
  return representative.organisation_name ? `${name} (${representative.organisation_name})` : name;
}

function consentLine(representation, who) {
  const scopes = representation.scopes.map((scope) => t(`household.scope.${scope}`)).join(", ");
  return h(
    "li",
    { "data-representation": representation.id },
    h("strong", {}, who),
    ` (${t(`parties.relationship.${representation.kind}`)})`,
    h("span", { class: "meta" }, ` · ${t("household.scopes", { scopes })} · ${period(representation)} · ${t(`household.source.${representation.source}`)}`),
  );
}

// The citizen's household and active representatives (names, relation, consent scope and period): the screen pop
// and the ticket show them. Never the relatives' tickets: the API does not give them.
export function householdSection(household, { level = "h4", headingId = uid("household") } = {}) {
  if (!household) return null;
  const relations = household.relations.map((relation) =>
    h(
      "li",
      { "data-relation": relation.id },
      h("strong", {}, citizenName(relation.relative)),
      ` (${t(`household.relation.${relation.kind}`)})`,
      period(relation) ? h("span", { class: "meta" }, ` · ${period(relation)}`) : null,
    ),
  );
  const by = household.representatives.map((item) => consentLine(item, representativeName(item.representative)));
  const of = household.represents.map((item) => consentLine(item, citizenName(item.citizen)));
  const empty = !relations.length && !by.length && !of.length;
  return h(
    "section",
    { class: "household", "aria-labelledby": headingId },
    h(level, { id: headingId }, t("household.title")),
    empty ? h("p", {}, t("household.none")) : null,
    relations.length ? h("ul", { class: "relations" }, relations) : null,
    by.length ? [h("p", {}, t("household.represented_by")), h("ul", { class: "representatives" }, by)] : null,
    of.length ? [h("p", {}, t("household.represents")), h("ul", { class: "represents" }, of)] : null,
  );
}
