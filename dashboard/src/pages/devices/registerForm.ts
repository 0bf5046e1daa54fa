// Registering a device: its kind (from the hub's catalogue), id, label and place. The hub answers
// with the device's credentials, which the page shows once.

import { registerDevice } from "../../api/devices";
import { ApiError } from "../../api/http";
import { listCommunities } from "../../api/places";
import { DEVICE_LOCATIONS, type DeviceCredentials, type RegisterDeviceRequest } from "../../api/types";
import { t, tMaybe } from "../../i18n";
import { h, setAttr, setText, uid } from "../../ui/dom";
import { deviceKindLabel } from "../../ui/format";
import { catalog } from "../../state/catalog";

export interface RegisterForm {
  element: HTMLFormElement;
  /** Back to the id field (after the credentials were noted down). */
  focus(): void;
}

export function registerForm(registered: (creds: DeviceCredentials) => void): RegisterForm {
  const fields = registrationFields();
  const error = h("p", { class: "form-error", role: "alert", hidden: true, "data-testid": "reg-error" });
  const submit = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "reg-submit" }, h("span", {}, t("devices.register")));
  const form = h(
    "form",
    { class: "regform", "aria-labelledby": "reg-heading" },
    h("h2", { id: "reg-heading", class: "panel__title" }, t("devices.registerHeading")),
    h("div", { class: "regform__fields" }, ...fields.elements),
    error,
    submit,
  );

  let registering = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (registering) return;
    void send();
  });

  async function send(): Promise<void> {
    registering = true;
    setAttr(submit, "aria-disabled", "true");
    error.hidden = true;
    try {
      registered(await registerDevice(fields.request()));
      form.reset();
    } catch (e) {
      error.hidden = false;
      setText(error, registerError(e));
    } finally {
      registering = false;
      setAttr(submit, "aria-disabled", null);
    }
  }

  return { element: form, focus: () => fields.deviceId.focus() };
}

/** The form's fields, and the request they make. */
function registrationFields(): { elements: HTMLElement[]; deviceId: HTMLInputElement; request(): RegisterDeviceRequest } {
  // The kinds the hub knows, from its catalogue (loaded at start); a kind added there is offered here.
  const kind = h("select", { class: "select", required: true, "data-testid": "reg-kind" }, ...(catalog()?.deviceKinds ?? []).map((k) => h("option", { value: k.kind }, deviceKindLabel(k.kind))));
  const deviceId = h("input", { type: "text", class: "input", pattern: "[a-z0-9][a-z0-9\\-]{2,31}", autocomplete: "off", "data-testid": "reg-id", spellcheck: "false" });
  const label = h("input", { type: "text", class: "input", maxlength: "200", autocomplete: "off", "data-testid": "reg-label" });
  const location = h("select", { class: "select", "data-testid": "reg-location" }, ...DEVICE_LOCATIONS.map((l) => h("option", { value: l }, tMaybe(`location.${l}`) ?? l)));
  const residentId = h("input", { type: "number", class: "input", min: "1", inputmode: "numeric", "data-testid": "reg-resident" });
  const householdId = h("input", { type: "number", class: "input", min: "1", inputmode: "numeric", "data-testid": "reg-household" });
  const gridId = h("select", { class: "select", "data-testid": "reg-grid" }, h("option", { value: "" }, t("devices.noGrid")));
  listCommunities()
    .then((cs) => {
      for (const c of cs) for (const g of c.grids) gridId.append(h("option", { value: String(g.id) }, `${c.name} · ${g.name}`));
    })
    .catch(() => {});

  const num = (input: HTMLInputElement): number | null => (input.value.trim() ? Number(input.value) : null);
  return {
    elements: [
      field(t("devices.kind"), kind),
      field(t("devices.id"), deviceId, t("devices.idHint")),
      field(t("devices.label"), label),
      field(t("devices.location"), location),
      field(t("devices.residentId"), residentId),
      field(t("devices.householdId"), householdId),
      field(t("devices.grid"), gridId),
    ],
    deviceId,
    request: () => ({
      kind: kind.value,
      id: deviceId.value.trim() || null,
      label: label.value.trim() || null,
      location: location.value || null,
      residentId: num(residentId),
      householdId: num(householdId),
      gridId: gridId.value ? Number(gridId.value) : null,
    }),
  };
}

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || uid("f");
  control.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: id, class: "label" }, label), control, hint ? h("p", { id: hintId, class: "hint" }, hint) : null);
}

function registerError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 409) return t("devices.exists");
    if (error.status === 400) return error.detail ?? t("devices.invalid");
    if (error.isNetwork) return t("card.offline");
    return t("card.failed", { status: error.status });
  }
  return t("card.failed", { status: "?" });
}
