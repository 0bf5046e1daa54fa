// Devices (edit, move to another household, revoke), the audit log with filters, and the dead letters
// of every notification channel (webhooks, pushes, SMS, calls) with retry.

import { listDevices } from "../../api/devices";
import { audit, deadLetters, retryDeadLetter, revokeDevice, updateDevice } from "../../api/manage";
import { listResidents } from "../../api/places";
import { DEVICE_LOCATIONS, type DeviceDto, type ResidentDto } from "../../api/types";
import { t, tMaybe } from "../../i18n";
import { h } from "../../ui/dom";
import { deviceKindLabel, formatFull } from "../../ui/format";
import { field, loading, problemText, statusLine, table } from "./shared";

export function devicesPanel(): HTMLElement {
  const body = h("div", {}, loading());
  const status = statusLine("device-status");
  const element = h("div", { "data-testid": "manage-devices" }, status.element, body);
  const load = (): void => {
    Promise.all([listDevices(), listResidents()]).then(
      ([devices, residents]) => body.replaceChildren(deviceTable(devices, residents, status, load)),
      (e: unknown) => body.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e))),
    );
  };
  load();
  return element;
}

function deviceTable(devices: DeviceDto[], residents: ResidentDto[], status: ReturnType<typeof statusLine>, reload: () => void): HTMLElement {
  // Where a device can go: a resident (their household), or a household as a shared device.
  const homes = new Map<number, string>();
  for (const r of residents) homes.set(r.householdId, r.householdAddress ?? String(r.householdId));
  const placeOptions = [
    ...[...homes].map(([id, address]) => ({ value: `h${id}`, label: address })),
    ...residents.map((r) => ({ value: `r${r.id}`, label: `${r.name} · ${r.householdAddress ?? ""}` })),
  ];
  return table("devices-table", [t("manage.device"), t("manage.devices.kind"), t("manage.devices.label"), t("manage.devices.location"), t("manage.devices.place"), ""], devices.map((d) => {
    const label = h("input", { class: "input input--inline", value: d.label ?? "", "aria-label": t("manage.devices.label"), "data-testid": "device-label" });
    const location = h("select", { class: "select", "aria-label": t("manage.devices.location"), "data-testid": "device-location" },
      ...DEVICE_LOCATIONS.map((l) => h("option", { value: l, selected: l === d.location }, tMaybe(`location.${l}`) ?? l)));
    const current = d.residentId !== null ? `r${d.residentId}` : d.householdId !== null ? `h${d.householdId}` : "";
    const place = h("select", { class: "select", "aria-label": t("manage.devices.place"), "data-testid": "device-place" },
      h("option", { value: "" }, t("manage.devices.nowhere")), ...placeOptions.map((o) => h("option", { value: o.value, selected: o.value === current }, o.label)));
    const save = h("button", { type: "button", class: "btn btn--ghost", "data-testid": "device-save", disabled: d.revoked }, t("manage.save"));
    save.addEventListener("click", () => {
      const v = place.value;
      const resident = v.startsWith("r") ? residents.find((r) => r.id === Number(v.slice(1))) : undefined;
      const householdId = resident ? resident.householdId : v.startsWith("h") ? Number(v.slice(1)) : null;
      updateDevice(d.id, { label: label.value.trim() || null, location: location.value, householdId, residentId: resident?.id ?? null, gridId: householdId === null ? d.gridId : null }).then(
        () => status.ok(t("manage.devices.saved", { id: d.id })),
        (e: unknown) => status.fail(e),
      );
    });
    const revoke = h("button", { type: "button", class: "btn btn--danger", "data-testid": "device-revoke", disabled: d.revoked }, d.revoked ? t("manage.devices.revoked") : t("manage.devices.revoke"));
    revoke.addEventListener("click", () => {
      if (!window.confirm(t("manage.devices.confirmRevoke", { id: d.id }))) return;
      revokeDevice(d.id).then(() => {
        status.ok(t("manage.devices.revokedOk", { id: d.id }));
        reload();
      }, (e: unknown) => status.fail(e));
    });
    return [h("code", {}, d.id), deviceKindLabel(d.kind), label, location, place, h("span", { class: "manage__inline" }, save, revoke)];
  }));
}

