// An alert's story: from the hub's timeline endpoint when it has one, otherwise from the alert's
// own timestamps (raised, acknowledged, dispatched, on site, resolved).

import type { AlertDto, TimelineEntry } from "../api/types";
import { t, tMaybe } from "../i18n";
import { h } from "./dom";
import { formatFull, formatTime } from "./format";

export function timelineFromAlert(a: AlertDto): TimelineEntry[] {
  const out: TimelineEntry[] = [{ at: a.raisedAt, kind: "raised", text: a.message }];
  if (a.acknowledgedAt) out.push({ at: a.acknowledgedAt, kind: "acknowledged", by: a.acknowledgedBy });
  if (a.dispatchedAt) out.push({ at: a.dispatchedAt, kind: "dispatched", by: a.assignedTo ?? null });
  if (a.onSiteAt) out.push({ at: a.onSiteAt, kind: "on_site", by: a.assignedTo ?? null });
  if (a.resolvedAt) out.push({ at: a.resolvedAt, kind: "resolved", by: a.resolvedBy, text: [a.outcome ? (tMaybe(`outcome.${a.outcome}`) ?? a.outcome) : null, a.resolutionNote].filter(Boolean).join(" — ") });
  return out;
}

export function timelineList(entries: readonly TimelineEntry[]): HTMLElement {
  return h(
    "ol",
    { class: "timeline", "data-testid": "timeline" },
    ...entries.map((e) =>
      h(
        "li",
        { class: `timeline__item timeline__item--${e.kind}` },
        h("time", { datetime: e.at, title: formatFull(e.at) }, formatTime(e.at)),
        " ",
        h("strong", {}, tMaybe(`timeline.${e.kind}`) ?? tMaybe(`status.${e.kind}`) ?? e.kind),
        e.by ? h("span", { class: "muted" }, ` · ${e.by}`) : null,
        e.text ? h("span", { class: "timeline__text" }, ` — ${e.text}`) : null,
      ),
    ),
  );
}

export function emptyTimeline(): HTMLElement {
  return h("p", { class: "muted" }, t("timeline.none"));
}
