// "My contact" for everyone: phone, channels, quiet hours. Admins also edit anyone's contact here
// (the user list shows phones in full to them only).

import { getMyContact, getUserContact, listUsers, saveMyContact, saveUserContact } from "../../api/contacts";
import type { UserDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t } from "../../i18n";
import { h, uid } from "../../ui/dom";
import { roleLabel } from "../../ui/format";
import { contactForm } from "./contactForm";

export function settingsPage(ctx: AppContext): View {
  const mine = h("div", {}, h("p", { class: "muted" }, t("app.loading")));
  const admin = ctx.me.roles.includes("Admin");
  const users = admin ? h("div", { "data-testid": "user-contacts" }, h("p", { class: "muted" }, t("app.loading"))) : null;
  const element = h(
    "div",
    { class: "page settings", "data-testid": "settings-page" },
    h("header", { class: "page__head" }, h("h1", { class: "page__title", tabindex: "-1" }, t("app.settingsTitle"))),
    h("section", { class: "panel", "aria-labelledby": "my-contact" }, h("h2", { id: "my-contact", class: "panel__title" }, t("contact.mine")), mine),
    users ? h("section", { class: "panel", "aria-labelledby": "user-contacts" }, h("h2", { id: "user-contacts", class: "panel__title" }, t("contact.users")), users) : null,
  );

  getMyContact().then(
    (c) => mine.replaceChildren(contactForm(c, saveMyContact, "my-contact-form")),
    () => mine.replaceChildren(h("p", { class: "muted" }, t("contact.failed"))),
  );
  if (users) {
    listUsers().then(
      (list) => users.replaceChildren(userEditor(list)),
      () => users.replaceChildren(h("p", { class: "muted" }, t("contact.failed"))),
    );
  }
  return { element, dispose: () => undefined };
}

/** Pick a person, edit their contact. */
function userEditor(list: UserDto[]): HTMLElement {
  const pickId = uid("user");
  const pick = h(
    "select",
    { id: pickId, class: "select", "data-testid": "user-pick" },
    h("option", { value: "" }, t("contact.pickUser")),
    ...list.map((u) => h("option", { value: u.id }, `${u.displayName} · ${u.roles.map(roleLabel).join(", ")}${u.phone ? ` · ${u.phone}` : ""}`)),
  );
  const slot = h("div", {});
  pick.addEventListener("change", () => {
    const id = pick.value;
    slot.replaceChildren();
    if (!id) return;
    getUserContact(id).then(
      (c) => slot.replaceChildren(contactForm(c, (next) => saveUserContact(id, next), "user-contact-form")),
      () => slot.replaceChildren(h("p", { class: "muted" }, t("contact.failed"))),
    );
  });
  return h("div", {}, h("div", { class: "field" }, h("label", { for: pickId, class: "label" }, t("contact.user")), pick), slot);
}
