// The language switch (header and sign-in page): a labelled select; changing it re-renders the app.
import type { Language } from "../api/types";
import { chooseLanguage, language, LANGUAGES, t } from "../i18n";
import { h } from "./dom";
import { iconEl } from "./icons";

export function languageSelect(id: string): HTMLElement {
  const select = h(
    "select",
    { id, class: "select select--compact", "data-testid": "lang-switch" },
    ...LANGUAGES.map((l) => h("option", { value: l.code, selected: l.code === language(), lang: l.code }, l.label)),
  );
  select.addEventListener("change", () => chooseLanguage(select.value as Language));
  return h(
    "span",
    { class: "lang" },
    h("label", { for: id, class: "lang__label" }, iconEl("globe"), h("span", { class: "sr-only" }, t("header.language"))),
    select,
  );
}
