// The citizen's status page: reference + access code in, the plain-language answer of the API out.
const TEXTS = {
  nl: { title: "Waar staat mijn vraag?", lang: "Taal", ref: "Referentie", hint: "Bijvoorbeeld G3600-2026-000123", code: "Toegangscode", submit: "Toon de stand van zaken", registered: "Wat we noteerden", handled: "Wie heeft uw vraag", role: "Wat die dienst doet", staff: "Medewerker", part: "Wat u kunt doen", expected: "Wanneer u een antwoord krijgt", updated: "Laatst bijgewerkt", answer: "Ons laatste antwoord", error: "Er ging iets mis. Probeer het later opnieuw." },
  fr: { title: "Où en est ma demande ?", lang: "Langue", ref: "Référence", hint: "Par exemple G3600-2026-000123", code: "Code d'accès", submit: "Voir l'état", registered: "Ce que nous avons noté", handled: "Qui a votre demande", role: "Ce que fait ce service", staff: "Collaborateur", part: "Ce que vous pouvez faire", expected: "Quand vous aurez une réponse", updated: "Dernière mise à jour", answer: "Notre dernière réponse", error: "Un problème est survenu. Réessayez plus tard." },
  en: { title: "Where is my question?", lang: "Language", ref: "Reference", hint: "For example G3600-2026-000123", code: "Access code", submit: "Show the status", registered: "What we noted", handled: "Who has your question", role: "What that service does", staff: "Staff member", part: "What you can do", expected: "When you get an answer", updated: "Last updated", answer: "Our latest answer", error: "Something went wrong. Please try again later." },
  de: { title: "Wie steht es um meine Frage?", lang: "Sprache", ref: "Referenz", hint: "Zum Beispiel G3600-2026-000123", code: "Zugangscode", submit: "Stand anzeigen", registered: "Was wir notiert haben", handled: "Wer Ihre Frage hat", role: "Was dieser Dienst tut", staff: "Mitarbeiter", part: "Was Sie tun können", expected: "Wann Sie eine Antwort bekommen", updated: "Zuletzt aktualisiert", answer: "Unsere letzte Antwort", error: "Etwas ist schiefgelaufen. Bitte versuchen Sie es später erneut." },
};
const NAMES = { nl: "Nederlands", fr: "Français", en: "English", de: "Deutsch" };

const params = new URLSearchParams(window.location.search);
let lang = params.get("lang") in TEXTS ? params.get("lang") : "nl";
const $ = (id) => document.getElementById(id);

function el(tag, text, attributes = {}) {
  const element = document.createElement(tag);
  element.textContent = text;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

function translate() {
  const words = TEXTS[lang];
  document.documentElement.lang = lang;
  document.title = `Stad Genk — ${words.title}`;
  $("title").textContent = words.title;
  $("lang-label").textContent = words.lang;
  $("ref-label").textContent = words.ref;
  $("ref-hint").textContent = words.hint;
  $("code-label").textContent = words.code;
  $("submit").textContent = words.submit;
}

async function show() {
  const ref = $("ref").value.trim();
  const code = $("code").value.trim();
  if (!ref || !code) return;
  const url = new URL(window.location.href);
  url.search = new URLSearchParams({ reference: ref, code, lang }).toString();
  window.history.replaceState(null, "", url);
  const result = $("result");
  const words = TEXTS[lang];
  try {
    const response = await fetch(`/v1/public/tickets/${encodeURIComponent(ref)}?${new URLSearchParams({ code, lang })}`, { headers: { Accept: "application/json" } });
    const data = await response.json();
    if (!response.ok) {
      // The API's problem carries a plain-language `message` in the requested language.
      result.replaceChildren(el("p", data.message || data.detail || words.error, { class: "notice error", role: "alert" }));
      return;
    }
    const facts = document.createElement("dl");
    facts.className = "facts";
    const rows = [
      [words.registered, data.registered],
      [words.handled, data.handled_by],
      [words.role, data.role],
      [words.staff, data.staff_name],
      [words.part, data.your_part],
      [words.expected, data.expected_answer],
      [words.updated, data.updated_at ? new Intl.DateTimeFormat(`${lang}-BE`, { dateStyle: "long", timeStyle: "short" }).format(new Date(data.updated_at)) : null],
    ];
    // Each sentence once: a text already said (e.g. the one sentence a social case gets) is not repeated.
    const said = new Set([data.status_text]);
    for (const [term, value] of rows) {
      if (!value || said.has(value)) continue;
      said.add(value);
      facts.append(el("dt", term), el("dd", value));
    }
    const shown = [el("h2", data.reference), el("p", data.status_text, { class: "notice", "data-status-text": "" }), facts];
    // Our latest answer, in the words the citizen got (never staff's notes; never for a social case).
    const answer = data.latest_answer;
    if (answer) {
      const section = document.createElement("section");
      section.setAttribute("aria-labelledby", "answer-heading");
      section.setAttribute("data-latest-answer", "");
      section.append(el("h3", words.answer, { id: "answer-heading" }), el("p", answer.given), el("p", answer.text, { class: "answer-text" }), el("p", answer.role));
      shown.push(section);
    }
    result.replaceChildren(...shown);
  } catch {
    result.replaceChildren(el("p", words.error, { class: "notice error", role: "alert" }));
  }
}

const select = $("lang");
for (const [code, name] of Object.entries(NAMES)) {
  const option = el("option", name, { value: code, lang: code });
  select.append(option);
}
select.value = lang;
select.addEventListener("change", () => {
  lang = select.value;
  translate();
  show();
});
$("lookup").addEventListener("submit", (event) => {
  event.preventDefault();
  show();
});
$("ref").value = params.get("reference") || params.get("ref") || "";
$("code").value = params.get("code") || "";
translate();
show();
