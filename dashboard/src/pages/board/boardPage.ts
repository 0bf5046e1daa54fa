// The live alert board: open alerts, most urgent first, updated in place as pushes arrive; the
// site plan beside them filters the board to one grid.

import type { AlertDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t } from "../../i18n";
import { needsAttention } from "../../state/alertStore";
import { h, setAttr, setText } from "../../ui/dom";
import { formatTime } from "../../ui/format";
import { iconEl } from "../../ui/icons";
import { BoardCards } from "./boardCards";
import { gridFilterNote } from "./gridFilterNote";
import { renderScheduler } from "./renderScheduler";
import { showSeverityCounts } from "./severitySummary";
import { sitePlanSlot, type SitePlanSlot } from "./sitePlanSlot";
import { uplinkBanner } from "./uplinkBanner";

const STAFF_ROLES = new Set(["Admin", "EmergencyStaff", "GridWorker", "Technician"]);
const AGE_TICK_MS = 15_000;
const LARGE_BOARD = 200;
const LARGE_BOARD_GAP_MS = 100;

export function boardPage(ctx: AppContext): View {
  const { store } = ctx.live;
  const cards = new BoardCards({
    canAct: ctx.me.roles.some((r) => STAFF_ROLES.has(r)),
    canResolve: ctx.gateway === null,
    applied: (alert: AlertDto) => store.upsert(alert),
    stale: () => void ctx.live.resync(),
    flow: ctx.flow,
    self: { id: ctx.me.id, userName: ctx.me.userName },
  });
  let gridFilter: number | null = null;
  const selectGrid = (id: number | null): void => {
    gridFilter = id;
    render();
  };
  const filterNote = gridFilterNote(() => selectGrid(null));
  // A gateway knows devices, not places: no site plan on the duty room's local board, but the link to the hub, first.
  const plan = ctx.gateway ? noPlan() : sitePlanSlot(ctx.me, () => gridFilter, selectGrid, () => render());
  const uplink = ctx.gateway ? uplinkBanner() : null;

  const banner = h("div", { class: "critical-banner", hidden: true, "aria-hidden": "true" });
  const count = h("span", { class: "board__count" });
  const summary = h("ul", { class: "summary", "aria-label": t("board.summary") });
  const synced = h("p", { class: "board__synced", "data-testid": "board-synced" });
  const loadError = h("p", { class: "board__load-error", hidden: true, role: "status" }, iconEl("warning"), t("board.loadFailed"));
  const empty = h(
    "div",
    { class: "board__empty", hidden: true },
    iconEl("shield", "icon icon--xl"),
    h("p", { class: "board__empty-title" }, t("board.empty")),
    h("p", { class: "board__empty-hint" }, t("board.emptyHint")),
  );
  const loading = h("p", { class: "board__loading", role: "status" }, t("app.loading"));
  const alertsBox = h("div", { class: "board__alerts", "data-testid": "alert-list", "data-loaded": "false" }, filterNote.element, loading, cards.element, empty);

  const element = h(
    "section",
    { class: "board", "aria-labelledby": "board-heading" },
    uplink?.element ?? null,
    banner,
    h(
      "div",
      { class: "board__toolbar" },
      h("h1", { id: "board-heading", class: "board__heading", tabindex: "-1" }, t("board.heading"), " ", count),
      summary,
      synced,
    ),
    loadError,
    h(
      "div",
      { class: "board__body board__body--no-map" },
      // The container (not the list) carries the test hook: it is visible even when the list is empty.
      alertsBox,
      plan.element,
    ),
  );

  function render(): void {
    const all = store.sorted();
    plan.update(all);
    const alerts = gridFilter === null ? all : all.filter((a) => a.gridId === gridFilter);
    if (gridFilter === null) filterNote.hide();
    else filterNote.show(all.find((a) => a.gridId === gridFilter)?.gridName ?? plan.gridName(gridFilter) ?? "", alerts.length, all.length);
    cards.show(alerts);

    const loaded = store.isLoaded;
    setAttr(alertsBox, "data-loaded", String(loaded));
    loading.hidden = loaded || alerts.length > 0;
    empty.hidden = !loaded || alerts.length > 0;
    cards.element.hidden = alerts.length === 0;
    setText(count, t("board.count", { count: alerts.length }));
    showSeverityCounts(summary, all);
    showCriticalBanner(banner, all.filter(needsAttention).length);
  }

  // A large board re-renders at most every LARGE_BOARD_GAP_MS: each pass walks every card.
  const scheduler = renderScheduler(render, () => (store.size > LARGE_BOARD ? LARGE_BOARD_GAP_MS : 0));
  const unsubscribeAlerts = store.subscribe(() => scheduler.schedule());
  const unsubscribeStatus = ctx.live.subscribe((status) => {
    loadError.hidden = !status.syncFailed;
    setText(synced, status.lastSync ? t("conn.lastSync", { time: formatTime(new Date(status.lastSync).toISOString()) }) : "");
  });
  const ticker = window.setInterval(() => cards.tick(Date.now()), AGE_TICK_MS);
  const countdownTicker = window.setInterval(() => cards.tickCountdown(Date.now()), 1000);
  render();

  return {
    element,
    dispose() {
      plan.dispose();
      uplink?.dispose();
      unsubscribeAlerts();
      unsubscribeStatus();
      window.clearInterval(ticker);
      window.clearInterval(countdownTicker);
      scheduler.dispose();
      cards.dispose();
    },
  };
}

function noPlan(): SitePlanSlot {
  return { element: h("div", { class: "board__map", hidden: true }), update() {}, gridName: () => null, dispose() {} };
}

/** The flashing banner while critical alerts wait for someone. */
function showCriticalBanner(banner: HTMLElement, waiting: number): void {
  banner.hidden = waiting === 0;
  if (waiting > 0) {
    banner.replaceChildren(iconEl("bell"), h("span", {}, t("board.criticalBanner", { count: waiting })));
  }
}
