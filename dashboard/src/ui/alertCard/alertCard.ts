// One alert on the board. The descriptive part is rebuilt on every update (it holds nothing
// focusable); the action buttons and the forms (resolve, dispatch, comment) persist, so focus and
// a half-filled form survive live updates. A form is built the first time it opens.

import { acknowledgeAlert } from "../../api/alerts";
import { ApiError } from "../../api/http";
import type { AlertDto } from "../../api/types";
import type { Workflow } from "../../api/workflow";
import { catalog } from "../../state/catalog";
import { t, type MessageKey } from "../../i18n";
import { h, setAttr, setText, uid } from "../dom";
import { formatAge, formatCountdown } from "../format";
import { iconEl, type IconName } from "../icons";
import type { CardHost } from "./cardForm";
import { cardInfo } from "./cardInfo";
import { CommentForm } from "./commentForm";
import { DispatchForm } from "./dispatchForm";
import { EmergencyPanel } from "./emergencyPanel";
import { ResolveForm } from "./resolveForm";

export interface CardActions {
  /** The user may acknowledge and resolve (staff roles; never family). */
  canAct: boolean;
  /** Resolve is offered (default). Not on a gateway's local board: the hub's staff close alerts there. */
  canResolve?: boolean;
  /** Applies the hub's answer (the updated alert) to the board. */
  applied(alert: AlertDto): void;
  /** The alert changed under us (409): refetch the open list. */
  stale(): void;
  /** Workflow endpoints the hub offers; a missing one means no button. */
  flow?: Workflow;
  /** The signed-in user: "dispatch myself" is one option. */
  self?: { id: string | undefined; userName: string };
}

/** A refusal stays readable long enough, then clears so stale messages do not pile up. */
const ERROR_VISIBLE_MS = 15_000;

export class AlertCard {
  readonly element: HTMLLIElement;
  private readonly article: HTMLElement;
  private readonly info = h("div", { class: "card__info" });
  private readonly error = h("p", { class: "card__error", role: "alert", hidden: true });
  private readonly actions = h("div", { class: "card__actions" });
  private readonly ackButton: HTMLButtonElement;
  private readonly resolve: ResolveForm;
  private readonly dispatch: DispatchForm;
  private readonly onSiteButton: HTMLButtonElement;
  private readonly comment: CommentForm;
  /** Staff only, for an alert of a resident: the emergency profile, loaded when opened. */
  private readonly emergency: EmergencyPanel | null;
  private readonly cancelButton: HTMLButtonElement;
  private readonly withButton: HTMLButtonElement;
  private readonly handOffButton: HTMLButtonElement;
  private readonly countdown = h("p", { class: "card__countdown", "data-testid": "escalation-countdown", hidden: true });
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
    this.article = h("article", { class: "card", "data-testid": "alert-card", "aria-labelledby": this.titleId, tabindex: "-1" });
    this.element = h("li", { class: "board__item" }, this.article);
    const host: CardHost = {
      alert: () => this.alert,
      busy: () => this.busy,
      run: (button, busyKey, call) => this.run(button, busyKey, call),
      setOpen: (form, open) => this.setOpen(form, open),
    };

    this.ackButton = actionButton("primary", "ack-button", t("card.acknowledge"), "check");
    this.ackButton.addEventListener("click", () => void this.acknowledge());
    this.resolve = new ResolveForm(host);
    this.dispatch = new DispatchForm(host, ops.flow, ops.self);
    this.onSiteButton = actionButton("secondary", "onsite-button", t("card.onSite"));
    this.oneClick(this.onSiteButton, () => this.ops.flow?.onSite);
    this.comment = new CommentForm(host, ops.flow);
    this.emergency = ops.canAct && alert.residentId !== null ? new EmergencyPanel(alert.id) : null;
    // A family member (or the resident's own phone) may call off an inferred alert's pre-alarm: one click.
    this.cancelButton = actionButton("danger", "cancel-prealarm", t("card.cancelPreAlarm"), null, true);
    this.oneClick(this.cancelButton, () => this.ops.flow?.cancel);
    // Any open alert of their relative, a fall included: the family says they are there; staff still resolve it.
    this.withButton = actionButton("primary", "with-resident", t("card.imWith"), "userCheck", true);
    this.oneClick(this.withButton, () => this.ops.flow?.withResident);
    // After phoning the emergency centre: one click records who called which number and when (the hub sends the alert on).
    this.handOffButton = actionButton("secondary", "handoff-button", t("card.handOff", { centre: centreFor(alert.kind) }));
    this.oneClick(this.handOffButton, () => {
      const call = this.ops.flow?.handOff;
      return call ? (id: number) => call(id, centreFor(this.alert.kind)) : null;
    });

