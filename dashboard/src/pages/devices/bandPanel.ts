// A probe's own temperature band (a freezer, a fridge) on its settings page: the band in force, two fields and the
// hub's refusal, in the board's language, under them. The hub decides what is acceptable; the page only shows it.

import { clearTemperatureBand, getDevice, setTemperatureBand } from "../../api/devices";
import { ApiError } from "../../api/http";
import type { DeviceDto } from "../../api/types";
import { t } from "../../i18n";
import { append, h, uid } from "../../ui/dom";

export function bandPanel(deviceId: string): HTMLElement {
  const section = h("section", { class: "config__band", "data-testid": "band-panel", "aria-labelledby": `${deviceId}-band` });

  function render(device: DeviceDto, error: string | null = null, notice: string | null = null): void {
    const own = device.bandMin != null && device.bandMax != null;
    const minId = uid("band-min");
    const maxId = uid("band-max");
    const min = h("input", { id: minId, type: "number", step: "0.5", class: "input config__input", value: own ? String(device.bandMin) : null, "data-testid": "band-min", "aria-invalid": error ? "true" : null });
    const max = h("input", { id: maxId, type: "number", step: "0.5", class: "input config__input", value: own ? String(device.bandMax) : null, "data-testid": "band-max", "aria-invalid": error ? "true" : null });
    const form = h(
      "form",
      { class: "config__form", novalidate: true, onsubmit: (e: Event) => {
        e.preventDefault();
        void change(() => setTemperatureBand(deviceId, Number(min.value), Number(max.value)));
      } },
      h("label", { for: minId, class: "label" }, t("band.min")),
      min,
      h("label", { for: maxId, class: "label" }, t("band.max")),
      max,
      error ? h("p", { class: "form-error", role: "alert", "data-testid": "band-error" }, error) : null,
      h(
        "div",
        { class: "config__actions" },
        h("button", { type: "submit", class: "btn btn--primary", "data-testid": "band-save" }, t("band.save")),
        own ? h("button", { type: "button", class: "btn btn--ghost", "data-testid": "band-reset", onclick: () => void change(() => clearTemperatureBand(deviceId)) }, t("band.reset")) : null,
      ),
    );
    section.replaceChildren();
    append(
      section,
      h("h2", { id: `${deviceId}-band`, class: "section__title" }, t("band.heading")),
      h("p", { class: "hint" }, t("band.intro")),
      h("p", { class: "config__value", "data-testid": "band-current" }, own ? t("band.current", { min: device.bandMin!, max: device.bandMax! }) : t("band.location")),
      notice ? h("p", { class: "form-notice", role: "status", "data-testid": "band-notice" }, notice) : null,
      form,
    );
  }

  async function change(call: () => Promise<DeviceDto>): Promise<void> {
    try {
      render(await call(), null, t("band.saved"));
    } catch (error) {
      const current = await getDevice(deviceId).catch(() => null);
      const message = error instanceof ApiError && error.errors ? Object.values(error.errors).flat().join(" ") : t("band.failed");
      if (current) render(current, message);
    }
  }

  getDevice(deviceId).then((d) => render(d)).catch(() => section.replaceChildren());
  return section;
}
