// Users and roles (list, create), and places: communities, grids, households and residents.

import { createCommunity, createGrid, createHousehold, createResident, createUser, listUsers, renameGrid, updateHousehold, updateResident } from "../../api/manage";
import { listResidents } from "../../api/places";
import type { CommunityDto, ResidentDto, Role } from "../../api/types";
import { t } from "../../i18n";
import { h } from "../../ui/dom";
import { roleLabel } from "../../ui/format";
import { communities, field, loading, problemText, statusLine, table } from "./shared";

/** Households created here that have no resident yet (the hub lists households through their residents). */
const newHouseholds = new Map<number, { address: string; gridId: number | null }>();

const ROLES: readonly Role[] = ["Admin", "EmergencyStaff", "GridWorker", "Technician", "Family"];

export function usersPanel(): HTMLElement {
  const list = h("div", {}, loading());
  const status = statusLine("user-status");
  const email = h("input", { type: "email", class: "input", required: true, autocomplete: "off", "data-testid": "user-email" });
  const name = h("input", { class: "input", required: true, autocomplete: "off", "data-testid": "user-name" });
  const password = h("input", { type: "password", class: "input", required: true, autocomplete: "new-password", "data-testid": "user-password" });
  const role = h("select", { class: "select", "data-testid": "user-role" }, ...ROLES.map((r) => h("option", { value: r }, roleLabel(r))));
  const place = h("select", { class: "select", "data-testid": "user-place" });
  const form = h(
    "form",
    { class: "manage__form", "data-testid": "user-form" },
    field(t("manage.users.email"), email),
    field(t("manage.users.name"), name),
    field(t("manage.users.password"), password),
    field(t("manage.users.role"), role),
    field(t("manage.users.place"), place),
    h("button", { type: "submit", class: "btn btn--primary", "data-testid": "user-create" }, t("manage.users.create")),
    status.element,
  );
  let places: CommunityDto[] = [];
  let residents: ResidentDto[] = [];
  // The scope a role needs: a community (duty officer), a grid (grid worker), a resident (family).
  const fillPlaces = (): void => {
    const r = role.value as Role;
    const options =
      r === "EmergencyStaff" ? places.map((c) => [`c${c.id}`, c.name])
      : r === "GridWorker" ? places.flatMap((c) => c.grids.map((g) => [`g${g.id}`, `${c.name} · ${g.name}`]))
      : r === "Family" ? residents.map((x) => [`r${x.id}`, `${x.name} · ${x.householdAddress ?? ""}`])
      : [];
    place.replaceChildren(...options.map(([v, label]) => h("option", { value: v ?? "" }, label ?? "")));
    place.disabled = options.length === 0;
  };
  role.addEventListener("change", fillPlaces);

  const load = (): void => {
    listUsers().then(
      (users) =>
        list.replaceChildren(
          table("users-table", [t("manage.users.name"), t("manage.users.email"), t("manage.users.role"), t("manage.users.place")],
            users.map((u) => [u.displayName, u.email, u.roles.map(roleLabel).join(", "), scopeText(u.communityId, u.gridId, u.residentIds.length)])),
        ),
      (e: unknown) => list.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e))),
    );
  };
  const scopeText = (communityId: number | null, gridId: number | null, residentCount: number): string => {
    const grid = places.flatMap((c) => c.grids).find((g) => g.id === gridId);
    if (grid) return grid.name;
    const community = places.find((c) => c.id === communityId);
    if (community) return community.name;
    return residentCount > 0 ? t("manage.users.residents", { count: residentCount }) : "–";
  };
  Promise.all([communities(), listResidents().catch(() => [] as ResidentDto[])]).then(([c, r]) => {
    places = c;
    residents = r;
    fillPlaces();
    load();
  }, load);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = place.value;
    const id = Number(v.slice(1));
    createUser({
      email: email.value.trim(),
      password: password.value,
      displayName: name.value.trim(),
      role: role.value,
      communityId: v.startsWith("c") ? id : null,
      gridId: v.startsWith("g") ? id : null,
      residentIds: v.startsWith("r") ? [id] : null,
      language: null,
    }).then(
      (u) => {
        status.ok(t("manage.users.created", { name: u.displayName }));
        form.reset();
        fillPlaces();
        load();
      },
      (e: unknown) => status.fail(e),
    );
  });
  return h("div", { "data-testid": "manage-users" }, list, h("h3", { class: "manage__sub" }, t("manage.users.new")), form);
}

/** An inline "rename": a text box and a save button in a table cell. */
function inlineEdit(value: string, testid: string, save: (next: string) => Promise<unknown>, status: ReturnType<typeof statusLine>): HTMLElement {
  const input = h("input", { class: "input input--inline", value, "aria-label": t("manage.places.name"), "data-testid": `${testid}-input` });
  const button = h("button", { type: "button", class: "btn btn--ghost", "data-testid": `${testid}-save` }, t("manage.save"));
  button.addEventListener("click", () => {
    save(input.value.trim()).then(
      () => status.ok(t("manage.savedOk")),
      (e: unknown) => status.fail(e),
    );
  });
  return h("span", { class: "manage__inline" }, input, button);
}

