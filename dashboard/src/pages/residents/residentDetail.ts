// One resident: status at a glance, devices with latest readings and health, charts of the last
// 24 hours or 7 days, alert history with timelines, and visits. Staff open it from the residents
// list; family members see it for their relative (mobile first), with feedback on resolved alerts.

import { ApiError } from "../../api/http";
import { getEmergencyProfile } from "../../api/contacts";
import { getResident } from "../../api/places";
import { latestReadings } from "../../api/readings";
import type { AlertDto, LatestDto, ResidentDetailDto, ResidentDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t } from "../../i18n";
import { h, setText } from "../../ui/dom";
import { emergencyProfileNodes } from "../../ui/alertCard/emergencyPanel";
import { alertHistory } from "./alertHistory";
import { deviceCard } from "./deviceCard";
import { showGlance } from "./glance";
import { liveAlertList } from "./liveAlertList";
import { readingCharts } from "./readingCharts";
import { serviceList } from "./serviceList";
import { visitList } from "./visitList";

export interface ResidentDetailOptions {
  /** Family view: no actions on alerts, feedback on resolved ones, status first. */
  family: boolean;
}

export function residentDetail(ctx: AppContext, residentId: number, options: ResidentDetailOptions): View {
  const status = h("section", { class: "glance", "aria-live": "polite", "data-testid": "resident-status" });
  const live = liveAlertList(ctx, options.family);
  const devices = h("div", { class: "devices-grid", "data-testid": "resident-devices" }, h("p", { class: "muted" }, t("app.loading")));
  const charts = readingCharts(() => element.clientWidth);
  const history = alertHistory(ctx, residentId, options.family);
  // Visits are the grid workers' record; family members see the alerts, not the staff's rounds.
  const visits = options.family ? null : visitList(ctx, residentId);
  // Staff record services; the family sees them and rates each once (好差评).
  const services = serviceList(ctx, residentId, options.family === true);
  // Opened on demand like on the alert card: each read is an audited access (families see the numbers masked).
  const emergency = h(
    "details",
    { class: "emergency", "data-testid": "resident-emergency" },
    h("summary", { class: "emergency__summary" }, t("emergency.title")),
    h("div", { class: "emergency__body" }),
  );
  emergency.addEventListener("toggle", () => {
    const body = emergency.querySelector(".emergency__body");
    if (!emergency.open || !body || body.childElementCount > 0) return;
    getEmergencyProfile(residentId).then(
      (p) => body.replaceChildren(...emergencyProfileNodes(p, [])),
      () => body.replaceChildren(h("p", { class: "muted" }, t("emergency.failed"))),
    );
  });
  const heading = h("h1", { class: "page__title", tabindex: "-1" }, t("app.loading"));
  const facts = h("p", { class: "page__sub" });
  let detail: ResidentDetailDto | null = null;
  let disposed = false;

  const section = (id: string, title: string, ...body: (Node | null)[]): HTMLElement =>
    h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id, class: "panel__title" }, title), ...body);

  const element = h(
    "div",
    { class: `page resident${options.family ? " resident--family" : ""}`, "data-testid": "resident-page", "data-resident-id": residentId },
    h("header", { class: "page__head" }, heading, facts),
    status,
    emergency,
    section(`live-${residentId}`, t("resident.liveAlerts"), h("div", { class: "board__alerts" }, live.element)),
    section(`devices-${residentId}`, t("resident.devices"), devices),
    section(`charts-${residentId}`, t("resident.charts"), ...charts.elements),
    section(`history-${residentId}`, t("resident.history"), history.element),
    visits ? section(`visits-${residentId}`, t("resident.visits"), visits.element) : null,
    section(`services-${residentId}`, t("services.title"), services.element),
  );

  // An alert concerns this resident if it is theirs, or comes from a shared device of their household (no resident).
  const concerns = (a: AlertDto): boolean =>
    a.residentId === residentId || (a.residentId == null && detail !== null && a.householdId === detail.resident.householdId);

  /** Live alerts of this resident (from the session's feed), and the glance that sums them up. */
  function renderLive(): void {
    const mine = ctx.live.store.sorted().filter(concerns);
    live.show(mine, ctx.live.store.isLoaded);
    showGlance(status, detail, mine);
  }

  /** Who the resident is, their devices with the latest readings, and charts of those readings. */
  async function loadDetail(): Promise<void> {
    try {
      detail = await getResident(residentId);
    } catch (error) {
      if (disposed) return;
      setText(heading, t("resident.notFound"));
      devices.replaceChildren(h("p", { class: "form-error" }, error instanceof ApiError && error.status === 404 ? t("resident.notFound") : t("resident.loadFailed")));
      return;
    }
    if (disposed) return;
    setText(heading, detail.resident.name);
    facts.replaceChildren(...residentFacts(detail.resident));
    renderLive();
    const latest = await Promise.all(detail.devices.map((d) => latestReadings(d.id).catch(() => [] as LatestDto[])));
    if (disposed) return;
    devices.replaceChildren(...(detail.devices.length ? detail.devices.map((d, i) => deviceCard(d, latest[i] ?? [])) : [h("p", { class: "muted" }, t("resident.noDevices"))]));
    await charts.show(detail.devices, latest);
  }

  // History follows the live feed: an alert of this resident appearing or changing refreshes it.
  let historyTimer: number | undefined;
  const unsubscribe = ctx.live.store.subscribe((change) => {
    renderLive();
    const touches = [...change.added, ...change.removed, ...change.updated.map((u) => u.after)].some(concerns);
    if (touches) {
      window.clearTimeout(historyTimer);
      historyTimer = window.setTimeout(() => void history.load(), 500);
    }
  });
  renderLive();
  void loadDetail();
  void history.load();
  void visits?.load();
  void services.load();

  return {
    element,
    dispose() {
      disposed = true;
      unsubscribe();
      window.clearTimeout(historyTimer);
      charts.dispose();
      live.dispose();
      history.dispose();
      visits?.dispose();
      services.dispose();
    },
  };
}

/** Address · grid · born in, and a badge for special difficulty. */
function residentFacts(r: ResidentDto): (Node | string)[] {
  return [
    ...[r.householdAddress, r.gridName, r.birthYear ? t("resident.born", { year: r.birthYear }) : null].filter((x): x is string => !!x).flatMap((x, i) => (i ? [" · ", x] : [x])),
    r.specialDifficulty ? h("span", { class: "badge badge--high" }, t("resident.special")) : "",
  ];
}
