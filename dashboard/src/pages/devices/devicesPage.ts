// Technicians: register a device (credentials shown once, with a provisioning QR code rendered by
// the hub), the fleet with health and rejected-payload reasons, and a test alarm whose arrival is
// watched live.

import type { AppContext, View } from "../../context";
import { t } from "../../i18n";
import { h } from "../../ui/dom";
import { catalog } from "../../state/catalog";
import { deviceKindLabel } from "../../ui/format";
import { configPage } from "./configPage";
import { credentialsPanel } from "./credentialsPanel";
import { fleetPanel } from "./fleetPanel";
import { gatewaysPanel } from "./gatewaysPanel";
import { registerForm } from "./registerForm";

export function devicesPage(ctx: AppContext): View {
  // #/devices/kind/{kind}: a kind's configuration; #/devices/{id}: one device's.
  const [first, second] = ctx.params;
  if (first === "kind" && second) return configPage(ctx, { scope: "kind", kind: second });
  if (first) return configPage(ctx, { scope: "device", id: first });
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
    kindSettings(),
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

/** Links to each kind's configuration (every device of the kind at once). */
function kindSettings(): HTMLElement {
  const kinds = catalog()?.deviceKinds ?? [];
  return h(
    "section",
    { class: "panel config-kinds", "aria-labelledby": "config-kinds-heading", "data-testid": "config-kinds" },
    h("h2", { id: "config-kinds-heading", class: "panel__title" }, t("config.kindsHeading")),
    h("p", { class: "hint" }, t("config.kindsHint")),
    h("ul", { class: "config-kinds__list" }, ...kinds.map((k) => h("li", {}, h("a", { href: `#/devices/kind/${encodeURIComponent(k.kind)}`, class: "btn btn--secondary btn--compact", "data-testid": "config-kind-link", "data-kind": k.kind }, deviceKindLabel(k.kind))))),
  );
}
