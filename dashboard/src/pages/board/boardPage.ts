// The live alert board: open alerts, most urgent first, updated in place as pushes arrive.
// Cards are keyed by alert id and moved only when their position changes, so focus stays put.

import type { AppContext, View } from "../../context";
import { listCommunities, listResidents } from "../../api/places";
import type { AlertDto, GridDto, Me, Severity } from "../../api/types";
import { t } from "../../i18n";
import { needsAttention, SEVERITY_RANK } from "../../state/alertStore";
import { AlertCard } from "../../ui/alertCard";
import { h, setAttr, setText } from "../../ui/dom";
import { formatTime } from "../../ui/format";
import { iconEl } from "../../ui/icons";
import { siteMap, type SiteMap } from "../../ui/siteMap";

const STAFF_ROLES = new Set(["Admin", "EmergencyStaff", "GridWorker", "Technician"]);
const AGE_TICK_MS = 15_000;
const RENDER_LATEST_MS = 100;
const LARGE_BOARD = 200;
const LARGE_BOARD_GAP_MS = 250;

export function boardPage(ctx: AppContext): View {
  const { store } = ctx.live;
  const canAct = ctx.me.roles.some((r) => STAFF_ROLES.has(r));
  const cards = new Map<number, AlertCard>();
  let gridFilter: number | null = null;
  const filterNote = h("p", { class: "board__filter", hidden: true });
  let map: SiteMap | null = null;
  const mapSlot = h("div", { class: "board__map" });

  const banner = h("div", { class: "critical-banner", hidden: true, "aria-hidden": "true" });
  const count = h("span", { class: "board__count" });
  const summary = h("ul", { class: "summary", "aria-label": t("board.summary") });
  const synced = h("p", { class: "board__synced" });
  const loadError = h("p", { class: "board__load-error", hidden: true, role: "status" }, iconEl("warning"), t("board.loadFailed"));
  const list = h("ol", { class: "board__list", "aria-labelledby": "board-heading" });
  const empty = h(
    "div",
    { class: "board__empty", hidden: true },
    iconEl("shield", "icon icon--xl"),
    h("p", { class: "board__empty-title" }, t("board.empty")),
    h("p", { class: "board__empty-hint" }, t("board.emptyHint")),
  );
  const loading = h("p", { class: "board__loading", role: "status" }, t("app.loading"));
  const alertsBox = h("div", { class: "board__alerts", "data-testid": "alert-list", "data-loaded": "false" }, filterNote, loading, list, empty);

  const element = h(
    "section",
    { class: "board", "aria-labelledby": "board-heading" },
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
      mapSlot,
    ),
  );

  const actions = {
    canAct,
    applied: (alert: AlertDto) => store.upsert(alert),
    stale: () => void ctx.live.resync(),
    flow: ctx.flow,
    self: { id: ctx.me.id, userName: ctx.me.userName },
  };

  function selectGrid(id: number | null): void {
    gridFilter = id;
    render();
  }

  // The plan needs places; the board works without them (a hub that refuses them just has no map).
  void Promise.all([listCommunities(), listResidents()])
    .then(([communities, residents]) => {
      if (disposed) return;
      const grids = gridsInScope(ctx.me, communities.flatMap((c) => c.grids));
      if (grids.length === 0) return;
      map = siteMap(grids, residents, () => gridFilter, selectGrid);
      mapSlot.replaceChildren(map.element);
      mapSlot.parentElement?.classList.remove("board__body--no-map");
      render();
    })
    .catch((error: unknown) => console.warn("No site plan", error));

  function render(): void {
    const all = store.sorted();
    map?.update(all);
    const alerts = gridFilter === null ? all : all.filter((a) => a.gridId === gridFilter);
    filterNote.hidden = gridFilter === null;
    if (gridFilter !== null) {
      const name = all.find((a) => a.gridId === gridFilter)?.gridName ?? mapSlot.querySelector(`[data-grid-id="${gridFilter}"] .grid-tile__name`)?.textContent ?? "";
      filterNote.replaceChildren(
        h("span", {}, t("board.filtered", { grid: name, count: alerts.length, total: all.length })),
        " ",
        h("button", { type: "button", class: "btn btn--ghost btn--compact", "data-testid": "clear-filter", onclick: () => selectGrid(null) }, t("board.showAll")),
      );
    }
    const keep = new Set(alerts.map((a) => a.id));

    // Where does focus go if the focused card leaves? To the next card that stays, else the heading.
    const focused = [...cards.values()].find((c) => c.containsFocus());
    let focusNext: AlertCard | HTMLElement | null = null;
    if (focused && !keep.has(focused.id)) {
      const siblings = [...list.children];
      const from = siblings.indexOf(focused.element);
      const byElement = new Map([...cards.values()].map((c) => [c.element as Element, c]));
      const candidates = [...siblings.slice(from + 1), ...siblings.slice(0, from).reverse()];
      focusNext =
        candidates.map((el) => byElement.get(el)).find((c) => c !== undefined && keep.has(c.id)) ??
        document.getElementById("board-heading");
    }

    for (const [id, card] of cards) {
      if (!keep.has(id)) {
        card.element.remove();
        card.dispose();
        cards.delete(id);
      }
    }
    let cursor: Element | null = list.firstElementChild;
    for (const alert of alerts) {
      let card = cards.get(alert.id);
      if (!card) {
        card = new AlertCard(alert, actions);
        cards.set(alert.id, card);
      } else {
        card.update(alert);
      }
      if (card.element !== cursor) list.insertBefore(card.element, cursor);
      else cursor = cursor.nextElementSibling;
    }
    focusNext?.focus();

    const loaded = store.isLoaded;
    setAttr(alertsBox, "data-loaded", String(loaded));
    loading.hidden = loaded || alerts.length > 0;
    empty.hidden = !loaded || alerts.length > 0;
    list.hidden = alerts.length === 0;
    setText(count, t("board.count", { count: alerts.length }));
    renderSummary(all);

    const waiting = all.filter(needsAttention).length;
    banner.hidden = waiting === 0;
    if (waiting > 0) {
      banner.replaceChildren(iconEl("bell"), h("span", {}, t("board.criticalBanner", { count: waiting })));
    }
  }

  function renderSummary(alerts: AlertDto[]): void {
    const counts: Record<Severity, number> = { critical: 0, high: 0, warning: 0, info: 0 };
    for (const a of alerts) counts[a.severity] = (counts[a.severity] ?? 0) + 1;
    const severities = Object.keys(SEVERITY_RANK) as Severity[];
    summary.replaceChildren(
      ...severities.map((s) =>
        h(
          "li",
          { class: `chip chip--${s}${counts[s] === 0 ? " chip--zero" : ""}` },
          h("span", { class: "chip__count" }, String(counts[s])),
          h("span", { class: "chip__label" }, t(`severity.${s}`)),
        ),
      ),
    );
  }

  // Bursts (dozens of pushes a second) are painted once per frame, not once per message. A frame
  // may not come soon on a starved machine (or in a hidden tab), so a timer backs it up. A large
  // board re-renders at most every LARGE_BOARD_GAP_MS: each pass walks every card, and rendering
  // at frame rate would starve the main thread of the very messages it is rendering.
  let scheduled = false;
  let disposed = false;
  let frame = 0;
  let timer: number | undefined;
  let lastRender = 0;
  function scheduleRender(): void {
    if (scheduled) return;
    scheduled = true;
    const run = (): void => {
      if (!scheduled) return;
      scheduled = false;
      cancelAnimationFrame(frame);
      window.clearTimeout(timer);
      lastRender = performance.now();
      if (!disposed) render();
    };
    const gap = store.size > LARGE_BOARD ? LARGE_BOARD_GAP_MS : 0;
    const wait = lastRender + gap - performance.now();
    if (wait > 0) {
      timer = window.setTimeout(run, wait);
      return;
    }
    frame = requestAnimationFrame(run);
    timer = window.setTimeout(run, RENDER_LATEST_MS);
  }

  const unsubscribeAlerts = store.subscribe(scheduleRender);
  const unsubscribeStatus = ctx.live.subscribe((status) => {
    loadError.hidden = !status.syncFailed;
    setText(synced, status.lastSync ? t("conn.lastSync", { time: formatTime(new Date(status.lastSync).toISOString()) }) : "");
  });
  const ticker = window.setInterval(() => {
    const now = Date.now();
    for (const card of cards.values()) card.tick(now);
  }, AGE_TICK_MS);
  const countdownTicker = window.setInterval(() => {
    const now = Date.now();
    for (const card of cards.values()) card.tickCountdown(now);
  }, 1000);
  render();

  return {
    element,
    dispose() {
      disposed = true;
      unsubscribeAlerts();
      unsubscribeStatus();
      window.clearInterval(ticker);
      window.clearInterval(countdownTicker);
      cancelAnimationFrame(frame);
      window.clearTimeout(timer);
      for (const card of cards.values()) card.dispose();
    },
  };
}

/** The grids a person looks after: a grid worker their grid, staff their community, admins all. */
function gridsInScope(me: Me, grids: GridDto[]): GridDto[] {
  if (me.roles.includes("Admin")) return grids;
  if (me.gridId) return grids.filter((g) => g.id === me.gridId);
  if (me.communityId) return grids.filter((g) => g.communityId === me.communityId);
  return [];
}
