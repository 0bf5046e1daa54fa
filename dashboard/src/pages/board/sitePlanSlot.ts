// The site plan beside the board, for the grids this person looks after. The plan needs places;
// the board works without them (a hub that refuses them just has no map).

import { listCommunities, listResidents } from "../../api/places";
import type { AlertDto, GridDto, Me } from "../../api/types";
import type { View } from "../../context";
import { h } from "../../ui/dom";
import { siteMap, type SiteMap } from "../../ui/siteMap";

export interface SitePlanSlot extends View {
  update(alerts: readonly AlertDto[]): void;
  /** The name the plan shows for a grid (null before the plan is there). */
  gridName(gridId: number): string | null;
}

/** `selected`/`select`: the grid the board is filtered to; `shown`: the plan has arrived. */
export function sitePlanSlot(me: Me, selected: () => number | null, select: (gridId: number | null) => void, shown: () => void): SitePlanSlot {
  const element = h("div", { class: "board__map" });
  let map: SiteMap | null = null;
  let disposed = false;

  void Promise.all([listCommunities(), listResidents()])
    .then(([communities, residents]) => {
      if (disposed) return;
      const grids = gridsInScope(me, communities.flatMap((c) => c.grids));
      if (grids.length === 0) return;
      map = siteMap(grids, residents, selected, select);
      element.replaceChildren(map.element);
      element.parentElement?.classList.remove("board__body--no-map");
      shown();
    })
    .catch((error: unknown) => console.warn("No site plan", error));

  return {
    element,
    update: (alerts) => map?.update(alerts),
    gridName: (gridId) => element.querySelector(`[data-grid-id="${gridId}"]`)?.getAttribute("data-grid-name") ?? null,
    dispose() {
      disposed = true;
    },
  };
}

/** The grids a person looks after: a grid worker their grid, staff their community, admins all. */
function gridsInScope(me: Me, grids: GridDto[]): GridDto[] {
  if (me.roles.includes("Admin")) return grids;
  if (me.gridId) return grids.filter((g) => g.id === me.gridId);
  if (me.communityId) return grids.filter((g) => g.communityId === me.communityId);
  return [];
}
