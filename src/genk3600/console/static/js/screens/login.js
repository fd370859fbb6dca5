// Sign-in: paste a staff token, or in dev mode pick a demo staff member (the server mints the token).
import { ApiError, get, post, setToken } from "../api.js";
import { field, h } from "../dom.js";
import { t } from "../i18n.js";

export async function render(main, context) {
  const message = h("div", { "aria-live": "assertive" });
  const tokenInput = h("textarea", { name: "token", rows: 3, cols: 60, required: true, autocomplete: "off" });
  const tokenForm = h(
    "form",
    { "aria-labelledby": "token-heading" },
    h("h2", { id: "token-heading" }, t("login.with_token")),
    field(t("login.token"), tokenInput, t("login.token_hint")),
    h("button", { type: "submit" }, t("login.submit")),
  );
  tokenForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    await signIn(tokenInput.value.trim(), message, context);
  });
  main.append(h("h1", {}, t("login.title")), message, tokenForm);

  // The picker exists only when the server runs in dev mode; elsewhere the endpoint answers 404.
  try {
    const { items } = await get("/console/dev/staff", { anonymous: true });
    const picker = h("select", { name: "staff" });
    for (const member of items) {
      // Unit and position by name, in the console's language (the server's Accept-Language rendering).
      const units = member.memberships.map((m) => `${m.unit_name} (${m.position_name})`).join(", ");
      picker.append(h("option", { value: member.email }, `${member.full_name} — ${units}`));
    }
    const demoForm = h(
      "form",
      { "aria-labelledby": "demo-heading" },
      h("h2", { id: "demo-heading" }, t("login.demo")),
      h("p", { class: "hint" }, t("login.demo_hint")),
      field(t("login.demo_staff"), picker),
      h("button", { type: "submit" }, t("login.demo_submit")),
    );
    demoForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const minted = await post("/console/dev/tokens", { email: picker.value }, { anonymous: true });
        await signIn(minted.token, message, context);
      } catch (error) {
        showError(message, error);
      }
    });
    main.append(demoForm);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) showError(message, error);
  }
}

async function signIn(value, message, context) {
  setToken(value);
  try {
    await context.signedIn();
  } catch (error) {
    setToken(null);
    showError(message, error);
  }
}

function showError(message, error) {
  message.replaceChildren(h("p", { class: "notice error", role: "alert" }, t("login.failed", { detail: error.message })));
}
