// Reading kinds as data: how each series is labelled, shown and whether it is charted.
// Adding a sensor is a row here (names as in docs/protocol.md).

import { t, type MessageKey } from "../i18n";

export interface ReadingKind {
  label: MessageKey;
  unit: string;
  /** Numeric series worth a chart (the rest are events or health). */
  chart: boolean;
  /** true/false series: shown as yes/no. */
  bool?: boolean;
  digits?: number;
}

export const READINGS: Record<string, ReadingKind> = {
  temp: { label: "reading.temp", unit: "°C", chart: true, digits: 1 },
  hum: { label: "reading.hum", unit: "%", chart: true, digits: 0 },
  gas: { label: "reading.gas", unit: " ppm", chart: true, digits: 0 },
  motion: { label: "reading.motion", unit: "", chart: true, digits: 0 },
  bat: { label: "reading.bat", unit: "%", chart: false, digits: 0 },
  rssi: { label: "reading.rssi", unit: " dBm", chart: false, digits: 0 },
  sos: { label: "reading.sos", unit: "", chart: false, bool: true },
  fall: { label: "reading.fall", unit: "", chart: false, bool: true },
  smoke: { label: "reading.smoke", unit: "", chart: false, bool: true },
  door: { label: "reading.door", unit: "", chart: false, bool: true },
  leak: { label: "reading.leak", unit: "", chart: false, bool: true },
  test: { label: "reading.test", unit: "", chart: false, bool: true },
  online: { label: "reading.online", unit: "", chart: false, bool: true },
};

export function readingLabel(name: string): string {
  const kind = READINGS[name];
  return kind ? t(kind.label) : name;
}

export function readingValue(name: string, v: number): string {
  const kind = READINGS[name];
  if (kind?.bool) return v !== 0 ? t("reading.yes") : t("reading.no");
  const digits = kind?.digits ?? 2;
  return `${v.toFixed(digits)}${kind?.unit ?? ""}`;
}

/** Health of a device from what the hub knows: offline, weak battery, weak signal, or fine. */
export type Health = "ok" | "offline" | "battery" | "signal" | "revoked";

export function deviceHealth(d: { online: boolean; battery: number | null; rssi: number | null; revoked: boolean }): Health {
  if (d.revoked) return "revoked";
  if (!d.online) return "offline";
  if (d.battery !== null && d.battery < 20) return "battery";
  if (d.rssi !== null && d.rssi < -100) return "signal";
  return "ok";
}
