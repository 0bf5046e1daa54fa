// Cases (接诉即办) and services for residents in special difficulty.

import { request } from "./http";
import type { CaseDto, ServiceDto } from "./types";

export const CASE_CATEGORIES = ["safety_hazard", "repair", "care_need", "complaint", "other"] as const;
export const CASE_CHANNELS = ["desk_phone", "resident", "family", "grid_worker"] as const;
export const CASE_OUTCOMES = ["fixed", "referred", "no_action_needed", "withdrawn"] as const;
export const SERVICE_KINDS = ["meal", "bathing", "cleaning", "medical_escort", "companionship", "other"] as const;

export interface OpenCase {
  category: string;
  description: string;
  channel?: string;
  residentId: number;
}

export const cases = {
  list: (): Promise<CaseDto[]> => request<CaseDto[]>("GET", "/api/cases?status=all&limit=200"),
  open: (body: OpenCase): Promise<CaseDto> => request<CaseDto>("POST", "/api/cases", { body }),
  assign: (id: number): Promise<CaseDto> => request<CaseDto>("POST", `/api/cases/${id}/assign`, { body: {} }),
  onSite: (id: number): Promise<CaseDto> => request<CaseDto>("POST", `/api/cases/${id}/on-site`, { body: {} }),
  resolve: (id: number, outcome: string, note: string): Promise<CaseDto> =>
    request<CaseDto>("POST", `/api/cases/${id}/resolve`, { body: { outcome, note: note || null } }),
  rate: (id: number, rating: number, comment: string): Promise<CaseDto> =>
    request<CaseDto>("POST", `/api/cases/${id}/rating`, { body: { rating, comment: comment || null } }),
};

export const services = {
  list: (residentId: number): Promise<ServiceDto[]> => request<ServiceDto[]>("GET", `/api/services?residentId=${residentId}`),
  record: (residentId: number, kind: string, provider: string, note: string): Promise<ServiceDto> =>
    request<ServiceDto>("POST", "/api/services", { body: { residentId, kind, provider: provider || null, note: note || null } }),
  rate: (id: number, rating: number): Promise<ServiceDto> => request<ServiceDto>("POST", `/api/services/${id}/rating`, { body: { rating } }),
};
