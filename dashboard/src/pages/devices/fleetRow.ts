// One device in the fleet table: health, battery, signal, last seen, firmware, rejected payloads
// (with their reasons when opened), and the test-alarm and new-secret actions.

import { deviceRejections } from "../../api/devices";
import type { DeviceDto } from "../../api/types";
import { t, tMaybe } from "../../i18n";
import { h } from "../../ui/dom";
import { deviceKindLabel, formatAge, formatFull, formatTime } from "../../ui/format";
import { deviceHealth } from "../../ui/readings";
import { testText, type TestAlarm } from "./testAlarm";

export const FLEET_COLUMNS = [
  "devices.col.device",
  "devices.col.kind",
  "devices.col.place",
  "devices.col.status",
  "devices.col.battery",
  "devices.col.rssi",
  "devices.col.lastSeen",
  "devices.col.firmware",
  "devices.col.rejected",
  "devices.col.actions",
] as const;

export interface FleetRowState {
  /** The rejected payloads' reasons are open. */
  expanded: boolean;
  test: TestAlarm | undefined;
}

export interface FleetRowActions {
  toggleRejections(): void;
  testAlarm(): void;
  newSecret(): void;
}

/** The device's row, and below it the reasons for rejected payloads when they are open. */
export function fleetRows(d: DeviceDto, state: FleetRowState, actions: FleetRowActions): HTMLElement[] {
  const health = deviceHealth(d);
  const row = h(
    "tr",
    { "data-testid": "fleet-row", "data-device-id": d.id, "data-online": String(d.online), class: `row--${health}` },
    h("td", { "data-label": t("devices.col.device") }, h("code", { class: "mono" }, d.id), d.label ? h("span", { class: "muted" }, ` ${d.label}`) : null),
    h("td", { "data-label": t("devices.col.kind") }, deviceKindLabel(d.kind)),
    h("td", { "data-label": t("devices.col.place") }, placeText(d) || "—"),
    h("td", { "data-label": t("devices.col.status") }, h("span", { class: `health health--${health}`, "data-testid": "device-status" }, d.online ? t("devices.online") : t("devices.offline")), health !== "ok" && health !== "offline" ? h("span", { class: "muted" }, ` ${t(`health.${health}`)}`) : null),
    h("td", { "data-label": t("devices.col.battery") }, d.battery !== null ? batteryMeter(d.battery) : "—"),
    h("td", { "data-label": t("devices.col.rssi") }, d.rssi !== null ? `${d.rssi} dBm` : "—"),
    h("td", { "data-label": t("devices.col.lastSeen") }, d.lastSeenAt ? h("time", { datetime: d.lastSeenAt, title: formatFull(d.lastSeenAt) }, formatAge(d.lastSeenAt)) : t("devices.never")),
    h("td", { "data-label": t("devices.col.firmware") }, d.firmware ?? "—"),
    h("td", { "data-label": t("devices.col.rejected") }, rejectedCount(d, state.expanded, actions.toggleRejections)),
    h("td", { "data-label": t("devices.col.actions") }, ...deviceActions(d, state.test, actions)),
  );
  return state.expanded ? [row, rejectionsRow(d)] : [row];
}

function placeText(d: DeviceDto): string {
  return [d.residentId ? t("devices.resident", { id: d.residentId }) : null, d.householdId ? t("devices.household", { id: d.householdId }) : null, d.gridId ? t("devices.gridN", { id: d.gridId }) : null]
    .filter(Boolean)
    .join(" · ");
}

/** How many payloads the hub rejected; a button that opens their reasons when there are any. */
function rejectedCount(d: DeviceDto, expanded: boolean, toggle: () => void): HTMLElement {
  if (d.rejected > 0) {
    return h(
      "button",
      { type: "button", class: "btn btn--ghost btn--compact text-alert", "aria-expanded": String(expanded), "data-testid": "rejected-toggle", onclick: toggle },
      String(d.rejected),
    );
  }
  return h("span", {}, "0");
}

/** Test alarm (with how it went) and a new secret. */
function deviceActions(d: DeviceDto, test: TestAlarm | undefined, actions: FleetRowActions): (HTMLElement | string | null)[] {
  return [
    h("a", { href: `#/devices/${encodeURIComponent(d.id)}`, class: "btn btn--ghost btn--compact", "data-testid": "device-settings" }, t("config.open")),
    " ",
    h(
      "button",
      { type: "button", class: "btn btn--secondary btn--compact", "data-testid": "test-alarm", "aria-disabled": test?.state === "sending" || test?.state === "sent" ? "true" : null, onclick: () => actions.testAlarm() },
      t("devices.testAlarm"),
    ),
    test ? h("span", { class: `test-result test-result--${test.state}`, role: "status", "data-testid": "test-result", "data-state": test.state }, testText(test)) : null,
    " ",
    h("button", { type: "button", class: "btn btn--ghost btn--compact", "data-testid": "rotate-secret", onclick: () => actions.newSecret() }, t("devices.rotate")),
  ];
}

/** The reasons for rejected payloads, counted, with the last time and detail of each. */
function rejectionsRow(d: DeviceDto): HTMLElement {
  const cell = h("td", { colspan: String(FLEET_COLUMNS.length) }, h("p", { class: "muted" }, t("app.loading")));
  deviceRejections(d.id)
    .then((r) =>
      cell.replaceChildren(
        h("ul", { class: "reasons" }, ...r.counts.map((c) => h("li", {}, h("strong", {}, `${tMaybe(`reason.${c.reason}`) ?? c.reason} ×${c.count}`), " ", h("span", { class: "muted" }, `${formatTime(c.lastAt)}${c.lastDetail ? ` — ${c.lastDetail}` : ""}`)))),
      ),
    )
    .catch(() => cell.replaceChildren(h("p", { class: "form-error" }, t("resident.loadFailed"))));
  return h("tr", { class: "row--detail", "data-testid": "rejections" }, cell);
}

function batteryMeter(percent: number): HTMLElement {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  return h("span", { class: `battery${p < 20 ? " battery--low" : ""}` }, h("meter", { min: "0", max: "100", low: "20", high: "50", optimum: "100", value: String(p), "aria-label": `${p}%` }), ` ${p}%`);
}
