// The live channel: the `/hubs/alerts` SignalR hub (cookie auth). It reports its state, hands pushed
// alerts on, and asks for a resync whenever a gap is possible (first connect, every reconnect).
// While it is down it keeps retrying with backoff, and asks for resyncs by polling so the board
// stays current over plain HTTP.

import {
  type HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  HttpTransportType,
  LogLevel,
  type IRetryPolicy,
  type RetryContext,
} from "@microsoft/signalr";
import type { AlertDto, CaseDto, PageDto } from "../api/types";
import { language } from "../i18n";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

/** Pages that show cases listen here; the one live connection hands pushed cases on. */
const caseListeners = new Set<(c: CaseDto) => void>();

/** Calls `listener` with every case the hub pushes (opened or changed); returns the unsubscribe. */
export function onCaseUpdated(listener: (c: CaseDto) => void): () => void {
  caseListeners.add(listener);
  return () => caseListeners.delete(listener);
}

export interface AlertHubEvents {
  onAlert(alert: AlertDto): void;
  /** This user is paged for an alert (escalation reached them). */
  onPaged(page: PageDto): void;
  /** A gap is possible: fetch the open list and merge it. */
  onResync(): void;
  onState(state: ConnectionState, retryAt: number | null): void;
  /** The hub refused the session (negotiate → 401). */
  onUnauthorized(): void;
}

/** SignalR's own reconnect: quick at first, then it gives up and we take over with start(). */
const reconnectPolicy: IRetryPolicy = {
  nextRetryDelayInMilliseconds(ctx: RetryContext): number | null {
    const delays = [0, 1_000, 3_000, 5_000, 10_000, 20_000];
    return ctx.previousRetryCount < delays.length ? (delays[ctx.previousRetryCount] ?? null) : null;
  },
};

/** Restart backoff once the connection is closed, and the poll interval while offline. */
const RESTART_DELAYS_MS = [2_000, 5_000, 10_000, 15_000, 30_000];
const OFFLINE_POLL_MS = 15_000;

export class AlertHub {
  private readonly connection: HubConnection;
  private stopped = false;
  private restartTimer: number | undefined;
  private pollTimer: number | undefined;
  private failures = 0;

  constructor(
    private readonly events: AlertHubEvents,
    // The hub renders every pushed text in the connection's language: the profile's, else this one (a browser cannot
    // set headers on a WebSocket). A language switch starts a new connection.
    url = `/hubs/alerts?lang=${encodeURIComponent(language())}`,
  ) {
    this.connection = new HubConnectionBuilder()
      .withUrl(url, {
        withCredentials: true,
        // WebSockets first; SSE and long polling keep working behind proxies that block them.
        transport: HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling,
      })
      .withAutomaticReconnect(reconnectPolicy)
      .configureLogging(LogLevel.Warning)
      .build();
    // A wall screen may sit idle for hours; keep the defaults explicit.
    this.connection.serverTimeoutInMilliseconds = 30_000;
    this.connection.keepAliveIntervalInMilliseconds = 15_000;

    // Every method of the hub's client interface (IAlertsClient) has its handler here, one literal name each:
    // SignalR only logs a warning for a message nobody handles, so HubMessageHandlerTests holds these names
    // equal to the interface's methods.
    this.connection.on("AlertRaised", (alert: AlertDto) => this.events.onAlert(alert));
    this.connection.on("AlertUpdated", (alert: AlertDto) => this.events.onAlert(alert));
    this.connection.on("Paged", (page: PageDto) => this.events.onPaged(page));
    this.connection.on("CaseUpdated", (c: CaseDto) => caseListeners.forEach((l) => l(c)));
    // start() resolves at the handshake, before the hub has put the connection into its groups; the hub says
    // when it has, and only a fetch after that closes the gap.
    this.connection.on("Subscribed", () => this.events.onResync());
    this.connection.onreconnecting(() => {
      this.events.onState("reconnecting", null);
    });
    this.connection.onreconnected(() => {
      this.failures = 0;
      this.stopPolling();
      this.events.onState("connected", null);
      this.events.onResync();
    });
    this.connection.onclose(() => {
      if (!this.stopped) this.scheduleRestart();
    });
  }

  get state(): HubConnectionState {
    return this.connection.state;
  }

  async start(): Promise<void> {
    this.stopped = false;
    window.addEventListener("online", this.retryNow);
    document.addEventListener("visibilitychange", this.retryWhenVisible);
    await this.connect(this.failures === 0 ? "connecting" : "reconnecting");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    window.clearTimeout(this.restartTimer);
    this.stopPolling();
    window.removeEventListener("online", this.retryNow);
    document.removeEventListener("visibilitychange", this.retryWhenVisible);
    await this.connection.stop();
  }

  private async connect(state: ConnectionState): Promise<void> {
    if (this.stopped || this.connection.state !== HubConnectionState.Disconnected) return;
    window.clearTimeout(this.restartTimer);
    this.events.onState(state, null);
    try {
      await this.connection.start();
    } catch (error) {
      if (this.stopped) return;
      if (statusOf(error) === 401) {
        this.events.onUnauthorized();
        return;
      }
      this.scheduleRestart();
      return;
    }
    if (this.stopped) return;
    this.failures = 0;
    this.stopPolling();
    this.events.onState("connected", null);
    // Subscribed first, then fetched: anything raised in between arrives by push or in the list.
    this.events.onResync();
  }

  private scheduleRestart(): void {
    const delay = RESTART_DELAYS_MS[Math.min(this.failures, RESTART_DELAYS_MS.length - 1)] ?? 30_000;
    this.failures++;
    window.clearTimeout(this.restartTimer);
    this.restartTimer = window.setTimeout(() => void this.connect("reconnecting"), delay);
    this.events.onState("disconnected", Date.now() + delay);
    this.startPolling();
  }

  /** Offline: keep the board current over HTTP until the live channel is back. */
  private startPolling(): void {
    if (this.pollTimer !== undefined) return;
    this.events.onResync();
    this.pollTimer = window.setInterval(() => this.events.onResync(), OFFLINE_POLL_MS);
  }

  private stopPolling(): void {
    window.clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private readonly retryNow = (): void => {
    if (this.connection.state === HubConnectionState.Disconnected) void this.connect("reconnecting");
  };

  private readonly retryWhenVisible = (): void => {
    if (document.visibilityState === "visible") this.retryNow();
  };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "statusCode" in error) {
    const code = (error as { statusCode: unknown }).statusCode;
    return typeof code === "number" ? code : undefined;
  }
  return undefined;
}
