// One resident: status at a glance, devices with latest readings and health, charts of the last
// 24 hours or 7 days, alert history with timelines, and visits. Staff open it from the residents
// list; family members see it for their relative (mobile first), with feedback on resolved alerts.

import type { AppContext, View } from "../../context";
import { listResidentAlerts } from "../../api/alerts";
import { ApiError } from "../../api/http";
import { getResident } from "../../api/places";
import { aggregateReadings, latestReadings } from "../../api/readings";
import type { AlertDto, DeviceDto, LatestDto, ResidentDetailDto } from "../../api/types";
import { t, tMaybe } from "../../i18n";
import { AlertCard } from "../../ui/alertCard";
import { type Chart, lineChart } from "../../ui/chart";
import { h, setText } from "../../ui/dom";
import { deviceIconName, deviceKindLabel, formatAge, formatFull, formatTime, kindLabel, statusLabel } from "../../ui/format";
import { artworkEl, iconEl } from "../../ui/icons";
import { deviceHealth, isCharted, readingLabel, readingUnit, readingValue } from "../../ui/readings";
import { emptyTimeline, timelineFromAlert, timelineList } from "../../ui/timeline";

type Range = "24h" | "7d";
const RANGES: Record<Range, { ms: number; interval: string }> = {
  "24h": { ms: 24 * 3_600_000, interval: "00:15:00" },
  "7d": { ms: 7 * 24 * 3_600_000, interval: "02:00:00" },
};

export interface ResidentDetailOptions {
  /** Family view: no actions on alerts, feedback on resolved ones, status first. */
  family: boolean;
}

