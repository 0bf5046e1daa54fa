// The gateway's link to the hub, at the top of the duty room's local board: while it is down the alerts raised here
// are the only ones anybody sees, so it is the first thing on the page. Polled every 2 s (GET /api/gateway/info):
// the live channel carries the hub's alert messages only, which HubMessageHandlerTests holds equal to the hub's.

import { getGatewayInfo } from "../../api/auth";
import { ApiError } from "../../api/http";
import type { GatewayInfo } from "../../api/types";
import type { View } from "../../context";
import { t } from "../../i18n";
import { h, setAttr } from "../../ui/dom";
import { iconEl } from "../../ui/icons";

const POLL_MS = 2_000;

export function uplinkBanner(): View {
  const element = h("div", { class: "uplink", role: "status", "data-testid": "uplink-state", "data-state": "unknown" });
  let timer: number | undefined;
  let disposed = false;

  const show = (info: GatewayInfo | null): void => {
    const state = info === null ? "unknown" : info.uplinkConnected ? "connected" : "disconnected";
    if (element.getAttribute("data-state") === state && element.childElementCount > 0) return;
    setAttr(element, "data-state", state);
    element.className = `uplink uplink--${state}`;
    if (info === null) {
      element.replaceChildren(iconEl("warning"), h("span", {}, t("gateway.uplinkUnknown")));
    } else if (!info.uplinkConnected) {
      element.replaceChildren(
        iconEl("warning"),
        h("span", { class: "uplink__text" }, h("strong", {}, t("gateway.uplinkDown")), " ", t("gateway.uplinkDownHint")),
      );
    } else {
      element.replaceChildren(
        iconEl("check"),
        h("span", { class: "uplink__text" }, h("strong", {}, t("gateway.uplinkUp")), " ", t("gateway.uplinkUpHint")),
        ...(info.hubUrl ? [h("a", { class: "uplink__link", href: info.hubUrl, target: "_blank", rel: "noopener" }, t("gateway.openHub"))] : []),
      );
    }
  };

  const poll = async (): Promise<void> => {
    try {
      const info = await getGatewayInfo();
      if (!disposed) show(info);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return; // the session handler signs out
      if (!disposed) show(null);
    }
    if (!disposed) timer = window.setTimeout(() => void poll(), POLL_MS);
  };
  show(null);
  void poll();

  return {
    element,
    dispose() {
      disposed = true;
      window.clearTimeout(timer);
    },
  };
}
