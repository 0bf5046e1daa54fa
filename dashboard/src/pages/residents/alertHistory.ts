// The resident's alert history: one line per alert, opened to its timeline (from the hub's
// timeline endpoint when it has one), with feedback on resolved alerts for family members.

import { alertsCsvUrl, listResidentAlerts } from "../../api/alerts";
import type { AlertDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t, tMaybe } from "../../i18n";
import { h } from "../../ui/dom";
import { formatFull, formatTime, kindLabel, statusLabel } from "../../ui/format";
import { emptyTimeline, timelineFromAlert, timelineList } from "../../ui/timeline";
import { feedbackForm } from "./feedbackForm";

export interface AlertHistory extends View {
  /** (Re)loads the list. */
  load(): Promise<void>;
}

export function alertHistory(ctx: AppContext, residentId: number, family: boolean): AlertHistory {
  const element = h("div", { class: "history", "data-testid": "alert-history" }, h("p", { class: "muted" }, t("app.loading")));
  let disposed = false;

  async function load(): Promise<void> {
    let alerts: AlertDto[];
    try {
      alerts = await listResidentAlerts(residentId);
    } catch {
      if (!disposed) element.replaceChildren(h("p", { class: "form-error" }, t("resident.loadFailed")));
      return;
    }
    if (disposed) return;
    element.replaceChildren(
      alerts.length === 0
        ? h("p", { class: "muted" }, t("resident.noHistory"))
        : h("ul", { class: "history__list" }, ...alerts.map((a) => historyItem(a))),
      h("a", { class: "history__download", href: alertsCsvUrl(residentId), download: "", "data-testid": "history-csv" }, t("resident.historyCsv")),
    );
  }

  /** Closed: kind, time, status, outcome. Opened (the first time): the alert's timeline. */
  function historyItem(a: AlertDto): HTMLElement {
    const body = h("div", { class: "history__body" });
    const details = h(
      "details",
      { class: `history__item history__item--${a.status}`, "data-testid": "history-item", "data-alert-id": a.id, "data-status": a.status },
      h(
        "summary",
        {},
        h("span", { class: `badge badge--${a.severity}` }, kindLabel(a.kind)),
        " ",
        h("time", { datetime: a.raisedAt, title: formatFull(a.raisedAt) }, formatTime(a.raisedAt)),
        " · ",
        h("span", { class: `status status--${a.status}` }, statusLabel(a.status)),
        a.outcome ? h("span", { class: "muted" }, ` · ${tMaybe(`outcome.${a.outcome}`) ?? a.outcome}`) : null,
      ),
      body,
    );
    let loaded = false;
    details.addEventListener("toggle", () => {
      if (!details.open || loaded) return;
      loaded = true;
      void fillTimeline(a, body);
    });
    return h("li", {}, details);
  }

  async function fillTimeline(a: AlertDto, body: HTMLElement): Promise<void> {
    let entries = timelineFromAlert(a);
    if (ctx.flow.timeline) {
      try {
        const fromHub = await ctx.flow.timeline(a.id);
        if (fromHub.length > 0) entries = fromHub;
      } catch {
        // the alert's own timestamps are a fine fallback
      }
    }
    body.replaceChildren(entries.length ? timelineList(entries) : emptyTimeline());
    if (family && a.status === "resolved" && ctx.flow.feedback) body.append(feedbackForm(ctx.flow.feedback, a));
  }

  return {
    element,
    load,
    dispose() {
      disposed = true;
    },
  };
}