export function residentDetail(ctx: AppContext, residentId: number, options: ResidentDetailOptions): View {
  const status = h("section", { class: "glance", "aria-live": "polite", "data-testid": "resident-status" });
  const liveList = h("ol", { class: "board__list", "data-testid": "alert-list" });
  const devices = h("div", { class: "devices-grid", "data-testid": "resident-devices" }, h("p", { class: "muted" }, t("app.loading")));
  const charts = h("div", { class: "charts" });
  const history = h("div", { class: "history", "data-testid": "alert-history" }, h("p", { class: "muted" }, t("app.loading")));
  const visits = h("div", { class: "visits", "data-testid": "visits" });
  const heading = h("h1", { class: "page__title", tabindex: "-1" }, t("app.loading"));
  const facts = h("p", { class: "page__sub" });
  let range: Range = "24h";
  let detail: ResidentDetailDto | null = null;
  let chartViews: Chart[] = [];
  let disposed = false;
  const cards = new Map<number, AlertCard>();

  const rangeButtons = (Object.keys(RANGES) as Range[]).map((r) =>
    h(
      "button",
      { type: "button", class: "btn btn--ghost btn--compact", "aria-pressed": String(r === range), "data-testid": `range-${r}`, onclick: () => setRange(r) },
      t(`chart.range.${r}`),
    ),
  );

  const section = (id: string, title: string, ...body: (Node | null)[]): HTMLElement =>
    h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id, class: "panel__title" }, title), ...body);

  const element = h(
    "div",
    { class: `page resident${options.family ? " resident--family" : ""}`, "data-testid": "resident-page", "data-resident-id": residentId },
    h("header", { class: "page__head" }, heading, facts),
    status,
    section(`live-${residentId}`, t("resident.liveAlerts"), h("div", { class: "board__alerts" }, liveList)),
    section(`devices-${residentId}`, t("resident.devices"), devices),
    section(`charts-${residentId}`, t("resident.charts"), h("div", { class: "segmented", role: "group", "aria-label": t("chart.rangeLabel") }, ...rangeButtons), charts),
    section(`history-${residentId}`, t("resident.history"), history),
    // Visits are the grid workers' record; family members see the alerts, not the staff's rounds.
    options.family ? null : section(`visits-${residentId}`, t("resident.visits"), visits),
  );

  // An alert concerns this resident if it is theirs, or comes from a shared device of their household (no resident).
  const concerns = (a: AlertDto): boolean =>
    a.residentId === residentId || (a.residentId == null && detail !== null && a.householdId === detail.resident.householdId);

  // ── live alerts of this resident (from the session's feed) ──
  function renderLive(): void {
    const mine = ctx.live.store.sorted().filter(concerns);
    const keep = new Set(mine.map((a) => a.id));
    for (const [id, card] of cards) {
      if (!keep.has(id)) {
        card.element.remove();
        card.dispose();
        cards.delete(id);
      }
    }
    for (const a of mine) {
      let card = cards.get(a.id);
      if (!card) {
        card = new AlertCard(a, {
          canAct: !options.family && ctx.me.roles.some((r) => r !== "Family" && r !== "Technician"),
          applied: (x) => ctx.live.store.upsert(x),
          stale: () => void ctx.live.resync(),
          flow: ctx.flow,
          self: { id: ctx.me.id, userName: ctx.me.userName },
        });
        cards.set(a.id, card);
        liveList.append(card.element);
      } else card.update(a);
    }
    liveList.setAttribute("data-loaded", String(ctx.live.store.isLoaded));
    renderStatus(mine);
  }

  function renderStatus(open: AlertDto[]): void {
    const name = detail?.resident.name ?? "";
    const offline = detail?.devices.filter((d) => !d.online && !d.revoked).length ?? 0;
    let state: "ok" | "alert" | "watch" = "ok";
    let text = t("glance.ok", { name });
    if (open.length > 0) {
      state = "alert";
      const top = open[0];
      text = top
        ? t("glance.alert", { name, kind: kindLabel(top.kind), status: statusLabel(top.status), age: formatAge(top.raisedAt) })
        : text;
    } else if (offline > 0) {
      state = "watch";
      text = t("glance.deviceOffline", { name, count: offline });
    }
    status.className = `glance glance--${state}`;
    status.setAttribute("data-state", state);
    status.replaceChildren(
      h("span", { class: "glance__icon", "aria-hidden": "true" }, iconEl(state === "ok" ? "shield" : state === "alert" ? "bell" : "warning", "icon icon--xl")),
      h("div", {}, h("p", { class: "glance__text" }, text), detail ? h("p", { class: "glance__sub" }, t("glance.devices", { online: detail.devices.filter((d) => d.online).length, total: detail.devices.length })) : null),
    );
  }

  // ── devices and latest readings ──
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
    const r = detail.resident;
    setText(heading, r.name);
    facts.replaceChildren(
      ...[r.householdAddress, r.gridName, r.birthYear ? t("resident.born", { year: r.birthYear }) : null].filter((x): x is string => !!x).flatMap((x, i) => (i ? [" · ", x] : [x])),
      r.specialDifficulty ? h("span", { class: "badge badge--high" }, t("resident.special")) : "",
    );
    renderLive();
    const latest = await Promise.all(detail.devices.map((d) => latestReadings(d.id).catch(() => [] as LatestDto[])));
    if (disposed) return;
    devices.replaceChildren(...(detail.devices.length ? detail.devices.map((d, i) => deviceCard(d, latest[i] ?? [])) : [h("p", { class: "muted" }, t("resident.noDevices"))]));
    await drawCharts(latest);
  }

  async function drawCharts(latest: LatestDto[][] | null = null): Promise<void> {
    if (!detail) return;
    const got = latest ?? (await Promise.all(detail.devices.map((d) => latestReadings(d.id).catch(() => [] as LatestDto[]))));
    const series = detail.devices.flatMap((d, i) => (got[i] ?? []).filter((l) => isCharted(l.name)).map((l) => ({ device: d, name: l.name })));
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[range].ms);
    const data = await Promise.all(series.map((s) => aggregateReadings(s.device.id, s.name, from, to, RANGES[range].interval).catch(() => [])));
    if (disposed) return;
    for (const c of chartViews) c.dispose();
    const width = Math.min(720, (charts.clientWidth || element.clientWidth || 360) - 8);
    chartViews = series.map((s, i) =>
      lineChart(`${readingLabel(s.name)} · ${s.device.label ?? s.device.id}`, readingUnit(s.name), data[i] ?? [], width),
    );
    charts.replaceChildren(...(chartViews.length ? chartViews.map((c) => c.element) : [h("p", { class: "muted" }, t("chart.noSeries"))]));
  }

  function setRange(r: Range): void {
    range = r;
    rangeButtons.forEach((b, i) => b.setAttribute("aria-pressed", String((Object.keys(RANGES) as Range[])[i] === r)));
    void drawCharts();
  }

  // ── history ──
  async function loadHistory(): Promise<void> {
    let alerts: AlertDto[];
    try {
      alerts = await listResidentAlerts(residentId);
    } catch {
      if (!disposed) history.replaceChildren(h("p", { class: "form-error" }, t("resident.loadFailed")));
      return;
    }
    if (disposed) return;
    history.replaceChildren(
      alerts.length === 0
        ? h("p", { class: "muted" }, t("resident.noHistory"))
        : h("ul", { class: "history__list" }, ...alerts.map((a) => historyItem(a))),
    );
  }

  function historyItem(a: AlertDto): HTMLElement {
    const body = h("div", { class: "history__body" });
    const details = h(
      "details",
      { class: `history__item history__item--${a.status}`, "data-testid": "history-item", "data-alert-id": a.id, "data-status": a.status },
      h(
        "summary",
        {},
        h("span", { class: `badge badge--${a.severity}` }, kindLabel(a.kind)),
        " ",
        h("time", { datetime: a.raisedAt, title: formatFull(a.raisedAt) }, formatTime(a.raisedAt)),
        " · ",
        h("span", { class: `status status--${a.status}` }, statusLabel(a.status)),
        a.outcome ? h("span", { class: "muted" }, ` · ${tMaybe(`outcome.${a.outcome}`) ?? a.outcome}`) : null,
      ),
      body,
    );
    let loaded = false;
    details.addEventListener("toggle", () => {
      if (!details.open || loaded) return;
      loaded = true;
      void fillTimeline(a, body);
    });
    return h("li", {}, details);
  }

  async function fillTimeline(a: AlertDto, body: HTMLElement): Promise<void> {
    let entries = timelineFromAlert(a);
    if (ctx.flow.timeline) {
      try {
        const fromHub = await ctx.flow.timeline(a.id);
        if (fromHub.length > 0) entries = fromHub;
      } catch {
        // the alert's own timestamps are a fine fallback
      }
    }
    body.replaceChildren(entries.length ? timelineList(entries) : emptyTimeline());
    if (options.family && a.status === "resolved" && ctx.flow.feedback) body.append(feedbackForm(a));
  }

  function feedbackForm(a: AlertDto): HTMLElement {
    const text = h("input", { type: "text", class: "input", id: `fb-${a.id}`, maxlength: "1000", "data-testid": "feedback-text" });
    const result = h("p", { class: "muted", role: "status" });
    const send = async (rating: number): Promise<void> => {
      try {
        await ctx.flow.feedback?.(a.id, rating, text.value.trim());
        setText(result, t("feedback.thanks"));
      } catch {
        setText(result, t("feedback.failed"));
      }
    };
    return h(
      "div",
      { class: "feedback", "data-testid": "feedback" },
      h("p", { class: "feedback__q" }, t("feedback.question")),
      h("label", { for: `fb-${a.id}`, class: "label" }, t("feedback.comment")),
      text,
      h(
        "div",
        { class: "feedback__buttons" },
        h("button", { type: "button", class: "btn btn--secondary", "data-testid": "feedback-good", onclick: () => void send(5) }, t("feedback.good")),
        h("button", { type: "button", class: "btn btn--ghost", "data-testid": "feedback-bad", onclick: () => void send(1) }, t("feedback.bad")),
      ),
      result,
    );
  }

  async function loadVisits(): Promise<void> {
    if (options.family) return;
    if (!ctx.flow.visits) {
      visits.replaceChildren(h("p", { class: "muted" }, t("resident.visitsUnavailable")));
      return;
    }
    const record = ctx.flow.recordVisit;
    const checkIn =
      record && ctx.me.roles.some((r) => r === "GridWorker" || r === "Admin" || r === "EmergencyStaff")
        ? h(
            "button",
            {
              type: "button",
              class: "btn btn--secondary",
              "data-testid": "visit-checkin",
              onclick: () =>
                void record(residentId, "")
                  .then(() => {
                    ctx.announcer.say(t("resident.checkedIn"));
                    return loadVisits();
                  })
                  .catch(() => undefined),
            },
            iconEl("check"),
            h("span", {}, t("resident.checkIn")),
          )
        : null;
    try {
      const list = await ctx.flow.visits(residentId);
      if (disposed) return;
      visits.replaceChildren(
        ...(checkIn ? [checkIn] : []),
        list.length === 0
          ? h("p", { class: "muted" }, t("resident.noVisits"))
          : h(
              "ul",
              { class: "history__list" },
              ...[...list]
                .sort((x, y) => Date.parse(y.at) - Date.parse(x.at))
                .map((v) => h("li", { "data-testid": "visit" }, h("time", { datetime: v.at, title: formatFull(v.at) }, formatTime(v.at)), v.by ? ` · ${v.by}` : "", v.note ? ` — ${v.note}` : "")),
            ),
      );
    } catch {
      if (!disposed) visits.replaceChildren(h("p", { class: "form-error" }, t("resident.loadFailed")));
    }
  }

  // History follows the live feed: an alert of this resident appearing or changing refreshes it.
  let historyTimer: number | undefined;
  const unsubscribe = ctx.live.store.subscribe((change) => {
    renderLive();
    const touches = [...change.added, ...change.removed, ...change.updated.map((u) => u.after)].some(concerns);
    if (touches) {
      window.clearTimeout(historyTimer);
      historyTimer = window.setTimeout(() => void loadHistory(), 500);
    }
  });
  renderLive();
  void loadDetail();
  void loadHistory();
  void loadVisits();

  return {
    element,
    dispose() {
      disposed = true;
      unsubscribe();
      window.clearTimeout(historyTimer);
      for (const c of chartViews) c.dispose();
      for (const c of cards.values()) c.dispose();
    },
  };
}

