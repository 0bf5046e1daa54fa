// The top bar: product and page name, live-connection state, alarm sound controls, the user,
// language switch and sign-out. Wraps onto two rows on a phone.

import type { AppContext, View } from "../context";
import { t } from "../i18n";
import { connectionBadge } from "./connectionBadge";
import { h } from "./dom";
import { roleLabel } from "./format";
import { iconEl } from "./icons";
import { languageSelect } from "./languageSelect";
import { soundControls } from "./soundControls";

export function header(ctx: AppContext, pageTitle: string, current: string): View {
  const conn = connectionBadge(ctx.live);
  const sound = soundControls(ctx.alarm);

  const role = ctx.me.roles[0];
  const element = h(
    "header",
    { class: "topbar" },
    h(
      "div",
      { class: "topbar__brand" },
      h("span", { class: "brand-mark", "aria-hidden": "true" }, iconEl("shield")),
      h("span", { class: "brand-name" }, t("app.name")),
      // With navigation the current page is marked there; a single-page user sees its name here.
      ctx.nav.length > 1 ? null : h("span", { class: "topbar__page" }, pageTitle),
    ),
    ctx.nav.length > 1
      ? h(
          "nav",
          { class: "topbar__nav", "aria-label": t("nav.label") },
          h(
            "ul",
            {},
            ...ctx.nav.map((r) =>
              h(
                "li",
                {},
                h(
                  "a",
                  { href: `#/${r.path}`, class: "navlink", "data-testid": `nav-${r.path}`, "aria-current": r.path === current ? "page" : null },
                  t(r.title),
                ),
              ),
            ),
          ),
        )
      : null,
    h("div", { class: "topbar__status" }, conn.element, sound.element),
    h(
      "div",
      { class: "topbar__user" },
      h(
        "span",
        { class: "user", title: t("header.user", { name: ctx.me.userName }) },
        iconEl("person"),
        h("span", { class: "user__name" }, ctx.me.displayName || ctx.me.userName),
        role ? h("span", { class: "user__role" }, roleLabel(role)) : null,
      ),
      languageSelect("header-lang"),
      h(
        "button",
        { type: "button", class: "btn btn--ghost", "data-testid": "signout", onclick: () => void ctx.signOut() },
        iconEl("signOut"),
        h("span", { class: "btn__label" }, t("header.signOut")),
      ),
    ),
  );

  return {
    element,
    dispose() {
      conn.dispose();
      sound.dispose();
    },
  };
}