    this.assemble();
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

  /** Every second: the escalation countdown, when the hub tells when the alert escalates. */
  tickCountdown(now: number): void {
    const a = this.alert;
    // Only an inferred alert (no movement, a routine) waits: a device's alert (an SOS, a fall) had its cancel window on the
    // device. The catalogue says which kinds wait; until it has arrived, the alert's own window is trusted.
    const waits = catalog()?.alertKind(a.kind)?.preAlarmSeconds ?? 0;
    const preAlarm = a.preAlarmUntil && a.status === "raised" && (waits > 0 || !catalog()) ? Date.parse(a.preAlarmUntil) : NaN;
    const inPreAlarm = !Number.isNaN(preAlarm) && preAlarm > now;
    const next = a.escalatesAt ?? a.nextEscalationAt ?? a.nextPageAt ?? null;
    const at = inPreAlarm ? preAlarm : next && a.status === "raised" ? Date.parse(next) : NaN;
    const show = !Number.isNaN(at);
    this.countdown.hidden = !show;
    this.cancelButton.hidden = !inPreAlarm;
    if (!show) return;
    const left = at - now;
    this.countdown.classList.toggle("is-due", left <= 30_000);
    setText(
      this.countdown,
      inPreAlarm ? t("card.preAlarm", { time: formatCountdown(left) }) : left > 0 ? t("card.escalatesIn", { time: formatCountdown(left) }) : t("card.escalationDue"),
    );
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

  /** Staff get the row of actions the hub offers; family members the pre-alarm cancel and "I am with her". */
  private assemble(): void {
    const { canAct, flow } = this.ops;
    if (canAct) {
      this.actions.append(
        this.ackButton,
        ...(flow?.dispatch ? [this.dispatch.button] : []),
        ...(flow?.onSite ? [this.onSiteButton] : []),
        ...(this.ops.canResolve === false ? [] : [this.resolve.button]),
        ...(flow?.comment ? [this.comment.button] : []),
        ...(flow?.handOff ? [this.handOffButton] : []),
      );
    }
    this.article.append(
      this.info,
      ...(this.emergency ? [this.emergency.element] : []),
      this.countdown,
      ...(!canAct && flow?.cancel ? [this.cancelButton] : []),
      ...(!canAct && flow?.withResident ? [this.withButton] : []),
      this.error,
      ...(canAct ? [this.actions] : []),
    );
  }

  private render(): void {
    const a = this.alert;
    this.article.className = `card card--${a.severity} card--${a.status}`;
    setAttr(this.article, "data-alert-id", String(a.id));
    setAttr(this.article, "data-kind", a.kind);
    setAttr(this.article, "data-status", a.status);
    setAttr(this.article, "data-severity", a.severity);
    const info = cardInfo(a, this.titleId);
    this.age = info.age;
    this.info.replaceChildren(...info.nodes);
    if (this.withButton.contains(document.activeElement) && (a.status === "resolved" || a.withResidentBy)) this.article.focus();
    this.withButton.hidden = a.status === "resolved" || !!a.withResidentBy;
    this.showActionsFor(a);
    this.tickCountdown(Date.now());
  }

  /** Only a new alert can be acknowledged, dispatched before someone is on site; focus moves off a button that disappears. */
  private showActionsFor(a: AlertDto): void {
    const canAck = a.status === "raised";
    const canDispatch = a.status === "raised" || a.status === "acknowledged";
    const canArrive = a.status === "dispatched";
    for (const [button, show] of [
      [this.ackButton, canAck],
      [this.dispatch.button, canDispatch],
      [this.onSiteButton, canArrive],
    ] as const) {
      if (!show && button.contains(document.activeElement)) this.resolve.button.focus();
      button.hidden = !show;
    }
    if (!canDispatch && this.dispatch.isOpen) this.setOpen(this.dispatch.form, false);
    const canHandOff = a.status !== "resolved" && !a.handedOffTo;
    if (!canHandOff && this.handOffButton.contains(document.activeElement)) this.resolve.button.focus();
    this.handOffButton.hidden = !canHandOff;
  }

  private async acknowledge(): Promise<void> {
    await this.run(this.ackButton, "card.acknowledging", () => acknowledgeAlert(this.alert.id));
  }

  /** A one-click workflow action: `action` is the hub's endpoint, when it has one. */
  private oneClick(button: HTMLButtonElement, action: () => ((id: number) => Promise<AlertDto>) | null | undefined): void {
    button.addEventListener("click", () => {
      const call = action();
      if (call) void this.run(button, "card.saving", () => call(this.alert.id));
    });
  }

  /** Runs one action: disables the buttons, applies the answer, explains a refusal. */
  private async run(button: HTMLButtonElement, busyKey: MessageKey, call: () => Promise<AlertDto | null>): Promise<void> {
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
      if (updated && typeof updated === "object" && "version" in updated) this.ops.applied(updated);
    } catch (error) {
      this.busy = false;
      if (error instanceof ApiError && error.status === 403) this.showError(t("card.forbidden"));
      // The hub sends only staff of the alert's community or grid (an unknown email is refused the same way).
      else if (error instanceof ApiError && error.status === 400 && busyKey === "card.dispatching") this.showError(t("card.assigneeRefused"));
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
    // A form not built yet has no confirm button to disable (and cannot open while the card is busy).
    for (const b of [
      this.ackButton,
      this.resolve.button,
      this.resolve.confirmIfBuilt,
      this.cancelButton,
      this.dispatch.button,
      this.dispatch.confirmIfBuilt,
      this.onSiteButton,
      this.comment.confirmIfBuilt,
    ]) {
      if (b) setAttr(b, "aria-disabled", busy ? "true" : null);
    }
  }

  private showError(text: string | null): void {
    window.clearTimeout(this.errorTimer);
    this.error.hidden = text === null;
    setText(this.error, text ?? "");
    if (text !== null) this.errorTimer = window.setTimeout(() => this.showError(null), ERROR_VISIBLE_MS);
  }

  /**
   * A closed form is not in the document. A board of 1,000 cards would otherwise carry 3,000 hidden
   * forms, and Chromium's autofill re-scans every form on the page after DOM changes: a trace of a
   * burst of 500 alerts showed single scans of 10–44 s, with every push waiting behind them.
   */
  private setOpen(form: HTMLFormElement, open: boolean): void {
    form.hidden = !open;
    if (!open) {
      form.remove();
      return;
    }
    if (form.isConnected) return;
    const forms = [this.resolve.formIfBuilt, this.dispatch.formIfBuilt, this.comment.formIfBuilt];
    const next = forms.slice(forms.indexOf(form) + 1).find((f) => f?.isConnected) ?? null;
    this.article.insertBefore(form, next);
  }
}

/** An action button: an optional icon, then its label (the label shows "Saving…" while the action runs). */
function actionButton(variant: string, testid: string, label: string, iconName: IconName | null = null, hidden = false): HTMLButtonElement {
  return h("button", { type: "button", class: `btn btn--${variant}`, "data-testid": testid, hidden }, iconName ? iconEl(iconName) : null, h("span", {}, label));
}

/** The emergency number for an alert kind (China): fire (119) for smoke, gas and carbon monoxide, the ambulance (120) otherwise. */
export function centreFor(kind: string): string {
  return kind === "smoke" || kind === "gas" || kind === "carbon_monoxide" ? "119" : "120";
}
