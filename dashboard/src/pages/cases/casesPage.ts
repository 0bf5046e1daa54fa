// Cases (接诉即办): the list of cases this person sees, live; a form to open one (the desk taking a phone call, a grid
// worker on a round, a family member for their relative); for responders the loop's next step on each case (take it,
// on site, resolve with an outcome); for families a rating once it is resolved.

import { ApiError } from "../../api/http";
import { CASE_CATEGORIES, CASE_CHANNELS, CASE_OUTCOMES, cases } from "../../api/cases";
import { listResidents } from "../../api/places";
import type { CaseDto, ResidentDto } from "../../api/types";
import type { AppContext, View } from "../../context";
import { t, type MessageKey } from "../../i18n";
import { onCaseUpdated } from "../../live/alertHub";
import { h, setText, uid } from "../../ui/dom";
import { formatFull, formatTime } from "../../ui/format";

const label = (prefix: string, code: string): string => t(`${prefix}.${code}` as MessageKey);

export function casesPage(ctx: AppContext): View {
  const responder = ctx.me.roles.some((r) => r === "Admin" || r === "EmergencyStaff" || r === "GridWorker");
  const family = ctx.me.roles.includes("Family");
  const byId = new Map<number, CaseDto>();
  const list = h("ul", { class: "cases__list", "data-testid": "cases-list", "aria-live": "polite" });
  const status = h("p", { class: "muted", role: "status" }, t("app.loading"));
  const formSlot = h("div", {});
  const element = h(
    "div",
    { class: "page cases", "data-testid": "cases-page" },
    h("header", { class: "page__head" }, h("h1", { class: "page__title", tabindex: "-1" }, t("app.casesTitle"))),
    h("section", { class: "panel", "aria-labelledby": "case-open" }, h("h2", { id: "case-open", class: "panel__title" }, t("cases.open")), formSlot),
    h("section", { class: "panel", "aria-labelledby": "case-list" }, h("h2", { id: "case-list", class: "panel__title" }, t("cases.list")), status, list),
  );

  const render = (): void => {
    const rows = [...byId.values()].sort((a, b) => b.id - a.id);
    setText(status, rows.length === 0 ? t("cases.none") : "");
    list.replaceChildren(...rows.map((c) => caseItem(c)));
  };
  const upsert = (c: CaseDto): void => {
    const known = byId.get(c.id);
    if (!known || known.version <= c.version) byId.set(c.id, { ...c, residentName: c.residentName ?? known?.residentName ?? null });
    render();
  };
  const reload = async (): Promise<void> => {
    try {
      (await cases.list()).forEach((c) => byId.set(c.id, c));
      render();
    } catch {
      setText(status, t("cases.failed"));
    }
  };

  function act(run: () => Promise<CaseDto>, out: HTMLElement): void {
    run().then(
      (c) => {
        upsert(c);
        ctx.announcer.say(t("cases.saved"));
      },
      (e: unknown) => setText(out, e instanceof ApiError && e.detail ? e.detail : t("cases.actionFailed")),
    );
  }

  function caseItem(c: CaseDto): HTMLElement {
    const out = h("p", { class: "form-error", role: "alert" });
    const now = Date.now();
    const overdue = c.status !== "resolved" && (c.escalations > 0 || now > Date.parse(c.assignedAt ? c.resolveBy : c.respondBy));
    const actions = h("div", { class: "cases__actions" });
    if (responder && c.status === "opened")
      actions.append(h("button", { type: "button", class: "btn btn--primary", "data-testid": "case-assign", onclick: () => act(() => cases.assign(c.id), out) }, t("cases.assignMe")));
    if (responder && c.status === "assigned")
      actions.append(h("button", { type: "button", class: "btn btn--secondary", "data-testid": "case-onsite", onclick: () => act(() => cases.onSite(c.id), out) }, t("cases.onSite")));
    if (responder && c.status !== "resolved") actions.append(resolveForm(c, out));
    if (family && c.status === "resolved" && c.rating === null) actions.append(rateForm(c, out));
    return h(
      "li",
      { class: `card cases__item${overdue ? " card--warning" : ""}`, "data-testid": "case", "data-case-id": String(c.id), "data-status": c.status },
      h(
        "p",
        { class: "cases__head" },
        h("strong", {}, label("caseCategory", c.category)),
        ` · ${label("caseStatus", c.status)}`,
        c.residentName ? ` · ${c.residentName}` : "",
        overdue ? h("span", { class: "badge", "data-testid": "case-overdue" }, ` ${t("cases.overdue")}`) : null,
      ),
      h("p", {}, c.description),
      h(
        "p",
        { class: "muted" },
        `${label("caseChannel", c.channel)} · ${c.openedBy} · `,
        h("time", { datetime: c.openedAt, title: formatFull(c.openedAt) }, formatTime(c.openedAt)),
        c.assignedTo ? ` · ${t("cases.assignedTo", { who: c.assignedTo })}` : "",
        c.status !== "resolved" ? ` · ${t("cases.due", { at: formatTime(c.assignedAt ? c.resolveBy : c.respondBy) })}` : "",
      ),
      c.outcome ? h("p", { "data-testid": "case-outcome" }, `${label("caseOutcome", c.outcome)}${c.resolutionNote ? ` — ${c.resolutionNote}` : ""}`) : null,
      c.rating !== null ? h("p", { "data-testid": "case-rating" }, t("cases.rated", { n: c.rating })) : null,
      actions,
      out,
    );
  }

  function resolveForm(c: CaseDto, out: HTMLElement): HTMLElement {
    const outcomeId = uid("outcome");
    const noteId = uid("note");
    const outcome = h("select", { id: outcomeId, class: "select", "data-testid": "case-outcome-pick" }, ...CASE_OUTCOMES.map((o) => h("option", { value: o }, label("caseOutcome", o))));
    const note = h("input", { id: noteId, type: "text", class: "input", maxlength: "2000", "data-testid": "case-note" });
    return h(
      "form",
      { class: "cases__resolve", onsubmit: (e: Event) => { e.preventDefault(); act(() => cases.resolve(c.id, outcome.value, note.value.trim()), out); } },
      h("div", { class: "field" }, h("label", { for: outcomeId, class: "label" }, t("cases.outcome")), outcome),
      h("div", { class: "field" }, h("label", { for: noteId, class: "label" }, t("cases.note")), note),
      h("button", { type: "submit", class: "btn btn--secondary", "data-testid": "case-resolve" }, t("cases.resolve")),
    );
  }

  function rateForm(c: CaseDto, out: HTMLElement): HTMLElement {
    const commentId = uid("comment");
    const comment = h("input", { id: commentId, type: "text", class: "input", maxlength: "2000", "data-testid": "case-rate-comment" });
    return h(
      "div",
      { class: "cases__rate", role: "group", "aria-label": t("cases.rateQuestion") },
      h("p", {}, t("cases.rateQuestion")),
      h("div", { class: "field" }, h("label", { for: commentId, class: "label" }, t("cases.comment")), comment),
      h(
        "div",
        { class: "feedback__buttons" },
        ...[5, 4, 3, 2, 1].map((n) =>
          h("button", { type: "button", class: "btn btn--ghost", "data-testid": `case-rate-${n}`, "aria-label": t("cases.stars", { n }), onclick: () => act(() => cases.rate(c.id, n, comment.value.trim()), out) }, "★".repeat(n)),
        ),
      ),
    );
  }

  function openForm(residents: ResidentDto[]): HTMLElement {
    const ids = { category: uid("category"), resident: uid("resident"), channel: uid("channel"), description: uid("description") };
    const category = h("select", { id: ids.category, class: "select", "data-testid": "case-category" }, ...CASE_CATEGORIES.map((c) => h("option", { value: c }, label("caseCategory", c))));
    const resident = h("select", { id: ids.resident, class: "select", "data-testid": "case-resident", required: true },
      ...residents.map((r) => h("option", { value: String(r.id) }, `${r.name}${r.householdAddress ? ` · ${r.householdAddress}` : ""}`)));
    const channel = responder ? h("select", { id: ids.channel, class: "select", "data-testid": "case-channel" }, ...CASE_CHANNELS.map((c) => h("option", { value: c }, label("caseChannel", c)))) : null;
    const description = h("textarea", { id: ids.description, class: "input", rows: "3", maxlength: "2000", required: true, "data-testid": "case-description" });
    const out = h("p", { class: "form-error", role: "alert" });
    return h(
      "form",
      {
        class: "cases__form",
        "data-testid": "case-open-form",
        onsubmit: (e: Event) => {
          e.preventDefault();
          setText(out, "");
          cases.open({ category: category.value, description: description.value.trim(), residentId: Number(resident.value), ...(channel ? { channel: channel.value } : {}) }).then(
            (c) => {
              description.value = "";
              upsert(c);
              ctx.announcer.say(t("cases.opened"));
            },
            (err: unknown) => setText(out, err instanceof ApiError && err.detail ? err.detail : t("cases.actionFailed")),
          );
        },
      },
      h("div", { class: "field" }, h("label", { for: ids.resident, class: "label" }, t("cases.resident")), resident),
      h("div", { class: "field" }, h("label", { for: ids.category, class: "label" }, t("cases.category")), category),
      channel ? h("div", { class: "field" }, h("label", { for: ids.channel, class: "label" }, t("cases.channel")), channel) : null,
      h("div", { class: "field" }, h("label", { for: ids.description, class: "label" }, t("cases.description")), description),
      h("button", { type: "submit", class: "btn btn--primary", "data-testid": "case-submit" }, t("cases.submit")),
      out,
    );
  }

  listResidents().then(
    (rs) => formSlot.replaceChildren(rs.length === 0 ? h("p", { class: "muted" }, t("cases.noResidents")) : openForm(rs)),
    () => formSlot.replaceChildren(h("p", { class: "form-error" }, t("cases.failed"))),
  );
  void reload();
  const unsubscribe = onCaseUpdated(upsert);
  return { element, dispose: () => void unsubscribe() };
}
