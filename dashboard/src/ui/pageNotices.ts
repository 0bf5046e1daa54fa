// "You are paged": the hub's `Paged` message, sent only to the people on call for an alert when
// escalation reaches them. Shown above every page of the signed-in user until dismissed, or until
// someone has taken the alert (acknowledged or resolved); the app announces each new page and keeps
// the alarm sounding (per the sound controls) while one is shown.

import type { AlertDto, PageDto } from "../api/types";
import { t, tMaybe } from "../i18n";
import { h } from "./dom";
import { alertIconName, kindLabel, whereText } from "./format";
import { artworkEl, iconEl } from "./icons";

/** The notice's sentence, also what is announced. */
export function pageText(page: PageDto): string {
  return t("paged.text", {
    kind: kindLabel(page.alert.kind),
    where: whereText(page.alert),
    level: tMaybe(`level.${page.level}`) ?? page.level,
    // The hub counts steps from 0; people count pages from 1.
    step: page.step + 1,
  });
}

export class PageNotices {
  readonly element = h("section", { class: "paged", hidden: true, "aria-label": t("paged.heading"), "data-testid": "paged-notices" });
  /** The latest page per alert, newest first. */
  private pages: PageDto[] = [];

  constructor(
    private readonly onShow: (alertId: number) => void,
    private readonly onChange: () => void,
  ) {}

  get size(): number {
    return this.pages.length;
  }

  /** A new page (or the next step of one already shown). */
  add(page: PageDto): void {
    this.pages = [page, ...this.pages.filter((p) => p.alert.id !== page.alert.id)];
    this.render();
  }

  /** Drops the pages of alerts that someone has taken: `current` is the alert now, or undefined once it left the open list. */
  prune(current: (id: number) => AlertDto | undefined): void {
    const keep = this.pages.filter((p) => current(p.alert.id)?.status === "raised");
    if (keep.length === this.pages.length) return;
    this.pages = keep;
    this.render();
  }

  dismiss(alertId: number): void {
    this.pages = this.pages.filter((p) => p.alert.id !== alertId);
    this.render();
  }

  clear(): void {
    this.pages = [];
    this.render();
  }

  /** Texts follow the language. */
  render(): void {
    const focused = document.activeElement?.closest<HTMLElement>("[data-testid=paged-notice]")?.dataset.alertId;
    this.element.hidden = this.pages.length === 0;
    this.element.setAttribute("aria-label", t("paged.heading"));
    this.element.replaceChildren(...this.pages.map((p) => this.notice(p)));
    // A dismissed notice took the focus with it: hand it to the next one rather than to <body>.
    if (focused) (this.element.querySelector<HTMLElement>(`[data-alert-id="${focused}"] button`) ?? this.element.querySelector<HTMLElement>("button"))?.focus();
    this.onChange();
  }

  private notice(page: PageDto): HTMLElement {
    const where = whereText(page.alert);
    const kind = kindLabel(page.alert.kind);
    return h(
      "div",
      {
        class: `paged__item paged__item--${page.alert.severity}`,
        role: "group",
        "aria-label": t("paged.heading"),
        "data-testid": "paged-notice",
        "data-alert-id": page.alert.id,
        "data-kind": page.alert.kind,
        "data-level": page.level,
        "data-step": page.step,
      },
      h("span", { class: "paged__icon", "aria-hidden": "true" }, artworkEl(alertIconName(page.alert.kind))),
      h("p", { class: "paged__text" }, pageText(page)),
      h(
        "div",
        { class: "paged__actions" },
        h("button", { type: "button", class: "btn btn--primary btn--compact", "data-testid": "paged-show", onclick: () => this.onShow(page.alert.id) }, t("paged.show")),
        h(
          "button",
          { type: "button", class: "btn btn--ghost btn--compact", "data-testid": "paged-dismiss", "aria-label": t("paged.dismissLabel", { kind, where }), onclick: () => this.dismiss(page.alert.id) },
          iconEl("close"),
          h("span", {}, t("paged.dismiss")),
        ),
      ),
    );
  }
}
