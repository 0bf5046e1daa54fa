// Technicians: register a device (credentials shown once, with a provisioning QR code rendered by
// the hub), the fleet with health and rejected-payload reasons, and a test alarm whose arrival is
// watched live.

import type { AppContext, View } from "../../context";
import { t } from "../../i18n";
import { h } from "../../ui/dom";
import { credentialsPanel } from "./credentialsPanel";
import { fleetPanel } from "./fleetPanel";
import { gatewaysPanel } from "./gatewaysPanel";
import { registerForm } from "./registerForm";

export function devicesPage(ctx: AppContext): View {
  const register = registerForm((creds) => {
    credentials.show(creds);
    void fleet.refresh();
  });
  const credentials = credentialsPanel(() => register.focus());
  // The old secret keeps working for the hub's grace period, so the device can be re-provisioned without a gap.
  const fleet = fleetPanel(ctx, (creds) => credentials.show(creds, true));
  const gateways = gatewaysPanel();

  const element = h(
    "div",
    { class: "page devices", "data-testid": "devices-page" },
    h("header", { class: "page__head" }, h("h1", { class: "page__title", tabindex: "-1" }, t("devices.heading"))),
    credentials.element,
    h("section", { class: "panel" }, register.element),
    fleet.element,
    gateways.element,
  );
  return {
    element,
    dispose: () => {
      fleet.dispose();
      gateways.dispose();
    },
  };
}
