// One live feed of open alerts per signed-in session: the store, the SignalR channel and the
// resync that keeps the two consistent. Pages (the board today; resident and family views later)
// subscribe to it rather than owning connections of their own.

import { listOpenAlerts, OPEN_ALERTS_LIMIT } from "../api/alerts";
import { ApiError } from "../api/http";
import type { AlertDto, PageDto } from "../api/types";
import { AlertHub, type ConnectionState } from "../live/alertHub";
import { AlertStore } from "./alertStore";

export interface FeedStatus {
  connection: ConnectionState;
  /** When the next connection attempt happens (disconnected only). */
  retryAt: number | null;
  /** When the board last heard from the hub: the open list fetched, or a live push (ms since epoch). */
  lastSync: number | null;
  /** The last fetch failed (and will be retried). */
  syncFailed: boolean;
}

type StatusListener = (status: FeedStatus) => void;
type PageListener = (page: PageDto) => void;

const RESYNC_RETRY_MS = 5_000;

export class LiveAlerts {
  readonly store = new AlertStore();
  private readonly hub: AlertHub;
  private status: FeedStatus = { connection: "connecting", retryAt: null, lastSync: null, syncFailed: false };
  private readonly listeners = new Set<StatusListener>();
  private readonly pageListeners = new Set<PageListener>();
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private retryTimer: number | undefined;
  private disposed = false;

  constructor(onUnauthorized: () => void) {
    this.hub = new AlertHub({
      // A push is as fresh as a fetch: "Updated" moves with it, not only with resyncs.
      onAlert: (alert: AlertDto) => {
        this.store.upsert(alert);
        this.setStatus({ lastSync: Date.now() });
      },
      onPaged: (page: PageDto) => {
        // The page carries the alert as it is now: the board shows it even if its own push is still on the way.
        this.store.upsert(page.alert);
        this.setStatus({ lastSync: Date.now() });
        for (const listener of this.pageListeners) listener(page);
      },
      onResync: () => void this.resync(),
      onState: (connection, retryAt) => this.setStatus({ connection, retryAt }),
      onUnauthorized,
    });
  }

  get current(): FeedStatus {
    return this.status;
  }

  subscribe(listener: StatusListener): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  /** Pages for this user (`Paged`). */
  onPaged(listener: PageListener): () => void {
    this.pageListeners.add(listener);
    return () => this.pageListeners.delete(listener);
  }

  start(): void {
    void this.hub.start();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    window.clearTimeout(this.retryTimer);
    this.listeners.clear();
    this.pageListeners.clear();
    await this.hub.stop().catch(() => {});
  }

  /**
   * Fetches the open list and merges it. Single-flight: a request for a resync while one is
   * running schedules exactly one more afterwards (the running one may predate the gap).
   */
  resync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        await this.fetchOnce();
      } while (this.syncAgain && !this.disposed);
    })().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async fetchOnce(): Promise<void> {
    window.clearTimeout(this.retryTimer);
    const token = this.store.beginSnapshot();
    try {
      const alerts = await listOpenAlerts();
      if (this.disposed) return;
      this.store.applySnapshot(token, alerts, alerts.length < OPEN_ALERTS_LIMIT);
      this.setStatus({ lastSync: Date.now(), syncFailed: false });
    } catch (error) {
      if (this.disposed) return;
      if (error instanceof ApiError && error.status === 401) return; // session handler takes over
      this.setStatus({ syncFailed: true });
      // Offline polling retries on its own; while connected nothing else would.
      if (this.status.connection === "connected") {
        this.retryTimer = window.setTimeout(() => void this.resync(), RESYNC_RETRY_MS);
      }
    }
  }

  private setStatus(patch: Partial<FeedStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const listener of this.listeners) listener(this.status);
  }
}
