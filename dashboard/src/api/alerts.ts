import { request } from "./http";
import type { AlertDto, ResolveRequest } from "./types";

/** The hub's page size cap for `GET /api/alerts` (its default is 200, too few for a busy board). */
export const OPEN_ALERTS_LIMIT = 1000;

/** Open alerts in the caller's scope (the hub filters by role, grid and family ties), newest first. */
export function listOpenAlerts(signal?: AbortSignal): Promise<AlertDto[]> {
  return request<AlertDto[]>("GET", `/api/alerts?status=open&limit=${OPEN_ALERTS_LIMIT}`, signal ? { signal } : {});
}

export function acknowledgeAlert(id: number): Promise<AlertDto> {
  return request<AlertDto>("POST", `/api/alerts/${id}/ack`, { body: {} });
}

export function resolveAlert(id: number, body: ResolveRequest): Promise<AlertDto> {
  return request<AlertDto>("POST", `/api/alerts/${id}/resolve`, { body });
}

/** History: every alert of one resident the caller may see, with those of their household's shared devices
 * (a kitchen smoke detector belongs to no one resident), newest first. */
/** Two years of the resident's alerts (and their household's shared devices') as CSV, by the list's access rules. */
export function alertsCsvUrl(residentId: number, now = new Date()): string {
  const from = new Date(now.getTime() - 730 * 24 * 3_600_000);
  const q = new URLSearchParams({ residentId: String(residentId), from: from.toISOString(), to: now.toISOString() });
  return `/api/alerts/export.csv?${q.toString()}`;
}

export function listResidentAlerts(residentId: number, limit = 50): Promise<AlertDto[]> {
  return request<AlertDto[]>("GET", `/api/alerts?status=all&residentId=${residentId}&household=true&limit=${limit}`);
}
