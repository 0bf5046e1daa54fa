import { request } from "./http";
import type { AlertDto, ResolveRequest } from "./types";

/** Open alerts in the caller's scope (the hub filters by role, grid and family ties). */
export function listOpenAlerts(signal?: AbortSignal): Promise<AlertDto[]> {
  return request<AlertDto[]>("GET", "/api/alerts?status=open", signal ? { signal } : {});
}

export function acknowledgeAlert(id: number): Promise<AlertDto> {
  return request<AlertDto>("POST", `/api/alerts/${id}/ack`, { body: {} });
}

export function resolveAlert(id: number, body: ResolveRequest): Promise<AlertDto> {
  return request<AlertDto>("POST", `/api/alerts/${id}/resolve`, { body });
}
