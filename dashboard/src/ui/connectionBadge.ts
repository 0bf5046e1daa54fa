// Live-connection indicator. data-state is one of connected | reconnecting | disconnected (the
// first connection attempt counts as reconnecting) for tests and for styling.

import type { View } from "../context";
import { t } from "../i18n";
import type { ConnectionState } from "../live/alertHub";
import type { FeedStatus, LiveAlerts } from "../state/liveAlerts";
import { h, setAttr, setText } from "./dom";
import { formatTime } from "./format";

const TEST_STATE: Record<ConnectionState, string> = {
  connecting: "reconnecting",
  connected: "connected",
  reconnecting: "reconnecting",
  disconnected: "disconnected",
};

export function connectionBadge(live: LiveAlerts): View {
  const label = h("span", { class: "conn__label" });
  const detail = h("span", { class: "conn__detail" });
  const element = h(
    "div",
    { class: "conn", role: "status", "data-testid": "connection-state" },
    h("span", { class: "conn__dot", "aria-hidden": "true" }),
    label,
    detail,
  );

  let status: FeedStatus = live.current;
  const paint = (): void => {
    setAttr(element, "data-state", TEST_STATE[status.connection]);
    setText(label, t(`conn.${status.connection}`));
    let extra = "";
    if (status.connection === "disconnected" && status.retryAt !== null) {
      extra = t("conn.retryIn", { seconds: Math.max(0, Math.ceil((status.retryAt - Date.now()) / 1000)) });
    } else if (status.connection !== "connected" && status.lastSync !== null) {
      extra = t("conn.lastSync", { time: formatTime(new Date(status.lastSync).toISOString()) });
    }
    setText(detail, extra);
    setAttr(element, "title", status.lastSync ? t("conn.lastSync", { time: formatTime(new Date(status.lastSync).toISOString()) }) : null);
  };
  const unsubscribe = live.subscribe((s) => {
    status = s;
    paint();
  });
  const ticker = window.setInterval(() => {
    if (status.connection === "disconnected") paint();
  }, 1000);

  return {
    element,
    dispose() {
      unsubscribe();
      window.clearInterval(ticker);
    },
  };
}
