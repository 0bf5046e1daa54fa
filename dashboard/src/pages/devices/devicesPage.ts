// Technicians: register a device (credentials shown once, with a provisioning QR code rendered by
// the hub), the fleet with health and rejected-payload reasons, and a test alarm whose arrival is
// watched live.

import type { AppContext, View } from "../../context";
import { deviceRejections, listDevices, provisioningQr, registerDevice, rotateSecret, sendTestAlarm } from "../../api/devices";
import { ApiError } from "../../api/http";
import { listCommunities } from "../../api/places";
import { latestReadings } from "../../api/readings";
import { DEVICE_LOCATIONS, type DeviceCredentials, type DeviceDto } from "../../api/types";
import { t, tMaybe } from "../../i18n";
import { h, setAttr, setText, uid } from "../../ui/dom";
import { deviceKindLabel, formatAge, formatFull, formatTime } from "../../ui/format";
import { iconEl } from "../../ui/icons";
import { deviceHealth } from "../../ui/readings";
import { catalog } from "../../state/catalog";

const FLEET_REFRESH_MS = 10_000;
const TEST_WATCH_MS = 60_000;

export function devicesPage(ctx: AppContext): View {
  let disposed = false;
  const timers = new Set<number>();
  const later = (fn: () => void, ms: number): void => {
    const id = window.setTimeout(() => {
      timers.delete(id);
      if (!disposed) fn();
    }, ms);
    timers.add(id);
  };

  // ── register ──
  const field = (label: string, control: HTMLElement, hint?: string): HTMLElement => {
    const id = control.id || uid("f");
    control.id = id;
    const hintId = hint ? `${id}-hint` : null;
    if (hintId) control.setAttribute("aria-describedby", hintId);
    return h("div", { class: "field" }, h("label", { for: id, class: "label" }, label), control, hint ? h("p", { id: hintId, class: "hint" }, hint) : null);
  };
  // The kinds the hub knows, from its catalogue (loaded at start); a kind added there is offered here.
  const kind = h("select", { class: "select", required: true, "data-testid": "reg-kind" }, ...(catalog()?.deviceKinds ?? []).map((k) => h("option", { value: k.kind }, deviceKindLabel(k.kind))));
  const deviceId = h("input", { type: "text", class: "input", pattern: "[a-z0-9][a-z0-9-]{2,31}", autocomplete: "off", "data-testid": "reg-id", spellcheck: "false" });
  const label = h("input", { type: "text", class: "input", maxlength: "200", autocomplete: "off", "data-testid": "reg-label" });
  const location = h("select", { class: "select", "data-testid": "reg-location" }, ...DEVICE_LOCATIONS.map((l) => h("option", { value: l }, tMaybe(`location.${l}`) ?? l)));
  const residentId = h("input", { type: "number", class: "input", min: "1", inputmode: "numeric", "data-testid": "reg-resident" });
  const householdId = h("input", { type: "number", class: "input", min: "1", inputmode: "numeric", "data-testid": "reg-household" });
  const gridId = h("select", { class: "select", "data-testid": "reg-grid" }, h("option", { value: "" }, t("devices.noGrid")));
  const regError = h("p", { class: "form-error", role: "alert", hidden: true, "data-testid": "reg-error" });
  const regSubmit = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "reg-submit" }, h("span", {}, t("devices.register")));
  const form = h(
    "form",
    { class: "regform", "aria-labelledby": "reg-heading" },
    h("h2", { id: "reg-heading", class: "panel__title" }, t("devices.registerHeading")),
    h(
      "div",
      { class: "regform__fields" },
      field(t("devices.kind"), kind),
      field(t("devices.id"), deviceId, t("devices.idHint")),
      field(t("devices.label"), label),
      field(t("devices.location"), location),
      field(t("devices.residentId"), residentId),
      field(t("devices.householdId"), householdId),
      field(t("devices.grid"), gridId),
    ),
    regError,
    regSubmit,
  );
  const credentials = h("section", { class: "panel credentials", hidden: true, "aria-labelledby": "cred-heading", "data-testid": "credentials" });

  listCommunities()
    .then((cs) => {
      for (const c of cs) for (const g of c.grids) gridId.append(h("option", { value: String(g.id) }, `${c.name} · ${g.name}`));
    })
    .catch(() => {});

  const num = (input: HTMLInputElement): number | null => (input.value.trim() ? Number(input.value) : null);
  let registering = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (registering) return;
    void (async () => {
      registering = true;
      setAttr(regSubmit, "aria-disabled", "true");
      regError.hidden = true;
      try {
        const creds = await registerDevice({
          kind: kind.value,
          id: deviceId.value.trim() || null,
          label: label.value.trim() || null,
          location: location.value || null,
          residentId: num(residentId),
          householdId: num(householdId),
          gridId: gridId.value ? Number(gridId.value) : null,
        });
        showCredentials(creds);
        form.reset();
        void refresh();
      } catch (error) {
        regError.hidden = false;
        setText(regError, registerError(error));
      } finally {
        registering = false;
        setAttr(regSubmit, "aria-disabled", null);
      }
    })();
  });

  function showCredentials(c: DeviceCredentials, rotated = false): void {
    const m = c.mqtt;
    const qr = h("div", { class: "qr", "data-testid": "credentials-qr", "aria-busy": "true" }, h("p", { class: "muted" }, t("app.loading")));
    const row = (key: string, value: string, testid: string): HTMLElement =>
      h(
        "div",
        { class: "cred" },
        h("dt", {}, key),
        h("dd", {}, h("code", { class: "mono", "data-testid": testid }, value), " ", copyButton(value)),
      );
    credentials.replaceChildren(
      h("h2", { id: "cred-heading", class: "panel__title", tabindex: "-1" }, iconEl("check"), " ", t(rotated ? "devices.rotated" : "devices.registered", { id: c.device.id })),
      h("p", { class: "warn", role: "note" }, iconEl("warning"), h("span", {}, t("devices.secretOnce"))),
      ...(rotated
        ? [
            h(
              "p",
              { class: "muted", role: "note", "data-testid": "credentials-grace" },
              c.previousSecretValidUntil ? t("devices.graceUntil", { time: formatFull(c.previousSecretValidUntil) }) : t("devices.graceNone"),
            ),
          ]
        : []),
      h(
        "div",
        { class: "credentials__body" },
        h(
          "dl",
          { class: "creds" },
          row(t("devices.id"), c.device.id, "credentials-id"),
          row(t("devices.secret"), c.secret, "credentials-secret"),
          row(t("devices.host"), m.host, "credentials-host"),
          row(t("devices.port"), String(m.port), "credentials-port"),
          ...(m.tlsPort ? [row(t("devices.tlsPort"), String(m.tlsPort), "credentials-tls-port")] : []),
          row(t("devices.wsPath"), m.webSocketPath, "credentials-ws"),
          row(t("devices.username"), m.username, "credentials-username"),
          row(t("devices.upTopic"), m.upTopic, "credentials-up"),
          row(t("devices.downTopic"), m.downTopic, "credentials-down"),
        ),
        h("figure", { class: "qr__figure" }, qr, h("figcaption", { class: "muted" }, t("devices.qrCaption"))),
      ),
      h(
        "button",
        {
          type: "button",
          class: "btn btn--secondary",
          "data-testid": "credentials-done",
          onclick: () => {
            credentials.hidden = true;
            credentials.replaceChildren();
            deviceId.focus();
          },
        },
        t("devices.savedDone"),
      ),
    );
    credentials.hidden = false;
    credentials.querySelector<HTMLElement>("#cred-heading")?.focus();
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
      })
      .catch(() => {
        qr.replaceChildren(h("p", { class: "muted" }, t("devices.qrFailed")));
        qr.setAttribute("aria-busy", "false");
      });
  }

  // ── fleet ──
  const filter = h("input", { id: "fleet-filter", type: "search", class: "input", autocomplete: "off", "data-testid": "fleet-filter" });
  const problemsOnly = h("input", { id: "fleet-problems", type: "checkbox", "data-testid": "fleet-problems" });
  const summary = h("p", { class: "muted", role: "status", "data-testid": "fleet-summary" });
  const body = h("tbody", {});
  const cols = ["devices.col.device", "devices.col.kind", "devices.col.place", "devices.col.status", "devices.col.battery", "devices.col.rssi", "devices.col.lastSeen", "devices.col.firmware", "devices.col.rejected", "devices.col.actions"] as const;
  const table = h(
    "table",
    { class: "table table--fleet", "data-testid": "fleet-table" },
    h("caption", { class: "sr-only" }, t("devices.fleet")),
    h("thead", {}, h("tr", {}, ...cols.map((k) => h("th", { scope: "col" }, t(k))))),
    body,
  );
  let fleet: DeviceDto[] = [];
  const expanded = new Set<string>();
  const tests = new Map<string, { state: "sending" | "sent" | "arrived" | "timeout" | "failed"; sentAt: number; arrivedAt?: number }>();

  function render(): void {
    const q = filter.value.trim().toLowerCase();
    const shown = fleet.filter(
      (d) => (!q || `${d.id} ${d.label ?? ""} ${d.kind} ${d.firmware ?? ""}`.toLowerCase().includes(q)) && (!problemsOnly.checked || deviceHealth(d) !== "ok" || d.rejected > 0),
    );
    const online = fleet.filter((d) => d.online).length;
    setText(summary, t("devices.summary", { total: fleet.length, online, offline: fleet.length - online, shown: shown.length }));
    const focusedTestId = document.activeElement?.closest("[data-device-id]")?.getAttribute("data-device-id");
    const focusedHook = document.activeElement?.getAttribute("data-testid");
    body.replaceChildren(...shown.flatMap((d) => fleetRows(d)));
    if (focusedTestId && focusedHook) body.querySelector<HTMLElement>(`[data-device-id="${CSS.escape(focusedTestId)}"] [data-testid="${focusedHook}"]`)?.focus();
  }

  function fleetRows(d: DeviceDto): HTMLElement[] {
    const health = deviceHealth(d);
    const test = tests.get(d.id);
    const place = [d.residentId ? t("devices.resident", { id: d.residentId }) : null, d.householdId ? t("devices.household", { id: d.householdId }) : null, d.gridId ? t("devices.gridN", { id: d.gridId }) : null]
      .filter(Boolean)
      .join(" · ");
    const rejectedCell =
      d.rejected > 0
        ? h(
            "button",
            {
              type: "button",
              class: "btn btn--ghost btn--compact text-alert",
              "aria-expanded": String(expanded.has(d.id)),
              "data-testid": "rejected-toggle",
              onclick: () => {
                if (expanded.has(d.id)) expanded.delete(d.id);
                else expanded.add(d.id);
                render();
              },
            },
            String(d.rejected),
          )
        : h("span", {}, "0");
    const row = h(
      "tr",
      { "data-testid": "fleet-row", "data-device-id": d.id, "data-online": String(d.online), class: `row--${health}` },
      h("td", { "data-label": t("devices.col.device") }, h("code", { class: "mono" }, d.id), d.label ? h("span", { class: "muted" }, ` ${d.label}`) : null),
      h("td", { "data-label": t("devices.col.kind") }, deviceKindLabel(d.kind)),
      h("td", { "data-label": t("devices.col.place") }, place || "—"),
      h("td", { "data-label": t("devices.col.status") }, h("span", { class: `health health--${health}`, "data-testid": "device-status" }, d.online ? t("devices.online") : t("devices.offline")), health !== "ok" && health !== "offline" ? h("span", { class: "muted" }, ` ${t(`health.${health}`)}`) : null),
      h("td", { "data-label": t("devices.col.battery") }, d.battery !== null ? batteryMeter(d.battery) : "—"),
      h("td", { "data-label": t("devices.col.rssi") }, d.rssi !== null ? `${d.rssi} dBm` : "—"),
      h("td", { "data-label": t("devices.col.lastSeen") }, d.lastSeenAt ? h("time", { datetime: d.lastSeenAt, title: formatFull(d.lastSeenAt) }, formatAge(d.lastSeenAt)) : t("devices.never")),
      h("td", { "data-label": t("devices.col.firmware") }, d.firmware ?? "—"),
      h("td", { "data-label": t("devices.col.rejected") }, rejectedCell),
      h(
        "td",
        { "data-label": t("devices.col.actions") },
        h(
          "button",
          { type: "button", class: "btn btn--secondary btn--compact", "data-testid": "test-alarm", "aria-disabled": test?.state === "sending" || test?.state === "sent" ? "true" : null, onclick: () => void testAlarm(d.id) },
          t("devices.testAlarm"),
        ),
        test ? h("span", { class: `test-result test-result--${test.state}`, role: "status", "data-testid": "test-result", "data-state": test.state }, testText(test)) : null,
        " ",
        h("button", { type: "button", class: "btn btn--ghost btn--compact", "data-testid": "rotate-secret", onclick: () => void newSecret(d.id) }, t("devices.rotate")),
      ),
    );
    const rows: HTMLElement[] = [row];
    if (expanded.has(d.id)) {
      const cell = h("td", { colspan: String(cols.length) }, h("p", { class: "muted" }, t("app.loading")));
      rows.push(h("tr", { class: "row--detail", "data-testid": "rejections" }, cell));
      deviceRejections(d.id)
        .then((r) =>
          cell.replaceChildren(
            h("ul", { class: "reasons" }, ...r.counts.map((c) => h("li", {}, h("strong", {}, `${tMaybe(`reason.${c.reason}`) ?? c.reason} ×${c.count}`), " ", h("span", { class: "muted" }, `${formatTime(c.lastAt)}${c.lastDetail ? ` — ${c.lastDetail}` : ""}`)))),
          ),
        )
        .catch(() => cell.replaceChildren(h("p", { class: "form-error" }, t("resident.loadFailed"))));
    }
    return rows;
  }

  function testText(test: { state: string; sentAt: number; arrivedAt?: number }): string {
    switch (test.state) {
      case "sending":
        return t("devices.testSending");
      case "sent":
        return t("devices.testSent", { time: formatTime(new Date(test.sentAt).toISOString()) });
      case "arrived":
        return t("devices.testArrived", { seconds: (((test.arrivedAt ?? test.sentAt) - test.sentAt) / 1000).toFixed(1) });
      case "timeout":
        return t("devices.testTimeout");
      default:
        return t("devices.testFailed");
    }
  }

  // The old secret keeps working for the hub's grace period, so the device can be re-provisioned without a gap.
  async function newSecret(id: string): Promise<void> {
    try {
      showCredentials(await rotateSecret(id), true);
    } catch {
      setText(summary, t("devices.rotateFailed", { id }));
    }
  }

  async function testAlarm(id: string): Promise<void> {
    const state = tests.get(id)?.state;
    if (state === "sending" || state === "sent") return;
    const started = Date.now();
    tests.set(id, { state: "sending", sentAt: started });
    render();
    try {
      const answer = await sendTestAlarm(id);
      const sentAt = Date.parse(answer.sentAt) || started;
      tests.set(id, { state: "sent", sentAt });
      render();
      watch(id, sentAt, Date.now() + TEST_WATCH_MS);
    } catch {
      tests.set(id, { state: "failed", sentAt: started });
      render();
    }
  }

  /** The device answers with a `test` reading; poll its latest values until it shows up. */
  function watch(id: string, sentAt: number, deadline: number): void {
    later(() => {
      latestReadings(id)
        .then((latest) => {
          const hit = latest.find((l) => l.name === "test" && Date.parse(l.t) >= sentAt - 2_000);
          if (hit) {
            tests.set(id, { state: "arrived", sentAt, arrivedAt: Math.max(Date.parse(hit.t), sentAt) });
            ctx.announcer.say(t("devices.testArrivedAnnounce", { id }));
            render();
          } else if (Date.now() > deadline) {
            tests.set(id, { state: "timeout", sentAt });
            render();
          } else watch(id, sentAt, deadline);
        })
        .catch(() => (Date.now() > deadline ? undefined : watch(id, sentAt, deadline)));
    }, 1000);
  }

  async function refresh(): Promise<void> {
    try {
      fleet = await listDevices();
      if (!disposed) render();
    } catch (error) {
      if (!disposed) setText(summary, error instanceof ApiError && error.isNetwork ? t("card.offline") : t("resident.loadFailed"));
    }
  }
  const poll = window.setInterval(() => void refresh(), FLEET_REFRESH_MS);
  filter.addEventListener("input", render);
  problemsOnly.addEventListener("change", render);
  void refresh();
  setText(summary, t("app.loading"));

  const element = h(
    "div",
    { class: "page devices", "data-testid": "devices-page" },
    h("header", { class: "page__head" }, h("h1", { class: "page__title", tabindex: "-1" }, t("devices.heading"))),
    credentials,
    h("section", { class: "panel" }, form),
    h(
      "section",
      { class: "panel", "aria-labelledby": "fleet-heading" },
      h("h2", { id: "fleet-heading", class: "panel__title" }, t("devices.fleet")),
      h(
        "div",
        { class: "toolbar" },
        h("div", { class: "field field--inline" }, h("label", { for: "fleet-filter", class: "label" }, t("devices.filter")), filter),
        h("label", { class: "check" }, problemsOnly, " ", t("devices.problemsOnly")),
      ),
      summary,
      h("div", { class: "table-wrap" }, table),
    ),
  );
  return {
    element,
    dispose() {
      disposed = true;
      window.clearInterval(poll);
      for (const id of timers) window.clearTimeout(id);
    },
  };
}

function batteryMeter(percent: number): HTMLElement {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  return h("span", { class: `battery${p < 20 ? " battery--low" : ""}` }, h("meter", { min: "0", max: "100", low: "20", high: "50", optimum: "100", value: String(p), "aria-label": `${p}%` }), ` ${p}%`);
}

function copyButton(value: string): HTMLElement {
  const b = h("button", { type: "button", class: "btn btn--ghost btn--compact", "aria-label": t("devices.copy") }, t("devices.copy"));
  b.addEventListener("click", () => {
    navigator.clipboard?.writeText(value).then(
      () => setText(b, t("devices.copied")),
      () => setText(b, t("devices.copyFailed")),
    );
  });
  return b;
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
