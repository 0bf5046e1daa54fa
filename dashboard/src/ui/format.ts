// Human-readable labels and times for alerts, in the active language.

import type { AlertDto, AlertStatus, Role, Severity } from "../api/types";
import { language, t, tMaybe } from "../i18n";
import { catalog } from "../state/catalog";

/** An alert kind's title from the catalogue ("carbon_monoxide" → "Carbon monoxide" / "一氧化碳"). */
export function kindLabel(kind: string): string {
  return tMaybe(catalog()?.alertKind(kind)?.label ?? `alert_kind.${kind}`) ?? humanize(kind);
}

/** A device kind's name from the catalogue ("co" → "Carbon monoxide detector"). */
export function deviceKindLabel(kind: string): string {
  return tMaybe(catalog()?.deviceKind(kind)?.label ?? `device_kind.${kind}`) ?? humanize(kind);
}

/** The catalogue's icon name for an alert kind ("sos" → "pendant"); null for a kind it does not know. */
export function alertIconName(kind: string): string | null {
  return catalog()?.alertKind(kind)?.icon ?? null;
}

/** The catalogue's icon name for a device kind. */
export function deviceIconName(kind: string): string | null {
  return catalog()?.deviceKind(kind)?.icon ?? null;
}

export function severityLabel(severity: Severity): string {
  return tMaybe(`severity.${severity}`) ?? humanize(severity);
}

export function statusLabel(status: AlertStatus): string {
  return tMaybe(`status.${status}`) ?? humanize(status);
}

export function roleLabel(role: Role): string {
  return tMaybe(`role.${role}`) ?? humanize(role);
}

/** "carbon_monoxide" → "Carbon monoxide": codes stay readable when the catalogue has not arrived. */
export function humanize(code: string): string {
  const words = code.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Where the alert is, for cards and announcements: resident, household, grid — what is known. */
export function whereText(alert: AlertDto): string {
  const parts = [alert.residentName, alert.householdLabel, alert.gridName].filter(
    (p): p is string => !!p && p.length > 0,
  );
  return parts.length > 0 ? parts.join(", ") : alert.deviceId;
}

/** "just now", "3 min ago", "2 h 5 min ago", "1 d 3 h ago". */
export function formatAge(iso: string, now: number = Date.now()): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return "";
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return t("time.justNow");
  if (minutes < 60) return t("time.minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t("time.hours", { h: hours, m: minutes % 60 });
  return t("time.days", { d: Math.floor(hours / 24), h: hours % 24 });
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${language()}|${key}`;
  let f = formatters.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(language(), options);
    formatters.set(id, f);
  }
  return f;
}

/** Clock time today ("14:03:27"), date and time otherwise ("28 Nov, 14:03"). */
export function formatTime(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay
    ? formatter("time", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(date)
    : formatter("datetime", {
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        hour12: false,
      }).format(date);
}

/** Full timestamp for tooltips and `<time title>`. */
export function formatFull(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return formatter("full", { dateStyle: "medium", timeStyle: "medium" }).format(date);
}

/** "4:59" */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}
