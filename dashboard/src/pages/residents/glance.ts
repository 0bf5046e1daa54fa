// The resident's status at a glance: all well, an open alert (the most urgent one), or a device
// that has gone quiet.

import type { AlertDto, ResidentDetailDto } from "../../api/types";
import { t } from "../../i18n";
import { h } from "../../ui/dom";
import { formatAge, kindLabel, statusLabel } from "../../ui/format";
import { iconEl } from "../../ui/icons";

/** Fills `status` (the glance section) from the resident's details and their open alerts, most urgent first. */
export function showGlance(status: HTMLElement, detail: ResidentDetailDto | null, open: AlertDto[]): void {
  const name = detail?.resident.name ?? "";
  const offline = detail?.devices.filter((d) => !d.online && !d.revoked).length ?? 0;
  let state: "ok" | "alert" | "watch" = "ok";
  let text = t("glance.ok", { name });
  if (open.length > 0) {
    state = "alert";
    const top = open[0];
    text = top
      ? t("glance.alert", { name, kind: kindLabel(top.kind), status: statusLabel(top.status), age: formatAge(top.raisedAt) })
      : text;
  } else if (offline > 0) {
    state = "watch";
    text = t("glance.deviceOffline", { name, count: offline });
  }
  status.className = `glance glance--${state}`;
  status.setAttribute("data-state", state);
  status.replaceChildren(
    h("span", { class: "glance__icon", "aria-hidden": "true" }, iconEl(state === "ok" ? "shield" : state === "alert" ? "bell" : "warning", "icon icon--xl")),
    h("div", {}, h("p", { class: "glance__text" }, text), detail ? h("p", { class: "glance__sub" }, t("glance.devices", { online: detail.devices.filter((d) => d.online).length, total: detail.devices.length })) : null),
  );
}
