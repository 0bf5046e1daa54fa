// Time-series chart of one reading (uPlot: small, fast, canvas). Draws mean with a min–max band
// from the hub's aggregate endpoint; the numbers are also offered as a table for screen readers.

import uPlot from "uplot";
import type { BucketDto } from "../api/types";
import { t } from "../i18n";
import { h } from "./dom";
import { formatTime } from "./format";
import { tickLabels } from "./chartScale";
import { withUnit } from "./readings";

export interface Chart {
  element: HTMLElement;
  dispose(): void;
}

/** The chart spans the period asked for (`from`–`to`), not just the buckets it got: one bucket must not stretch
 *  the time axis over years. */
export function lineChart(title: string, unit: string, buckets: readonly BucketDto[], width: number, from: Date, to: Date): Chart {
  const xs = buckets.map((b) => Date.parse(b.t) / 1000);
  const data: uPlot.AlignedData = [xs, buckets.map((b) => b.min), buckets.map((b) => b.mean), buckets.map((b) => b.max)];
  const host = h("div", { class: "chart__plot", "aria-hidden": "true" });
  const table = h(
    "table",
    { class: "sr-only" },
    h("caption", {}, title),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("chart.time")), h("th", { scope: "col" }, t("chart.mean")), h("th", { scope: "col" }, t("chart.range")))),
    h(
      "tbody",
      {},
      ...buckets.map((b) => h("tr", {}, h("td", {}, formatTime(b.t)), h("td", {}, fmt(b.mean, unit)), h("td", {}, `${fmt(b.min, unit)} – ${fmt(b.max, unit)}`))),
    ),
  );
  const element = h("figure", { class: "chart", "data-testid": "chart" }, h("figcaption", { class: "chart__title" }, title), host, table);
  if (buckets.length === 0) {
    host.append(h("p", { class: "muted" }, t("chart.noData")));
    return { element, dispose() {} };
  }
  const band = "rgba(88,166,255,0.18)";
  let yLabels: string[] = [];
  // uPlot may size the axis before it has labels (values null): the data's extremes, labelled with a decimal,
  // are at least as wide as any tick, so the first size already fits ("122.5 ppm", not "2.5 ppm").
  const extremes = [Math.min(...buckets.map((b) => b.min)), Math.max(...buckets.map((b) => b.max))].map((v) => withUnit(v.toFixed(1), unit));
  const plot = new uPlot(
    {
      width: Math.max(260, width),
      height: 180,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: () => [from.getTime() / 1000, to.getTime() / 1000] } },
      axes: [
        { stroke: "#8b949e", grid: { stroke: "#30363d", width: 1 }, ticks: { stroke: "#30363d" } },
        { stroke: "#8b949e", grid: { stroke: "#30363d", width: 1 }, ticks: { stroke: "#30363d" }, size: (_u, values) => axisWidth(values, extremes), values: (_u, v) => (yLabels = tickLabels(v, unit)) },
      ],
      series: [
        {},
        { label: "min", stroke: "rgba(88,166,255,0.35)", width: 1 },
        { label: title, stroke: "#58a6ff", width: 2 },
        { label: "max", stroke: "rgba(88,166,255,0.35)", width: 1 },
      ],
      bands: [{ series: [3, 1], fill: band }],
    },
    data,
    host,
  );
  // What was drawn, for tests and tools: the time axis' span (s) and the value axis' labels and width (CSS px).
  const drawn = (): void => {
    element.dataset.xMin = String(plot.scales.x?.min ?? "");
    element.dataset.xMax = String(plot.scales.x?.max ?? "");
    element.dataset.yLabels = JSON.stringify(yLabels);
    element.dataset.yAxisPx = String(Math.round(plot.bbox.left / (window.devicePixelRatio || 1)));
  };
  drawn();
  plot.hooks.draw = [...(plot.hooks.draw ?? []), drawn];
  return { element, dispose: () => plot.destroy() };
}

/** uPlot's axis font; labels are measured in it. */
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
let measure: CanvasRenderingContext2D | null = null;

/** Wide enough for the longest label as drawn ("10000 ppm", "122.5 ppm"), so no leading digit is cut off. */
function axisWidth(values: string[] | null, extremes: readonly string[]): number {
  const longest = [...(values ?? []), ...extremes].reduce((a, v) => (v.length > a.length ? v : a), "");
  measure ??= document.createElement("canvas").getContext("2d");
  let text = 8 * longest.length;
  if (measure) {
    measure.font = AXIS_FONT;
    text = measure.measureText(longest).width;
  }
  return Math.max(48, Math.ceil(text + 24));
}

function fmt(v: number, unit: string): string {
  return withUnit(String(Math.round(v * 10) / 10), unit);
}
