// This month's visit coverage (special-difficulty residents) and who has not been visited yet.

import { overdue, visitCoverage } from "../../api/manage";
import { t } from "../../i18n";
import { h } from "../../ui/dom";
import { formatFull } from "../../ui/format";
import { communityPanel, percent, table } from "./shared";

export function visitsPanel(): HTMLElement {
  return communityPanel("manage-visits", async (c) => {
    const grid = (id: number | null): string => c.grids.find((g) => g.id === id)?.name ?? String(id);
    const [cov, late] = await Promise.all([visitCoverage(c.id), overdue(c.id)]);
    return [
      h("p", { class: "manage__headline", "data-testid": "visits-coverage" }, t("manage.visits.headline", { month: cov.month, coverage: percent(cov.coverage), visited: cov.visited, required: cov.required })),
      table("visits-by-grid", [t("manage.grid"), t("manage.visits.required"), t("manage.visits.visited"), t("manage.kpi.coverage")],
        cov.grids.map((g) => [grid(g.gridId), String(g.required), String(g.visited), percent(g.coverage)])),
      h("h3", { class: "manage__sub" }, t("manage.visits.overdue", { count: late.length })),
      late.length === 0
        ? h("p", { class: "muted" }, t("manage.visits.none"))
        : table("visits-overdue", [t("manage.resident"), t("manage.grid"), t("manage.visits.last")],
            late.map((o) => [h("a", { href: `#/residents/${o.residentId}` }, o.name), grid(o.gridId), o.lastVisit ? formatFull(o.lastVisit) : t("manage.visits.never")])),
    ];
  });
}
