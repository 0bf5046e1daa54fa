// "Call the desk": a tel: link to the community desk (Hub:DeskPhone), so a worried family reaches a
// person with one tap. No number configured → nothing shown.
import { t } from "../../i18n";
import { h } from "../../ui/dom";

export function callDesk(phone: string | null | undefined): HTMLElement | null {
  if (!phone) return null;
  return h("a", { class: "btn btn--secondary", href: `tel:${phone}`, "data-testid": "call-desk" }, t("family.callDesk"));
}
