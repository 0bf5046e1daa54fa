// Services delivered to the resident (meal, bathing, cleaning…), newest first, with a small form for the workers who
// deliver or arrange them; the family rates each once. They count towards the monthly service rate for residents in
// special difficulty.

import { SERVICE_KINDS, services } from "../../api/cases";
import { ApiError } from "../../api/http";
import type { ServiceDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t, type MessageKey } from "../../i18n";
import { h, setText, uid } from "../../ui/dom";
import { formatFull, formatTime } from "../../ui/format";

const kindLabel = (kind: string): string => t(`serviceKind.${kind}` as MessageKey);

export function serviceList(ctx: AppContext, residentId: number, family: boolean): View & { load(): Promise<void> } {
  const items = h("ul", { class: "history__list", "data-testid": "services" });
  const ids = { kind: uid("svc-kind"), provider: uid("svc-provider"), note: uid("svc-note") };
  const kind = h("select", { id: ids.kind, class: "select", "data-testid": "service-kind" }, ...SERVICE_KINDS.map((k) => h("option", { value: k }, kindLabel(k))));
  const provider = h("input", { id: ids.provider, type: "text", class: "input", maxlength: "200", "data-testid": "service-provider" });
  const note = h("input", { id: ids.note, type: "text", class: "input", maxlength: "2000", "data-testid": "service-note" });
  const out = h("p", { class: "form-error", role: "alert" });
  let disposed = false;

  async function load(): Promise<void> {
    try {
      const list = await services.list(residentId);
      if (!disposed) items.replaceChildren(...(list.length === 0 ? [h("li", { class: "muted" }, t("services.none"))] : list.map((x) => item(x, family ? rate : null))));
    } catch {
      if (!disposed) items.replaceChildren(h("li", { class: "form-error" }, t("resident.loadFailed")));
    }
  }

  function rate(s: ServiceDto, n: number, out: HTMLElement): void {
    services.rate(s.id, n).then(
      () => {
        ctx.announcer.say(t("services.rated"));
        return load();
      },
      (err: unknown) => setText(out, err instanceof ApiError && err.detail ? err.detail : t("services.failed")),
    );
  }

  const form = family ? null : h(
    "form",
    {
      class: "services__form",
      "data-testid": "service-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        setText(out, "");
        services.record(residentId, kind.value, provider.value.trim(), note.value.trim()).then(
          () => {
            provider.value = "";
            note.value = "";
            ctx.announcer.say(t("services.recorded"));
            return load();
          },
          (err: unknown) => setText(out, err instanceof ApiError && err.detail ? err.detail : t("services.failed")),
        );
      },
    },
    h("div", { class: "field" }, h("label", { for: ids.kind, class: "label" }, t("services.kind")), kind),
    h("div", { class: "field" }, h("label", { for: ids.provider, class: "label" }, t("services.provider")), provider),
    h("div", { class: "field" }, h("label", { for: ids.note, class: "label" }, t("services.note")), note),
    h("button", { type: "submit", class: "btn btn--secondary", "data-testid": "service-submit" }, t("services.record")),
    out,
  );

  return {
    element: h("div", { class: "services" }, form, items),
    load,
    dispose() {
      disposed = true;
    },
  };
}

type Rate = (s: ServiceDto, n: number, out: HTMLElement) => void;

function item(s: ServiceDto, rate: Rate | null): HTMLElement {
  const out = h("p", { class: "form-error", role: "alert" });
  return h(
    "li",
    { "data-testid": "service", "data-service-id": String(s.id) },
    h("time", { datetime: s.at, title: formatFull(s.at) }, formatTime(s.at)),
    ` · ${kindLabel(s.kind)} · ${s.provider ?? s.by}`,
    s.note ? ` — ${s.note}` : "",
    s.rating !== null ? h("span", { "data-testid": "service-rating" }, ` · ${t("cases.rated", { n: s.rating })}`) : null,
    rate && s.rating === null
      ? h(
          "div",
          { class: "feedback__buttons", role: "group", "aria-label": t("services.rateQuestion") },
          ...[5, 4, 3, 2, 1].map((n) =>
            h("button", { type: "button", class: "btn btn--ghost", "data-testid": `service-rate-${n}`, "aria-label": t("cases.stars", { n }), onclick: () => rate(s, n, out) }, "★".repeat(n)),
          ),
          out,
        )
      : null,
  );
}
