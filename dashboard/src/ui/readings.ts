// Readings as the catalogue describes them: label, unit, decimal places, whether a series is charted
// and whether it is a yes/no event. A new measurement in the hub's catalogue shows here unchanged.

import { tMaybe, t } from "../i18n";
import { catalog } from "../state/catalog";

/** SenML units (RFC 8428 §12.1, docs/protocol.md) as people write them; any other unit is shown as sent. */
const UNIT_SYMBOLS: Readonly<Record<string, string>> = {
  Cel: "°C",
  "%RH": "%",
  "%EL": "%",
  count: "",
};

/** The unit as shown: `Cel` → `°C`, `%RH` → `%`, `ppm` → `ppm`. */
export function unitSymbol(unit: string | null | undefined): string {
  if (!unit) return "";
  return Object.hasOwn(UNIT_SYMBOLS, unit) ? (UNIT_SYMBOLS[unit] ?? "") : unit;
}

/** A number with its unit: "°C" and "%" close up ("21.5°C"), words after a space ("180 ppm"). */
export function withUnit(value: string, symbol: string): string {
  if (!symbol) return value;
  return /^[%°]/.test(symbol) ? `${value}${symbol}` : `${value} ${symbol}`;
}

export function readingLabel(name: string): string {
  return tMaybe(catalog()?.measurement(name)?.label ?? `measurement.${name}`) ?? name;
}

/** The series' unit for a chart's axis. */
export function readingUnit(name: string): string {
  return unitSymbol(catalog()?.measurement(name)?.unit);
}

/** A numeric series sent as a reading (not a device-health value) is worth a chart. */
export function isCharted(name: string): boolean {
  const m = catalog()?.measurement(name);
  return m !== undefined && m.type === "number" && m.channel === "up";
}

/** "20.53°C", "412 ppm", "yes": the value with the measurement's precision and unit. */
export function readingValue(name: string, v: number): string {
  const m = catalog()?.measurement(name);
  if (m?.type === "bool") return v !== 0 ? t("value.yes") : t("value.no");
  if (!m) return String(Math.round(v * 100) / 100);
  return withUnit(v.toFixed(m.precision), unitSymbol(m.unit));
}

/** Health of a device from what the hub knows: offline, weak battery, weak signal, or fine. */
export type Health = "ok" | "offline" | "battery" | "signal" | "revoked";

/** Where a kind's catalogue row says nothing (an unknown kind): the hub's lowest low-battery threshold. */
const DEFAULT_LOW_BATTERY_PERCENT = 20;

export function deviceHealth(d: { kind: string; online: boolean; battery: number | null; rssi: number | null; revoked: boolean }): Health {
  if (d.revoked) return "revoked";
  if (!d.online) return "offline";
  // The same threshold as the hub's low-battery alert: smoke and CO detectors warn earlier than pendants.
  const low = catalog()?.deviceKind(d.kind)?.lowBatteryPercent ?? DEFAULT_LOW_BATTERY_PERCENT;
  if (d.battery !== null && d.battery < low) return "battery";
  if (d.rssi !== null && d.rssi < -100) return "signal";
  return "ok";
}
