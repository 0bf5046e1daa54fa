// One of the resident's devices: its health, where it is, and its latest readings.

import type { DeviceDto, LatestDto } from "../../api/types";
import { t, tMaybe } from "../../i18n";
import { h } from "../../ui/dom";
import { deviceIconName, deviceKindLabel, formatAge, formatFull } from "../../ui/format";
import { artworkEl } from "../../ui/icons";
import { deviceHealth, readingLabel, readingValue } from "../../ui/readings";

export function deviceCard(d: DeviceDto, latest: readonly LatestDto[]): HTMLElement {
  const health = deviceHealth(d);
  return h(
    "article",
    { class: `device device--${health}`, "data-testid": "device-card", "data-device-id": d.id, "data-health": health },
    h(
      "header",
      { class: "device__head" },
      artworkEl(deviceIconName(d.kind)),
      h("h3", { class: "device__title" }, d.label ?? deviceKindLabel(d.kind)),
      h("span", { class: `health health--${health}` }, t(`health.${health}`)),
    ),
    h(
      "p",
      { class: "device__meta" },
      h("code", { class: "mono" }, d.id),
      " · ",
      deviceKindLabel(d.kind),
      " · ",
      tMaybe(`location.${d.location}`) ?? d.location,
    ),
    h(
      "dl",
      { class: "device__readings" },
      ...latest.map((l) =>
        h(
          "div",
          { class: "reading", "data-reading": l.name },
          h("dt", {}, readingLabel(l.name)),
          h("dd", {}, readingValue(l.name, l.v), " ", h("time", { class: "muted", datetime: l.t, title: formatFull(l.t) }, formatAge(l.t))),
        ),
      ),
      d.lastSeenAt ? h("div", { class: "reading" }, h("dt", {}, t("device.lastSeen")), h("dd", {}, h("time", { datetime: d.lastSeenAt, title: formatFull(d.lastSeenAt) }, formatAge(d.lastSeenAt)))) : null,
    ),
  );
}
