// Comment: a line of text on the alert's timeline. The form is built when first opened (see CardForm).

import type { Workflow } from "../../api/workflow";
import { t } from "../../i18n";
import { h, uid } from "../dom";
import { iconEl } from "../icons";
import { cardForm, CardForm, closeForm, onFormKeys, toggleButton, toggleForm, type CardHost } from "./cardForm";

interface Parts {
  form: HTMLFormElement;
  confirm: HTMLButtonElement;
  text: HTMLInputElement;
}

export class CommentForm extends CardForm<Parts> {
  readonly button: HTMLButtonElement;
  private readonly formId = uid("comment");

  constructor(
    private readonly host: CardHost,
    private readonly flow: Workflow | undefined,
  ) {
    super();
    this.button = toggleButton("ghost", "comment-button", this.formId, iconEl("message"), h("span", {}, t("card.comment")));
    this.button.addEventListener("click", () => toggleForm(host, this.form, this.button, this.parts.text, () => this.close()));
  }

  protected build(): Parts {
    const textId = uid("comment-text");
    const text = h("input", { id: textId, type: "text", class: "input", maxlength: "1000", autocomplete: "off", required: true, "data-testid": "comment-text" });
    const confirm = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "comment-send" }, h("span", {}, t("card.send")));
    const form = cardForm(
      this.formId,
      t("card.comment"),
      [h("div", { class: "field field--grow" }, h("label", { for: textId, class: "label" }, t("card.commentLabel")), text)],
      confirm,
      () => this.close(),
    );
    onFormKeys(form, () => this.send(), () => this.close());
    return { form, confirm, text };
  }

  close(): void {
    closeForm(this.host, this.form, this.button);
  }

  private send(): void {
    const { text: input, confirm } = this.parts;
    const text = input.value.trim();
    const comment = this.flow?.comment;
    if (!text || !comment) return void input.reportValidity();
    void this.host.run(confirm, "card.saving", async () => {
      await comment(this.host.alert().id, text);
      input.value = "";
      this.close();
      return null;
    });
  }
}
