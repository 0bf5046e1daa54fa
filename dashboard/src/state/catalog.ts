// The sensor vocabulary as the hub serves it (`GET /api/catalog`): device kinds, measurements and alert
// kinds with their texts in every language. Loaded once per page (the browser may keep the response
// for an hour) and then looked up synchronously; the dashboard keeps no list of kinds of its own.
// Until it has arrived (or when the hub is unreachable at start) labels fall back to readable codes.

import { fetchCatalog } from "../api/catalog";
import type { AlertKindDto, CatalogDto, DeviceKindDto, MeasurementDto } from "../api/types";
import { addTexts } from "../i18n";

export class Catalog {
  private readonly kinds: ReadonlyMap<string, DeviceKindDto>;
  private readonly readings: ReadonlyMap<string, MeasurementDto>;
  private readonly alerts: ReadonlyMap<string, AlertKindDto>;

  constructor(readonly dto: CatalogDto) {
    this.kinds = new Map(dto.deviceKinds.map((k) => [k.kind, k]));
    this.readings = new Map(dto.measurements.map((m) => [m.name, m]));
    this.alerts = new Map(dto.alertKinds.map((a) => [a.kind, a]));
  }

  /** Device kinds in the hub's order (registration offers them in this order). */
  get deviceKinds(): readonly DeviceKindDto[] {
    return this.dto.deviceKinds;
  }

  deviceKind(kind: string): DeviceKindDto | undefined {
    return this.kinds.get(kind);
  }

  measurement(name: string): MeasurementDto | undefined {
    return this.readings.get(name);
  }

  alertKind(kind: string): AlertKindDto | undefined {
    return this.alerts.get(kind);
  }
}

let current: Catalog | null = null;
let loading: Promise<Catalog> | null = null;
const listeners = new Set<(catalog: Catalog) => void>();

/** The catalogue, once loaded. */
export function catalog(): Catalog | null {
  return current;
}

/** Makes `dto` the catalogue and merges its texts into the i18n lookup. */
export function useCatalog(dto: CatalogDto): Catalog {
  addTexts(dto.texts);
  current = new Catalog(dto);
  for (const listener of listeners) listener(current);
  return current;
}

/** Loads the catalogue once; a failed load is tried again on the next call. */
export function loadCatalog(): Promise<Catalog> {
  if (current) return Promise.resolve(current);
  loading ??= fetchCatalog().then(useCatalog, (error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

/** Called when a catalogue arrives (e.g. late, after the hub came back): views re-render their labels. */
export function onCatalog(listener: (catalog: Catalog) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
