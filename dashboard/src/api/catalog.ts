import { request } from "./http";
import type { CatalogDto } from "./types";

/** `GET /api/catalog` (public; the hub lets browsers keep it for an hour). */
export function fetchCatalog(): Promise<CatalogDto> {
  return request<CatalogDto>("GET", "/api/catalog", { cache: "default" });
}
