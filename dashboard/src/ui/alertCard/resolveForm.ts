// Resolve: an outcome (required) and a note, then confirm.

import { resolveAlert } from "../../api/alerts";
import { RESOLVE_OUTCOMES, type ResolveOutcome } from "../../api/types";
import { t } from "../../i18n";
import { h, uid } from "../dom";
import { cardForm, onFormKeys, toggleButton, toggleForm, type CardHost } from "./cardForm";

export class ResolveForm {
  readonly button: HTMLButtonElement;
  readonly form: HTMLFormElement;
  readonly confirm: HTMLButtonElement;
  private readonly outcome: HTMLSelectElement;
  private readonly note: HTMLInputElement;

  constructor(private readonly host: CardHost) {
    const formId = uid("resolve");
    this.button = toggleButton("secondary", "resolve-button", formId, h("span", {}, t("card.resolve")));
    this.button.addEventListener("click", () => toggleForm(host, this.form, this.button, this.outcome, () => this.close()));

    const outcomeId = uid("outcome");
    const noteId = uid("note");
    this.outcome = h(
      "select",
      { id: outcomeId, class: "select", required: true, "data-testid": "resolve-outcome" },
      h("option", { value: "", disabled: true, selected: true }, t("card.chooseOutcome")),
      ...RESOLVE_OUTCOMES.map((o) => h("option", { value: o }, t(`outcome.${o}`))),
    );
    this.note = h("input", { id: noteId, type: "text", class: "input", maxlength: "500", autocomplete: "off" });
    this.confirm = h("button", { type: "submit", class: "btn btn--danger", "data-testid": "resolve-confirm" }, h("span", {}, t("card.confirmResolve")));
    this.form = cardForm(
      formId,
      t("card.resolveTitle"),
      [
        h("div", { class: "field" }, h("label", { for: outcomeId, class: "label" }, t("card.outcome")), this.outcome),
        h("div", { class: "field field--grow" }, h("label", { for: noteId, class: "label" }, t("card.note")), this.note),
      ],
      this.confirm,
      () => this.close(),
    );
    onFormKeys(this.form, () => void this.resolve(), () => this.close());
  }

  /** Closing forgets what was chosen; focus goes back to the Resolve button. */
  close(): void {
    this.host.setOpen(this.form, false);
    this.button.setAttribute("aria-expanded", "false");
    this.outcome.value = "";
    this.note.value = "";
    this.button.focus();
  }

  private async resolve(): Promise<void> {
    const outcome = this.outcome.value as ResolveOutcome | "";
    if (!outcome) {
      this.outcome.reportValidity();
      this.outcome.focus();
      return;
    }
    await this.host.run(this.confirm, "card.resolving", () => resolveAlert(this.host.alert().id, { outcome, note: this.note.value.trim() }));
  }
}
