// KPIs with a weekly trend, and the monthly report (view here; CSV, XLSX and a printable page from the hub).

import { kpi, reportUrl, type KpiReport, type Scorecard } from "../../api/manage";
import type { CommunityDto } from "../../api/types";
import { t, type MessageKey } from "../../i18n";
import { h } from "../../ui/dom";
import { kindLabel } from "../../ui/format";
import { communities, communityPanel, communityPicker, currentMonth, duration, field, loading, percent, problemText, table } from "./shared";

const WEEK_MS = 7 * 24 * 3600_000;
const TREND_WEEKS = 6;

/** The headline figures of one report. */
function figures(r: KpiReport, testid: string): HTMLElement {
  return table(testid, [t("manage.figure"), t("manage.value")], [
    [t("manage.kpi.alerts"), String(r.alerts)],
    [t("manage.kpi.paged"), String(r.paged)],
    [t("manage.kpi.ack60"), `${percent(r.shareAcknowledgedWithin60s)} (${r.acknowledgedWithin60s}/${r.paged})`],
    [t("manage.kpi.tta"), `${duration(r.medianTimeToAcknowledge)} / ${duration(r.p90TimeToAcknowledge)}`],
    [t("manage.kpi.ttr"), `${duration(r.medianTimeToResolve)} / ${duration(r.p90TimeToResolve)}`],
    [t("manage.kpi.falseAlarms"), t("manage.kpi.falseOf", { count: r.falseAlarms, resolved: r.resolved })],
    [t("manage.kpi.coverage"), `${percent(r.visitCoverage.coverage)} (${r.visitCoverage.visited}/${r.visitCoverage.required})`],
    [t("manage.kpi.rating"), r.averageRating === null ? t("manage.kpi.noRatings") : `${r.averageRating.toFixed(1)} / 5 (${r.ratings})`],
    [t("manage.kpi.casesOpened"), r.cases ? t("manage.kpi.casesOf", { opened: r.cases.opened, resolved: r.cases.resolved, escalated: r.cases.escalated }) : "–"],
    [t("manage.kpi.casesOnTime"), r.cases ? `${percent(r.cases.shareResolvedOnTime)} (${r.cases.resolvedOnTime}/${r.cases.resolved})` : "–"],
    [t("manage.kpi.casesTimes"), r.cases ? `${duration(r.cases.medianTimeToRespond)} / ${duration(r.cases.medianTimeToResolve)}` : "–"],
    [t("manage.kpi.serviceRate"), r.serviceRate ? `${percent(r.serviceRate.rate)} (${r.serviceRate.served}/${r.serviceRate.required})` : "–"],
    [t("manage.kpi.satisfactionAll"), score(r.satisfaction)],
  ]);
}

/** "4.5 / 5, 80.0 % good (10)" — or "no ratings". */
function score(card: Scorecard | null): string {
  return !card || card.ratings === 0
    ? t("manage.kpi.noRatings")
    : t("manage.kpi.score", { average: card.average.toFixed(1), good: percent(card.goodShare), ratings: card.ratings });
}

function breakdowns(r: KpiReport, c: CommunityDto): HTMLElement[] {
  const grid = (id: number | null): string => c.grids.find((g) => g.id === id)?.name ?? String(id);
  const rates = (rows: KpiReport["falseAlarmsByKind"], label: (k: string) => string): string[][] =>
    rows.map((x) => [label(x.key), String(x.resolved), String(x.falseAlarms), percent(x.rate)]);
  const cols = [t("manage.kpi.resolved"), t("manage.kpi.falseAlarms"), t("manage.kpi.rate")];
  return [
    h("h3", { class: "manage__sub" }, t("manage.kpi.byKind")),
    table("kpi-by-kind", [t("manage.kind"), ...cols], rates(r.falseAlarmsByKind, kindLabel)),
    h("h3", { class: "manage__sub" }, t("manage.kpi.byDevice")),
    table("kpi-by-device", [t("manage.device"), ...cols], rates(r.falseAlarmsByDevice, (k) => k)),
    h("h3", { class: "manage__sub" }, t("manage.kpi.byGrid")),
    table("kpi-by-grid", [t("manage.grid"), t("manage.visits.required"), t("manage.visits.visited"), t("manage.kpi.coverage")],
      r.visitCoverageByGrid.map((g) => [grid(g.gridId), String(g.required), String(g.visited), percent(g.coverage)])),
    h("h3", { class: "manage__sub" }, t("manage.kpi.casesByCategory")),
    table("kpi-cases-by-category", [t("cases.category"), t("manage.kpi.opened"), t("manage.kpi.resolved"), t("manage.kpi.onTime")],
      (r.cases?.byCategory ?? []).map((c) => [t(`caseCategory.${c.category}` as MessageKey), String(c.opened), String(c.resolved), String(c.resolvedOnTime)])),
    h("h3", { class: "manage__sub" }, t("manage.kpi.serviceByGrid")),
    table("kpi-service-by-grid", [t("manage.grid"), t("manage.kpi.serviceRequired"), t("manage.kpi.served"), t("manage.kpi.serviceRate")],
      r.serviceRateByGrid.map((g) => [grid(g.gridId), String(g.required), String(g.served), percent(g.rate)])),
    h("h3", { class: "manage__sub" }, t("manage.kpi.satisfactionByGrid")),
    table("kpi-satisfaction-by-grid", [t("manage.grid"), t("manage.kpi.satisfactionAll")],
      r.satisfactionByGrid.map((g) => [grid(Number(g.key)), score(g)])),
    h("h3", { class: "manage__sub" }, t("manage.kpi.satisfactionByWorker")),
    table("kpi-satisfaction-by-worker", [t("manage.kpi.worker"), t("manage.kpi.satisfactionAll")],
      r.satisfactionByWorker.map((w) => [w.key, score(w)])),
  ];
}

