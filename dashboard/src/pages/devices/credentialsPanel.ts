// A device's credentials, shown once (after registering it, or after a new secret), with a
// provisioning QR code that the hub renders.

import { provisioningQr, provisioningQrPng } from "../../api/devices";
import type { DeviceCredentials } from "../../api/types";
import { t, tMaybe } from "../../i18n";
import { h, setText } from "../../ui/dom";
import { formatFull } from "../../ui/format";
import { iconEl } from "../../ui/icons";

export interface CredentialsPanel {
  element: HTMLElement;
  show(c: DeviceCredentials, rotated?: boolean): void;
}

/** `done`: the technician has noted them down; the panel empties itself first. */
export function credentialsPanel(done: () => void): CredentialsPanel {
  const element = h("section", { class: "panel credentials", hidden: true, "aria-labelledby": "cred-heading", "data-testid": "credentials" });
  const close = (): void => {
    element.hidden = true;
    element.replaceChildren();
    done();
  };

  function show(c: DeviceCredentials, rotated = false): void {
    const qr = h("div", { class: "qr", "data-testid": "credentials-qr", "aria-busy": "true" }, h("p", { class: "muted" }, t("app.loading")));
    // Filled once the hub answered with the document: what it could not say, and the ways to take the code along.
    const qrTools = h("div", { class: "qr__tools", "data-testid": "credentials-qr-tools" });
    element.replaceChildren(
      h("h2", { id: "cred-heading", class: "panel__title", tabindex: "-1" }, iconEl("check"), " ", t(rotated ? "devices.rotated" : "devices.registered", { id: c.device.id })),
      h("p", { class: "warn", role: "note" }, iconEl("warning"), h("span", {}, t("devices.secretOnce"))),
      ...(rotated ? [graceNote(c)] : []),
      h(
        "div",
        { class: "credentials__body" },
        credentialList(c),
        h("div", { class: "qr__column" }, h("figure", { class: "qr__figure" }, qr, h("figcaption", { class: "muted" }, t("devices.qrCaption"))), qrTools),
      ),
      h("button", { type: "button", class: "btn btn--secondary", "data-testid": "credentials-done", onclick: close }, t("devices.savedDone")),
    );
    element.hidden = false;
    element.querySelector<HTMLElement>("#cred-heading")?.focus();
    loadQr(qr, qrTools, c);
  }

  return { element, show };
}

/** After a new secret: until when the old one still works. */
function graceNote(c: DeviceCredentials): HTMLElement {
  return h(
    "p",
    { class: "muted", role: "note", "data-testid": "credentials-grace" },
    c.previousSecretValidUntil ? t("devices.graceUntil", { time: formatFull(c.previousSecretValidUntil) }) : t("devices.graceNone"),
  );
}

/** Everything a device needs to connect, each with a copy button. */
function credentialList(c: DeviceCredentials): HTMLElement {
  const m = c.mqtt;
  const row = (key: string, value: string, testid: string): HTMLElement =>
    h("div", { class: "cred" }, h("dt", {}, key), h("dd", {}, h("code", { class: "mono", "data-testid": testid }, value), " ", copyButton(value)));
  return h(
    "dl",
    { class: "creds" },
    row(t("devices.id"), c.device.id, "credentials-id"),
    row(t("devices.secret"), c.secret, "credentials-secret"),
    ...(c.provisioning?.broker ? [row(t("devices.brokerUrl"), c.provisioning.broker, "credentials-broker")] : []),
    row(t("devices.host"), m.host, "credentials-host"),
    row(t("devices.port"), String(m.port), "credentials-port"),
    ...(m.tlsPort ? [row(t("devices.tlsPort"), String(m.tlsPort), "credentials-tls-port")] : []),
    row(t("devices.wsPath"), m.webSocketPath, "credentials-ws"),
    row(t("devices.username"), m.username, "credentials-username"),
    row(t("devices.upTopic"), m.upTopic, "credentials-up"),
    row(t("devices.downTopic"), m.downTopic, "credentials-down"),
  );
}

/** The hub renders the QR code; only an SVG document is put into the page. */
function loadQr(qr: HTMLElement, qrTools: HTMLElement, c: DeviceCredentials): void {
  provisioningQr(c.device.id, c.secret)
    .then((answer) => {
      const doc = new DOMParser().parseFromString(answer.svg, "image/svg+xml");
      const svg = doc.documentElement;
      if (svg.nodeName.toLowerCase() !== "svg") throw new Error("not an SVG");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", t("devices.qrAlt", { id: c.device.id }));
      svg.setAttribute("class", "qr__svg");
      qr.replaceChildren(document.importNode(svg, true));
      qr.setAttribute("aria-busy", "false");
      qrTools.replaceChildren(
        ...(answer.notes.length
          ? [h("ul", { class: "qr__notes", "data-testid": "credentials-notes" }, ...answer.notes.map((n) => h("li", { class: "warn", "data-note": n }, iconEl("warning"), h("span", {}, tMaybe(`devices.note.${n}`) ?? n))))]
          : []),
        h("p", { class: "muted hint" }, t("devices.qrHint")),
        h("div", { class: "qr__actions" }, copyButton(answer.data, t("devices.copyDocument")), pngButton(c.device.id, c.secret)),
      );
    })
    .catch(() => {
      qr.replaceChildren(h("p", { class: "muted" }, t("devices.qrFailed")));
      qr.setAttribute("aria-busy", "false");
    });
}

/** Fetches the PNG (the secret goes in the body, as for the SVG) and saves it; nothing is kept after the download. */
function pngButton(id: string, secret: string): HTMLElement {
  const b = h("button", { type: "button", class: "btn btn--ghost btn--compact", "data-testid": "credentials-png" }, t("devices.downloadPng"));
  b.addEventListener("click", () => {
    provisioningQrPng(id, secret).then(
      (blob) => {
        const url = URL.createObjectURL(blob);
        const a = h("a", { href: url, download: `${id}-provisioning.png`, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
      },
      () => setText(b, t("devices.downloadFailed")),
    );
  });
  return b;
}

function copyButton(value: string, label = t("devices.copy")): HTMLElement {
  const b = h("button", { type: "button", class: "btn btn--ghost btn--compact", "aria-label": label }, label);
  b.addEventListener("click", () => {
    navigator.clipboard?.writeText(value).then(
      () => setText(b, t("devices.copied")),
      () => setText(b, t("devices.copyFailed")),
    );
  });
  return b;
}
