// Residents in the caller's scope (staff, grid workers); `#/residents/{id}` opens one resident.

import type { AppContext, View } from "../../context";
import { listResidents } from "../../api/places";
import type { ResidentDto } from "../../api/types";
import { t } from "../../i18n";
import { h, setText } from "../../ui/dom";
import { residentDetail } from "./residentDetail";

export function residentsPage(ctx: AppContext): View {
  const id = Number(ctx.params[0]);
  if (Number.isInteger(id) && id > 0) {
    const detail = residentDetail(ctx, id, { family: false });
    const element = h("div", {}, h("p", { class: "back" }, h("a", { href: "#/residents", class: "navlink" }, `← ${t("resident.back")}`)), detail.element);
    return { element, dispose: () => detail.dispose() };
  }

  const search = h("input", { id: "resident-search", type: "search", class: "input", autocomplete: "off", "data-testid": "resident-search" });
  const count = h("p", { class: "muted", role: "status" });
  const body = h("tbody", {});
  const table = h(
    "table",
    { class: "table", "data-testid": "resident-table" },
    h("caption", { class: "sr-only" }, t("residents.heading")),
    h(
      "thead",
      {},
      h("tr", {}, ...(["residents.name", "residents.address", "residents.grid", "residents.open"] as const).map((k) => h("th", { scope: "col" }, t(k)))),
    ),
    body,
  );
  const element = h(
    "section",
    { class: "page", "aria-labelledby": "residents-heading" },
    h("header", { class: "page__head" }, h("h1", { id: "residents-heading", class: "page__title", tabindex: "-1" }, t("residents.heading"))),
    h("div", { class: "field field--inline" }, h("label", { for: "resident-search", class: "label" }, t("residents.search")), search),
    count,
    h("div", { class: "table-wrap" }, table),
  );

  let residents: ResidentDto[] = [];
  let disposed = false;
  const render = (): void => {
    const q = search.value.trim().toLowerCase();
    const open = new Map<number, number>();
    for (const a of ctx.live.store.sorted()) if (a.residentId !== null) open.set(a.residentId, (open.get(a.residentId) ?? 0) + 1);
    const shown = residents.filter((r) => !q || `${r.name} ${r.householdAddress ?? ""} ${r.gridName ?? ""}`.toLowerCase().includes(q));
    setText(count, t("residents.count", { count: shown.length, total: residents.length }));
    body.replaceChildren(
      ...shown.map((r) =>
        h(
          "tr",
          { "data-testid": "resident-row", "data-resident-id": r.id, class: open.get(r.id) ? "row--alert" : "" },
          h("td", { "data-label": t("residents.name") }, h("a", { href: `#/residents/${r.id}`, class: "navlink" }, r.name), r.specialDifficulty ? h("span", { class: "badge badge--high" }, t("resident.special")) : null),
          h("td", { "data-label": t("residents.address") }, r.householdAddress ?? "—"),
          h("td", { "data-label": t("residents.grid") }, r.gridName ?? "—"),
          h("td", { "data-label": t("residents.open") }, open.get(r.id) ? h("strong", { class: "text-alert" }, String(open.get(r.id))) : "0"),
        ),
      ),
    );
  };
  search.addEventListener("input", render);
  const unsubscribe = ctx.live.store.subscribe(render);
  listResidents()
    .then((list) => {
      if (disposed) return;
      residents = list;
      render();
    })
    .catch(() => setText(count, t("resident.loadFailed")));
  setText(count, t("app.loading"));
  return {
    element,
    dispose() {
      disposed = true;
      unsubscribe();
    },
  };
}