export function auditPanel(): HTMLElement {
  const user = h("input", { class: "input", autocomplete: "off", "data-testid": "audit-user" });
  const resident = h("input", { type: "number", class: "input", "data-testid": "audit-resident", min: "1" });
  const reads = h("input", { type: "checkbox", "data-testid": "audit-reads" });
  const from = h("input", { type: "date", class: "input", "data-testid": "audit-from" });
  const to = h("input", { type: "date", class: "input", "data-testid": "audit-to" });
  const results = h("div", {}, loading());
  const form = h(
    "form",
    { class: "manage__form manage__form--filters", "data-testid": "audit-form" },
    field(t("manage.audit.user"), user),
    field(t("manage.audit.resident"), resident),
    field(t("manage.audit.from"), from),
    field(t("manage.audit.to"), to),
    h("label", { class: "manage__day" }, reads, t("manage.audit.reads")),
    h("button", { type: "submit", class: "btn btn--primary", "data-testid": "audit-apply" }, t("manage.audit.apply")),
  );
  // Dates are whole local days: "to" includes that day.
  const day = (value: string, plus = 0): string | undefined => {
    if (!value) return undefined;
    const d = new Date(`${value}T00:00:00`);
    d.setDate(d.getDate() + plus);
    return d.toISOString();
  };
  const load = (): void => {
    results.replaceChildren(loading());
    audit({ user: user.value.trim() || undefined, residentId: resident.value ? Number(resident.value) : undefined, reads: reads.checked, from: day(from.value), to: day(to.value, 1) }).then(
      (rows) =>
        results.replaceChildren(
          rows.length === 0 ? h("p", { class: "muted" }, t("manage.audit.none"))
          : table("audit-table", [t("manage.audit.at"), t("manage.audit.user"), t("manage.audit.action"), t("manage.audit.status"), t("manage.audit.residents")],
              rows.map((a) => [formatFull(a.at), a.userName, a.detail ? `${a.action} · ${a.detail}` : a.action, String(a.status), a.residentIds.join(", ")])),
        ),
      (e: unknown) => results.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e))),
    );
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
  return h("div", { "data-testid": "manage-audit" }, form, results);
}

export function deadLettersPanel(): HTMLElement {
  const results = h("div", {}, loading());
  const status = statusLine("dead-letter-status");
  const load = (): void => {
    deadLetters().then(
      (rows) =>
        results.replaceChildren(
          rows.length === 0 ? h("p", { class: "muted", "data-testid": "dead-letters-none" }, t("manage.dead.none"))
          : table("dead-letters-table", [t("manage.dead.failedAt"), t("manage.dead.channel"), t("manage.dead.recipient"), t("manage.dead.event"), t("manage.dead.error"), ""],
              rows.map((d) => {
                const retry = h("button", { type: "button", class: "btn btn--ghost", "data-testid": "dead-letter-retry" }, t("manage.dead.retry"));
                retry.addEventListener("click", () => {
                  retry.disabled = true;
                  retryDeadLetter(d.id).then(() => {
                    status.ok(t("manage.dead.retried"));
                    load();
                  }, (e: unknown) => {
                    retry.disabled = false;
                    status.fail(e);
                  });
                });
                return [formatFull(d.failedAt), d.channel, d.recipient, d.eventType, `${d.lastError ?? ""} (${t("manage.dead.attempts", { count: d.attempts })})`, retry];
              })),
        ),
      (e: unknown) => results.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e))),
    );
  };
  load();
  return h("div", { "data-testid": "manage-dead-letters" }, status.element, results);
}
