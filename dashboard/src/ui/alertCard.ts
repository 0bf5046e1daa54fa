// One alert on the board. The descriptive part is rebuilt on every update (it holds nothing
// focusable); the action buttons and the resolve form persist, so focus and a half-filled form
// survive live updates.

import { acknowledgeAlert, resolveAlert } from "../api/alerts";
import { ApiError } from "../api/http";
import { RESOLVE_OUTCOMES, type AlertDto, type ResolveOutcome } from "../api/types";
import { t } from "../i18n";
import { h, setAttr, setText, uid } from "./dom";
import { formatAge, formatFull, formatTime, kindLabel, severityLabel, statusLabel } from "./format";
import { iconEl, type IconName } from "./icons";

export interface CardActions {
  /** The user may acknowledge and resolve (staff roles; never family). */
  canAct: boolean;
  /** Applies the hub's answer (the updated alert) to the board. */
  applied(alert: AlertDto): void;
  /** The alert changed under us (409): refetch the open list. */
  stale(): void;
}

const KIND_ICON: Record<string, IconName> = {
  sos: "bell",
  fall: "person",
  smoke: "warning",
  gas: "warning",
  water_leak: "home",
  temperature_low: "warning",
  temperature_high: "warning",
  device_offline: "chip",
  test: "check",
};

/** A refusal stays readable long enough, then clears so stale messages do not pile up. */
const ERROR_VISIBLE_MS = 15_000;

export class AlertCard {
  readonly element: HTMLLIElement;
  private readonly article: HTMLElement;
  private readonly info = h("div", { class: "card__info" });
  private readonly error = h("p", { class: "card__error", role: "alert", hidden: true });
  private readonly actions = h("div", { class: "card__actions" });
  private readonly ackButton: HTMLButtonElement;
  private readonly resolveButton: HTMLButtonElement;
  private readonly resolveForm: HTMLFormElement;
  private readonly outcome: HTMLSelectElement;
  private readonly note: HTMLInputElement;
  private readonly confirm: HTMLButtonElement;
  private readonly titleId = uid("alert-title");
  private age: HTMLElement | null = null;
  private alert: AlertDto;
  private busy = false;
  private errorTimer: number | undefined;

