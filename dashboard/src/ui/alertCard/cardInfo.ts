// The card's descriptive part: what happened, to whom, where and when, and who is on it. It is
// rebuilt on every update and holds nothing focusable.

import type { AlertDto } from "../../api/types";
import { t, tMaybe } from "../../i18n";
import { h } from "../dom";
import { alertIconName, formatAge, formatFull, formatTime, kindLabel, severityLabel, statusLabel } from "../format";
import { evidenceChart } from "../evidenceChart";
import { artworkEl, iconEl, type IconName } from "../icons";

export interface CardInfo {
  nodes: HTMLElement[];
  /** The live age ("3 min ago"), refreshed by the card's tick. */
  age: HTMLElement;
}

/** `titleId`: the card's heading id (the card is labelled by it). */
export function cardInfo(a: AlertDto, titleId: string): CardInfo {
  const age = h("span", { class: "card__age" }, formatAge(a.raisedAt));
  const nodes = [cardHead(a, titleId), whoLine(a), factList(a, age)];
  if (a.message) nodes.push(h("p", { class: "card__message" }, iconEl("message"), h("span", {}, a.message)));
  const evidence = evidenceChart(a);
  if (evidence) nodes.push(evidence);
  if (a.withResidentBy) {
    nodes.push(
      h(
        "p",
        { class: "card__ack card__with", "data-testid": "with-resident-fact" },
        iconEl("userCheck"),
        h("span", {}, t("card.withResident", { name: a.withResidentBy, time: a.withResidentAt ? formatTime(a.withResidentAt) : "" })),
      ),
    );
  }
  if (a.handedOffTo) {
    const text = t("card.handedOff", { centre: a.handedOffTo, name: a.handedOffBy ?? "", time: a.handedOffAt ? formatTime(a.handedOffAt) : "" });
    nodes.push(h("p", { class: "card__ack card__handoff", "data-testid": "handoff-fact" }, iconEl("warning"), h("span", {}, text)));
  }
  if (a.acknowledgedBy !== null) {
    const text = a.acknowledgedAt ? t("card.ackBy", { name: a.acknowledgedBy, time: formatTime(a.acknowledgedAt) }) : t("card.ackByName", { name: a.acknowledgedBy });
    nodes.push(h("p", { class: "card__ack" }, iconEl("userCheck"), h("span", {}, text)));
  }
  const escalation = escalationText(a);
  if (escalation) nodes.push(h("p", { class: "card__escalated" }, iconEl("warning"), h("span", {}, escalation)));
  if (a.assignedTo) {
    const text = a.onSiteAt ? t("card.onSiteBy", { name: a.assignedTo, time: formatTime(a.onSiteAt) }) : t("card.dispatchedTo", { name: a.assignedTo });
    nodes.push(h("p", { class: "card__ack" }, iconEl("person"), h("span", {}, text)));
  }
  return { nodes, age };
}

/** Icon, kind, severity and status. */
function cardHead(a: AlertDto, titleId: string): HTMLElement {
  return h(
    "header",
    { class: "card__head" },
    h("span", { class: "card__icon", "aria-hidden": "true" }, artworkEl(alertIconName(a.kind))),
    h("h3", { class: "card__title", id: titleId }, kindLabel(a.kind)),
    h(
      "span",
      { class: "card__badges" },
      h("span", { class: `badge badge--${a.severity}` }, severityLabel(a.severity)),
      h("span", { class: `status status--${a.status}` }, statusLabel(a.status)),
    ),
  );
}

/** The resident (or none) and the household. */
function whoLine(a: AlertDto): HTMLElement {
  return h(
    "p",
    { class: "card__who" },
    a.residentName ? h("span", { class: "card__resident" }, a.residentName) : h("span", { class: "card__resident card__resident--none" }, t("card.noResident")),
    a.householdLabel ? h("span", { class: "card__household" }, a.householdLabel) : null,
  );
}

/** Grid, device, when raised (with the live age), and how often it repeated. */
function factList(a: AlertDto, age: HTMLElement): HTMLElement {
  return h(
    "dl",
    { class: "card__facts" },
    fact("grid", t("card.grid"), a.gridName ?? t("card.noGrid")),
    fact("chip", t("card.device"), h("code", { class: "mono" }, a.deviceId)),
    fact("clock", t("card.raised"), h("time", { datetime: a.raisedAt, title: formatFull(a.raisedAt) }, formatTime(a.raisedAt)), " · ", age),
    a.occurrences > 1
      ? fact(
          "repeat",
          t("card.occurrencesLabel"),
          h("strong", { class: "card__repeats" }, t("card.occurrences", { count: a.occurrences })),
          " · ",
          h("time", { datetime: a.lastSeenAt, title: formatFull(a.lastSeenAt) }, t("card.lastSeen", { time: formatTime(a.lastSeenAt) })),
        )
      : null,
  );
}

/** "Paged 2× — now: {level}", once the hub has paged someone. */
function escalationText(a: AlertDto): string | null {
  const paged = a.pagesSent ?? 0;
  const level = a.escalationLevel === null || a.escalationLevel === undefined ? null : String(a.escalationLevel);
  return paged > 0 && level ? t("card.escalated", { level: tMaybe(`level.${level}`) ?? level, count: paged }) : null;
}

function fact(iconName: IconName, label: string, ...value: (Node | string | null)[]): HTMLElement {
  return h("div", { class: "fact" }, h("dt", { class: "fact__label" }, iconEl(iconName), h("span", {}, label)), h("dd", { class: "fact__value" }, ...value));
}
