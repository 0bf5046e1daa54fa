// The board's summary: how many open alerts of each severity, most severe first.

import type { AlertDto, Severity } from "../../api/types";
import { t } from "../../i18n";
import { SEVERITY_RANK } from "../../state/alertStore";
import { h } from "../../ui/dom";

/** Fills `summary` (a list) with one chip per severity. */
export function showSeverityCounts(summary: HTMLElement, alerts: readonly AlertDto[]): void {
  const counts: Record<Severity, number> = { critical: 0, high: 0, warning: 0, info: 0 };
  for (const a of alerts) counts[a.severity] = (counts[a.severity] ?? 0) + 1;
  const severities = Object.keys(SEVERITY_RANK) as Severity[];
  summary.replaceChildren(
    ...severities.map((s) =>
      h(
        "li",
        { class: `chip chip--${s}${counts[s] === 0 ? " chip--zero" : ""}` },
        h("span", { class: "chip__count" }, String(counts[s])),
        h("span", { class: "chip__label" }, t(`severity.${s}`)),
      ),
    ),
  );
}
