import { request } from "./http";
import type { GatewayDto } from "./types";

/** Gateways with their health (technicians: all; duty staff: their communities'). */
export function listGateways(): Promise<GatewayDto[]> {
  return request<GatewayDto[]>("GET", "/api/gateways");
}
