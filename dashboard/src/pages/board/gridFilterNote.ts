// "Grid X: 3 of 12 alerts — Show all": shown while the board is filtered to one grid of the site plan.

import { t } from "../../i18n";
import { h } from "../../ui/dom";

export interface GridFilterNote {
  element: HTMLElement;
  show(grid: string, shown: number, total: number): void;
  hide(): void;
}

/** `clear`: show all grids again. */
export function gridFilterNote(clear: () => void): GridFilterNote {
  const element = h("p", { class: "board__filter", hidden: true });
  return {
    element,
    show(grid, shown, total) {
      element.hidden = false;
      element.replaceChildren(
        h("span", {}, t("board.filtered", { grid, count: shown, total })),
        " ",
        h("button", { type: "button", class: "btn btn--ghost btn--compact", "data-testid": "clear-filter", onclick: clear }, t("board.showAll")),
      );
    },
    hide() {
      element.hidden = true;
    },
  };
}
