// One alert on the board. The descriptive part is rebuilt on every update (it holds nothing
// focusable); the action buttons and the resolve form persist, so focus and a half-filled form
// survive live updates.

import { acknowledgeAlert, resolveAlert } from "../api/alerts";
import { ApiError } from "../api/http";
import { RESOLVE_OUTCOMES, type AlertDto, type ResolveOutcome } from "../api/types";
import type { Workflow } from "../api/workflow";
import { catalog } from "../state/catalog";
import { t, tMaybe, type MessageKey } from "../i18n";
import { h, setAttr, setText, uid } from "./dom";
import { alertIconName, formatAge, formatCountdown, formatFull, formatTime, kindLabel, severityLabel, statusLabel } from "./format";
import { artworkEl, iconEl, type IconName } from "./icons";

export interface CardActions {
  /** The user may acknowledge and resolve (staff roles; never family). */
  canAct: boolean;
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
  private readonly resolveButton: HTMLButtonElement;
  private readonly resolveForm: HTMLFormElement;
  private readonly outcome: HTMLSelectElement;
  private readonly note: HTMLInputElement;
  private readonly confirm: HTMLButtonElement;
  private readonly dispatchButton: HTMLButtonElement;
  private readonly dispatchForm: HTMLFormElement;
  private readonly assignee: HTMLSelectElement;
  private readonly assigneeOther: HTMLInputElement;
  private readonly dispatchConfirm: HTMLButtonElement;
  private readonly onSiteButton: HTMLButtonElement;
  private readonly commentButton: HTMLButtonElement;
  private readonly commentForm: HTMLFormElement;
  private readonly commentText: HTMLInputElement;
  private readonly commentConfirm: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly withButton: HTMLButtonElement;
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

