// The board's alert cards, keyed by alert id and moved only when their position changes, so focus
// stays put; when the focused card leaves, focus goes to the next card that stays.

import type { AlertDto } from "../../api/types";
import { AlertCard, type CardActions } from "../../ui/alertCard/alertCard";
import { h } from "../../ui/dom";

export class BoardCards {
  readonly element = h("ol", { class: "board__list", "aria-labelledby": "board-heading" });
  private readonly cards = new Map<number, AlertCard>();

  constructor(private readonly actions: CardActions) {}

  /** Shows these alerts in this order: new cards made, gone ones removed, the rest updated in place. */
  show(alerts: readonly AlertDto[]): void {
    const keep = new Set(alerts.map((a) => a.id));
    const focusNext = this.focusAfterLeaving(keep);
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) {
        card.element.remove();
        card.dispose();
        this.cards.delete(id);
      }
    }
    let cursor: Element | null = this.element.firstElementChild;
    for (const alert of alerts) {
      let card = this.cards.get(alert.id);
      if (!card) {
        card = new AlertCard(alert, this.actions);
        this.cards.set(alert.id, card);
      } else {
        card.update(alert);
      }
      if (card.element !== cursor) this.element.insertBefore(card.element, cursor);
      else cursor = cursor.nextElementSibling;
    }
    focusNext?.focus();
  }

  /** Refreshes the cards' ages ("3 min ago"). */
  tick(now: number): void {
    for (const card of this.cards.values()) card.tick(now);
  }

  /** Every second: the cards' escalation and pre-alarm countdowns. */
  tickCountdown(now: number): void {
    for (const card of this.cards.values()) card.tickCountdown(now);
  }

  dispose(): void {
    for (const card of this.cards.values()) card.dispose();
  }

  /** Where does focus go if the focused card leaves? To the next card that stays, else the heading. */
  private focusAfterLeaving(keep: ReadonlySet<number>): AlertCard | HTMLElement | null {
    const focused = [...this.cards.values()].find((c) => c.containsFocus());
    if (!focused || keep.has(focused.id)) return null;
    const siblings = [...this.element.children];
    const from = siblings.indexOf(focused.element);
    const byElement = new Map([...this.cards.values()].map((c) => [c.element as Element, c]));
    const candidates = [...siblings.slice(from + 1), ...siblings.slice(0, from).reverse()];
    return candidates.map((el) => byElement.get(el)).find((c) => c !== undefined && keep.has(c.id)) ?? document.getElementById("board-heading");
  }
}
