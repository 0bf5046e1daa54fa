// The resident's emergency profile on a staff member's alert card: health, medication, allergies,
// mobility, how to get in, doctor and hospital, and whom to call in order (tel: links). Loaded when
// opened, not with the board: every read is an audited access to personal data, so it happens only
// when someone looks. Families never get this panel (the hub refuses them the endpoint too).

import { getAlertEmergency } from "../../api/contacts";
import { ApiError } from "../../api/http";
import type { CascadeContactDto, EmergencyContactDto, EmergencyProfileDto } from "../../api/types";
import { t, type MessageKey } from "../../i18n";
import { h } from "../dom";

export class EmergencyPanel {
  readonly element: HTMLDetailsElement;
  private readonly body = h("div", { class: "emergency__body", "data-testid": "emergency-body" });
  private loaded = false;

  constructor(private readonly alertId: number) {
    this.element = h(
      "details",
      { class: "card__emergency emergency", "data-testid": "emergency-profile" },
      h("summary", { class: "emergency__summary", "data-testid": "emergency-toggle" }, t("emergency.title")),
      this.body,
    );
    this.element.addEventListener("toggle", () => {
      if (this.element.open && !this.loaded) void this.load();
    });
  }

  private async load(): Promise<void> {
    this.body.replaceChildren(h("p", { class: "muted", role: "status" }, t("app.loading")));
    try {
      const data = await getAlertEmergency(this.alertId);
      this.loaded = true;
      this.body.replaceChildren(...emergencyProfileNodes(data.profile, data.call));
    } catch (error) {
      const key: MessageKey = error instanceof ApiError && (error.status === 404 || error.status === 403) ? "emergency.none" : "emergency.failed";
      this.body.replaceChildren(h("p", { class: "muted", role: "status" }, t(key)));
    }
  }
}

/** The profile's facts and whom to call (`call`: the alert's call order; empty on the resident page, which lists the
 *  profile's own contacts instead, masked for families). */
export function emergencyProfileNodes(p: EmergencyProfileDto, call: readonly CascadeContactDto[]): HTMLElement[] {
  const rows: [MessageKey, string | null, string][] = [
    ["emergency.conditions", p.conditions, "conditions"],
    ["emergency.medication", p.medication, "medication"],
    ["emergency.allergies", p.allergies, "allergies"],
    ["emergency.mobility", p.mobility, "mobility"],
    ["emergency.keyHolder", p.keyHolder, "key-holder"],
    ["emergency.access", p.accessNotes, "access"],
    ["emergency.doctor", p.doctor, "doctor"],
    ["emergency.hospital", p.hospital, "hospital"],
  ];
  const facts = rows.filter(([, value]) => value);
  const out: HTMLElement[] = [];
  if (facts.length === 0 && p.contacts.length === 0) out.push(h("p", { class: "muted" }, t("emergency.empty")));
  if (facts.length > 0) {
    out.push(
      h(
        "dl",
        { class: "emergency__facts" },
        ...facts.map(([label, value, id]) =>
          h("div", { class: `emergency__fact emergency__fact--${id}`, "data-testid": `emergency-${id}` }, h("dt", {}, t(label)), h("dd", {}, value ?? "")),
        ),
      ),
    );
  }
  if (call.length > 0) {
    out.push(
      h("h4", { class: "emergency__heading" }, t("emergency.callOrder")),
      h("ol", { class: "emergency__calls", "data-testid": "emergency-calls" }, ...call.map(callItem)),
    );
    // Listed for information but not to be called by the hub (e.g. abroad): still shown to staff.
    const infoOnly = p.contacts.filter((c) => !c.mayCall);
    if (infoOnly.length > 0) out.push(h("p", { class: "emergency__note" }, t("emergency.notCalled"), " ", ...infoOnly.map(contactText)));
  } else if (p.contacts.length > 0) {
    out.push(
      h("h4", { class: "emergency__heading" }, t("emergency.contacts")),
      h("ol", { class: "emergency__calls", "data-testid": "emergency-contacts" }, ...p.contacts.map((c) => h("li", { class: "emergency__call" }, contactText(c)))),
    );
  }
  return out;
}

function callItem(c: CascadeContactDto): HTMLElement {
  const role = t(c.role === "grid_worker" ? "emergency.roleGridWorker" : c.role === "family" ? "emergency.roleFamily" : "emergency.roleContact");
  return h(
    "li",
    { class: "emergency__call" },
    h("span", { class: "emergency__who" }, c.name),
    " ",
    h("span", { class: "muted" }, c.relation ? `${role} · ${c.relation}` : role),
    " · ",
    c.phone ? h("a", { class: "emergency__tel", href: `tel:${c.phone}` }, c.phone) : h("span", { class: "muted" }, t("emergency.noPhone")),
  );
}

function contactText(c: EmergencyContactDto): HTMLElement {
  return h("span", { class: "emergency__info" }, `${c.name}${c.relation ? ` (${c.relation})` : ""} ${c.phone}`);
}
