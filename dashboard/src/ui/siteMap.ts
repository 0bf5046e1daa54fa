// A schematic plan of the community: one tile per grid, one block per building, coloured by the
// worst open alert there. Drawn as SVG from the hub's own data — no map tiles, nothing from the
// internet. Each grid is a toggle button that filters the board to that grid.

import type { AlertDto, GridDto, ResidentDto } from "../api/types";
import { t } from "../i18n";
import { type GridModel, siteModel } from "../map/siteModel";
import { h } from "./dom";

const NS = "http://www.w3.org/2000/svg";
const TILE_W = 232;
const PAD = 12;
const B_W = 48;
const B_H = 34;
const B_GAP = 8;
const PER_ROW = 4;
const HEADER = 30;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// The grid's name in the tile's title bar: room for it beside the count, at 14 px bold. Chinese characters are
// about a full em wide, Latin letters a little over half; a name that does not fit one line wraps onto more.
const NAME_WIDTH = TILE_W - 2 * PAD - 34;
const NAME_LINE = 18;
const MAX_NAME_LINES = 3;

function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 15 : /[A-Z MWmw@]/.test(ch) ? 11 : 9;
  return w;
}

/** The name in lines that fit the tile (at word breaks where there are any, else anywhere); the last line clipped. */
export function nameLines(name: string, width = NAME_WIDTH, maxLines = MAX_NAME_LINES): string[] {
  const lines: string[] = [];
  let line = "";
  // Words keep their trailing space, so the lines joined give the name back exactly.
  const pieces = name.match(/[^\s\u2e80-\ua4cf\uac00-\ud7a3\uff00-\uffef]+\s*|[\u2e80-\ua4cf\uac00-\ud7a3\uff00-\uffef]\s*|\s+/g) ?? [];
  for (const piece of pieces) {
    if (line && textWidth((line + piece).trimEnd()) > width) {
      lines.push(line);
      line = "";
    }
    // A single word too long for a line breaks where it must.
    let rest = piece;
    while (textWidth(rest.trimEnd()) > width) {
      let cut = rest.length - 1;
      while (cut > 1 && textWidth(rest.slice(0, cut)) > width) cut--;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    line += rest;
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  let last = kept[maxLines - 1] ?? "";
  while (last.length > 1 && textWidth(`${last}…`) > width) last = last.slice(0, -1);
  kept[maxLines - 1] = `${last.trimEnd()}…`;
  return kept;
}

export interface SiteMap {
  element: HTMLElement;
  update(alerts: readonly AlertDto[]): void;
}

export function siteMap(grids: readonly GridDto[], residents: readonly ResidentDto[], selected: () => number | null, onSelect: (gridId: number | null) => void): SiteMap {
  const holder = h("div", { class: "sitemap__plan" });
  const legend = h(
    "ul",
    { class: "sitemap__legend", "aria-hidden": "true" },
    ...(["ok", "open", "alarm"] as const).map((s) => h("li", {}, h("span", { class: `swatch swatch--${s}` }), t(`map.state.${s}`))),
  );
  const element = h("section", { class: "sitemap", "aria-labelledby": "sitemap-heading", "data-testid": "site-map" }, h("h2", { id: "sitemap-heading", class: "sitemap__heading" }, t("map.heading")), holder, legend);

  function draw(models: GridModel[]): void {
    const cols = Math.max(1, Math.min(models.length, 2));
    const names = models.map((g) => nameLines(g.name));
    const headers = names.map((lines) => HEADER + (lines.length - 1) * NAME_LINE);
    const heights = models.map((g, i) => (headers[i] ?? HEADER) + PAD + Math.max(1, Math.ceil(g.buildings.length / PER_ROW)) * (B_H + B_GAP) + PAD);
    const rowHeights: number[] = [];
    models.forEach((_, i) => {
      const row = Math.floor(i / cols);
      rowHeights[row] = Math.max(rowHeights[row] ?? 0, heights[i] ?? 0);
    });
    const width = cols * (TILE_W + PAD) + PAD;
    const height = rowHeights.reduce((a, b) => a + b + PAD, PAD);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "sitemap__svg", role: "group", "aria-label": t("map.heading") });
    const current = selected();
    models.forEach((g, i) => {
      const col = i % cols;
      const row = Math.floor(i / cols);
      const x = PAD + col * (TILE_W + PAD);
      const y = PAD + rowHeights.slice(0, row).reduce((a, b) => a + b + PAD, 0);
      const label = t("map.gridLabel", { name: g.name, state: t(`map.state.${g.state}`), count: g.open });
      const tile = svg("g", {
        class: `grid-tile grid-tile--${g.state}${current === g.id ? " is-selected" : ""}`,
        transform: `translate(${x} ${y})`,
        tabindex: 0,
        role: "button",
        "aria-pressed": String(current === g.id),
        "aria-label": label,
        "data-testid": "map-grid",
        "data-grid-id": g.id,
        "data-grid-name": g.name,
        "data-state": g.state,
      });
      tile.append(
        svg("title", {}, label),
        svg("rect", { class: "grid-tile__bg", width: TILE_W, height: heights[i] ?? 0, rx: 10 }),
        svg("text", { class: "grid-tile__name", x: PAD, y: 21 }, ...(names[i] ?? []).map((line, n) => svg("tspan", { x: PAD, dy: n === 0 ? 0 : NAME_LINE }, line))),
        svg("text", { class: "grid-tile__count", x: TILE_W - PAD, y: 21, "text-anchor": "end" }, g.open > 0 ? String(g.open) : "✓"),
      );
      g.buildings.forEach((b, j) => {
        const bx = PAD + (j % PER_ROW) * (B_W + B_GAP);
        const by = (headers[i] ?? HEADER) + PAD + Math.floor(j / PER_ROW) * (B_H + B_GAP);
        const bl = svg("g", { class: `bldg bldg--${b.state}`, transform: `translate(${bx} ${by})`, "data-testid": "map-building", "data-state": b.state });
        bl.append(
          svg("title", {}, t("map.buildingLabel", { name: b.name, state: t(`map.state.${b.state}`), count: b.open })),
          svg("rect", { width: B_W, height: B_H, rx: 4 }),
          svg("text", { x: B_W / 2, y: B_H / 2 + 4, "text-anchor": "middle" }, clip(b.name.replace(/^(bldg|building)\s*/i, ""), 6)),
        );
        tile.append(bl);
      });
      const toggle = (): void => onSelect(current === g.id ? null : g.id);
      tile.addEventListener("click", toggle);
      tile.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          toggle();
        }
      });
      root.append(tile);
    });
    const focusedGrid = document.activeElement?.getAttribute("data-grid-id");
    holder.replaceChildren(root);
    if (focusedGrid) holder.querySelector<SVGGElement>(`[data-grid-id="${focusedGrid}"]`)?.focus();
  }

  let lastKey = "";
  return {
    element,
    update(alerts) {
      const models = siteModel(grids, residents, alerts);
      // Redraw only when something visible changed (bursts update the board many times a second).
      const key = JSON.stringify([selected(), models.map((g) => [g.state, g.open, g.buildings.map((b) => b.state + b.open)])]);
      if (key === lastKey) return;
      lastKey = key;
      draw(models);
    },
  };
}
