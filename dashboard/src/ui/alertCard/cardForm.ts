// What the card's forms (resolve, dispatch, comment) share: each opens below the card from its
// button, closes with Cancel or Escape, and runs its action through the card, one action at a time.

import type { AlertDto } from "../../api/types";
import { t, type MessageKey } from "../../i18n";
import { h } from "../dom";

/** What a form gets from its card. */
export interface CardHost {
  /** The alert as the card shows it now. */
  alert(): AlertDto;
  /** An action is running: forms neither open nor close meanwhile. */
  busy(): boolean;
  /** Runs one action: disables the card's buttons, applies the answer, explains a refusal. */
  run(button: HTMLButtonElement, busyKey: MessageKey, call: () => Promise<AlertDto | null>): Promise<void>;
  /** Puts a form into the card (open) or takes it out of the document (closed). */
  setOpen(form: HTMLFormElement, open: boolean): void;
}

/**
 * A card's form, built the first time something asks for it (in practice: its button is clicked). A board builds a card
 * for every open alert; with three forms of ~15 elements each, building them up front was most of the cost of a new
 * card (a profile of a burst of 1,000 new cards on a 1,000-card board: 8.5 s of 16 s), for forms that are rarely opened.
 */
export abstract class CardForm<P extends { form: HTMLFormElement; confirm: HTMLButtonElement }> {
  private built: P | null = null;

  protected abstract build(): P;

  /** The form's parts, built now if they were not yet. */
  protected get parts(): P {
    this.built ??= this.build();
    return this.built;
  }

  get form(): HTMLFormElement {
    return this.parts.form;
  }

  get confirm(): HTMLButtonElement {
    return this.parts.confirm;
  }

  /** The form if it was ever built (an unbuilt form is closed, and not in the document). */
  get formIfBuilt(): HTMLFormElement | null {
    return this.built?.form ?? null;
  }

  /** The confirm button if the form was ever built. */
  get confirmIfBuilt(): HTMLButtonElement | null {
    return this.built?.confirm ?? null;
  }

  /** Open now (an unbuilt form never was). */
  get isOpen(): boolean {
    return this.built !== null && !this.built.form.hidden;
  }
}

/** A closed form's toggle: `aria-controls` names the form. */
export function toggleButton(variant: string, testid: string, formId: string, ...content: Node[]): HTMLButtonElement {
  return h("button", { type: "button", class: `btn btn--${variant}`, "data-testid": testid, "aria-expanded": "false", "aria-controls": formId }, ...content);
}

/** The form, closed, with its fields and then its confirm and Cancel buttons. */
export function cardForm(id: string, label: string, fields: HTMLElement[], confirm: HTMLButtonElement, cancel: () => void): HTMLFormElement {
  return h(
    "form",
    { id, class: "card__resolve", hidden: true, "aria-label": label },
    ...fields,
    h("div", { class: "card__resolve-actions" }, confirm, h("button", { type: "button", class: "btn btn--ghost", onclick: cancel }, t("card.cancel"))),
  );
}

/** Submit runs `submit` (the page stays); Escape runs `close`. */
export function onFormKeys(form: HTMLFormElement, submit: () => void, close: () => void): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
}

/** Opens the form (focus to `first`) or closes it with `close`; nothing moves while an action runs. */
export function toggleForm(host: CardHost, form: HTMLFormElement, button: HTMLButtonElement, first: HTMLElement, close: () => void): void {
  if (host.busy()) return;
  if (form.hidden) {
    host.setOpen(form, true);
    button.setAttribute("aria-expanded", "true");
    first.focus();
  } else close();
}

/** Closes the form; focus that was in it goes back to its button. */
export function closeForm(host: CardHost, form: HTMLFormElement, button: HTMLButtonElement): void {
  const hadFocus = form.contains(document.activeElement);
  host.setOpen(form, false);
  button.setAttribute("aria-expanded", "false");
  if (hadFocus && !button.hidden) button.focus();
}
