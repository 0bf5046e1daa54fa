// An early-warning alert's evidence as a small SVG chart: the band the model expected shaded, the recent series as a
// line, the moment it fired marked. Plain SVG rather than the readings' uPlot charts: a card's descriptive part is rebuilt
// on every update (nothing to dispose), and a viewBox scales to any card width, a 390 px phone included. The figure's
// caption says in words what the chart shows, for screen readers and for anyone who cannot read the picture.

import type { AlertDto, AlertEvidence, EvidencePoint } from "../api/types";
import { t } from "../i18n";
import { h } from "./dom";
import { formatTime } from "./format";
import { readingLabel, withUnit } from "./readings";

const SVG = "http://www.w3.org/2000/svg";
const W = 320;
const H = 120;
const PAD = { left: 44, right: 8, top: 8, bottom: 20 };

/** The chart for an alert with evidence of at least two points, else null. */
export function evidenceChart(a: AlertDto): HTMLElement | null {
  const e = a.evidence;
  if (!e || e.points.length < 2) return null;
  const activity = e.measurement === "activity";
  const label = activity ? t("evidence.activity") : readingLabel(e.measurement);
  const summary = describe(e, label, activity);
  return h(
    "figure",
    { class: "evidence", "data-testid": "evidence-chart", "data-points": e.points.length },
    svgChart(e, activity),
    h("figcaption", { class: "evidence__caption" }, h("span", { class: "evidence__legend evidence__legend--band", "aria-hidden": "true" }), activity ? t("evidence.usualActivity") : t("evidence.usualBand"), " ",
      h("span", { class: "evidence__legend evidence__legend--line", "aria-hidden": "true" }), label, " ",
      h("span", { class: "evidence__legend evidence__legend--fired", "aria-hidden": "true" }), t("evidence.fired")),
    h("p", { class: "sr-only", "data-testid": "evidence-summary" }, summary),
  );
}

/** The text alternative: what was seen against what was expected, over which hours, when it fired. */
function describe(e: AlertEvidence, label: string, activity: boolean): string {
  const first = e.points[0];
  const last = e.points[e.points.length - 1];
  const from = first ? formatTime(first.t) : "";
  const to = last ? formatTime(last.t) : "";
  if (activity) {
    const active = e.points.filter((p) => p.v > 0).length;
    const usual = e.points.filter((p) => (p.hi ?? 0) >= 0.5).length;
    return t("evidence.summaryActivity", { from, to, active, usual, fired: formatTime(e.at) });
  }
  const values = e.points.map((p) => p.v);
  const lows = e.points.map((p) => p.lo).filter((v): v is number => v !== null && v !== undefined);
  const highs = e.points.map((p) => p.hi).filter((v): v is number => v !== null && v !== undefined);
  const fmt = (v: number) => withUnit(String(Math.round(v * 10) / 10), e.unit);
  const band = lows.length && highs.length ? t("evidence.summaryBand", { low: fmt(Math.min(...lows)), high: fmt(Math.max(...highs)) }) : t("evidence.summaryNoBand");
  return t("evidence.summary", { label, from, to, min: fmt(Math.min(...values)), max: fmt(Math.max(...values)), band, fired: formatTime(e.at), seen: e.seen === null || e.seen === undefined ? "—" : fmt(e.seen) });
}

function svgChart(e: AlertEvidence, activity: boolean): SVGSVGElement {
  const pts = e.points;
  const times = pts.map((p) => Date.parse(p.t));
  const at = Date.parse(e.at);
  const x0 = Math.min(times[0] ?? at, at);
  const x1 = Math.max(times[times.length - 1] ?? at, at);
  const all = pts.flatMap((p) => [p.v, p.lo, p.hi]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  let y0 = activity ? 0 : Math.min(...all);
  let y1 = activity ? 1 : Math.max(...all);
  if (y1 - y0 < 1e-9) {
    y0 -= 1;
    y1 += 1;
  }
  const span = y1 - y0;
  if (!activity) {
    y0 -= span * 0.08;
    y1 += span * 0.08;
  }
  const x = (ms: number) => PAD.left + ((ms - x0) / Math.max(1, x1 - x0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "evidence__svg", "aria-hidden": "true", focusable: "false" });

  // Grid: the lowest and highest value, and the time at both ends.
  for (const v of [y0 + (y1 - y0) * 0.1, y1 - (y1 - y0) * 0.1]) {
    svg.append(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "evidence__grid" }));
    svg.append(text(PAD.left - 4, y(v) + 4, activity ? `${Math.round(v * 100)}%` : withUnit(round(v, span), e.unit), "end"));
  }
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (first) svg.append(text(PAD.left, H - 5, formatTime(first.t), "start"));
  if (last) svg.append(text(W - PAD.right, H - 5, formatTime(last.t), "end"));

  // The band: one closed polygon per run of points that have one (a gap in the history leaves a gap in the band).
  for (const run of runs(pts)) {
    const upper = run.map((p) => `${fx(x(Date.parse(p.t)))},${fx(y(p.hi as number))}`);
    const lower = run.map((p) => `${fx(x(Date.parse(p.t)))},${fx(y(p.lo as number))}`).reverse();
    svg.append(el("polygon", { points: [...upper, ...lower].join(" "), class: "evidence__band" }));
  }
  const line = pts.map((p, i) => `${i === 0 ? "M" : "L"}${fx(x(Date.parse(p.t)))},${fx(y(p.v))}`).join(" ");
  svg.append(el("path", { d: line, class: activity ? "evidence__line evidence__line--steps" : "evidence__line" }));
  svg.append(el("line", { x1: fx(x(at)), x2: fx(x(at)), y1: PAD.top, y2: H - PAD.bottom, class: "evidence__fired", "data-testid": "evidence-fired" }));
  return svg;
}

/** Runs of consecutive points with a band (at least two points each, a polygon needs them). */
function runs(points: readonly EvidencePoint[]): EvidencePoint[][] {
  const out: EvidencePoint[][] = [];
  let run: EvidencePoint[] = [];
  for (const p of points) {
    if (typeof p.lo === "number" && typeof p.hi === "number") run.push(p);
    else {
      if (run.length > 1) out.push(run);
      run = [];
    }
  }
  if (run.length > 1) out.push(run);
  return out;
}

function round(v: number, span: number): string {
  return span >= 20 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

function fx(n: number): string {
  return n.toFixed(1);
}

function text(xPos: number, yPos: number, content: string, anchor: "start" | "end"): SVGTextElement {
  const node = el("text", { x: fx(xPos), y: fx(yPos), "text-anchor": anchor, class: "evidence__tick" });
  node.textContent = content;
  return node;
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}
