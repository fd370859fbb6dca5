// The agent's knowledge at hand: catalogue entries (what to bring, who decides, where and when) for what the
// caller says, and a suggested category with the words that led to it. Names only, never codes.
import { get, post } from "../api.js";
import { h } from "../dom.js";
import { language, t } from "../i18n.js";

const DEBOUNCE_MS = 400;
const MIN_CHARS = 3;
const RANK_SHARE = 0.5;

function weekdayName(weekday) {
  // 1 January 2024 was a Monday; weekday 0 = Monday, as the API counts.
  return new Date(2024, 0, 1 + weekday).toLocaleDateString(language(), { weekday: "long" });
}

// "maandag 08:30–12:00, 13:00–16:30; dinsdag …": one day at a time.
function hours(desk) {
  const days = new Map();
  for (const slot of desk.opening_hours) {
    if (!days.has(slot.weekday)) days.set(slot.weekday, []);
    days.get(slot.weekday).push(`${slot.opens.slice(0, 5)}–${slot.closes.slice(0, 5)}`);
  }
  return [...days].map(([weekday, slots]) => `${weekdayName(weekday)} ${slots.join(", ")}`).join("; ");
}

function fact(term, value) {
  return value ? [h("dt", {}, term), h("dd", {}, value)] : [];
}

export function productCard(product) {
  const texts = product.display;
  const deciders = product.deciding_units.map((unit) => unit.name).join(", ") || t("knowledge.nobody_decides");
  return h(
    "article",
    { class: "product", "data-product": product.code },
    h("h4", {}, texts.name),
    texts.description ? h("p", {}, texts.description) : null,
    h(
      "dl",
      { class: "facts" },
      ...fact(t("knowledge.what_to_bring"), texts.what_to_bring),
      ...fact(t("knowledge.who_decides"), deciders),
      ...fact(t("knowledge.cost"), texts.cost),
      ...fact(t("knowledge.delivery_time"), texts.delivery_time),
      ...fact(t("knowledge.desk"), product.desk ? `${product.desk.name} — ${hours(product.desk)}` : null),
    ),
    product.web_page ? h("p", {}, h("a", { href: product.web_page, target: "_blank", rel: "noopener" }, t("knowledge.web_page"))) : null,
  );
}

function percent(confidence) {
  return Math.round(confidence * 100);
}

// The catalogue entries and the category suggestion for a text typed by the agent, kept up to date as it
// changes. `category` is the form's category picker: a confident suggestion pre-selects it unless the agent
// picked one by hand.
export function knowledgeFor(category) {
  const products = h("section", { class: "knowledge", "aria-label": t("knowledge.products"), "aria-live": "polite" });
  const suggestions = h("div", { class: "suggestions", "aria-live": "polite" });
  let pickedByHand = false;
  let preselected = null;
  let timer = null;
  let asked = 0;
  category.input.addEventListener("input", () => {
    pickedByHand = true;
  });

  function showSuggestions(result) {
    if (!result.suggestions.length) {
      suggestions.replaceChildren();
      return;
    }
    const top = result.suggestions[0];
    const choose = (suggestion) => () => {
      pickedByHand = true;
      category.select(suggestion.category);
    };
    const notice =
      result.preselect && preselected === result.preselect
        ? h("p", { class: "notice success", "data-preselected": "" }, t("suggest.preselected", { name: top.name, percent: percent(top.confidence) }))
        : null;
    suggestions.replaceChildren(
      h("h4", {}, t("suggest.title")),
      notice,
      h(
        "ul",
        {},
        result.suggestions.map((suggestion) =>
          h(
            "li",
            { "data-suggestion": suggestion.category },
            h("button", { type: "button", class: "secondary", onclick: choose(suggestion) }, t("suggest.item", { name: suggestion.name, percent: percent(suggestion.confidence) })),
            suggestion.reasons.length ? h("span", { class: "meta" }, ` ${t("suggest.because", { words: suggestion.reasons.map((reason) => reason.word).join(", ") })}`) : null,
          ),
        ),
      ),
    );
  }

  async function refresh(text) {
    const mine = ++asked;
    if (text.trim().length < MIN_CHARS) {
      products.replaceChildren();
      suggestions.replaceChildren();
      return;
    }
    const [found, suggested] = await Promise.all([
      get(`/v1/products?${new URLSearchParams({ q: text.slice(0, 200), limit: "3" })}`).catch(() => null),
      post("/v1/suggestions/categories", { text }).catch(() => null),
    ]);
    if (mine !== asked) return; // a newer text was typed meanwhile
    if (found) {
      // Entries far behind the best match (a word met only in their description) would bury it: left out.
      const best = found.items[0]?.rank || 0;
      const close = found.items.filter((item) => (item.rank || 0) >= best * RANK_SHARE);
      products.replaceChildren(
        h("h4", {}, t("knowledge.products")),
        ...(close.length ? close.map(productCard) : [h("p", {}, t("knowledge.no_products"))]),
      );
    }
    if (suggested) {
      const picked = category.value();
      if (suggested.preselect && !pickedByHand && (picked === null || picked === preselected)) {
        category.select(suggested.preselect);
        preselected = suggested.preselect;
      }
      showSuggestions(suggested);
    }
  }

  return {
    products,
    suggestions,
    update(text) {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => refresh(text), DEBOUNCE_MS);
    },
  };
}

// The catalogue entries of a ticket's category, for the ticket screen.
export async function productsOfCategory(code) {
  const section = h("section", { class: "knowledge", "aria-label": t("knowledge.ticket_products") });
  if (!code) return section;
  try {
    const found = await get(`/v1/products?${new URLSearchParams({ category: code })}`);
    if (found.items.length) section.append(h("h2", {}, t("knowledge.ticket_products")), ...found.items.map(productCard));
  } catch {
    // The catalogue is a help, not a condition: the ticket shows without it.
  }
  return section;
}
