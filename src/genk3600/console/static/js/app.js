// The console shell: sign-in state, language switch, navigation by hash, and the live stream (no polling).
import { get, setToken, token, whenUnauthorised } from "./api.js";
import * as assignment from "./assignment.js";
import { h } from "./dom.js";
import { LANGUAGES, language, setLanguage, t } from "./i18n.js";
import { connect } from "./live.js";
import * as booking from "./screens/booking.js";
import * as counter from "./screens/counter.js";
import * as incoming from "./screens/incoming.js";
import * as login from "./screens/login.js";
import * as mail from "./screens/mail.js";
import * as phone from "./screens/phone.js";
import * as routing from "./screens/routing.js";
import * as supervisor from "./screens/supervisor.js";
import * as ticket from "./screens/ticket.js";

const SCREENS = { login, incoming, phone, counter, booking, mail, ticket, routing, supervisor };

const state = { me: null, calls: [], cleanup: null, stopStream: null, listeners: { calls: new Set(), ticket: new Set(), queue: new Set() }, rendered: false };

const main = document.getElementById("main");
const announcer = document.getElementById("announcer");

export function announce(text) {
  // Clearing first makes screen readers repeat an identical message.
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

function translateShell() {
  document.title = t("app.title");
  document.getElementById("brand").textContent = t("app.title");
  document.getElementById("skip-link").textContent = t("app.skip");
  document.getElementById("language-label").textContent = t("app.language");
  document.getElementById("nav").setAttribute("aria-label", t("nav.label"));
  for (const link of document.querySelectorAll("#nav a")) link.textContent = t(`nav.${link.dataset.screen}`);
  const signOut = document.getElementById("sign-out");
  signOut.textContent = t("app.sign_out");
  signOut.hidden = !state.me;
  document.getElementById("nav").hidden = !state.me;
  document.getElementById("who").textContent = state.me ? t("app.signed_in_as", { name: state.me.name }) : "";
  assignment.translate();
}

function parseRoute() {
  const [screen, ...rest] = window.location.hash.replace(/^#\/?/, "").split("/");
  return { screen: screen || "incoming", argument: rest.map(decodeURIComponent).join("/") };
}

let renders = 0;

async function render() {
  if (state.cleanup) state.cleanup();
  state.cleanup = null;
  // A screen renders into its own root: when a newer render (a language switch, a click) starts while this one
  // still awaits the API, this one's root is already detached, so its late appends land nowhere.
  const generation = ++renders;
  let { screen, argument } = parseRoute();
  if (!state.me) screen = "login";
  if (!(screen in SCREENS)) screen = "incoming";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.screen === screen) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  translateShell();
  const root = h("div", { class: "screen" });
  main.replaceChildren(root);
  main.dataset.screen = screen;
  const context = {
    me: state.me,
    argument,
    announce,
    calls: () => state.calls,
    onCalls: (listener) => listen("calls", listener),
    onTicketEvent: (listener) => listen("ticket", listener),
    onQueue: (listener) => listen("queue", listener),
    signedIn,
    navigate,
  };
  const cleanup = (await SCREENS[screen].render(root, context)) || null;
  if (generation !== renders) {
    if (cleanup) cleanup();
    return;
  }
  state.cleanup = cleanup;
  const heading = main.querySelector("h1");
  if (heading) heading.tabIndex = -1;
  // After a navigation focus moves to the new screen's heading; on the first load the page starts at the top,
  // so the skip link comes first.
  if (heading && state.rendered) heading.focus({ preventScroll: false });
  state.rendered = true;
}

function navigate(hash) {
  if (window.location.hash === hash) render();
  else window.location.hash = hash;
}

function listen(kind, listener) {
  state.listeners[kind].add(listener);
  return () => state.listeners[kind].delete(listener);
}

function emit(kind, data) {
  for (const listener of state.listeners[kind]) listener(data);
}

function receiveCalls({ items }) {
  const known = new Set(state.calls.map((call) => call.call_id));
  const fresh = items.filter((call) => !known.has(call.call_id));
  state.calls = items;
  emit("calls", items);
  if (fresh.length) {
    const number = fresh[0].caller_number || t("phone.withheld");
    announce(t("phone.announce", { number }));
    if (parseRoute().screen !== "phone") navigate("#/phone");
  }
}

function startStream() {
  if (state.stopStream) state.stopStream();
  state.stopStream = connect({
    calls: receiveCalls,
    ticket: (event) => emit("ticket", event),
    queue: (change) => emit("queue", change),
    offers: assignment.receiveOffers,
  });
}

function stopStream() {
  if (state.stopStream) state.stopStream();
  state.stopStream = null;
}

async function signedIn() {
  state.me = await get("/v1/me");
  state.calls = [];
  startStream();
  // Not awaited: the stream and the first screen do not wait for the presence control.
  assignment.start(state.me);
  const { screen } = parseRoute();
  navigate(screen === "login" || !screen ? "#/incoming" : window.location.hash || "#/incoming");
}

function signOut(message) {
  setToken(null);
  state.me = null;
  state.calls = [];
  stopStream();
  assignment.stop();
  navigate("#/login");
  if (message) announce(message);
}

function setUpShell() {
  assignment.install({ announce, navigate });
  const select = document.getElementById("language");
  for (const [code, name] of LANGUAGES) select.append(h("option", { value: code, lang: code }, name));
  select.value = language();
  setLanguage(language());
  select.addEventListener("change", async () => {
    setLanguage(select.value);
    if (state.me) {
      // Unit and position names come from the server in the console's language: ask again.
      try {
        state.me = await get("/v1/me");
      } catch {
        // The names stay in the previous language; the screen still works.
      }
      // The stream's texts follow the language too: reconnect (it resumes where it was).
      startStream();
    }
    render();
  });
  document.getElementById("sign-out").addEventListener("click", () => signOut());
  whenUnauthorised(() => {
    // During sign-in a 401 is the sign-in screen's own error to show.
    if (state.me) signOut(t("common.signed_out"));
  });
  window.addEventListener("hashchange", render);
}

async function start() {
  setUpShell();
  if (token()) {
    try {
      await signedIn();
      return;
    } catch {
      setToken(null);
    }
  }
  await render();
}

start();
