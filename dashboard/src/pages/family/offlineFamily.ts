// The family page without a network: the installed app's shell comes from the service worker's cache
// and shows the last known status saved by familyPage (state/familySnapshot.ts), under an offline banner.
import type { View } from "../../context";
import { t } from "../../i18n";
import type { Severity } from "../../api/types";
import type { FamilySnapshot } from "../../state/familySnapshot";
import { h } from "../../ui/dom";
import { callDesk } from "./callDesk";
import { formatTime, kindLabel, severityLabel } from "../../ui/format";

export function offlineFamilyPage(snapshot: FamilySnapshot | null): View {
  const banner = h(
    "p",
    { class: "form-notice", role: "status", "data-testid": "offline-banner" },
    snapshot ? t("family.offline", { time: formatTime(snapshot.savedAt) }) : t("family.offlineNone"),
  );
  const body: HTMLElement[] = [];
  for (const resident of snapshot?.residents ?? []) {
    const open = snapshot?.alerts.filter((a) => a.residentId === resident.id) ?? [];
    body.push(
      h(
        "section",
        { class: "card", "data-testid": "offline-resident" },
        h("h2", {}, resident.name),
        resident.householdAddress ? h("p", { class: "muted" }, resident.householdAddress) : null,
        open.length === 0
          ? h("p", { "data-testid": "offline-no-alerts" }, t("family.offlineNoAlerts"))
          : h(
              "div",
              {},
              h("h3", {}, t("family.offlineAlerts")),
              h(
                "ul",
                {},
                ...open.map((a) =>
                  h("li", { "data-testid": "offline-alert" }, `${severityLabel(a.severity as Severity)} · ${kindLabel(a.kind)} · ${formatTime(a.raisedAt)}`),
                ),
              ),
            ),
      ),
    );
  }
  return { element: h("div", { class: "page family", "data-testid": "family-page" }, banner, callDesk(snapshot?.deskPhone), ...body), dispose() {} };
}
