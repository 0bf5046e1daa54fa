// Small pieces every console page uses: a table, a community picker, a status line for errors.

import { listCommunities } from "../../api/places";
import { ApiError } from "../../api/http";
import type { CommunityDto } from "../../api/types";
import { t } from "../../i18n";
import { h, uid } from "../../ui/dom";

type Cell = Node | string;

/** A table that scrolls sideways on a phone instead of pushing the page wider. */
export function table(testid: string, headers: readonly string[], rows: readonly Cell[][], caption?: string): HTMLElement {
  return h(
    "div",
    { class: "table-wrap manage__table" },
    h(
      "table",
      { class: "table", "data-testid": testid },
      caption ? h("caption", { class: "sr-only" }, caption) : null,
      h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c, i) => h("td", { "data-label": headers[i] ?? "" }, c))))),
    ),
  );
}

/** The hub's own explanation when it sent one (problem details), else a general one. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError) return error.detail ?? (error.isNetwork ? t("manage.offline") : t("manage.failedStatus", { status: error.status }));
  return t("manage.failed");
}

/** A live status line under a form: errors are alerts, successes polite. */
export function statusLine(testid: string): { element: HTMLElement; ok(text: string): void; fail(error: unknown): void; clear(): void } {
  const element = h("p", { class: "manage__status", role: "status", "aria-live": "polite", "data-testid": testid });
  return {
    element,
    ok(text) {
      element.className = "manage__status manage__status--ok";
      element.textContent = text;
    },
    fail(error) {
      element.className = "manage__status form-error";
      element.textContent = problemText(error);
    },
    clear() {
      element.textContent = "";
    },
  };
}

let communitiesCache: Promise<CommunityDto[]> | null = null;

/** Communities with their grids, fetched once per console visit. */
export function communities(refresh = false): Promise<CommunityDto[]> {
  if (refresh || !communitiesCache) communitiesCache = listCommunities();
  return communitiesCache;
}

/** A labelled field. */
export function field(label: string, control: HTMLElement): HTMLElement {
  const id = control.id || uid("f");
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id, class: "label" }, label), control);
}

/** A community select, shown only when there is more than one to choose from. */
export function communityPicker(list: CommunityDto[], onChange: (c: CommunityDto) => void, selected?: number | null): HTMLElement {
  const select = h("select", { class: "select", "data-testid": "manage-community" }, ...list.map((c) => h("option", { value: String(c.id), selected: c.id === selected }, c.name)));
  select.addEventListener("change", () => {
    const c = list.find((x) => String(x.id) === select.value);
    if (c) onChange(c);
  });
  const wrap = field(t("manage.community"), select);
  wrap.hidden = list.length < 2;
  return wrap;
}

export function loading(): HTMLElement {
  return h("p", { class: "muted", role: "status" }, t("app.loading"));
}

export function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? "–" : `${(share * 100).toFixed(1)} %`;
}

/** "00:01:05.123" → "1 min 5 s". */
export function duration(span: string | null): string {
  if (!span) return "–";
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)(?:\.\d+)?$/.exec(span);
  if (!m) return span;
  const total = Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return total >= 60 ? t("manage.minSec", { min: Math.floor(total / 60), sec: total % 60 }) : t("manage.sec", { sec: total });
}

/**
 * A console panel about one community: a picker (when there are several) over a slot showing what `render`
 * builds for the chosen community, with a loading line meanwhile and the problem text when it fails.
 */
export function communityPanel(testid: string, render: (c: CommunityDto) => Promise<Node[]>): HTMLElement {
  const body = h("div", {}, loading());
  const failed = (e: unknown): HTMLElement => h("p", { class: "form-error", role: "alert" }, problemText(e));
  void communities().then(
    (list) => {
      const first = list[0];
      if (!first) return body.replaceChildren(h("p", { class: "muted" }, t("manage.noCommunity")));
      const slot = h("div", {});
      const show = (c: CommunityDto): void => {
        slot.replaceChildren(loading());
        render(c).then((nodes) => slot.replaceChildren(...nodes), (e: unknown) => slot.replaceChildren(failed(e)));
      };
      body.replaceChildren(communityPicker(list, show, first.id), slot);
      show(first);
    },
    (e: unknown) => body.replaceChildren(failed(e)),
  );
  return h("div", { "data-testid": testid }, body);
}

/** This month in the community's calendar (China: UTC+8), yyyy-MM. */
export function currentMonth(now = new Date()): string {
  const local = new Date(now.getTime() + 8 * 3600_000);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, "0")}`;
}