/** One row per week, oldest first: the ack share and the times move together or they do not. */
async function trend(c: CommunityDto, now: Date): Promise<HTMLElement> {
  const weeks = Array.from({ length: TREND_WEEKS }, (_, i) => {
    const to = new Date(now.getTime() - (TREND_WEEKS - 1 - i) * WEEK_MS);
    return { from: new Date(to.getTime() - WEEK_MS), to };
  });
  const reports = await Promise.all(weeks.map((w) => kpi(c.id, w.from, w.to)));
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  return table("kpi-trend", [t("manage.kpi.week"), t("manage.kpi.alerts"), t("manage.kpi.ack60"), t("manage.kpi.ttaMedian"), t("manage.kpi.ttrMedian"), t("manage.kpi.falseAlarms"),
    t("manage.kpi.casesOpened"), t("manage.kpi.casesOnTime"), t("manage.kpi.serviceRate"), t("manage.kpi.satisfactionAll")],
    reports.map((r, i) => [`${day(weeks[i]!.from)} – ${day(weeks[i]!.to)}`, String(r.alerts), percent(r.shareAcknowledgedWithin60s), duration(r.medianTimeToAcknowledge), duration(r.medianTimeToResolve), String(r.falseAlarms),
      String(r.cases?.opened ?? 0), percent(r.cases?.shareResolvedOnTime), percent(r.serviceRate?.rate), score(r.satisfaction)]));
}

export function kpiPanel(): HTMLElement {
  return communityPanel("manage-kpi", async (c) => {
    const now = new Date();
    const [r, weekly] = await Promise.all([kpi(c.id, new Date(now.getTime() - WEEK_MS), now), trend(c, now)]);
    return [
      h("h3", { class: "manage__sub" }, t("manage.kpi.lastWeek")),
      figures(r, "kpi-figures"),
      h("h3", { class: "manage__sub" }, t("manage.kpi.trend")),
      weekly,
      ...breakdowns(r, c),
    ];
  });
}

export function reportPanel(): HTMLElement {
  const body = h("div", {}, loading());
  const element = h("div", { "data-testid": "manage-report" }, body);
  void communities().then(
    (list) => {
      let community = list[0];
      if (!community) return body.replaceChildren(h("p", { class: "muted" }, t("manage.noCommunity")));
      const month = h("input", { type: "month", class: "input", value: currentMonth(), "data-testid": "report-month", required: true });
      const links = h("p", { class: "manage__links" });
      const view = h("div", {});
      const show = (): void => {
        const c = community;
        if (!c || !/^\d{4}-\d{2}$/.test(month.value)) return;
        const link = (format: "csv" | "xlsx" | "html", label: string): HTMLElement =>
          h("a", { class: "btn btn--ghost", href: reportUrl(c.id, month.value, format), "data-testid": `report-${format}`, ...(format === "html" ? { target: "_blank", rel: "noopener" } : { download: `kpi-${c.id}-${month.value}.${format}` }) }, label);
        links.replaceChildren(link("csv", t("manage.report.csv")), link("xlsx", t("manage.report.xlsx")), link("html", t("manage.report.print")));
        view.replaceChildren(loading());
        // The month in community time (UTC+8): the same window the hub's report covers.
        const [y, m] = month.value.split("-").map(Number) as [number, number];
        const from = new Date(Date.UTC(y, m - 1, 1) - 8 * 3600_000);
        // A millisecond short of the next month: the hub takes visit coverage from the month "to" falls in.
        const to = new Date(Date.UTC(y, m, 1) - 8 * 3600_000 - 1);
        kpi(c.id, from, to).then(
          (r) => view.replaceChildren(figures(r, "report-figures"), ...breakdowns(r, c)),
          (e: unknown) => view.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e))),
        );
      };
      month.addEventListener("change", show);
      body.replaceChildren(
        communityPicker(list, (c) => {
          community = c;
          show();
        }, community.id),
        field(t("manage.report.month"), month),
        links,
        view,
      );
      show();
    },
    (e: unknown) => body.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e))),
  );
  return element;
}
