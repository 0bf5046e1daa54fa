// The schematic site plan as data: grids, the buildings in them (from household addresses), and
// the state of each from the open alerts. Pure: no DOM, unit-tested.

import type { AlertDto, GridDto, ResidentDto } from "../api/types";
import { needsAttention } from "../state/alertStore";

/** ok: nothing open · open: alerts being handled or not critical · alarm: critical and nobody has taken it. */
export type PlaceState = "ok" | "open" | "alarm";

export interface BuildingModel {
  key: string;
  name: string;
  state: PlaceState;
  open: number;
}

export interface GridModel {
  id: number;
  name: string;
  state: PlaceState;
  open: number;
  buildings: BuildingModel[];
}

/** "Bldg 1, Flat 101" → "Bldg 1"; "3号楼 2单元 301" → "3号楼"; otherwise the whole address. */
export function buildingOf(address: string | null | undefined): string | null {
  if (!address) return null;
  const trimmed = address.trim();
  const comma = trimmed.split(/[,，]/)[0]?.trim();
  if (comma && comma !== trimmed) return comma;
  const zh = /^(\S+?[号幢栋]楼?)/.exec(trimmed);
  if (zh?.[1]) return zh[1];
  return trimmed;
}

function worse(a: PlaceState, b: PlaceState): PlaceState {
  const rank: Record<PlaceState, number> = { ok: 0, open: 1, alarm: 2 };
  return rank[b] > rank[a] ? b : a;
}

export function alertState(alert: AlertDto): PlaceState {
  return needsAttention(alert) ? "alarm" : "open";
}

export function siteModel(grids: readonly GridDto[], residents: readonly ResidentDto[], alerts: readonly AlertDto[]): GridModel[] {
  const models = new Map<number, GridModel>();
  const buildings = new Map<number, Map<string, BuildingModel>>();
  for (const g of grids) {
    models.set(g.id, { id: g.id, name: g.name, state: "ok", open: 0, buildings: [] });
    buildings.set(g.id, new Map());
  }
  const building = (gridId: number, name: string): BuildingModel | null => {
    const inGrid = buildings.get(gridId);
    if (!inGrid) return null;
    let b = inGrid.get(name);
    if (!b) {
      b = { key: `${gridId}:${name}`, name, state: "ok", open: 0 };
      inGrid.set(name, b);
    }
    return b;
  };
  for (const r of residents) {
    const name = buildingOf(r.householdAddress);
    if (r.gridId !== null && name) building(r.gridId, name);
  }
  for (const a of alerts) {
    if (a.status === "resolved" || a.gridId === null) continue;
    const grid = models.get(a.gridId);
    if (!grid) continue;
    const state = alertState(a);
    grid.open++;
    grid.state = worse(grid.state, state);
    const name = buildingOf(a.householdLabel);
    const b = name ? building(a.gridId, name) : null;
    if (b) {
      b.open++;
      b.state = worse(b.state, state);
    }
  }
  for (const g of models.values()) {
    g.buildings = [...(buildings.get(g.id)?.values() ?? [])].sort((x, y) => x.name.localeCompare(y.name, undefined, { numeric: true }));
  }
  return [...models.values()];
}
