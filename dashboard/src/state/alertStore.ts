// The board's source of truth: the set of open alerts, fed by two channels that race each other —
// pushes from SignalR (AlertRaised / AlertUpdated) and snapshots from `GET /api/alerts?status=open`
// (on start, after every reconnect, and while offline). Pure logic, no DOM and no I/O.
//
// Rules that make the merge gap-free and duplicate-free:
// 1. One entry per alert id; of two copies the higher `version` wins (equal: keep what we have).
// 2. A resolved alert leaves the open set, and its version is remembered (a tombstone) so an older
//    snapshot still listing it cannot bring it back.
// 3. A snapshot is the truth for alerts it does not list *unless* a push touched them after the
//    snapshot was requested: the push may be newer than the snapshot, so it is kept.

import type { AlertDto, Severity } from "../api/types";

const MAX_TOMBSTONES = 5_000;

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, warning: 2, info: 3 };

/** Severity first (critical on top), then oldest first, then id for a stable order. */
export function compareAlerts(a: AlertDto, b: AlertDto): number {
  return (
    (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
    Date.parse(a.raisedAt) - Date.parse(b.raisedAt) ||
    a.id - b.id
  );
}

export function isOpen(alert: AlertDto): boolean {
  return alert.status !== "resolved";
}

/** Still ringing: critical and nobody has taken it yet. */
export function needsAttention(alert: AlertDto): boolean {
  return alert.severity === "critical" && alert.status === "raised";
}

export interface AlertChange {
  /** Alerts that entered the open set (new to this board). */
  added: AlertDto[];
  /** Alerts that stayed open but changed. */
  updated: { before: AlertDto; after: AlertDto }[];
  /** Alerts that left the open set (resolved, or gone from scope). */
  removed: AlertDto[];
}

type Listener = (change: AlertChange) => void;

/** Token returned by {@link AlertStore.beginSnapshot}; pass it back with the snapshot's result. */
export interface SnapshotToken {
  readonly seq: number;
}

export class AlertStore {
  private readonly open = new Map<number, AlertDto>();
  private readonly tombstones = new Map<number, number>();
  /** Sequence number of the last push that touched each id. */
  private readonly touchedAt = new Map<number, number>();
  private seq = 0;
  private readonly listeners = new Set<Listener>();
  private loaded = false;
  private order: AlertDto[] | null = null;

  /** True once a first snapshot has been applied. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(id: number): AlertDto | undefined {
    return this.open.get(id);
  }

  /** Open alerts in board order; cached until the set changes (a board re-reads it every frame). */
  sorted(): AlertDto[] {
    if (!this.order) {
      // Parse each timestamp once, not once per comparison: 1,000 alerts would be ~20,000 parses.
      const keyed = [...this.open.values()].map((a) => ({ a, rank: SEVERITY_RANK[a.severity] ?? 9, at: Date.parse(a.raisedAt) }));
      keyed.sort((x, y) => x.rank - y.rank || x.at - y.at || x.a.id - y.a.id);
      this.order = keyed.map((k) => k.a);
    }
    return [...this.order];
  }

  /** Counts open alerts matching `predicate` without sorting. */
  count(predicate: (alert: AlertDto) => boolean): number {
    let n = 0;
    for (const a of this.open.values()) if (predicate(a)) n++;
    return n;
  }

  get size(): number {
    return this.open.size;
  }

  /** Applies one alert from a push or from an action's response. */
  upsert(alert: AlertDto): void {
    this.touchedAt.set(alert.id, ++this.seq);
    const change = emptyChange();
    this.apply(alert, change);
    this.emit(change);
  }

  /** Call before requesting a snapshot; pushes that arrive after this are not overruled by it. */
  beginSnapshot(): SnapshotToken {
    return { seq: ++this.seq };
  }

  /**
   * Merges a list of open alerts requested at `token`. `complete` = false when the hub cut the list
   * at its page size (newest ids first): then only alerts at or above the lowest listed id can be
   * known to be gone; older ones simply did not fit and stay.
   */
  applySnapshot(token: SnapshotToken, alerts: readonly AlertDto[], complete = true): void {
    const change = emptyChange();
    const listed = new Set<number>();
    let lowest = Number.POSITIVE_INFINITY;
    for (const alert of alerts) {
      listed.add(alert.id);
      lowest = Math.min(lowest, alert.id);
      this.apply(alert, change);
    }
    for (const [id, alert] of this.open) {
      if (listed.has(id)) continue;
      if (!complete && id < lowest) continue;
      if ((this.touchedAt.get(id) ?? 0) > token.seq) continue; // pushed after we asked: newer
      this.open.delete(id);
      this.order = null;
      this.bury(alert);
      change.removed.push(alert);
    }
    this.loaded = true;
    this.emit(change, true);
  }

  clear(): void {
    const removed = [...this.open.values()];
    this.open.clear();
    this.order = null;
    this.tombstones.clear();
    this.touchedAt.clear();
    this.loaded = false;
    this.emit({ added: [], updated: [], removed });
  }

  private apply(alert: AlertDto, change: AlertChange): void {
    const current = this.open.get(alert.id);
    const buried = this.tombstones.get(alert.id);
    if (current && current.version >= alert.version) return;
    if (buried !== undefined && buried >= alert.version) return;

    if (!isOpen(alert)) {
      this.bury(alert);
      if (current) {
        this.open.delete(alert.id);
        this.order = null;
        change.removed.push(alert);
      }
      return;
    }
    this.tombstones.delete(alert.id); // reopened with a newer version
    this.open.set(alert.id, alert);
    this.order = null;
    if (current) change.updated.push({ before: current, after: alert });
    else change.added.push(alert);
  }

  private bury(alert: AlertDto): void {
    this.touchedAt.delete(alert.id);
    this.tombstones.delete(alert.id);
    this.tombstones.set(alert.id, alert.version);
    // Bounded memory on a screen that runs for months: forget the oldest tombstones.
    if (this.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.tombstones.keys().next();
      if (!oldest.done) this.tombstones.delete(oldest.value);
    }
  }

  private emit(change: AlertChange, always = false): void {
    if (change.added.length + change.updated.length + change.removed.length > 0) this.order = null;
    if (!always && change.added.length + change.updated.length + change.removed.length === 0) return;
    for (const listener of this.listeners) listener(change);
  }
}

function emptyChange(): AlertChange {
  return { added: [], updated: [], removed: [] };
}
