// Device configuration for technicians: one device (#/devices/{id}) or every device of a kind
// (#/devices/kind/{kind}). Each of the firmware's settings that tunes the kind, with the value in force
// and where it comes from (default, kind, device), the allowed range, and an override to set or remove.
// The hub checks every value against the firmware's own table; its messages (in the board's language)
// are shown under the field they concern. A list, not a table, so it reads on a 390 px phone.

import {
  getDeviceConfig,
  getKindConfig,
  putDeviceConfig,
  putKindConfig,
  type DeviceConfigDto,
  type KindConfigDto,
  type SettingChanges,
  type SettingView,
} from "../../api/deviceConfig";
import { ApiError } from "../../api/http";
import type { AppContext, View } from "../../context";
import { t, tMaybe } from "../../i18n";
import { append, h, uid } from "../../ui/dom";
import { deviceKindLabel, formatFull } from "../../ui/format";
import { bandPanel } from "./bandPanel";

export type ConfigScope = { scope: "device"; id: string } | { scope: "kind"; kind: string };

type Loaded = DeviceConfigDto | KindConfigDto;

export function configPage(_ctx: AppContext, target: ConfigScope): View {
  const title = h("h1", { class: "page__title", tabindex: "-1" }, target.scope === "device" ? t("config.deviceHeading", { id: target.id }) : t("config.kindHeading", { kind: deviceKindLabel(target.kind) }));
  const body = h("div", { class: "config__body" }, h("p", { class: "muted" }, t("app.loading")));
  const element = h(
    "div",
    { class: "page devices config", "data-testid": "config-page", "data-scope": target.scope },
    h("header", { class: "page__head" }, h("a", { href: "#/devices", class: "btn btn--ghost btn--compact", "data-testid": "config-back" }, t("config.back")), title),
    body,
  );
  let disposed = false;
  let band: HTMLElement | undefined;

  const load = (): Promise<Loaded> => (target.scope === "device" ? getDeviceConfig(target.id) : getKindConfig(target.kind));
  const save = (changes: SettingChanges): Promise<Loaded> => (target.scope === "device" ? putDeviceConfig(target.id, changes) : putKindConfig(target.kind, changes));

  /** `typed`: what the technician entered, kept in the fields when the hub refused it. */
  function render(config: Loaded, errors: Readonly<Record<string, readonly string[]>> = {}, notice: string | null = null, typed: SettingChanges = {}): void {
    if (disposed) return;
    const inputs = new Map<string, HTMLInputElement>();
    const own = (s: SettingView): number | null => (target.scope === "device" ? s.deviceValue : s.kindValue);
    const general = Object.entries(errors).filter(([name]) => !config.settings.some((s) => s.name === name));
    const rows = config.settings.map((s) => settingRow(s, own(s), s.name in typed ? (typed[s.name] ?? null) : own(s), errors[s.name] ?? [], inputs, (name) => void submit({ [name]: null })));
    const form = h(
      "form",
      // The hub is the authority on ranges and cross-field rules: its message is shown, not the browser's.
      { class: "config__form", novalidate: true, "data-testid": "config-form", onsubmit: (e: Event) => {
        e.preventDefault();
        const changes: SettingChanges = {};
        for (const s of config.settings) {
          const raw = inputs.get(s.name)?.value.trim() ?? "";
          if (raw === "") continue;
          const value = Number(raw);
          if (value !== own(s)) changes[s.name] = value;
        }
        if (Object.keys(changes).length > 0) void submit(changes);
      } },
      h("ul", { class: "config__list" }, ...rows),
      general.length > 0 ? h("p", { class: "form-error", role: "alert", "data-testid": "config-error" }, general.flatMap(([, m]) => m).join(" ")) : null,
      h("div", { class: "config__actions" }, h("button", { type: "submit", class: "btn btn--primary", "data-testid": "config-save" }, t("config.save"))),
    );
    body.replaceChildren();
    append(
      body,
      h("p", { class: "hint" }, target.scope === "device" ? t("config.deviceIntro") : t("config.kindIntro", { count: (config as KindConfigDto).devices })),
      "deviceId" in config ? deliveryLine(config) : null,
      notice ? h("p", { class: "form-notice", role: "status", "data-testid": "config-notice" }, notice) : null,
      form,
      // A climate probe may be a freezer's or a fridge's: its own band, beside the firmware's settings.
      "deviceId" in config && config.kind === "climate" ? (band ??= bandPanel(config.deviceId)) : null,
    );
    const firstError = form.querySelector<HTMLInputElement>("input[aria-invalid='true']");
    firstError?.focus();
  }

  async function submit(changes: SettingChanges): Promise<void> {
    try {
      const updated = await save(changes);
      render(updated, {}, t("config.saved"));
    } catch (error) {
      const current = await load().catch(() => null);
      if (!current) {
        body.replaceChildren(h("p", { class: "form-error", role: "alert" }, t("config.loadFailed")));
        return;
      }
      if (error instanceof ApiError && error.status === 400 && error.errors) render(current, error.errors, null, changes);
      else render(current, { "": [error instanceof ApiError && error.detail ? error.detail : t("config.saveFailed")] }, null, changes);
    }
  }

  load()
    .then((config) => render(config))
    .catch(() => body.replaceChildren(h("p", { class: "form-error", role: "alert" }, t("config.loadFailed"))));
  return { element, dispose: () => (disposed = true) };
}

