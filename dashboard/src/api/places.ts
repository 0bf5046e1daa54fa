import { request } from "./http";
import type { CommunityDto, ResidentDetailDto, ResidentDto } from "./types";

/** Communities with their grids (staff and technicians). */
export function listCommunities(): Promise<CommunityDto[]> {
  return request<CommunityDto[]>("GET", "/api/communities");
}

/** Residents in the caller's scope (a family member: their relatives). */
export function listResidents(): Promise<ResidentDto[]> {
  return request<ResidentDto[]>("GET", "/api/residents");
}

export function getResident(id: number): Promise<ResidentDetailDto> {
  return request<ResidentDetailDto>("GET", `/api/residents/${id}`);
}
