// Resolve: an outcome (required) and a note, then confirm. The form is built when first opened
// (see CardForm): most cards on a busy board are never resolved from this screen.

import { resolveAlert } from "../../api/alerts";
import { RESOLVE_OUTCOMES, type ResolveOutcome } from "../../api/types";
import { t } from "../../i18n";
import { h, uid } from "../dom";
import { cardForm, CardForm, onFormKeys, toggleButton, toggleForm, type CardHost } from "./cardForm";

interface Parts {
  form: HTMLFormElement;
  confirm: HTMLButtonElement;
  outcome: HTMLSelectElement;
  note: HTMLInputElement;
}

export class ResolveForm extends CardForm<Parts> {
  readonly button: HTMLButtonElement;
  private readonly formId = uid("resolve");

  constructor(private readonly host: CardHost) {
    super();
    this.button = toggleButton("secondary", "resolve-button", this.formId, h("span", {}, t("card.resolve")));
    this.button.addEventListener("click", () => toggleForm(host, this.form, this.button, this.parts.outcome, () => this.close()));
  }

  protected build(): Parts {
    const outcomeId = uid("outcome");
    const noteId = uid("note");
    const outcome = h(
      "select",
      { id: outcomeId, class: "select", required: true, "data-testid": "resolve-outcome" },
      h("option", { value: "", disabled: true, selected: true }, t("card.chooseOutcome")),
      ...RESOLVE_OUTCOMES.map((o) => h("option", { value: o }, t(`outcome.${o}`))),
    );
    const note = h("input", { id: noteId, type: "text", class: "input", maxlength: "500", autocomplete: "off" });
    const confirm = h("button", { type: "submit", class: "btn btn--danger", "data-testid": "resolve-confirm" }, h("span", {}, t("card.confirmResolve")));
    const form = cardForm(
      this.formId,
      t("card.resolveTitle"),
      [
        h("div", { class: "field" }, h("label", { for: outcomeId, class: "label" }, t("card.outcome")), outcome),
        h("div", { class: "field field--grow" }, h("label", { for: noteId, class: "label" }, t("card.note")), note),
      ],
      confirm,
      () => this.close(),
    );
    onFormKeys(form, () => void this.resolve(), () => this.close());
    return { form, confirm, outcome, note };
  }

  /** Closing forgets what was chosen; focus goes back to the Resolve button. */
  close(): void {
    this.host.setOpen(this.form, false);
    this.button.setAttribute("aria-expanded", "false");
    this.parts.outcome.value = "";
    this.parts.note.value = "";
    this.button.focus();
  }

  private async resolve(): Promise<void> {
    const { outcome: select, note, confirm } = this.parts;
    const outcome = select.value as ResolveOutcome | "";
    if (!outcome) {
      select.reportValidity();
      select.focus();
      return;
    }
    await this.host.run(confirm, "card.resolving", () => resolveAlert(this.host.alert().id, { outcome, note: note.value.trim() }));
  }
}
