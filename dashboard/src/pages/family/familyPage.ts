// Family (phone first): their relative at a glance, live alerts, history with timelines, feedback
// on resolved alerts, and push notifications. The hub scopes everything to linked residents.

import type { AppContext, View } from "../../context";
import { listResidents } from "../../api/places";
import { t } from "../../i18n";
import { h } from "../../ui/dom";
import { pushToggle } from "../../ui/pushToggle";
import { residentDetail } from "../residents/residentDetail";

export function familyPage(ctx: AppContext): View {
  const slot = h("div", {}, h("p", { class: "muted", role: "status" }, t("app.loading")));
  const switcher = h("nav", { class: "family__switch", "aria-label": t("family.relatives") });
  const push = pushToggle(ctx);
  const element = h("div", { class: "page family", "data-testid": "family-page" }, push.element, switcher, slot);
  let detail: View | null = null;
  let disposed = false;

  listResidents()
    .then((residents) => {
      if (disposed) return;
      if (residents.length === 0) {
        slot.replaceChildren(h("p", { class: "muted" }, t("family.none")));
        return;
      }
      const wanted = Number(ctx.params[0]);
      const current = residents.find((r) => r.id === wanted) ?? residents[0];
      if (!current) return;
      if (residents.length > 1) {
        switcher.replaceChildren(
          h(
            "ul",
            { class: "segmented" },
            ...residents.map((r) =>
              h("li", {}, h("a", { href: `#/family/${r.id}`, class: "btn btn--ghost btn--compact", "aria-current": r.id === current.id ? "page" : null }, r.name)),
            ),
          ),
        );
      }
      detail = residentDetail(ctx, current.id, { family: true });
      slot.replaceChildren(detail.element);
    })
    .catch(() => slot.replaceChildren(h("p", { class: "form-error" }, t("resident.loadFailed"))));

  return {
    element,
    dispose() {
      disposed = true;
      detail?.dispose();
      push.dispose();
    },
  };
}
