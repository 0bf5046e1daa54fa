// Time-series chart of one reading (uPlot: small, fast, canvas). Draws mean with a min–max band
// from the hub's aggregate endpoint; the numbers are also offered as a table for screen readers.

import uPlot from "uplot";
import type { BucketDto } from "../api/types";
import { t } from "../i18n";
import { h } from "./dom";
import { formatTime } from "./format";
import { withUnit } from "./readings";

export interface Chart {
  element: HTMLElement;
  dispose(): void;
}

export function lineChart(title: string, unit: string, buckets: readonly BucketDto[], width: number): Chart {
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
  const plot = new uPlot(
    {
      width: Math.max(260, width),
      height: 180,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: "#8b949e", grid: { stroke: "#30363d", width: 1 }, ticks: { stroke: "#30363d" } },
        { stroke: "#8b949e", grid: { stroke: "#30363d", width: 1 }, ticks: { stroke: "#30363d" }, size: axisWidth, values: (_u, v) => v.map((n) => withUnit(String(n), unit)) },
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
  return { element, dispose: () => plot.destroy() };
}

/** Wide enough for the longest label ("10000 ppm"), at about 8 px a character with the tick and gap. */
function axisWidth(_u: uPlot, values: string[] | null): number {
  const longest = Math.max(0, ...(values ?? []).map((v) => String(v).length));
  return Math.max(48, 24 + 8 * longest);
}

function fmt(v: number, unit: string): string {
  return withUnit(String(Math.round(v * 10) / 10), unit);
}
