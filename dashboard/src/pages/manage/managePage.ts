// The manager console: one route (`#/manage/<section>`) with a section list. Administrators (the
// community manager) see every section; duty officers the figures, the report, visits and rosters.

import type { Role } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t, type MessageKey } from "../../i18n";
import { h } from "../../ui/dom";
import { auditPanel, deadLettersPanel, devicesPanel } from "./operations";
import { placesPanel, usersPanel } from "./people";
import { kpiPanel, reportPanel } from "./reports";
import { rostersPanel } from "./rosters";
import { visitsPanel } from "./visits";

interface Section {
  path: string;
  title: MessageKey;
  roles: readonly Role[];
  view(): HTMLElement;
}

const STAFF: readonly Role[] = ["Admin", "EmergencyStaff"];
const ADMIN: readonly Role[] = ["Admin"];

export const SECTIONS: readonly Section[] = [
  { path: "kpi", title: "manage.section.kpi", roles: STAFF, view: kpiPanel },
  { path: "report", title: "manage.section.report", roles: STAFF, view: reportPanel },
  { path: "visits", title: "manage.section.visits", roles: STAFF, view: visitsPanel },
  { path: "rosters", title: "manage.section.rosters", roles: STAFF, view: rostersPanel },
  { path: "users", title: "manage.section.users", roles: ADMIN, view: usersPanel },
  { path: "places", title: "manage.section.places", roles: ADMIN, view: placesPanel },
  { path: "devices", title: "manage.section.devices", roles: ADMIN, view: devicesPanel },
  { path: "audit", title: "manage.section.audit", roles: ADMIN, view: auditPanel },
  { path: "dead-letters", title: "manage.section.deadLetters", roles: ADMIN, view: deadLettersPanel },
];

export function managePage(ctx: AppContext): View {
  const mine = SECTIONS.filter((s) => s.roles.some((r) => ctx.me.roles.includes(r)));
  const section = mine.find((s) => s.path === ctx.params[0]) ?? mine[0];
  const nav = h(
    "nav",
    { class: "manage__nav", "aria-label": t("manage.navLabel") },
    h("ul", {}, ...mine.map((s) =>
      h("li", {}, h("a", { href: `#/manage/${s.path}`, class: "manage__tab", "data-testid": `manage-nav-${s.path}`, "aria-current": s === section ? "page" : null }, t(s.title))))),
  );
  const element = h(
    "div",
    { class: "page manage", "data-testid": "manage-page", "data-section": section?.path ?? "" },
    h("header", { class: "page__head" }, h("h1", { class: "page__title", tabindex: "-1" }, section ? `${t("app.manageTitle")} · ${t(section.title)}` : t("app.manageTitle"))),
    nav,
    h("section", { class: "panel manage__body" }, section ? section.view() : null),
  );
  return { element, dispose: () => undefined };
}
