// Dispatch: who goes — me, someone on duty for this grid (from the roster), or anyone by email —
// then confirm: two clicks.

import { t, tMaybe } from "../../i18n";
import type { Workflow } from "../../api/workflow";
import { h, uid } from "../dom";
import { cardForm, closeForm, onFormKeys, toggleButton, toggleForm, type CardHost } from "./cardForm";

export class DispatchForm {
  readonly button: HTMLButtonElement;
  readonly form: HTMLFormElement;
  readonly confirm: HTMLButtonElement;
  private readonly assignee: HTMLSelectElement;
  private readonly assigneeOther: HTMLInputElement;
  private onDutyLoaded = false;

  /** `self`: the signed-in user, the first choice. */
  constructor(
    private readonly host: CardHost,
    private readonly flow: Workflow | undefined,
    private readonly self: { id: string | undefined; userName: string } | undefined,
  ) {
    const formId = uid("dispatch");
    const assigneeId = uid("assignee");
    this.button = toggleButton("secondary", "dispatch-button", formId, h("span", {}, t("card.dispatch")));
    this.button.addEventListener("click", () => {
      if (this.form.hidden) void this.loadOnDuty();
      toggleForm(host, this.form, this.button, this.assignee, () => this.close());
    });
    this.assignee = h(
      "select",
      { id: assigneeId, class: "select", required: true, "data-testid": "dispatch-assignee" },
      h("option", { value: self?.id ?? self?.userName ?? "" }, t("card.assignMe")),
      h("option", { value: "" }, t("card.assignOther")),
    );
    const otherId = uid("assignee-other");
    this.assigneeOther = h("input", { id: otherId, type: "email", class: "input", autocomplete: "off", "data-testid": "dispatch-email", placeholder: "name@example.org" });
    const otherField = h("div", { class: "field field--grow", hidden: true }, h("label", { for: otherId, class: "label" }, t("card.assigneeEmail")), this.assigneeOther);
    this.assignee.addEventListener("change", () => {
      otherField.hidden = this.assignee.value !== "";
    });
    this.confirm = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "dispatch-confirm" }, h("span", {}, t("card.confirmDispatch")));
    this.form = cardForm(
      formId,
      t("card.dispatchTitle"),
      [h("div", { class: "field field--grow" }, h("label", { for: assigneeId, class: "label" }, t("card.assignee")), this.assignee), otherField],
      this.confirm,
      () => this.close(),
    );
    onFormKeys(this.form, () => this.dispatch(), () => this.close());
  }

  close(): void {
    closeForm(this.host, this.form, this.button);
  }

  private dispatch(): void {
    const who = this.assignee.value || this.assigneeOther.value.trim();
    const dispatch = this.flow?.dispatch;
    if (!who || !dispatch) {
      this.assigneeOther.setCustomValidity(t("card.assigneeEmail"));
      this.assigneeOther.reportValidity();
      this.assigneeOther.setCustomValidity("");
      return;
    }
    void this.host.run(this.confirm, "card.dispatching", async () => {
      const updated = await dispatch(this.host.alert().id, who);
      this.close();
      return updated;
    });
  }

  /** Fills the assignee list with who is on duty for this grid (once per card). */
  private async loadOnDuty(): Promise<void> {
    const onDuty = this.flow?.onDuty;
    const gridId = this.host.alert().gridId;
    if (this.onDutyLoaded || !onDuty || gridId === null) return;
    this.onDutyLoaded = true;
    try {
      const levels = await onDuty(gridId);
      const other = this.assignee.lastElementChild;
      const seen = new Set([this.self?.id]);
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
}
