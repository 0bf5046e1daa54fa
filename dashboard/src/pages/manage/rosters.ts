// The roster editor: the saved shifts plus this draft's additions and removals, checked for coverage on
// every change (every hour of the week, every grid, every level) so the gaps show before saving; after
// saving, the saved roster is checked again and what is still open is shown.

import { addShift, checkCoverage, deleteShift, LEVELS, listShifts, listUsers, type DraftShift, type GapDto, type Level, type ShiftDto } from "../../api/manage";
import type { CommunityDto, UserDto } from "../../api/types";
import { t, type MessageKey } from "../../i18n";
import { h } from "../../ui/dom";
import { communities, communityPicker, field, loading, problemText, statusLine, table } from "./shared";

const DAY_KEYS: readonly MessageKey[] = ["manage.day.0", "manage.day.1", "manage.day.2", "manage.day.3", "manage.day.4", "manage.day.5", "manage.day.6"];
const LEVEL_KEYS: Record<Level, MessageKey> = { grid_worker: "manage.level.grid_worker", duty_officer: "manage.level.duty_officer", emergency_centre: "manage.level.emergency_centre" };
const ALL_DAYS = 127;

interface Row extends DraftShift {
  /** Saved shift id; null for a draft addition. */
  id: number | null;
  userId: string;
  removed: boolean;
}

function daysText(mask: number): string {
  if (mask === ALL_DAYS) return t("manage.rosters.everyDay");
  return DAY_KEYS.filter((_, i) => (mask & (1 << i)) !== 0).map((k) => t(k)).join(" ");
}

/** "Mon 20:00 – Tue 08:00 (12 h)" */
export function gapText(gap: GapDto): string {
  const end = (gap.day * 24 + gap.startHour + gap.hours) % 168;
  const at = (hourOfWeek: number): string => `${t(DAY_KEYS[Math.floor(hourOfWeek / 24)] ?? "manage.day.0")} ${String(hourOfWeek % 24).padStart(2, "0")}:00`;
  return gap.hours >= 168 ? t("manage.rosters.allWeek") : `${at(gap.day * 24 + gap.startHour)} – ${at(end)} (${t("manage.rosters.hours", { hours: gap.hours })})`;
}

export function rostersPanel(): HTMLElement {
  const body = h("div", {}, loading());
  const element = h("div", { "data-testid": "manage-rosters" }, body);
  void Promise.all([communities(), listUsers().catch(() => [] as UserDto[])]).then(
    ([list, users]) => {
      const first = list[0];
      if (!first) return body.replaceChildren(h("p", { class: "muted" }, t("manage.noCommunity")));
      const slot = h("div", {});
      body.replaceChildren(communityPicker(list, (c) => editor(slot, c, users), first.id), slot);
      editor(slot, first, users);
    },
    (e: unknown) => body.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e))),
  );
  return element;
}

