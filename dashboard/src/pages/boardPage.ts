// The live alert board: open alerts, most urgent first, updated in place as pushes arrive.
// Cards are keyed by alert id and moved only when their position changes, so focus stays put.

import type { AppContext, View } from "../app";
import type { AlertDto, Severity } from "../api/types";
import { t } from "../i18n";
import { needsAttention, SEVERITY_RANK } from "../state/alertStore";
import { AlertCard } from "../ui/alertCard";
import { h, setText } from "../ui/dom";
import { formatTime } from "../ui/format";
import { iconEl } from "../ui/icons";

const STAFF_ROLES = new Set(["Admin", "EmergencyStaff", "GridWorker", "Technician"]);
const AGE_TICK_MS = 15_000;

export function boardPage(ctx: AppContext): View {
  const { store } = ctx.live;
  const canAct = ctx.me.roles.some((r) => STAFF_ROLES.has(r));
  const cards = new Map<number, AlertCard>();

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
    // The container (not the list) carries the test hook: it is visible even when the list is empty.
    h("div", { class: "board__alerts", "data-testid": "alert-list" }, loading, list, empty),
  );

  const actions = {
    canAct,
    applied: (alert: AlertDto) => store.upsert(alert),
    stale: () => void ctx.live.resync(),
  };

  function render(): void {
    const alerts = store.sorted();
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
    loading.hidden = loaded || alerts.length > 0;
    empty.hidden = !loaded || alerts.length > 0;
    list.hidden = alerts.length === 0;
    setText(count, t("board.count", { count: alerts.length }));
    renderSummary(alerts);

    const waiting = alerts.filter(needsAttention).length;
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

  // Bursts (dozens of pushes a second) are painted once per frame, not once per message.
  let scheduled = false;
  let disposed = false;
  function scheduleRender(): void {
    if (scheduled) return;
    scheduled = true;
    const run = (): void => {
      scheduled = false;
      if (!disposed) render();
    };
    // Frames do not run in a hidden tab; it still catches up, just less often.
    if (document.hidden) window.setTimeout(run, 250);
    else requestAnimationFrame(run);
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
  render();

  return {
    element,
    dispose() {
      disposed = true;
      unsubscribeAlerts();
      unsubscribeStatus();
      window.clearInterval(ticker);
      for (const card of cards.values()) card.dispose();
    },
  };
}
