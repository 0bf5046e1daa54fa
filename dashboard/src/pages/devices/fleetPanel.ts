// The fleet: every device the technician may see, filtered, refreshed every few seconds; the
// summary line counts online and offline devices.

import { listDevices, rotateSecret } from "../../api/devices";
import { ApiError } from "../../api/http";
import type { DeviceCredentials, DeviceDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t } from "../../i18n";
import { h, setText } from "../../ui/dom";
import { deviceHealth } from "../../ui/readings";
import { FLEET_COLUMNS, fleetRows } from "./fleetRow";
import { TestAlarms } from "./testAlarm";

const FLEET_REFRESH_MS = 10_000;

export interface FleetPanel extends View {
  refresh(): Promise<void>;
}

/** `rotated`: a device got a new secret; its credentials are to be shown. */
export function fleetPanel(ctx: AppContext, rotated: (creds: DeviceCredentials) => void): FleetPanel {
  const filter = h("input", { id: "fleet-filter", type: "search", class: "input", autocomplete: "off", "data-testid": "fleet-filter" });
  const problemsOnly = h("input", { id: "fleet-problems", type: "checkbox", "data-testid": "fleet-problems" });
  const summary = h("p", { class: "muted", role: "status", "data-testid": "fleet-summary" });
  const body = h("tbody", {});
  const table = h(
    "table",
    { class: "table table--fleet", "data-testid": "fleet-table" },
    h("caption", { class: "sr-only" }, t("devices.fleet")),
    h("thead", {}, h("tr", {}, ...FLEET_COLUMNS.map((k) => h("th", { scope: "col" }, t(k))))),
    body,
  );
  let fleet: DeviceDto[] = [];
  let disposed = false;
  const expanded = new Set<string>();
  const tests = new TestAlarms(render, (id) => ctx.announcer.say(t("devices.testArrivedAnnounce", { id })));

  function render(): void {
    const q = filter.value.trim().toLowerCase();
    const shown = fleet.filter(
      (d) => (!q || `${d.id} ${d.label ?? ""} ${d.kind} ${d.firmware ?? ""}`.toLowerCase().includes(q)) && (!problemsOnly.checked || deviceHealth(d) !== "ok" || d.rejected > 0),
    );
    const online = fleet.filter((d) => d.online).length;
    setText(summary, t("devices.summary", { total: fleet.length, online, offline: fleet.length - online, shown: shown.length }));
    const focusedTestId = document.activeElement?.closest("[data-device-id]")?.getAttribute("data-device-id");
    const focusedHook = document.activeElement?.getAttribute("data-testid");
    body.replaceChildren(
      ...shown.flatMap((d) =>
        fleetRows(
          d,
          { expanded: expanded.has(d.id), test: tests.get(d.id) },
          { toggleRejections: () => toggleRejections(d.id), testAlarm: () => void tests.send(d.id), newSecret: () => void newSecret(d.id) },
        ),
      ),
    );
    if (focusedTestId && focusedHook) body.querySelector<HTMLElement>(`[data-device-id="${CSS.escape(focusedTestId)}"] [data-testid="${focusedHook}"]`)?.focus();
  }

  function toggleRejections(id: string): void {
    if (expanded.has(id)) expanded.delete(id);
    else expanded.add(id);
    render();
  }

  async function newSecret(id: string): Promise<void> {
    try {
      rotated(await rotateSecret(id));
    } catch {
      setText(summary, t("devices.rotateFailed", { id }));
    }
  }

  async function refresh(): Promise<void> {
    try {
      fleet = await listDevices();
      if (!disposed) render();
    } catch (error) {
      if (!disposed) setText(summary, error instanceof ApiError && error.isNetwork ? t("card.offline") : t("resident.loadFailed"));
    }
  }
  const poll = window.setInterval(() => void refresh(), FLEET_REFRESH_MS);
  filter.addEventListener("input", render);
  problemsOnly.addEventListener("change", render);
  void refresh();
  setText(summary, t("app.loading"));

  const element = h(
    "section",
    { class: "panel", "aria-labelledby": "fleet-heading" },
    h("h2", { id: "fleet-heading", class: "panel__title" }, t("devices.fleet")),
    h(
      "div",
      { class: "toolbar" },
      h("div", { class: "field field--inline" }, h("label", { for: "fleet-filter", class: "label" }, t("devices.filter")), filter),
      h("label", { class: "check" }, problemsOnly, " ", t("devices.problemsOnly")),
    ),
    summary,
    h("div", { class: "table-wrap" }, table),
  );
  return {
    element,
    refresh,
    dispose() {
      disposed = true;
      window.clearInterval(poll);
      tests.dispose();
    },
  };
}