export function placesPanel(): HTMLElement {
  const body = h("div", {}, loading());
  const status = statusLine("places-status");
  const element = h("div", { "data-testid": "manage-places" }, status.element, body);

  const render = (list: CommunityDto[], residents: ResidentDto[]): void => {
    const grids = list.flatMap((c) => c.grids.map((g) => ({ g, c })));
    const gridSelect = (selected: number | null, testid: string): HTMLSelectElement =>
      h("select", { class: "select", "data-testid": testid, "aria-label": t("manage.grid") }, ...grids.map(({ g, c }) => h("option", { value: String(g.id), selected: g.id === selected }, `${c.name} · ${g.name}`)));

    // Households are known through their residents (and the one just created).
    const households = new Map<number, { address: string; gridId: number | null }>(newHouseholds);
    for (const r of residents) households.set(r.householdId, { address: r.householdAddress ?? "", gridId: r.gridId });

    const newCommunity = h("input", { class: "input", "data-testid": "community-name", "aria-label": t("manage.places.communityName") });
    const newGridName = h("input", { class: "input", "data-testid": "grid-name", "aria-label": t("manage.places.gridName") });
    const newGridCommunity = h("select", { class: "select", "data-testid": "grid-community", "aria-label": t("manage.community") }, ...list.map((c) => h("option", { value: String(c.id) }, c.name)));
    const newAddress = h("input", { class: "input", "data-testid": "household-address", "aria-label": t("manage.places.address") });
    const newAddressGrid = gridSelect(null, "household-grid");
    const newResident = h("input", { class: "input", "data-testid": "resident-name", "aria-label": t("manage.resident") });
    const newResidentHome = h("select", { class: "select", "data-testid": "resident-household", "aria-label": t("manage.places.household") },
      ...[...households].map(([id, x]) => h("option", { value: String(id) }, x.address)));
    const newResidentSpecial = h("input", { type: "checkbox", "data-testid": "resident-special" });
    const reload = (): void => void start(true);
    const act = (p: Promise<unknown>, done: string): void => {
      p.then(() => {
        status.ok(done);
        reload();
      }, (e: unknown) => status.fail(e));
    };
    const row = (...children: HTMLElement[]): HTMLElement => h("div", { class: "manage__row" }, ...children);
    const button = (label: string, testid: string, onclick: () => void): HTMLElement => h("button", { type: "button", class: "btn", "data-testid": testid, onclick }, label);

    body.replaceChildren(
      h("h3", { class: "manage__sub" }, t("manage.places.communities")),
      table("communities-table", [t("manage.community"), t("manage.places.grids")], list.map((c) => [c.name, String(c.grids.length)])),
      row(newCommunity, button(t("manage.places.addCommunity"), "community-add", () => act(createCommunity(newCommunity.value.trim()), t("manage.savedOk")))),
      h("h3", { class: "manage__sub" }, t("manage.places.grids")),
      table("grids-table", [t("manage.community"), t("manage.grid")], grids.map(({ g, c }) => [c.name, inlineEdit(g.name, "grid-rename", (n) => renameGrid(g, n), status)])),
      row(newGridCommunity, newGridName, button(t("manage.places.addGrid"), "grid-add", () => act(createGrid(Number(newGridCommunity.value), newGridName.value.trim()), t("manage.savedOk")))),
      h("h3", { class: "manage__sub" }, t("manage.places.households")),
      table("households-table", [t("manage.places.address"), t("manage.grid"), ""], [...households].map(([id, x]) => {
        const address = h("input", { class: "input input--inline", value: x.address, "aria-label": t("manage.places.address"), "data-testid": "household-edit-address" });
        const grid = gridSelect(x.gridId, "household-edit-grid");
        return [address, grid, button(t("manage.save"), "household-save", () => act(updateHousehold(id, Number(grid.value), address.value.trim()), t("manage.savedOk")))];
      })),
      row(newAddressGrid, newAddress, button(t("manage.places.addHousehold"), "household-add", () => act(createHousehold(Number(newAddressGrid.value), newAddress.value.trim()).then((x) => newHouseholds.set(x.id, { address: x.address, gridId: x.gridId })), t("manage.savedOk")))),
      h("h3", { class: "manage__sub" }, t("manage.places.residents")),
      table("residents-table", [t("manage.resident"), t("manage.places.birthYear"), t("manage.places.special"), t("manage.places.household"), ""], residents.map((r) => {
        const name = h("input", { class: "input input--inline", value: r.name, "aria-label": t("manage.resident"), "data-testid": "resident-edit-name" });
        const year = h("input", { type: "number", class: "input input--inline", value: r.birthYear === null ? "" : String(r.birthYear), "aria-label": t("manage.places.birthYear"), "data-testid": "resident-edit-year" });
        const special = h("input", { type: "checkbox", checked: r.specialDifficulty, "aria-label": t("manage.places.special"), "data-testid": "resident-edit-special" });
        const home = h("select", { class: "select", "aria-label": t("manage.places.household"), "data-testid": "resident-edit-household" },
          ...[...households].map(([id, x]) => h("option", { value: String(id), selected: id === r.householdId }, x.address)));
        const edit = (): Promise<unknown> => updateResident(r.id, { householdId: Number(home.value), name: name.value.trim(), birthYear: year.value ? Number(year.value) : null, specialDifficulty: special.checked });
        return [name, year, special, home, button(t("manage.save"), "resident-save", () => act(edit(), t("manage.savedOk")))];
      })),
      row(newResidentHome, newResident, h("label", { class: "manage__day" }, newResidentSpecial, t("manage.places.special")),
        button(t("manage.places.addResident"), "resident-add", () => act(createResident({ householdId: Number(newResidentHome.value), name: newResident.value.trim(), birthYear: null, specialDifficulty: newResidentSpecial.checked }), t("manage.savedOk")))),
    );
  };

  const start = async (refresh = false): Promise<void> => {
    try {
      const [list, residents] = await Promise.all([communities(refresh), listResidents()]);
      render(list, residents);
    } catch (e) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, problemText(e)));
    }
  };
  void start();
  return element;
}