/** One setting: name, value in force and its source, the range, and this scope's override. */
function settingRow(s: SettingView, own: number | null, shown: number | null, errors: readonly string[], inputs: Map<string, HTMLInputElement>, reset: (name: string) => void): HTMLElement {
  const id = uid("setting");
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const input = h("input", {
    id,
    type: "number",
    inputmode: "numeric",
    class: "input config__input",
    step: "1",
    min: String(s.min),
    max: String(s.max),
    placeholder: String(s.value),
    value: shown !== null ? String(shown) : null,
    "aria-describedby": errors.length > 0 ? `${errorId} ${hintId}` : hintId,
    "aria-invalid": errors.length > 0 ? "true" : null,
    "data-testid": "config-input",
  });
  inputs.set(s.name, input);
  return h(
    "li",
    { class: "config__item", "data-testid": "config-setting", "data-name": s.name, "data-source": s.source },
    h("label", { for: id, class: "label" }, tMaybe(`setting.${s.name}`) ?? s.name, " ", h("code", { class: "mono muted" }, s.name)),
    h(
      "p",
      { class: "config__value" },
      h("strong", { "data-testid": "config-value" }, String(s.value)),
      " ",
      h("span", { class: `chip config__source config__source--${s.source}`, "data-testid": "config-source" }, t(`config.source.${s.source}`)),
    ),
    h("div", { class: "config__edit" }, input, own !== null ? h("button", { type: "button", class: "btn btn--ghost btn--compact", "data-testid": "config-reset", onclick: () => reset(s.name) }, t("config.reset")) : null),
    errors.length > 0 ? h("p", { id: errorId, class: "form-error config__error", role: "alert", "data-testid": "config-field-error" }, errors.join(" ")) : null,
    h("p", { id: hintId, class: "hint" }, t("config.range", { min: s.min, max: s.max, def: s.default })),
  );
}

/** Whether the device has been heard from since its configuration was sent. */
function deliveryLine(config: DeviceConfigDto): HTMLElement {
  if (!config.sent || !config.changedAt) return h("p", { class: "hint", "data-testid": "config-delivery", "data-state": "none" }, t("config.nothingSent"));
  const state = config.publishedAt === null ? "owed" : config.delivered ? "delivered" : "waiting";
  return h(
    "p",
    { class: `config__delivery config__delivery--${state}`, role: "status", "data-testid": "config-delivery", "data-state": state },
    t(`config.delivery.${state}`, { time: formatFull(config.changedAt) }),
    " ",
    h("code", { class: "mono muted" }, config.sent),
  );
}