export function deviceCard(d: DeviceDto, latest: readonly LatestDto[]): HTMLElement {
  const health = deviceHealth(d);
  return h(
    "article",
    { class: `device device--${health}`, "data-testid": "device-card", "data-device-id": d.id, "data-health": health },
    h(
      "header",
      { class: "device__head" },
      artworkEl(deviceIconName(d.kind)),
      h("h3", { class: "device__title" }, d.label ?? deviceKindLabel(d.kind)),
      h("span", { class: `health health--${health}` }, t(`health.${health}`)),
    ),
    h(
      "p",
      { class: "device__meta" },
      h("code", { class: "mono" }, d.id),
      " · ",
      deviceKindLabel(d.kind),
      " · ",
      tMaybe(`location.${d.location}`) ?? d.location,
    ),
    h(
      "dl",
      { class: "device__readings" },
      ...latest.map((l) =>
        h(
          "div",
          { class: "reading", "data-reading": l.name },
          h("dt", {}, readingLabel(l.name)),
          h("dd", {}, readingValue(l.name, l.v), " ", h("time", { class: "muted", datetime: l.t, title: formatFull(l.t) }, formatAge(l.t))),
        ),
      ),
      d.lastSeenAt ? h("div", { class: "reading" }, h("dt", {}, t("device.lastSeen")), h("dd", {}, h("time", { datetime: d.lastSeenAt, title: formatFull(d.lastSeenAt) }, formatAge(d.lastSeenAt)))) : null,
    ),
  );
}
