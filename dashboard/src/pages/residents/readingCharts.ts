// Charts of the resident's devices' charted readings over the last 24 hours or 7 days (mean with
// a min–max band, from the hub's aggregate endpoint), with the range switch above them.

import { aggregateReadings, latestReadings } from "../../api/readings";
import type { DeviceDto, LatestDto } from "../../api/types";
import { t } from "../../i18n";
import { type Chart, lineChart } from "../../ui/chart";
import { h } from "../../ui/dom";
import { isCharted, readingLabel, readingUnit } from "../../ui/readings";

type Range = "24h" | "7d";
const RANGES: Record<Range, { ms: number; interval: string }> = {
  "24h": { ms: 24 * 3_600_000, interval: "00:15:00" },
  "7d": { ms: 7 * 24 * 3_600_000, interval: "02:00:00" },
};

export interface ReadingCharts {
  /** The range switch and the charts, for the page's section. */
  elements: HTMLElement[];
  /** Charts these devices' readings; `latest` (their latest readings) says which readings they have. */
  show(devices: readonly DeviceDto[], latest: LatestDto[][]): Promise<void>;
  dispose(): void;
}

/** `pageWidth`: the width to fit when the charts' own box has none yet. */
export function readingCharts(pageWidth: () => number): ReadingCharts {
  const charts = h("div", { class: "charts" });
  let range: Range = "24h";
  let devices: readonly DeviceDto[] | null = null;
  let chartViews: Chart[] = [];
  let disposed = false;

  const rangeButtons = (Object.keys(RANGES) as Range[]).map((r) =>
    h(
      "button",
      { type: "button", class: "btn btn--ghost btn--compact", "aria-pressed": String(r === range), "data-testid": `range-${r}`, onclick: () => setRange(r) },
      t(`chart.range.${r}`),
    ),
  );

  async function draw(latest: LatestDto[][] | null = null): Promise<void> {
    if (!devices) return;
    const shown = devices;
    const got = latest ?? (await Promise.all(shown.map((d) => latestReadings(d.id).catch(() => [] as LatestDto[]))));
    const series = shown.flatMap((d, i) => (got[i] ?? []).filter((l) => isCharted(l.name)).map((l) => ({ device: d, name: l.name })));
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[range].ms);
    const data = await Promise.all(series.map((s) => aggregateReadings(s.device.id, s.name, from, to, RANGES[range].interval).catch(() => [])));
    if (disposed) return;
    for (const c of chartViews) c.dispose();
    const width = Math.min(720, (charts.clientWidth || pageWidth() || 360) - 8);
    chartViews = series.map((s, i) =>
      lineChart(`${readingLabel(s.name)} · ${s.device.label ?? s.device.id}`, readingUnit(s.name), data[i] ?? [], width),
    );
    charts.replaceChildren(...(chartViews.length ? chartViews.map((c) => c.element) : [h("p", { class: "muted" }, t("chart.noSeries"))]));
  }

  function setRange(r: Range): void {
    range = r;
    rangeButtons.forEach((b, i) => b.setAttribute("aria-pressed", String((Object.keys(RANGES) as Range[])[i] === r)));
    void draw();
  }

  return {
    elements: [h("div", { class: "segmented", role: "group", "aria-label": t("chart.rangeLabel") }, ...rangeButtons), charts],
    show(shown, latest) {
      devices = shown;
      return draw(latest);
    },
    dispose() {
      disposed = true;
      for (const c of chartViews) c.dispose();
    },
  };
}