function editor(slot: HTMLElement, c: CommunityDto, users: UserDto[]): void {
  slot.replaceChildren(loading());
  let rows: Row[] = [];
  let checkSeq = 0;
  const gridName = (id: number | null): string => (id === null ? t("manage.rosters.wholeCommunity") : c.grids.find((g) => g.id === id)?.name ?? String(id));
  const userName = (id: string): string => users.find((u) => u.id === id)?.displayName ?? id;

  const shiftsBox = h("div", {});
  const gapsBox = h("div", { "data-testid": "roster-gaps", "aria-live": "polite" });
  const status = statusLine("roster-status");

  // The add form.
  const grid = h("select", { class: "select", "data-testid": "shift-grid" }, h("option", { value: "" }, t("manage.rosters.wholeCommunity")), ...c.grids.map((g) => h("option", { value: String(g.id) }, g.name)));
  const level = h("select", { class: "select", "data-testid": "shift-level" }, ...LEVELS.map((l) => h("option", { value: l }, t(LEVEL_KEYS[l]))));
  const person = users.length > 0
    ? h("select", { class: "select", "data-testid": "shift-user" }, ...users.filter((u) => !u.roles.includes("Family") && !u.roles.includes("Technician")).map((u) => h("option", { value: u.id }, u.displayName)))
    : h("input", { class: "input", "data-testid": "shift-user", autocomplete: "off" });
  const start = h("input", { type: "time", class: "input", value: "08:00", "data-testid": "shift-start", required: true });
  const end = h("input", { type: "time", class: "input", value: "20:00", "data-testid": "shift-end", required: true });
  const dayBoxes = DAY_KEYS.map((k, i) => {
    const box = h("input", { type: "checkbox", checked: true, "data-testid": `shift-day-${i}` });
    return { box, label: h("label", { class: "manage__day" }, box, t(k)) };
  });
  const add = h("button", { type: "submit", class: "btn", "data-testid": "shift-add" }, t("manage.rosters.add"));
  const save = h("button", { type: "button", class: "btn btn--primary", "data-testid": "roster-save" }, t("manage.rosters.save"));
  const form = h(
    "form",
    { class: "manage__form", "data-testid": "shift-form" },
    field(t("manage.grid"), grid),
    field(t("manage.rosters.level"), level),
    field(t("manage.rosters.person"), person),
    field(t("manage.rosters.start"), start),
    field(t("manage.rosters.end"), end),
    h("fieldset", { class: "manage__days" }, h("legend", {}, t("manage.rosters.days")), ...dayBoxes.map((d) => d.label)),
    add,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const days = dayBoxes.reduce((mask, d, i) => (d.box.checked ? mask | (1 << i) : mask), 0);
    if (!person.value || days === 0) {
      status.fail(new Error());
      status.element.textContent = t("manage.rosters.incomplete");
      return;
    }
    rows.push({ id: null, gridId: grid.value ? Number(grid.value) : null, role: level.value as Level, start: start.value, end: end.value, days, userId: person.value, removed: false });
    status.clear();
    refresh();
  });

  const draft = (): DraftShift[] => rows.filter((r) => !r.removed).map(({ gridId, role, start: s, end: e, days }) => ({ gridId, role, start: s, end: e, days }));
  const dirty = (): boolean => rows.some((r) => (r.id === null) !== r.removed);

  function showGaps(gaps: GapDto[], saved: boolean): void {
    gapsBox.setAttribute("data-covered", String(gaps.length === 0));
    gapsBox.replaceChildren(
      ...[gaps.length === 0
        ? h("p", { class: "manage__ok", "data-testid": "roster-covered" }, t(saved ? "manage.rosters.savedCovered" : "manage.rosters.covered"))
        : h("p", { class: "form-error" }, t(saved ? "manage.rosters.savedGaps" : "manage.rosters.gaps", { count: gaps.length })),
      gaps.length === 0 ? null : table("roster-gap-list", [t("manage.grid"), t("manage.rosters.level"), t("manage.rosters.uncovered")],
        gaps.slice(0, 50).map((g) => [g.gridName, t(LEVEL_KEYS[g.level]), gapText(g)])),
      ].filter((x): x is HTMLElement => x !== null),
    );
  }

  function check(saved: boolean): void {
    const seq = ++checkSeq;
    checkCoverage(c.id, saved ? null : draft()).then(
      (result) => {
        if (seq === checkSeq) showGaps(result.gaps, saved);
      },
      (e: unknown) => {
        if (seq === checkSeq) gapsBox.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e)));
      },
    );
  }

  /** Redraws the shifts; `runCheck` = check the draft too (after saving, the saved roster is checked instead). */
  function refresh(runCheck = true): void {
    shiftsBox.replaceChildren(
      table("roster-shifts", [t("manage.grid"), t("manage.rosters.level"), t("manage.rosters.person"), t("manage.rosters.hoursCol"), t("manage.rosters.days"), ""],
        rows.map((r, i) => {
          const toggle = h("button", { type: "button", class: "btn btn--ghost", "data-testid": "shift-remove" }, r.removed ? t("manage.rosters.undo") : t("manage.rosters.remove"));
          toggle.addEventListener("click", () => {
            if (r.id === null) rows.splice(i, 1);
            else r.removed = !r.removed;
            refresh();
          });
          const state = r.id === null ? ` (${t("manage.rosters.new")})` : r.removed ? ` (${t("manage.rosters.removed")})` : "";
          return [gridName(r.gridId) + state, t(LEVEL_KEYS[r.role]), userName(r.userId), `${r.start}–${r.end}`, daysText(r.days), toggle];
        })),
    );
    save.disabled = !dirty();
    if (runCheck) check(false);
  }

  save.addEventListener("click", () => {
    save.disabled = true;
    status.clear();
    void (async () => {
      try {
        for (const r of rows.filter((x) => x.removed && x.id !== null)) await deleteShift(r.id as number);
        for (const r of rows.filter((x) => !x.removed && x.id === null)) await addShift(c.id, { gridId: r.gridId, role: r.role, start: r.start, end: r.end, days: r.days, userId: r.userId });
        await load();
        status.ok(t("manage.rosters.saved"));
        check(true);
      } catch (e) {
        status.fail(e);
        save.disabled = !dirty();
      }
    })();
  });

  async function load(): Promise<void> {
    const saved = await listShifts(c.id);
    rows = saved.map((s: ShiftDto) => ({ id: s.id, gridId: s.gridId, role: s.role, start: s.start, end: s.end, days: s.days, userId: s.userId, removed: false }));
    refresh(false);
  }

  load().then(
    () => {
      check(false);
      slot.replaceChildren(
        h("h3", { class: "manage__sub" }, t("manage.rosters.shifts")),
        shiftsBox,
        h("h3", { class: "manage__sub" }, t("manage.rosters.coverage")),
        gapsBox,
        h("h3", { class: "manage__sub" }, t("manage.rosters.addTitle")),
        form,
        h("div", { class: "manage__actions" }, save, status.element),
      );
    },
    (e: unknown) => slot.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e))),
  );
}
