// Dispatch: who goes — me, someone on duty for this grid (from the roster), or anyone by email —
// then confirm: two clicks. The form is built when first opened (see CardForm).

import { t, tMaybe } from "../../i18n";
import type { Workflow } from "../../api/workflow";
import { h, uid } from "../dom";
import { cardForm, CardForm, closeForm, onFormKeys, toggleButton, toggleForm, type CardHost } from "./cardForm";

interface Parts {
  form: HTMLFormElement;
  confirm: HTMLButtonElement;
  assignee: HTMLSelectElement;
  assigneeOther: HTMLInputElement;
}

export class DispatchForm extends CardForm<Parts> {
  readonly button: HTMLButtonElement;
  private readonly formId = uid("dispatch");
  private onDutyLoaded = false;

  /** `self`: the signed-in user, the first choice. */
  constructor(
    private readonly host: CardHost,
    private readonly flow: Workflow | undefined,
    private readonly self: { id: string | undefined; userName: string } | undefined,
  ) {
    super();
    this.button = toggleButton("secondary", "dispatch-button", this.formId, h("span", {}, t("card.dispatch")));
    this.button.addEventListener("click", () => {
      if (this.form.hidden) void this.loadOnDuty();
      toggleForm(host, this.form, this.button, this.parts.assignee, () => this.close());
    });
  }

  protected build(): Parts {
    const assigneeId = uid("assignee");
    const self = this.self;
    const assignee = h(
      "select",
      { id: assigneeId, class: "select", required: true, "data-testid": "dispatch-assignee" },
      h("option", { value: self?.id ?? self?.userName ?? "" }, t("card.assignMe")),
      h("option", { value: "" }, t("card.assignOther")),
    );
    const otherId = uid("assignee-other");
    const assigneeOther = h("input", { id: otherId, type: "email", class: "input", autocomplete: "off", "data-testid": "dispatch-email", placeholder: "name@example.org" });
    const otherField = h("div", { class: "field field--grow", hidden: true }, h("label", { for: otherId, class: "label" }, t("card.assigneeEmail")), assigneeOther);
    assignee.addEventListener("change", () => {
      otherField.hidden = assignee.value !== "";
    });
    const confirm = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "dispatch-confirm" }, h("span", {}, t("card.confirmDispatch")));
    const form = cardForm(
      this.formId,
      t("card.dispatchTitle"),
      [h("div", { class: "field field--grow" }, h("label", { for: assigneeId, class: "label" }, t("card.assignee")), assignee), otherField],
      confirm,
      () => this.close(),
    );
    onFormKeys(form, () => this.dispatch(), () => this.close());
    return { form, confirm, assignee, assigneeOther };
  }

  close(): void {
    closeForm(this.host, this.form, this.button);
  }

  private dispatch(): void {
    const { assignee, assigneeOther, confirm } = this.parts;
    const who = assignee.value || assigneeOther.value.trim();
    const dispatch = this.flow?.dispatch;
    if (!who || !dispatch) {
      assigneeOther.setCustomValidity(t("card.assigneeEmail"));
      assigneeOther.reportValidity();
      assigneeOther.setCustomValidity("");
      return;
    }
    void this.host.run(confirm, "card.dispatching", async () => {
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
    const assignee = this.parts.assignee;
    try {
      const levels = await onDuty(gridId);
      const other = assignee.lastElementChild;
      const seen = new Set([this.self?.id]);
      for (const level of levels) {
        for (const p of level.people) {
          if (seen.has(p.userId)) continue;
          seen.add(p.userId);
          assignee.insertBefore(h("option", { value: p.userId }, `${p.name} · ${tMaybe(`level.${level.level}`) ?? level.level}`), other);
        }
      }
    } catch {
      // "me" and an email still work without the roster
    }
  }
}
