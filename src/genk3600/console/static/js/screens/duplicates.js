// The data steward's duplicates (GET /v1/citizen-duplicates): pairs of citizen records that may be one person,
// with the score and the reasons in the console's language; merge a pair (the record with more history stays),
// undo that merge, or mark the pair as two people. Only supervisors and admins hold `citizens:merge`.
import { ApiError, get, post } from "../api.js";
import { field, h } from "../dom.js";
import { t } from "../i18n.js";
import { errorNotice } from "./common.js";

function who(citizen) {
  const name = [citizen.given_name, citizen.family_name].filter(Boolean).join(" ") || t("common.unknown_citizen");
  const reach = [citizen.email, citizen.phone].filter(Boolean).join(", ");
  return h("span", {}, h("strong", {}, name), reach ? h("span", { lang: "zxx" }, ` (${reach})`) : null, " ", t("duplicates.history", { tickets: citizen.tickets, contacts: citizen.contacts }));
}

// The record with more tickets and contacts survives (the lower id when even): fewer rows move.
function survivorOf(pair) {
  const weight = (citizen) => citizen.tickets + citizen.contacts;
  return weight(pair.other_citizen) > weight(pair.citizen) ? [pair.other_citizen, pair.citizen] : [pair.citizen, pair.other_citizen];
}

export async function duplicatesSection() {
  const section = h("section", { "aria-labelledby": "duplicates-title", "data-duplicates": "" }, h("h2", { id: "duplicates-title" }, t("duplicates.title")), h("p", {}, t("duplicates.intro")));
  const reason = h("input", { type: "text", name: "duplicate_reason", minlength: 3, maxlength: 500, required: true });
  const status = h("div", { "aria-live": "polite" });
  const list = h("div", {});
  section.append(field(t("duplicates.reason"), reason, t("duplicates.reason_hint")), status, list);

  function reasonGiven() {
    if (reason.value.trim().length >= 3) return reason.value.trim();
    status.replaceChildren(h("p", { class: "notice error", role: "alert" }, t("duplicates.reason_needed")));
    reason.focus();
    return null;
  }

  async function act(action) {
    try {
      await action();
    } catch (error) {
      status.replaceChildren(errorNotice(error));
    }
  }

  function row(pair) {
    const [survivor, merged] = survivorOf(pair);
    const merge = h("button", { type: "button", "data-merge": "" }, t("duplicates.merge"));
    const dismiss = h("button", { type: "button", class: "secondary", "data-dismiss": "" }, t("duplicates.dismiss"));
    merge.addEventListener("click", () => {
      const text = reasonGiven();
      if (!text) return;
      act(async () => {
        const done = await post(`/v1/citizens/${survivor.id}/merges`, { merged_citizen_id: merged.id, reason: text });
        const undo = h("button", { type: "button", "data-undo": done.id }, t("duplicates.undo"));
        undo.addEventListener("click", () => {
          const again = reasonGiven();
          if (!again) return;
          act(async () => {
            await post(`/v1/citizen-merges/${done.id}/undo`, { reason: again });
            status.replaceChildren(h("p", { class: "notice" }, t("duplicates.undone")));
            await refresh();
          });
        });
        status.replaceChildren(h("p", { class: "notice", "data-merged": done.id }, t("duplicates.merged", { survivor: survivor.id, merged: merged.id }), " ", undo));
        await refresh();
      });
    });
    dismiss.addEventListener("click", () => {
      const text = reasonGiven();
      if (!text) return;
      act(async () => {
        await post("/v1/citizen-duplicates/dismissals", { citizen_id: pair.citizen.id, other_citizen_id: pair.other_citizen.id, reason: text });
        status.replaceChildren(h("p", { class: "notice" }, t("duplicates.dismissed")));
        await refresh();
      });
    });
    return h(
      "tr",
      { "data-pair": `${pair.citizen.id}-${pair.other_citizen.id}` },
      h("td", {}, who(pair.citizen)),
      h("td", {}, who(pair.other_citizen)),
      h("td", {}, String(pair.score)),
      h("td", {}, h("ul", {}, pair.reasons.map((item) => h("li", { "data-reason": item.code }, item.text)))),
      h("td", {}, merge, " ", dismiss),
    );
  }

  async function refresh() {
    try {
      const { items } = await get("/v1/citizen-duplicates?limit=20");
      const headers = [t("duplicates.col.citizen"), t("duplicates.col.other"), t("duplicates.col.score"), t("duplicates.col.reasons"), t("duplicates.col.actions")];
      list.replaceChildren(
        items.length
          ? h("table", {}, h("caption", {}, t("duplicates.title")), h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))), h("tbody", {}, items.map(row)))
          : h("p", {}, t("duplicates.none")),
      );
    } catch (error) {
      list.replaceChildren(error instanceof ApiError && error.status === 403 ? h("p", { class: "notice" }, t("duplicates.forbidden")) : errorNotice(error));
    }
  }
  await refresh();
  return section;
}
