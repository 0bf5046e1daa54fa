// Visits to the resident (the grid workers' record), newest first, with a check-in button for
// those who make them.

import type { VisitDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t } from "../../i18n";
import { h } from "../../ui/dom";
import { formatFull, formatTime } from "../../ui/format";
import { iconEl } from "../../ui/icons";

export interface VisitList extends View {
  /** (Re)loads the list. */
  load(): Promise<void>;
}

export function visitList(ctx: AppContext, residentId: number): VisitList {
  const element = h("div", { class: "visits", "data-testid": "visits" });
  let disposed = false;

  async function load(): Promise<void> {
    if (!ctx.flow.visits) {
      element.replaceChildren(h("p", { class: "muted" }, t("resident.visitsUnavailable")));
      return;
    }
    const checkIn = checkInButton(ctx, residentId, load);
    try {
      const list = await ctx.flow.visits(residentId);
      if (disposed) return;
      element.replaceChildren(...(checkIn ? [checkIn] : []), list.length === 0 ? h("p", { class: "muted" }, t("resident.noVisits")) : visitItems(list));
    } catch {
      if (!disposed) element.replaceChildren(h("p", { class: "form-error" }, t("resident.loadFailed")));
    }
  }

  return {
    element,
    load,
    dispose() {
      disposed = true;
    },
  };
}

/** For those who visit (grid workers, staff, admins) when the hub records visits; `checkedIn` reloads the list. */
function checkInButton(ctx: AppContext, residentId: number, checkedIn: () => Promise<void>): HTMLElement | null {
  const record = ctx.flow.recordVisit;
  if (!record || !ctx.me.roles.some((r) => r === "GridWorker" || r === "Admin" || r === "EmergencyStaff")) return null;
  return h(
    "button",
    {
      type: "button",
      class: "btn btn--secondary",
      "data-testid": "visit-checkin",
      onclick: () =>
        void record(residentId, "")
          .then(() => {
            ctx.announcer.say(t("resident.checkedIn"));
            return checkedIn();
          })
          .catch(() => undefined),
    },
    iconEl("check"),
    h("span", {}, t("resident.checkIn")),
  );
}

/** Newest first: when, by whom, and the note. */
function visitItems(list: readonly VisitDto[]): HTMLElement {
  return h(
    "ul",
    { class: "history__list" },
    ...[...list]
      .sort((x, y) => Date.parse(y.at) - Date.parse(x.at))
      .map((v) => h("li", { "data-testid": "visit" }, h("time", { datetime: v.at, title: formatFull(v.at) }, formatTime(v.at)), v.by ? ` · ${v.by}` : "", v.note ? ` — ${v.note}` : "")),
  );
}
