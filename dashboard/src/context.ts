// The contract between the shell (app.ts) and what it mounts: what a page gets, and what it gives
// back. Pages and header parts import these from here, never from app.ts, so the shell can import
// every page without an import cycle.

import type { GatewaySession, Me } from "./api/types";
import type { Workflow } from "./api/workflow";
import type { MessageKey } from "./i18n";
import type { Alarm } from "./sound/alarm";
import type { LiveAlerts } from "./state/liveAlerts";
import type { Announcer } from "./ui/announcer";

/** What a page gets: the signed-in user and the shared services. */
export interface AppContext {
  me: Me;
  live: LiveAlerts;
  alarm: Alarm;
  announcer: Announcer;
  /** Workflow endpoints this hub offers (null = not there yet; the UI leaves the control out). */
  flow: Workflow;
  /** Served by a community gateway: the duty room's local board (null at the hub). */
  gateway: GatewaySession | null;
  /** Route parameters after the page name: `#/residents/7` → ["7"]. */
  params: string[];
  /** Routes this user may open, for navigation. */
  nav: readonly { path: string; title: MessageKey }[];
  signOut(): Promise<void>;
}

/** A mounted piece of UI that may hold timers and subscriptions. */
export interface View {
  element: HTMLElement;
  dispose(): void;
}
