// Wire contracts of the hub's public API (JSON, camelCase). Kept in one place so that a change on
// the hub side is a change here and the compiler points at every use.

export type Role = "Admin" | "EmergencyStaff" | "GridWorker" | "Technician" | "Family";

export type Language = "en" | "zh-CN";

/** `GET /api/me` */
export interface Me {
  userName: string;
  displayName: string;
  roles: Role[];
  language: Language | null;
}

export type Severity = "critical" | "high" | "warning" | "info";

export type AlertStatus = "raised" | "acknowledged" | "dispatched" | "on_site" | "resolved";

/** Kinds the hub raises today; the board shows any other kind with a readable fallback label. */
export const KNOWN_ALERT_KINDS = [
  "sos",
  "fall",
  "smoke",
  "gas",
  "water_leak",
  "temperature_low",
  "temperature_high",
  "device_offline",
  "test",
] as const;
export type KnownAlertKind = (typeof KNOWN_ALERT_KINDS)[number];
// `string & {}` keeps editor completion for the known kinds while accepting new ones.
export type AlertKind = KnownAlertKind | (string & {});

export const RESOLVE_OUTCOMES = ["real", "false_alarm", "device_fault", "resident_cancelled"] as const;
export type ResolveOutcome = (typeof RESOLVE_OUTCOMES)[number];

/** An alert as served by `GET /api/alerts` and pushed by the `/hubs/alerts` SignalR hub. */
export interface AlertDto {
  id: number;
  kind: AlertKind;
  severity: Severity;
  status: AlertStatus;
  deviceId: string;
  residentId: number | null;
  residentName: string | null;
  householdLabel: string | null;
  gridId: number | null;
  gridName: string | null;
  communityId: number | null;
  message: string;
  /** ISO 8601 */
  raisedAt: string;
  /** ISO 8601; moves forward as repeats fold into the alert. */
  lastSeenAt: string;
  occurrences: number;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  outcome: string | null;
  /** Increases on every change; the higher version of the same alert wins. */
  version: number;
}

export interface ResolveRequest {
  outcome: ResolveOutcome;
  note: string;
}
