// Community edge gateways with their health: whether the hub hears them, how much they hold queued
// for it and since when, and their disk. Hidden while there is none.

import { listGateways } from "../../api/gateways";
import type { GatewayDto } from "../../api/types";
import type { View } from "../../context";
import { t, type MessageKey } from "../../i18n";
import { h } from "../../ui/dom";
import { formatAge } from "../../ui/format";

const GATEWAYS_REFRESH_MS = 15_000;

const COLUMNS = ["gateways.col.gateway", "gateways.col.status", "gateways.col.lastSeen", "gateways.col.devices", "gateways.col.queue", "gateways.col.disk"] as const;

function mib(bytes: number): string {
  return (bytes / 1_048_576).toFixed(bytes < 10_485_760 ? 1 : 0);
}

function status(g: GatewayDto): { key: MessageKey; health: string } {
  if (g.revoked) return { key: "gateways.revoked", health: "revoked" };
  if (g.silent) return { key: "gateways.silent", health: "offline" };
  if (!g.connected) return { key: "gateways.disconnected", health: "offline" };
  return { key: "gateways.connected", health: "ok" };
}

function row(g: GatewayDto): HTMLElement {
  const s = status(g);
  const queue =
    g.queueDepth === null ? "—" : g.queueDepth === 0 ? t("gateways.queueEmpty") : t("gateways.queue", { n: g.queueDepth, age: g.oldestQueuedAt ? formatAge(g.oldestQueuedAt) : "—" });
  const disk = g.diskUsedBytes === null ? "—" : g.diskQuotaBytes ? t("gateways.disk", { used: mib(g.diskUsedBytes), quota: mib(g.diskQuotaBytes) }) : t("gateways.diskUsed", { used: mib(g.diskUsedBytes) });
  return h(
    "tr",
    { "data-gateway-id": g.id },
    h("td", { "data-label": t(COLUMNS[0]) }, h("strong", {}, g.name), " ", h("span", { class: "muted" }, g.id)),
    h("td", { "data-label": t(COLUMNS[1]) }, h("span", { class: `health health--${s.health}`, "data-testid": "gateway-status" }, t(s.key))),
    h("td", { "data-label": t(COLUMNS[2]) }, g.lastSeenAt ? formatAge(g.lastSeenAt) : t("gateways.never")),
    h("td", { "data-label": t(COLUMNS[3]) }, g.devicesConnected === null ? "—" : String(g.devicesConnected)),
    h("td", { "data-label": t(COLUMNS[4]), "data-testid": "gateway-queue" }, queue),
    h("td", { "data-label": t(COLUMNS[5]) }, disk),
  );
}

export function gatewaysPanel(): View {
  const body = h("tbody", {});
  const element = h(
    "section",
    { class: "panel", "aria-labelledby": "gateways-heading", "data-testid": "gateways-panel", hidden: true },
    h("h2", { id: "gateways-heading", class: "panel__title" }, t("gateways.heading")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "table table--fleet", "data-testid": "gateways-table" },
        h("thead", {}, h("tr", {}, ...COLUMNS.map((k) => h("th", { scope: "col" }, t(k))))),
        body,
      ),
    ),
  );
  let disposed = false;
  async function refresh(): Promise<void> {
    try {
      const gateways = await listGateways();
      if (disposed) return;
      element.hidden = gateways.length === 0;
      body.replaceChildren(...gateways.map(row));
    } catch {
      // The fleet panel reports a hub that cannot be reached; this one keeps what it showed.
    }
  }
  const poll = window.setInterval(() => void refresh(), GATEWAYS_REFRESH_MS);
  void refresh();
  return {
    element,
    dispose() {
      disposed = true;
      window.clearInterval(poll);
    },
  };
}