    // Dispatch: who goes (free text: a name or a team), then confirm — two clicks.
    const dispatchId = uid("dispatch");
    const assigneeId = uid("assignee");
    this.dispatchButton = h(
      "button",
      { type: "button", class: "btn btn--secondary", "data-testid": "dispatch-button", "aria-expanded": "false", "aria-controls": dispatchId },
      h("span", {}, t("card.dispatch")),
    );
    this.dispatchButton.addEventListener("click", () => {
      if (this.dispatchForm.hidden) void this.loadOnDuty();
      this.toggle(this.dispatchForm, this.dispatchButton, this.assignee);
    });
    // Who goes: me, someone on duty for this grid (from the roster), or anyone by email.
    this.assignee = h(
      "select",
      { id: assigneeId, class: "select", required: true, "data-testid": "dispatch-assignee" },
      h("option", { value: ops.self?.id ?? ops.self?.userName ?? "" }, t("card.assignMe")),
      h("option", { value: "" }, t("card.assignOther")),
    );
    const otherId = uid("assignee-other");
    this.assigneeOther = h("input", { id: otherId, type: "email", class: "input", autocomplete: "off", "data-testid": "dispatch-email", placeholder: "name@example.org" });
    const otherField = h("div", { class: "field field--grow", hidden: true }, h("label", { for: otherId, class: "label" }, t("card.assigneeEmail")), this.assigneeOther);
    this.assignee.addEventListener("change", () => {
      otherField.hidden = this.assignee.value !== "";
    });
    this.dispatchConfirm = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "dispatch-confirm" }, h("span", {}, t("card.confirmDispatch")));
    this.dispatchForm = h(
      "form",
      { id: dispatchId, class: "card__resolve", hidden: true, "aria-label": t("card.dispatchTitle") },
      h("div", { class: "field field--grow" }, h("label", { for: assigneeId, class: "label" }, t("card.assignee")), this.assignee),
      otherField,
      h(
        "div",
        { class: "card__resolve-actions" },
        this.dispatchConfirm,
        h("button", { type: "button", class: "btn btn--ghost", onclick: () => this.close(this.dispatchForm, this.dispatchButton) }, t("card.cancel")),
      ),
    );
    this.dispatchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const who = this.assignee.value || this.assigneeOther.value.trim();
      const dispatch = this.ops.flow?.dispatch;
      if (!who || !dispatch) {
        this.assigneeOther.setCustomValidity(t("card.assigneeEmail"));
        this.assigneeOther.reportValidity();
        this.assigneeOther.setCustomValidity("");
        return;
      }
      void this.run(this.dispatchConfirm, "card.dispatching", async () => {
        const updated = await dispatch(this.alert.id, who);
        this.close(this.dispatchForm, this.dispatchButton);
        return updated;
      });
    });

    this.onSiteButton = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "onsite-button" }, h("span", {}, t("card.onSite")));
    this.onSiteButton.addEventListener("click", () => {
      const onSite = this.ops.flow?.onSite;
      if (onSite) void this.run(this.onSiteButton, "card.saving", () => onSite(this.alert.id));
    });

    const commentId = uid("comment");
    const commentTextId = uid("comment-text");
    this.commentButton = h(
      "button",
      { type: "button", class: "btn btn--ghost", "data-testid": "comment-button", "aria-expanded": "false", "aria-controls": commentId },
      iconEl("message"),
      h("span", {}, t("card.comment")),
    );
    this.commentButton.addEventListener("click", () => this.toggle(this.commentForm, this.commentButton, this.commentText));
    this.commentText = h("input", { id: commentTextId, type: "text", class: "input", maxlength: "1000", autocomplete: "off", required: true, "data-testid": "comment-text" });
    this.commentConfirm = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "comment-send" }, h("span", {}, t("card.send")));
    this.commentForm = h(
      "form",
      { id: commentId, class: "card__resolve", hidden: true, "aria-label": t("card.comment") },
      h("div", { class: "field field--grow" }, h("label", { for: commentTextId, class: "label" }, t("card.commentLabel")), this.commentText),
      h(
        "div",
        { class: "card__resolve-actions" },
        this.commentConfirm,
        h("button", { type: "button", class: "btn btn--ghost", onclick: () => this.close(this.commentForm, this.commentButton) }, t("card.cancel")),
      ),
    );
    this.commentForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.commentText.value.trim();
      const comment = this.ops.flow?.comment;
      if (!text || !comment) return void this.commentText.reportValidity();
      void this.run(this.commentConfirm, "card.saving", async () => {
        await comment(this.alert.id, text);
        this.commentText.value = "";
        this.close(this.commentForm, this.commentButton);
        return null;
      });
    });
    for (const form of [this.dispatchForm, this.commentForm]) {
      form.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.close(form, form === this.dispatchForm ? this.dispatchButton : this.commentButton);
      });
    }

    // A family member (or the resident's own phone) may call off an inferred alert's pre-alarm: one click.
    this.cancelButton = h("button", { type: "button", class: "btn btn--danger", "data-testid": "cancel-prealarm", hidden: true }, h("span", {}, t("card.cancelPreAlarm")));
    this.cancelButton.addEventListener("click", () => {
      const cancel = this.ops.flow?.cancel;
      if (cancel) void this.run(this.cancelButton, "card.saving", () => cancel(this.alert.id));
    });
    // Any open alert of their relative, a fall included: the family says they are there; staff still resolve it.
    this.withButton = h("button", { type: "button", class: "btn btn--primary", "data-testid": "with-resident", hidden: true }, iconEl("userCheck"), h("span", {}, t("card.imWith")));
    this.withButton.addEventListener("click", () => {
      const withResident = this.ops.flow?.withResident;
      if (withResident) void this.run(this.withButton, "card.saving", () => withResident(this.alert.id));
    });

    const flow = ops.flow;
    if (ops.canAct) {
      this.actions.append(
        this.ackButton,
        ...(flow?.dispatch ? [this.dispatchButton] : []),
        ...(flow?.onSite ? [this.onSiteButton] : []),
        this.resolveButton,
        ...(flow?.comment ? [this.commentButton] : []),
      );
    }
    this.article.append(
      this.info,
      this.countdown,
      ...(!ops.canAct && flow?.cancel ? [this.cancelButton] : []),
      ...(!ops.canAct && flow?.withResident ? [this.withButton] : []),
      this.error,
      ...(ops.canAct ? [this.actions] : []),
    );
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
      h("span", { class: "card__icon", "aria-hidden": "true" }, artworkEl(alertIconName(a.kind))),
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

    const withResident = a.withResidentBy
      ? h(
          "p",
          { class: "card__ack card__with", "data-testid": "with-resident-fact" },
          iconEl("userCheck"),
          h("span", {}, t("card.withResident", { name: a.withResidentBy, time: a.withResidentAt ? formatTime(a.withResidentAt) : "" })),
        )
      : null;

    this.info.replaceChildren(head, who, facts, ...(message ? [message] : []), ...(withResident ? [withResident] : []), ...(ack ? [ack] : []));
    if (this.withButton.contains(document.activeElement) && (a.status === "resolved" || a.withResidentBy)) this.article.focus();
    this.withButton.hidden = a.status === "resolved" || !!a.withResidentBy;

    // Only a new alert can be acknowledged; moving the focus off a button that disappears.
    const canAck = a.status === "raised";
    const canDispatch = a.status === "raised" || a.status === "acknowledged";
    const canArrive = a.status === "dispatched";
    for (const [button, show] of [
      [this.ackButton, canAck],
      [this.dispatchButton, canDispatch],
      [this.onSiteButton, canArrive],
    ] as const) {
      if (!show && button.contains(document.activeElement)) this.resolveButton.focus();
      button.hidden = !show;
    }
    if (!canDispatch && !this.dispatchForm.hidden) this.setOpen(this.dispatchForm, false);
    const paged = a.pagesSent ?? 0;
    const level = a.escalationLevel === null || a.escalationLevel === undefined ? null : String(a.escalationLevel);
    const escalation = paged > 0 && level ? t("card.escalated", { level: tMaybe(`level.${level}`) ?? level, count: paged }) : null;
    if (escalation) this.info.append(h("p", { class: "card__escalated" }, iconEl("warning"), h("span", {}, escalation)));
    if (a.assignedTo) {
      this.info.append(
        h(
          "p",
          { class: "card__ack" },
          iconEl("person"),
          h("span", {}, a.onSiteAt ? t("card.onSiteBy", { name: a.assignedTo, time: formatTime(a.onSiteAt) }) : t("card.dispatchedTo", { name: a.assignedTo })),
        ),
      );
    }
    this.tickCountdown(Date.now());
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
    for (const b of [this.ackButton, this.resolveButton, this.confirm, this.cancelButton, this.dispatchButton, this.dispatchConfirm, this.onSiteButton, this.commentConfirm]) {
      setAttr(b, "aria-disabled", busy ? "true" : null);
    }
  }

  private showError(text: string | null): void {
    window.clearTimeout(this.errorTimer);
    this.error.hidden = text === null;
    setText(this.error, text ?? "");
    if (text !== null) this.errorTimer = window.setTimeout(() => this.showError(null), ERROR_VISIBLE_MS);
  }

  private onDutyLoaded = false;

  /** Fills the assignee list with who is on duty for this grid (once per card). */
  private async loadOnDuty(): Promise<void> {
    const onDuty = this.ops.flow?.onDuty;
    if (this.onDutyLoaded || !onDuty || this.alert.gridId === null) return;
    this.onDutyLoaded = true;
    try {
      const levels = await onDuty(this.alert.gridId);
      const other = this.assignee.lastElementChild;
      const seen = new Set([this.ops.self?.id]);
      for (const level of levels) {
        for (const p of level.people) {
          if (seen.has(p.userId)) continue;
          seen.add(p.userId);
          this.assignee.insertBefore(h("option", { value: p.userId }, `${p.name} · ${tMaybe(`level.${level.level}`) ?? level.level}`), other);
        }
      }
    } catch {
      // "me" and an email still work without the roster
    }
  }

  private toggle(form: HTMLFormElement, button: HTMLButtonElement, first: HTMLElement): void {
    if (this.busy) return;
    if (form.hidden) {
      this.setOpen(form, true);
      button.setAttribute("aria-expanded", "true");
      first.focus();
    } else this.close(form, button);
  }

  private close(form: HTMLFormElement, button: HTMLButtonElement): void {
    const hadFocus = form.contains(document.activeElement);
    this.setOpen(form, false);
    button.setAttribute("aria-expanded", "false");
    if (hadFocus && !button.hidden) button.focus();
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
    const forms = [this.resolveForm, this.dispatchForm, this.commentForm];
    const next = forms.slice(forms.indexOf(form) + 1).find((f) => f.isConnected) ?? null;
    this.article.insertBefore(form, next);
  }

  private toggleResolve(): void {
    if (this.busy) return;
    if (this.resolveForm.hidden) this.openResolve();
    else this.closeResolve();
  }

  private openResolve(): void {
    this.setOpen(this.resolveForm, true);
    this.resolveButton.setAttribute("aria-expanded", "true");
    this.outcome.focus();
  }

  private closeResolve(): void {
    this.setOpen(this.resolveForm, false);
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
