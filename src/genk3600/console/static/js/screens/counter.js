// Counter: register a visit at a desk (reception, quick desk, thematic desk) — desk, person and category picked.
import { post } from "../api.js";
import { field, h, uid } from "../dom.js";
import { t } from "../i18n.js";
import { categoryPicker, choices, citizenFields, errorNotice, picker } from "./common.js";
import { outcome } from "./phone.js";

const DESK_KINDS = ["reception", "quick_desk", "thematic_desk"];
const ROLES = ["informing", "registering", "advising"];

export async function render(main, context) {
  main.append(h("h1", {}, t("counter.title")));
  let desks;
  let category;
  try {
    desks = (await choices()).units.filter((unit) => DESK_KINDS.includes(unit.kind));
    category = await categoryPicker();
  } catch (error) {
    main.append(errorNotice(error));
    return null;
  }
  const mine = desks.find((unit) => context.me.memberships.some((m) => m.unit === unit.code));
  const desk = picker({
    label: t("counter.desk"),
    name: "desk",
    required: true,
    items: desks.map((unit) => ({ value: unit.code, label: unit.name, hint: t(`unit_kind.${unit.kind}`), kind: unit.kind })),
  });
  if (mine) desk.select(mine.code);
  const citizen = citizenFields();
  const summary = h("textarea", { name: "summary", rows: 4, cols: 60, required: true });
  const result = h("div", { "aria-live": "polite" });
  const legendId = uid("roles");
  const form = h(
    "form",
    { "aria-label": t("counter.title") },
    desk.element,
    citizen.element,
    field(t("counter.summary"), summary),
    category.element,
    h(
      "fieldset",
      { "aria-labelledby": legendId },
      h("legend", { id: legendId }, t("phone.record_as")),
      h("div", { class: "buttons" }, ROLES.map((role) => h("button", { type: "submit", name: "role", value: role }, t(`role.${role}`)))),
    ),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!desk.value()) {
      desk.input.setCustomValidity(t("picker.no_choice"));
      desk.input.reportValidity();
      return;
    }
    if (!category.check()) return;
    const role = event.submitter?.value || "registering";
    const unit = desks.find((candidate) => candidate.code === desk.value());
    const body = { channel: "counter", desk: unit.kind, unit: unit.code, summary: summary.value.trim(), participations: [{ role }] };
    if (category.value()) body.category = category.value();
    const who = citizen.citizen();
    if (who) body.citizen = who;
    try {
      const recorded = await post("/v1/contacts", body);
      result.replaceChildren(outcome(role, recorded));
      context.announce(t("phone.recorded", { reference: recorded.ticket?.reference || "—", role: t(`role.${role}`) }));
    } catch (error) {
      result.replaceChildren(errorNotice(error));
    }
  });
  main.append(form);
  return null;
}
