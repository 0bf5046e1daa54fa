// Family (phone first): their relative at a glance, live alerts, history with timelines, feedback
// on resolved alerts, and push notifications. The hub scopes everything to linked residents.

import type { AppContext, View } from "../../context";
import { listResidents } from "../../api/places";
import type { ResidentDto } from "../../api/types";
import { t } from "../../i18n";
import { h } from "../../ui/dom";
import { pushToggle } from "../../ui/pushToggle";
import { residentDetail } from "../residents/residentDetail";
import { saveFamilySnapshot } from "../../state/familySnapshot";
import { callDesk } from "./callDesk";

export function familyPage(ctx: AppContext): View {
  const slot = h("div", {}, h("p", { class: "muted", role: "status" }, t("app.loading")));
  const switcher = h("nav", { class: "family__switch", "aria-label": t("family.relatives") });
  const push = pushToggle(ctx);
  const element = h("div", { class: "page family", "data-testid": "family-page" }, callDesk(ctx.me.deskPhone), push.element, switcher, slot);
  let detail: View | null = null;
  let disposed = false;
  // The last successful answer, kept for the offline shell (only this family's own data; cleared at sign-out).
  let known: ResidentDto[] | null = null;
  const remember = () => {
    if (known && ctx.live.store.isLoaded) saveFamilySnapshot(ctx.me.id ?? ctx.me.userName, ctx.me.deskPhone ?? null, known, ctx.live.store.sorted());
  };
  const unsubscribe = ctx.live.store.subscribe(remember);

  listResidents()
    .then((residents) => {
      if (disposed) return;
      known = residents;
      remember();
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
      unsubscribe();
      detail?.dispose();
      push.dispose();
    },
  };
}
