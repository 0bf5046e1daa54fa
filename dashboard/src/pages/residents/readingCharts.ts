// Charts of the resident's devices' charted readings over the last day, week, quarter or year (mean with a
// min–max band from the hub's history, which reads hourly rollups where raw points have expired), with the range
// switch above them and each chart's readings as CSV below it.

import { readingsCsvUrl, readingsHistory, latestReadings } from "../../api/readings";
import type { DeviceDto, LatestDto } from "../../api/types";
import { t } from "../../i18n";
import { type Chart, lineChart } from "../../ui/chart";
import { h } from "../../ui/dom";
import { isCharted, readingLabel, readingUnit } from "../../ui/readings";

type Range = "24h" | "7d" | "90d" | "1y";
const DAY = 24 * 3_600_000;
/** The hub picks the bucket size for the range (about 500 buckets: 5 min for a day … a day for a year). */
const RANGES: Record<Range, { ms: number }> = {
  "24h": { ms: DAY },
  "7d": { ms: 7 * DAY },
  "90d": { ms: 90 * DAY },
  "1y": { ms: 365 * DAY },
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
    const data = await Promise.all(series.map((s) => readingsHistory(s.device.id, s.name, from, to).then((r) => r.buckets, () => [])));
    if (disposed) return;
    for (const c of chartViews) c.dispose();
    const width = Math.min(720, (charts.clientWidth || pageWidth() || 360) - 8);
    chartViews = series.map((s, i) => {
      const title = `${readingLabel(s.name)} · ${s.device.label ?? s.device.id}`;
      const chart = lineChart(title, readingUnit(s.name), data[i] ?? [], width, from, to);
      chart.element.dataset.deviceId = s.device.id;
      chart.element.dataset.reading = s.name;
      chart.element.append(
        h("a", { class: "chart__download", href: readingsCsvUrl(s.device.id, s.name, from, to), download: "", "data-testid": "chart-csv" }, t("chart.downloadCsv")),
      );
      return chart;
    });
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