  constructor(
    alert: AlertDto,
    private readonly ops: CardActions,
  ) {
    this.alert = alert;
    this.article = h("article", {
      class: "card",
      "data-testid": "alert-card",
      "aria-labelledby": this.titleId,
      tabindex: "-1",
    });
    this.element = h("li", { class: "board__item" }, this.article);

    this.ackButton = h(
      "button",
      { type: "button", class: "btn btn--primary", "data-testid": "ack-button" },
      iconEl("check"),
      h("span", {}, t("card.acknowledge")),
    );
    this.ackButton.addEventListener("click", () => void this.acknowledge());

    const formId = uid("resolve");
    this.resolveButton = h(
      "button",
      { type: "button", class: "btn btn--secondary", "data-testid": "resolve-button", "aria-expanded": "false", "aria-controls": formId },
      h("span", {}, t("card.resolve")),
    );
    this.resolveButton.addEventListener("click", () => this.toggleResolve());

    const outcomeId = uid("outcome");
    const noteId = uid("note");
    this.outcome = h(
      "select",
      { id: outcomeId, class: "select", required: true, "data-testid": "resolve-outcome" },
      h("option", { value: "", disabled: true, selected: true }, t("card.chooseOutcome")),
      ...RESOLVE_OUTCOMES.map((o) => h("option", { value: o }, t(`outcome.${o}`))),
    );
    this.note = h("input", { id: noteId, type: "text", class: "input", maxlength: "500", autocomplete: "off" });
    this.confirm = h(
      "button",
      { type: "submit", class: "btn btn--danger", "data-testid": "resolve-confirm" },
      h("span", {}, t("card.confirmResolve")),
    );
    this.resolveForm = h(
      "form",
      { id: formId, class: "card__resolve", hidden: true, "aria-label": t("card.resolveTitle") },
      h("div", { class: "field" }, h("label", { for: outcomeId, class: "label" }, t("card.outcome")), this.outcome),
      h("div", { class: "field field--grow" }, h("label", { for: noteId, class: "label" }, t("card.note")), this.note),
      h(
        "div",
        { class: "card__resolve-actions" },
        this.confirm,
        h("button", { type: "button", class: "btn btn--ghost", onclick: () => this.closeResolve() }, t("card.cancel")),
      ),
    );
    this.resolveForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.resolve();
    });
    this.resolveForm.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeResolve();
    });

    if (ops.canAct) this.actions.append(this.ackButton, this.resolveButton);
    this.article.append(this.info, this.error, ...(ops.canAct ? [this.actions, this.resolveForm] : []));
    this.render();
  }

  get id(): number {
    return this.alert.id;
  }

  update(alert: AlertDto): void {
    if (alert === this.alert) return; // the store replaces an alert object whenever it changes
    this.alert = alert;
    this.render();
  }

  /** Refreshes the live age ("3 min ago"). */
  tick(now: number): void {
    if (this.age) setText(this.age, formatAge(this.alert.raisedAt, now));
  }

  /** Focus lands here when a neighbouring card disappears. */
  focus(): void {
    this.article.focus();
  }

  dispose(): void {
    window.clearTimeout(this.errorTimer);
  }

  containsFocus(): boolean {
    return this.element.contains(document.activeElement);
  }

  private render(): void {
    const a = this.alert;
    const a11ySeverity = severityLabel(a.severity);
    this.article.className = `card card--${a.severity} card--${a.status}`;
    setAttr(this.article, "data-alert-id", String(a.id));
    setAttr(this.article, "data-kind", a.kind);
    setAttr(this.article, "data-status", a.status);
    setAttr(this.article, "data-severity", a.severity);

    const head = h(
      "header",
      { class: "card__head" },
      h("span", { class: "card__icon", "aria-hidden": "true" }, iconEl(KIND_ICON[a.kind] ?? "warning")),
      h("h3", { class: "card__title", id: this.titleId }, kindLabel(a.kind)),
      h(
        "span",
        { class: "card__badges" },
        h("span", { class: `badge badge--${a.severity}` }, a11ySeverity),
        h("span", { class: `status status--${a.status}` }, statusLabel(a.status)),
      ),
    );

    const who = h(
      "p",
      { class: "card__who" },
      a.residentName
        ? h("span", { class: "card__resident" }, a.residentName)
        : h("span", { class: "card__resident card__resident--none" }, t("card.noResident")),
      a.householdLabel ? h("span", { class: "card__household" }, a.householdLabel) : null,
    );

    this.age = h("span", { class: "card__age" }, formatAge(a.raisedAt));
    const facts = h(
      "dl",
      { class: "card__facts" },
      fact("grid", t("card.grid"), a.gridName ?? t("card.noGrid")),
      fact("chip", t("card.device"), h("code", { class: "mono" }, a.deviceId)),
      fact(
        "clock",
        t("card.raised"),
        h("time", { datetime: a.raisedAt, title: formatFull(a.raisedAt) }, formatTime(a.raisedAt)),
        " · ",
        this.age,
      ),
      a.occurrences > 1
        ? fact(
            "repeat",
            t("card.occurrencesLabel"),
            h("strong", { class: "card__repeats" }, t("card.occurrences", { count: a.occurrences })),
            " · ",
            h("time", { datetime: a.lastSeenAt, title: formatFull(a.lastSeenAt) }, t("card.lastSeen", { time: formatTime(a.lastSeenAt) })),
          )
        : null,
    );

    const message = a.message ? h("p", { class: "card__message" }, iconEl("message"), h("span", {}, a.message)) : null;
    const ack =
      a.acknowledgedBy !== null
        ? h(
            "p",
            { class: "card__ack" },
            iconEl("userCheck"),
            h(
              "span",
              {},
              a.acknowledgedAt
                ? t("card.ackBy", { name: a.acknowledgedBy, time: formatTime(a.acknowledgedAt) })
                : t("card.ackByName", { name: a.acknowledgedBy }),
            ),
          )
        : null;

    this.info.replaceChildren(head, who, facts, ...(message ? [message] : []), ...(ack ? [ack] : []));

    // Only a new alert can be acknowledged; moving the focus off a button that disappears.
    const canAck = a.status === "raised";
    if (!canAck && this.ackButton.contains(document.activeElement)) this.resolveButton.focus();
    this.ackButton.hidden = !canAck;
  }

  private async acknowledge(): Promise<void> {
    await this.run(this.ackButton, "card.acknowledging", () => acknowledgeAlert(this.alert.id));
  }

  private async resolve(): Promise<void> {
    const outcome = this.outcome.value as ResolveOutcome | "";
    if (!outcome) {
      this.outcome.reportValidity();
      this.outcome.focus();
      return;
    }
    await this.run(this.confirm, "card.resolving", () =>
      resolveAlert(this.alert.id, { outcome, note: this.note.value.trim() }),
    );
  }

  /** Runs one action: disables the buttons, applies the answer, explains a refusal. */
  private async run(button: HTMLButtonElement, busyKey: "card.acknowledging" | "card.resolving", call: () => Promise<AlertDto>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const label = button.querySelector("span");
    const idle = label?.textContent ?? "";
    if (label) label.textContent = t(busyKey);
    // aria-disabled, not disabled: a disabled button drops keyboard focus to <body>.
    this.setBusy(true);
    this.showError(null);
    try {
      const updated = await call();
      this.busy = false;
      // A resolved card leaves the board on the next frame and the board moves focus on; hiding
      // the form first would drop focus to <body>.
      this.ops.applied(updated);
    } catch (error) {
      this.busy = false;
      if (error instanceof ApiError && error.status === 403) this.showError(t("card.forbidden"));
      else if (error instanceof ApiError && error.status === 409) {
        this.showError(t("card.conflict"));
        this.ops.stale();
      } else if (error instanceof ApiError && error.isNetwork) this.showError(t("card.offline"));
      else if (error instanceof ApiError && error.status === 401) return; // the session handler signs out
      else this.showError(t("card.failed", { status: error instanceof ApiError ? error.status : "?" }));
    } finally {
      if (label) label.textContent = idle;
      this.setBusy(false);
    }
  }

  private setBusy(busy: boolean): void {
    for (const b of [this.ackButton, this.resolveButton, this.confirm]) {
      setAttr(b, "aria-disabled", busy ? "true" : null);
    }
  }

  private showError(text: string | null): void {
    window.clearTimeout(this.errorTimer);
    this.error.hidden = text === null;
    setText(this.error, text ?? "");
    if (text !== null) this.errorTimer = window.setTimeout(() => this.showError(null), ERROR_VISIBLE_MS);
  }

  private toggleResolve(): void {
    if (this.busy) return;
    if (this.resolveForm.hidden) this.openResolve();
    else this.closeResolve();
  }

  private openResolve(): void {
    this.resolveForm.hidden = false;
    this.resolveButton.setAttribute("aria-expanded", "true");
    this.outcome.focus();
  }

  private closeResolve(): void {
    this.resolveForm.hidden = true;
    this.resolveButton.setAttribute("aria-expanded", "false");
    this.outcome.value = "";
    this.note.value = "";
    this.resolveButton.focus();
  }
}

function fact(iconName: IconName, label: string, ...value: (Node | string | null)[]): HTMLElement {
  return h(
    "div",
    { class: "fact" },
    h("dt", { class: "fact__label" }, iconEl(iconName), h("span", {}, label)),
    h("dd", { class: "fact__value" }, ...value),
  );
}
