// The resident's open alerts as cards, kept by alert id and updated in place as the feed changes.

import type { AlertDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { AlertCard } from "../../ui/alertCard/alertCard";
import { h } from "../../ui/dom";

export interface LiveAlertList extends View {
  element: HTMLOListElement;
  /** The resident's open alerts, most urgent first; `loaded` once the feed has its first list. */
  show(alerts: readonly AlertDto[], loaded: boolean): void;
}

/** Family members see the cards without the staff's actions. */
export function liveAlertList(ctx: AppContext, family: boolean): LiveAlertList {
  const element = h("ol", { class: "board__list", "data-testid": "alert-list" });
  const cards = new Map<number, AlertCard>();

  function show(alerts: readonly AlertDto[], loaded: boolean): void {
    const keep = new Set(alerts.map((a) => a.id));
    for (const [id, card] of cards) {
      if (!keep.has(id)) {
        card.element.remove();
        card.dispose();
        cards.delete(id);
      }
    }
    for (const a of alerts) {
      let card = cards.get(a.id);
      if (!card) {
        card = new AlertCard(a, {
          canAct: !family && ctx.me.roles.some((r) => r !== "Family" && r !== "Technician"),
          applied: (x) => ctx.live.store.upsert(x),
          stale: () => void ctx.live.resync(),
          flow: ctx.flow,
          self: { id: ctx.me.id, userName: ctx.me.userName },
        });
        cards.set(a.id, card);
        element.append(card.element);
      } else card.update(a);
    }
    element.setAttribute("data-loaded", String(loaded));
  }

  return {
    element,
    show,
    dispose() {
      for (const c of cards.values()) c.dispose();
    },
  };
}
