// Comment: a line of text on the alert's timeline.

import type { Workflow } from "../../api/workflow";
import { t } from "../../i18n";
import { h, uid } from "../dom";
import { iconEl } from "../icons";
import { cardForm, closeForm, onFormKeys, toggleButton, toggleForm, type CardHost } from "./cardForm";

export class CommentForm {
  readonly button: HTMLButtonElement;
  readonly form: HTMLFormElement;
  readonly confirm: HTMLButtonElement;
  private readonly text: HTMLInputElement;

  constructor(
    private readonly host: CardHost,
    private readonly flow: Workflow | undefined,
  ) {
    const formId = uid("comment");
    const textId = uid("comment-text");
    this.button = toggleButton("ghost", "comment-button", formId, iconEl("message"), h("span", {}, t("card.comment")));
    this.button.addEventListener("click", () => toggleForm(host, this.form, this.button, this.text, () => this.close()));
    this.text = h("input", { id: textId, type: "text", class: "input", maxlength: "1000", autocomplete: "off", required: true, "data-testid": "comment-text" });
    this.confirm = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "comment-send" }, h("span", {}, t("card.send")));
    this.form = cardForm(
      formId,
      t("card.comment"),
      [h("div", { class: "field field--grow" }, h("label", { for: textId, class: "label" }, t("card.commentLabel")), this.text)],
      this.confirm,
      () => this.close(),
    );
    onFormKeys(this.form, () => this.send(), () => this.close());
  }

  close(): void {
    closeForm(this.host, this.form, this.button);
  }

  private send(): void {
    const text = this.text.value.trim();
    const comment = this.flow?.comment;
    if (!text || !comment) return void this.text.reportValidity();
    void this.host.run(this.confirm, "card.saving", async () => {
      await comment(this.host.alert().id, text);
      this.text.value = "";
      this.close();
      return null;
    });
  }
}
